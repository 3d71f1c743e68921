// Harmony's block bookkeeping: O[k,b] += SIGN · Σ_{t in [lo, hi), batch[order[t]] = b} R[order[t], k]
// for one block of the shuffled cell order (SIGN −1 removes the block's cells before their
// assignments are recomputed, +1 puts them back). O is kept as Kahan pairs (value, compensation)
// so thousands of removals and additions per fit do not drift in float32.
// Bindings: 0 order n u32 · 1 batch n u32 · 2 R n×K f32 · 3 O K×B vec2f (read_write) ·
// 4 shape uniform {n, lo, hi, segRows}.
// Dispatch: K·B workgroups, one per (k, b); its WG threads stride over the block's cells and
// one fixed-tree workgroup sum (common/workgroup_sum) gives the total, so the result is
// deterministic. Workgroup memory: WG f32.
// Composed with common/grid, common/kahan, common/workgroup_sum.

override WG: u32 = 64u;
override K: u32 = 1u;
override B: u32 = 1u;
override SIGN: f32 = 1.0;

struct Shape { n: u32, lo: u32, hi: u32, seg_rows: u32 }

@group(0) @binding(0) var<storage, read> order: array<u32>;
@group(0) @binding(1) var<storage, read> batch: array<u32>;
@group(0) @binding(2) var<storage, read> R: array<f32>;
@group(0) @binding(3) var<storage, read_write> O: array<vec2f>;
@group(0) @binding(4) var<uniform> shape: Shape;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = group_index(wid, nwg);
  let k = j / B;
  let b = j % B;
  var acc = 0.0;
  if (j < K * B) {
    for (var t = shape.lo + lid; t < shape.hi; t += WG) {
      let i = order[t];
      if (batch[i] == b) { acc += R[i * K + k]; }
    }
  }
  let total = workgroup_sum(lid, acc);
  if (lid == 0u && j < K * B) {
    var o = O[j];
    kahan_add(&o, SIGN * total);
    O[j] = o;
  }
}
