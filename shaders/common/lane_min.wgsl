// The least (value, index) pair over each group of CL consecutive invocations ("lanes": the
// lanes of one row, local ids g·CL … g·CL + CL − 1), ties to the lower index, for kernels that
// split one row's candidates over CL lanes. The result is the lexicographic minimum of the CL
// pairs: a set has one such minimum whatever order its pairs are compared in (values are never
// NaN: a lane only keeps a value that compared less), so every way of merging (this file's lane
// order through workgroup memory, common/lane_min_subgroups' shuffle butterfly) gives the same
// bits. This file holds the pair type, the comparison and the workgroup-memory merge; the kernel
// composes it with either common/lane_min_workgroup (no subgroups) or common/lane_min_subgroups,
// both of which define lane_min_setup and lane_min. Needs the kernel's overrides CL (a power of
// two ≤ WG) and LV (WG when CL > 1, else 1). Workgroup memory: lv, li (LV words each).

struct MinArg { v: f32, i: u32 }

var<workgroup> lv: array<f32, LV>;
var<workgroup> li: array<u32, LV>;

// Whether b comes before a: a smaller value, or the same value at a lower index.
fn min_arg_before(b: MinArg, a: MinArg) -> bool {
  return b.v < a.v || (b.v == a.v && b.i < a.i);
}

// Merge through workgroup memory: every lane writes its pair, the group's first lane merges the
// others in lane order. Holds a barrier (call from uniform control flow); only lane 0 of a group
// gets the group's minimum, the others get their own pair back.
fn lane_min_workgroup(lid: u32, m: MinArg) -> MinArg {
  if (CL > 1u) { lv[lid] = m.v; li[lid] = m.i; }
  workgroupBarrier();
  var best = m;
  if (lid % CL == 0u) {
    for (var l = 1u; l < CL; l++) {
      let o = MinArg(lv[lid + l], li[lid + l]);
      if (min_arg_before(o, best)) { best = o; }
    }
  }
  return best;
}
