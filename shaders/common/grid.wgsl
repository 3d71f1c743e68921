// The dispatch grid every kernel shares. A dispatch of more than 65535 workgroups is laid out
// over (x, y) (src/gpu/runner.ts), so a kernel's linear workgroup index is
// wid.y·num_workgroups.x + wid.x; one-thread-per-item kernels then take item
// group_index(wid, nwg)·WG + local_invocation_index and return past the end.

fn group_index(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.y * nwg.x + wid.x;
}
