// Harmony's diversity-penalised assignment of one block of cells (harmonypy's update_R, step 2):
// for cell i = order[t], t in [lo, hi), of batch b:
//   R[i,k] ∝ scale[i,k] · ((E[k,b] + 1) / (O[k,b] + 1))^θ_b,   E[k,b] = Pr_b · Σ_b' O[k,b'],
// normalised over k. O holds the other cells only (block_sums removed this block's first).
// Bindings: 0 order n u32 · 1 batch n u32 · 2 params f32 [σ (K), θ (B), Pr_b (B)] · 3 scale n×K f32 ·
// 4 O K×B vec2f (read) · 5 R n×K f32 (read_write) · 6 shape uniform {n, lo, hi, segRows}.
// Dispatch: ceil((hi − lo) / WG) workgroups over (x, y); one thread per cell of the block, K·(B + 2)
// work each. Workgroup memory: none.
// Composed with common/grid.

override WG: u32 = 64u;
override K: u32 = 1u;
override B: u32 = 1u;

struct Shape { n: u32, lo: u32, hi: u32, seg_rows: u32 }

@group(0) @binding(0) var<storage, read> order: array<u32>;
@group(0) @binding(1) var<storage, read> batch: array<u32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read> scale: array<f32>;
@group(0) @binding(4) var<storage, read> O: array<vec2f>;
@group(0) @binding(5) var<storage, read_write> R: array<f32>;
@group(0) @binding(6) var<uniform> shape: Shape;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let t = shape.lo + group_index(wid, nwg) * WG + lid;
  if (t >= shape.hi) { return; }
  let i = order[t];
  let b = batch[i];
  let theta = params[K + b];
  let prb = params[K + B + b];
  var sum = 0.0;
  for (var k = 0u; k < K; k++) {
    var row = 0.0;
    for (var c = 0u; c < B; c++) { row += O[k * B + c].x; }
    let pen = pow((prb * row + 1.0) / (O[k * B + b].x + 1.0), theta);
    let v = scale[i * K + k] * pen;
    R[i * K + k] = v;
    sum += v;
  }
  for (var k = 0u; k < K; k++) { R[i * K + k] = R[i * K + k] / sum; }
}
