// Harmony: distances of every cell to the unit centroids and their scaled exponentials, and the
// initial soft assignment.
//   distances:   dist[i,k] = 2(1 − Y_k·zcos_i); scale[i,k] = exp(−dist[i,k]/σ_k − max_k'(−dist[i,k']/σ_k'))
//   soft_assign: R[i,k] = scale[i,k] / Σ_k' scale[i,k'] (softmax of −dist/σ).
// Bindings: 0 zcos n×D f32 · 1 Y K×D f32 · 2 params f32 [σ (K), θ (B), Pr_b (B)] · 3 dist n×K ·
// 4 scale n×K · 5 R n×K · 6 shape uniform {n, lo, hi, segRows}. Each entry point binds only
// what it uses.
// Dispatch: ceil(n / WG) workgroups over (x, y); one thread per cell, K·D multiply-adds each.
// Workgroup memory: none. Tiling: none (Y is K·D ≤ a few thousand floats, read from cache).
// Composed with common/grid.

override WG: u32 = 64u;
override D: u32 = 1u;
override K: u32 = 1u;

struct Shape { n: u32, lo: u32, hi: u32, seg_rows: u32 }

@group(0) @binding(0) var<storage, read> zcos: array<f32>;
@group(0) @binding(1) var<storage, read> Y: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> dist: array<f32>;
@group(0) @binding(4) var<storage, read_write> scale: array<f32>;
@group(0) @binding(5) var<storage, read_write> R: array<f32>;
@group(0) @binding(6) var<uniform> shape: Shape;

@compute @workgroup_size(WG)
fn distances(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = group_index(wid, nwg) * WG + lid;
  if (i >= shape.n) { return; }
  var top = -3.4e38;
  for (var k = 0u; k < K; k++) {
    var dot = 0.0;
    for (var f = 0u; f < D; f++) { dot += Y[k * D + f] * zcos[i * D + f]; }
    let dk = 2.0 * (1.0 - dot);
    dist[i * K + k] = dk;
    top = max(top, -dk / params[k]);
  }
  for (var k = 0u; k < K; k++) { scale[i * K + k] = exp(-dist[i * K + k] / params[k] - top); }
}

@compute @workgroup_size(WG)
fn soft_assign(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = group_index(wid, nwg) * WG + lid;
  if (i >= shape.n) { return; }
  var sum = 0.0;
  for (var k = 0u; k < K; k++) { sum += scale[i * K + k]; }
  for (var k = 0u; k < K; k++) { R[i * K + k] = scale[i * K + k] / sum; }
}
