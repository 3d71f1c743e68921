// Evaluates the float32 special functions of common/lgamma.wgsl at given points, so tests can
// compare them with the float64 reference (test/gpu/nbmm-lgamma.test.ts).
//   MODE 0: out[i] = lgamma_f32(a[i])      MODE 1: out[i] = ln_f32(a[i])
//   MODE 2: out[i] = log1p_f32(a[i])       MODE 3: out[i] = lrising_f32(a[i], b[i])
//   MODE 4, 5, 6: the value and first and second r-derivatives of common/polygamma's lrising3_f32(a[i], b[i])
//
// Bindings: 0 a: N f32 · 1 b: N f32 (MODE ≥ 3; else unused but bound) · 2 out: N f32 (write) ·
// 3 shape: uniform {N, _, _, _}.
// Dispatch: one thread per point, ceil(N / WG) workgroups over (x, y).
// Workgroup memory: none.
// Tiling: none. Bytes per point: 8 (12 in MODE ≥ 3).
// Composed with common/grid, common/lgamma, common/polygamma (src/backends/webgpu/nbmm-kernels.ts).

override MODE: u32 = 0u;
override WG: u32 = 64u;

struct Shape { count: u32, a: u32, b: u32, c: u32 }

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> shape: Shape;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = group_index(wid, nwg) * WG + lid;
  if (i >= shape.count) { return; }
  let x = a[i];
  var v = 0.0;
  if (MODE == 0u) { v = lgamma_f32(x); }
  else if (MODE == 1u) { v = ln_f32(x); }
  else if (MODE == 2u) { v = log1p_f32(x); }
  else if (MODE == 3u) { v = lrising_f32(x, b[i]); }
  else { v = lrising3_f32(x, b[i])[(MODE + 2u) % 3u]; } // MODE 4, 5, 6 → component 0, 1, 2
  out[i] = v;
}
