// The per-gene statistics of the negative-binomial M-step, V_cgl and X_cg, from the 64-bit
// fixed-point totals the one-pass kernel (fused.wgsl) left in `acc` after the last chunk: output o
// = (g·K + c)·(J+1) + l becomes the float32 nearest (within about one ulp) to its exact total
// times 2^−gexp_g (common/fixed64.wgsl). Reads no count data; the host clears `acc` before the
// next E-step.
//
// Bindings: 0 acc: D×K×(J+1)×2 u32 (read) · 1 params: f32 (gexp D after the nodes; layout in
// zero_table.wgsl) · 2 out: D×K×(J+1) f32 (write; what the host or the device M-step reads).
// Dispatch: one thread per output, ceil(D·K·(J+1) / WG) workgroups over (x, y).
// Workgroup memory: none. Tiling: none. Bytes per output: 8 read, 4 written (no data rows).
// Composed with common/grid, common/fixed64 (src/backends/webgpu/nbmm-kernels.ts).

override K: u32;
override D: u32;
override J: u32;
override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> acc: array<vec2u>;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = group_index(wid, nwg) * WG + lid;
  let per = K * (J + 1u);
  if (o >= D * per) { return; }
  let offExp = 2u * K * D + D + K + K * J + J;
  out[o] = fixed_to_f32(acc[o], i32(params[offExp + o / per]));
}
