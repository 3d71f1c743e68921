// Second pass of the deterministic reduction: out[j] = Σ_s partials[s·J + j] over all S
// segments, always in segment order, with Kahan compensation so that summing hundreds of
// float32 partials loses no more than a couple of ulps.
//
// Bindings: 0 partials: S×J f32 (read) · 1 out: J f32 (write) · 2 shape: uniform {S, J, _, _}.
// Dispatch: ceil(J / WG) workgroups over (x, y); one thread per output j.
// Workgroup memory: none.
// Tiling: none; thread j reads word j of every segment's block (coalesced). Bytes: 4·S·J of
// partials, no data rows.
// Composed with common/grid, common/kahan (src/gpu/shared-kernels.ts).

override WG: u32 = 256u;

struct Shape { segments: u32, width: u32, a: u32, b: u32 }

@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> shape: Shape;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = group_index(wid, nwg) * WG + lid;
  if (j >= shape.width) { return; }
  var sum = vec2f(0.0);
  for (var s = 0u; s < shape.segments; s++) { kahan_add(&sum, partials[s * shape.width + j]); }
  out[j] = sum.x;
}
