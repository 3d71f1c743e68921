// Library-size normalisation (scanpy's normalize_total) and log1p of one CSR chunk. For row i
// the total T_i = Σ x is summed in storage order with Kahan compensation, then every stored
// value becomes y = x / (T_i / target) and, when LOG, log1p(y) (computed as log(u)·y/(u − 1),
// u = 1 + y, accurate for small y). A row with T_i = 0 is divided by 1, as scanpy does, so it
// stays zero. One thread per row; each writes only its own entries: deterministic.
//
// Bindings: 0 indptr: rows + 1 u32 · 1 raw: nnz f32 · 2 norm: nnz f32 (write) ·
// 3 totals: rows f32 (write) · 4 chunk: uniform {rows, nnz, d, _} · 5 params: uniform {target, _, _, _}.
// Dispatch: ceil(rows / WG) workgroups over (x, y); one thread per row.
// Workgroup memory: none.
// Tiling: none. Bytes per stored entry: 4 read twice (total, then values) and 4 written; per row
// 8 of indptr and 4 of total.
// Composed with common/grid, common/csr_chunk, common/kahan (src/backends/webgpu/sc/kernels.ts).

override WG: u32 = 64u;
override LOG: bool = true;

struct Params { targetSum: f32, a: f32, b: f32, c: f32 }

@group(0) @binding(0) var<storage, read> indptr: array<u32>;
@group(0) @binding(1) var<storage, read> raw: array<f32>;
@group(0) @binding(2) var<storage, read_write> norm: array<f32>;
@group(0) @binding(3) var<storage, read_write> totals: array<f32>;
@group(0) @binding(4) var<uniform> chunk: CsrChunk;
@group(0) @binding(5) var<uniform> params: Params;

fn log1p_(y: f32) -> f32 {
  let u = 1.0 + y;
  if (u == 1.0) { return y; }
  return log(u) * (y / (u - 1.0));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = group_index(wid, nwg) * WG + lid;
  if (row >= chunk.rows) { return; }
  let start = indptr[row];
  let end = indptr[row + 1u];
  var total = vec2f(0.0);
  for (var p = start; p < end; p++) { kahan_add(&total, raw[p]); }
  let sum = total.x;
  totals[row] = sum;
  var div = sum / params.targetSum;
  if (sum == 0.0) { div = 1.0; }
  for (var p = start; p < end; p++) {
    let y = raw[p] / div;
    if (LOG) { norm[p] = log1p_(y); } else { norm[p] = y; }
  }
}
