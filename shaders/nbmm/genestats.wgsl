// Per-gene statistics of the negative-binomial M-step, gathered over each gene's nonzeros through a
// CSC copy of the chunk (built once on the host), so no thread scatters and no float atomics are
// needed: for gene g and component c,
//   V_cgl = Σ_{i: x_ig>0} w_i·r_ic·x_ig·ℓ_l(s_i)  (l < J)   and   X_cg = Σ_i w_i·r_ic·x_ig  (l = J),
// w_i the cell's sample weight (ones when unweighted: w·r = r exactly, so those sums keep their bits).
// One thread owns one output and walks the gene's nonzeros in row order with Kahan compensation;
// chunks are added in order (the first chunk overwrites), so the sums are deterministic. Work
// O(nnz·K·(J+1)); the output (D×K×(J+1) floats) is what the host reads back, independent of n.
//
// Bindings: 0 colptr: D+1 u32 (chunk-local CSC) · 1 rowidx: nnz u32 (chunk rows) · 2 cvals: nnz f32 ·
// 3 cells: rows×(J+1) f32 [s, ℓ…] · 4 weight: rows f32 (sample weights) · 5 resp: rows×K f32 ·
// 6 out: D×K×(J+1) f32 (read_write) · 7 chunk: uniform {rows, segOffset, segRows, rowOffset}.
// Dispatch: one thread per output, ceil(D·K·(J+1) / WG) workgroups over (x, y).
// Workgroup memory: none.
// Tiling: none. Bytes: each of a gene's K·(J + 1) output threads walks the gene's CSC
// nonzeros: 8 per nonzero (row, value) plus 4·(J + 2) of the cell's table and weight and 4 of its
// responsibility, per output (mostly from cache).
// Composed with common/grid, common/chunk, common/kahan (src/backends/webgpu/nbmm-kernels.ts).

override K: u32;
override D: u32;
override J: u32;
override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> colptr: array<u32>;
@group(0) @binding(1) var<storage, read> rowidx: array<u32>;
@group(0) @binding(2) var<storage, read> cvals: array<f32>;
@group(0) @binding(3) var<storage, read> cells: array<f32>;
@group(0) @binding(4) var<storage, read> weight: array<f32>;
@group(0) @binding(5) var<storage, read> resp: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
@group(0) @binding(7) var<uniform> chunk: Chunk;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = group_index(wid, nwg) * WG + lid;
  let per = K * (J + 1u);
  if (o >= D * per) { return; }
  let g = o / per;
  let c = (o % per) / (J + 1u);
  let l = o % (J + 1u);
  var sum = vec2f(0.0);
  for (var p = colptr[g]; p < colptr[g + 1u]; p++) {
    let r = rowidx[p];
    var v = (weight[r] * resp[r * K + c]) * cvals[p];
    if (l < J) { v = v * cells[r * (J + 1u) + 1u + l]; }
    kahan_add(&sum, v);
  }
  if (chunk.rowOffset == 0u) { out[o] = sum.x; } else { out[o] = out[o] + sum.x; }
}
