// common/lane_min without subgroups: lane_min merges through workgroup memory. The same
// functions as common/lane_min_subgroups, so a kernel composes one or the other unchanged.

fn lane_min_setup(lid: u32) -> bool {
  return false;
}

// The group's minimum for its lane 0 (see common/lane_min); `fast` is lane_min_setup's result.
fn lane_min(lid: u32, m: MinArg, fast: bool) -> MinArg {
  return lane_min_workgroup(lid, m);
}
