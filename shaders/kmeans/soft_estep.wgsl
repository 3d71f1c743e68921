// Soft k-means E-step of one data chunk, and distances for transform(). For each row i:
//   MODE 0: a_ic = −β‖x_i − c‖²; lse_i = max_c a_ic + log Σ_c exp(a_ic − max) (stable
//           row-wise logsumexp); resp[i, c] = exp(a_ic − lse_i); score_i = −lse_i / β;
//           mind_i = min_c ‖x_i − c‖² (used to relocate empty clusters).
//   MODE 1: resp[i, c] = ‖x_i − c‖ (Euclidean, as scikit-learn's transform); score, mind unused.
// Only one chunk's rows×K block exists at a time; the M-step consumes it before the next chunk.
//
// Bindings: 0 x: rows×D f32 (common/x_f32) or packed f16 (common/x_f16) (then the sample weights, unused here) · 1 centroids: K×D f32 · 2 resp: rows×K f32 (write) ·
// 3 score: rows f32 (write) · 4 mind: rows f32 (write) · 5 chunk: uniform {rows, segOffset, segRows, rowOffset} ·
// 6 beta: uniform {β, _, _, _}.
// Dispatch: one thread per row, WG rows per workgroup, over (x, y) past 65535 workgroups.
// Workgroup memory: none (the row's log-weights are staged in its own resp row).
// Tiling: none. Used for the final responsibilities and transform() (EM iterations use
// fused.wgsl). Bytes per row: 4·D read, 4·K + 8 written.
// Composed with common/grid, common/chunk, common/x_f32 or common/x_f16, common/sqdist, common/logsumexp
// (src/backends/webgpu/kmeans-kernels.ts).

override D: u32;
override K: u32;
override MODE: u32 = 0u;
override WG: u32 = 256u;

struct Beta { beta: f32, a: f32, b: f32, c: f32 }

@group(0) @binding(1) var<storage, read> centroids: array<f32>;
@group(0) @binding(2) var<storage, read_write> resp: array<f32>;
@group(0) @binding(3) var<storage, read_write> score: array<f32>;
@group(0) @binding(4) var<storage, read_write> mind: array<f32>;
@group(0) @binding(5) var<uniform> chunk: Chunk;
@group(0) @binding(6) var<uniform> params: Beta;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = group_index(wid, nwg) * WG + lid;
  if (row >= chunk.rows) { return; }
  let rb = row * K;
  if (MODE == 1u) {
    for (var c = 0u; c < K; c++) { resp[rb + c] = sqrt(sqdist(row, c)); }
    return;
  }
  let beta = params.beta;
  var amax = -3.40282346638528859812e+38f;
  var dmin = 3.40282346638528859812e+38f;
  // Pass 1: log-weights into the output row, and their maximum.
  for (var c = 0u; c < K; c++) {
    let s = sqdist(row, c);
    dmin = min(dmin, s);
    let a = -beta * s;
    resp[rb + c] = a;
    amax = max(amax, a);
  }
  // Pass 2: the shifted sum; every term ≤ 1 and the largest is exactly 1, so no overflow or total underflow.
  let lse = amax + log(resp_shifted_sum(rb, amax));
  resp_normalise(rb, lse);
  score[row] = -lse / beta;
  mind[row] = dmin;
}
