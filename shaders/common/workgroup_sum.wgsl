// Workgroup tree reduction: workgroup_sum(lid, v) returns Σ v over the WG threads of the
// workgroup, to every thread, by halving strides in workgroup memory (wg_sum: WG f32). The
// pairing is fixed, so the sum is deterministic. Call from uniform control flow (it holds
// barriers); it ends with a barrier, so it may be called again at once. Needs the kernel to
// declare `override WG: u32` (a power of two, the workgroup size).
// workgroup_sum4 is the same tree over vec4f (wg_sum4: WG vec4f, allocated only in kernels that
// call it); its total is a uniform value (workgroupUniformLoad), so a loop may branch on it.

var<workgroup> wg_sum: array<f32, WG>;

fn workgroup_sum(lid: u32, v: f32) -> f32 {
  wg_sum[lid] = v;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width = width / 2u) {
    if (lid < width) { wg_sum[lid] = wg_sum[lid] + wg_sum[lid + width]; }
    workgroupBarrier();
  }
  let total = wg_sum[0];
  workgroupBarrier();
  return total;
}

var<workgroup> wg_sum4: array<vec4f, WG>;

fn workgroup_sum4(lid: u32, v: vec4f) -> vec4f {
  wg_sum4[lid] = v;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width = width / 2u) {
    if (lid < width) { wg_sum4[lid] = wg_sum4[lid] + wg_sum4[lid + width]; }
    workgroupBarrier();
  }
  let total = workgroupUniformLoad(&wg_sum4[0]);
  workgroupBarrier();
  return total;
}
