// Gaussian-mixture E-step of one data chunk, fused: for each row i and component c,
//   a_ic = const_c − ½‖y_ic‖², const_c = log π_c − ½·D·log 2π + Σ_j log U_c,jj,
// where y_ic = (x_i − μ_c)ᵀ U_c with U_c the Cholesky factor of the precision (upper
// triangular; COV 0 full: one per component, 1 tied: one shared), or y_ic,j = (x_ij − μ_cj)·u_cj
// (2 diag: u = 1/σ per feature; 3 spherical: one u per component). No n×k×d×d intermediate.
// Then the stable row-wise logsumexp: score_i = log p(x_i) = lse_c a_ic, resp_ic = exp(a_ic −
// score_i), label_i = argmax_c a_ic (ties to the lower index). Dropped components have
// const_c = −f32max and get zero responsibility.
//
// Bindings: 0 x: rows×D f32 (common/x_f32) or packed f16 (common/x_f16, opt-in), then the
// sample weights (unused here) · 1 means: K×D f32 · 2 prec: precision factors (K·D·D | D·D | K·D | K) ·
// 3 consts: K f32 · 4 resp: rows×K f32 (write) · 5 score: rows f32 (write) · 6 labels: rows u32
// (write) · 7 chunk: uniform {rows, segOffset, segRows, rowOffset}.
// Dispatch: one thread per row, WG rows per workgroup, over (x, y) past 65535 workgroups.
// Workgroup memory: none (the row's log-densities are staged in its own resp row).
// Tiling: none; parameters are read from storage (the same address in every thread). Used by
// evaluate() (EM iterations use fused.wgsl). Bytes per row: 4·D read (f16 storage: 2·D), 4·K + 8 written.
// Composed with common/grid, common/chunk, common/x_f32 or common/x_f16, common/logsumexp,
// common/gmm_quad (src/backends/webgpu/gmm-kernels.ts).

override D: u32;
override K: u32;
override COV: u32 = 0u;
override WG: u32 = 256u;

@group(0) @binding(1) var<storage, read> means: array<f32>;
@group(0) @binding(2) var<storage, read> prec: array<f32>;
@group(0) @binding(3) var<storage, read> consts: array<f32>;
@group(0) @binding(4) var<storage, read_write> resp: array<f32>;
@group(0) @binding(5) var<storage, read_write> score: array<f32>;
@group(0) @binding(6) var<storage, read_write> labels: array<u32>;
@group(0) @binding(7) var<uniform> chunk: Chunk;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = group_index(wid, nwg) * WG + lid;
  if (row >= chunk.rows) { return; }
  let base = row * D;
  let rb = row * K;
  var amax = -3.40282346638528859812e+38f;
  var arg = 0u;
  for (var c = 0u; c < K; c++) {
    let a = consts[c] - 0.5 * quad(base, c);
    resp[rb + c] = a;
    if (a > amax) { amax = a; arg = c; }
  }
  let lse = amax + log(resp_shifted_sum(rb, amax));
  resp_normalise(rb, lse);
  score[row] = lse;
  labels[row] = arg;
}
