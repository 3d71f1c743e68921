// Harmony's mixture-of-experts correction of every cell: z_corr[i,f] = z[i,f] − Σ_k R[i,k]·W[k, b_i, f]
// (W the per-cluster ridge coefficients of the batches, intercepts dropped, solved on the host),
// and zcos_i = z_corr_i / ‖z_corr_i‖ (a zero row stays zero).
// Bindings: 0 z n×D f32 · 1 R n×K f32 · 2 batch n u32 · 3 W K×B×D f32 · 4 z_corr n×D f32 ·
// 5 zcos n×D f32 · 6 shape uniform {n, lo, hi, segRows}.
// Dispatch: ceil(n / WG) workgroups over (x, y); one thread per cell, K·D multiply-adds.
// Workgroup memory: none.
// Composed with common/grid.

override WG: u32 = 64u;
override D: u32 = 1u;
override K: u32 = 1u;
override B: u32 = 1u;

struct Shape { n: u32, lo: u32, hi: u32, seg_rows: u32 }

@group(0) @binding(0) var<storage, read> z: array<f32>;
@group(0) @binding(1) var<storage, read> R: array<f32>;
@group(0) @binding(2) var<storage, read> batch: array<u32>;
@group(0) @binding(3) var<storage, read> W: array<f32>;
@group(0) @binding(4) var<storage, read_write> zcorr: array<f32>;
@group(0) @binding(5) var<storage, read_write> zcos: array<f32>;
@group(0) @binding(6) var<uniform> shape: Shape;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = group_index(wid, nwg) * WG + lid;
  if (i >= shape.n) { return; }
  let b = batch[i];
  var ss = 0.0;
  for (var f = 0u; f < D; f++) {
    var v = z[i * D + f];
    for (var k = 0u; k < K; k++) { v -= R[i * K + k] * W[(k * B + b) * D + f]; }
    zcorr[i * D + f] = v;
    ss += v * v;
  }
  var inv = 0.0;
  if (ss > 0.0) { inv = inverseSqrt(ss); }
  for (var f = 0u; f < D; f++) { zcos[i * D + f] = zcorr[i * D + f] * inv; }
}
