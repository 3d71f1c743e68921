// Harmony's per-cell objective terms: out[2i] = Σ_k R[i,k]·dist[i,k] (k-means part),
// out[2i+1] = Σ_k σ_k R[i,k] log R[i,k] (entropy part, 0·log 0 = 0). The host sums them in float64
// and adds the diversity part, which needs only O (src/harmony/fit.ts).
// Bindings: 0 R n×K f32 · 1 dist n×K f32 · 2 params f32 [σ (K), …] · 3 out 2n f32 ·
// 4 shape uniform {n, lo, hi, segRows}.
// Dispatch: ceil(n / WG) workgroups over (x, y); one thread per cell. Workgroup memory: none.
// Composed with common/grid.

override WG: u32 = 64u;
override K: u32 = 1u;

struct Shape { n: u32, lo: u32, hi: u32, seg_rows: u32 }

@group(0) @binding(0) var<storage, read> R: array<f32>;
@group(0) @binding(1) var<storage, read> dist: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> shape: Shape;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = group_index(wid, nwg) * WG + lid;
  if (i >= shape.n) { return; }
  var km = 0.0;
  var ent = 0.0;
  for (var k = 0u; k < K; k++) {
    let r = R[i * K + k];
    km += r * dist[i * K + k];
    if (r > 0.0) { ent += params[k] * r * log(r); }
  }
  out[2u * i] = km;
  out[2u * i + 1u] = ent;
}
