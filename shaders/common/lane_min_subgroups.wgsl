enable subgroups;
// common/lane_min with subgroups (composed only on a device with the 'subgroups' feature):
// the CL lanes of a group exchange pairs through subgroupShuffleXor (a butterfly of log2 CL
// steps, every lane ends with the group's minimum) instead of workgroup memory. The minimum is
// the lexicographic minimum of the same CL pairs, so the bits equal the workgroup path's.
// WGSL does not tie subgroup_invocation_id to local_invocation_index, and subgroups may be
// smaller than CL: lane_min_setup checks, once per workgroup, that the xor partner of every lane
// within its group is the invocation with local id lid ^ m for every step m < CL (so each group
// lies in one subgroup with matching lane order), and when any invocation fails the whole
// workgroup uses common/lane_min's workgroup-memory merge instead (same bits, slower).
// Workgroup memory: sg_bad (one atomic) and sg_flag (one word) beside common/lane_min's.

var<workgroup> sg_bad: atomic<u32>;
var<workgroup> sg_flag: u32;

// Whether this workgroup's subgroups hold its lane groups (workgroup-uniform). Call once, from
// uniform control flow, before lane_min.
fn lane_min_setup(lid: u32) -> bool {
  if (CL == 1u) { return false; }
  if (lid == 0u) { atomicStore(&sg_bad, 0u); }
  workgroupBarrier();
  var bad = false;
  for (var m = 1u; m < CL; m = m * 2u) {
    if (subgroupShuffleXor(lid, m) != (lid ^ m)) { bad = true; }
  }
  // A subgroup of fewer than CL active invocations cannot hold a group.
  if (subgroupAdd(1u) < CL) { bad = true; }
  if (bad) { atomicStore(&sg_bad, 1u); }
  workgroupBarrier();
  if (lid == 0u) { sg_flag = atomicLoad(&sg_bad); }
  return workgroupUniformLoad(&sg_flag) == 0u;
}

// The group's minimum (to every lane on the fast path, to lane 0 at least on the other). Holds
// a barrier either way, so callers may read what the group's lanes wrote to workgroup memory.
fn lane_min(lid: u32, m: MinArg, fast: bool) -> MinArg {
  if (!fast) { return lane_min_workgroup(lid, m); }
  var best = m;
  for (var s = 1u; s < CL; s = s * 2u) {
    let o = MinArg(subgroupShuffleXor(best.v, s), subgroupShuffleXor(best.i, s));
    if (min_arg_before(o, best)) { best = o; }
  }
  workgroupBarrier();
  return best;
}
