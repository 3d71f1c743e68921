// Harmony's sums over cells, per row segment: partials[s, (k·G + g)·(D + 1) + f] =
// Σ_{i in segment s, G = 1 or batch[i] = g} R[i,k] · (f < D ? x[i,f] : 1).
// G = 1: the centroid sums Σ_i R_ik zcos_i (and Σ_i R_ik); G = B: the mixture-of-experts sums
// per batch Σ_{i in b} R_ik z_i and O_kb. common/reduce then adds the segments in order.
// Bindings: 0 x n×D f32 · 1 R n×K f32 · 2 batch n u32 · 3 partials S×W f32 (W = K·G·(D + 1)) ·
// 4 shape uniform {n, lo, hi, segRows}.
// Dispatch: S·ceil(W / WG) workgroups over (x, y): workgroup → (segment, tile of WG outputs);
// one thread per output, looping over the segment's rows with a Kahan sum. Workgroup memory: none.
// Composed with common/grid, common/kahan.

override WG: u32 = 64u;
override D: u32 = 1u;
override K: u32 = 1u;
override G: u32 = 1u;

struct Shape { n: u32, lo: u32, hi: u32, seg_rows: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> R: array<f32>;
@group(0) @binding(2) var<storage, read> batch: array<u32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;
@group(0) @binding(4) var<uniform> shape: Shape;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let width = K * G * (D + 1u);
  let tiles = (width + WG - 1u) / WG;
  let gi = group_index(wid, nwg);
  let s = gi / tiles;
  let o = (gi % tiles) * WG + lid;
  if (o >= width) { return; }
  let k = o / (G * (D + 1u));
  let g = (o / (D + 1u)) % G;
  let f = o % (D + 1u);
  let start = s * shape.seg_rows;
  let end = min(shape.n, start + shape.seg_rows);
  var acc = vec2f(0.0);
  for (var i = start; i < end; i++) {
    if (G > 1u && batch[i] != g) { continue; }
    var v = 1.0;
    if (f < D) { v = x[i * D + f]; }
    kahan_add(&acc, R[i * K + k] * v);
  }
  partials[s * width + o] = acc.x;
}
