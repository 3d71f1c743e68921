// Per-cell quality-control sums of one CSR chunk (rows = cells): for row i, the total count
// Σ x, the number of genes detected (x > 0) and the count in the masked (e.g. mitochondrial)
// genes Σ x·[mask[g] ≠ 0]. One thread per row adds its entries in storage order with Kahan
// compensation, so the sums do not depend on the chunking or the device: deterministic, no
// atomics. Whole-number counts below 2^24 are summed exactly.
//
// Bindings: 0 indptr: rows + 1 u32 (chunk-local offsets) · 1 indices: nnz u32 · 2 values: nnz f32 ·
// 3 mask: d u32 · 4 out: rows × vec4 f32 {total, detected, masked, 0} (write) ·
// 5 chunk: uniform {rows, nnz, d, _}.
// Dispatch: ceil(rows / WG) workgroups over (x, y); one thread per row.
// Workgroup memory: none.
// Tiling: none. Bytes per stored entry: 8 (index and value) and a 4-byte mask gather; 16 per row written.
// Composed with common/grid, common/csr_chunk, common/kahan (src/backends/webgpu/sc/kernels.ts).

override WG: u32 = 64u;


@group(0) @binding(0) var<storage, read> indptr: array<u32>;
@group(0) @binding(1) var<storage, read> indices: array<u32>;
@group(0) @binding(2) var<storage, read> values: array<f32>;
@group(0) @binding(3) var<storage, read> mask: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4f>;
@group(0) @binding(5) var<uniform> chunk: CsrChunk;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = group_index(wid, nwg) * WG + lid;
  if (row >= chunk.rows) { return; }
  var total = vec2f(0.0);
  var masked = vec2f(0.0);
  var detected = 0u;
  let end = indptr[row + 1u];
  for (var p = indptr[row]; p < end; p++) {
    let x = values[p];
    kahan_add(&total, x);
    if (x > 0.0) { detected++; }
    if (mask[indices[p]] != 0u) { kahan_add(&masked, x); }
  }
  out[row] = vec4f(total.x, f32(detected), masked.x, 0.0);
}
