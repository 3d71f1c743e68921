// Nearest centroid for every row of one data chunk (the hard k-means E-step), fused: the n×k
// distance matrix is never stored. Writes each row's label and squared distance, and counts
// rows whose label changed (integer atomics, so the count is exact and deterministic).
//
// Bindings: 0 x: rows×D f32 (then the sample weights, unused here) (read) · 1 centroids: K×D f32 (read) · 2 labels: rows u32
// (read_write; previous labels in, new labels out) · 3 dist: rows f32 (write) ·
// 4 chunk: uniform {rows, segOffset, segRows, rowOffset} · 5 changed: atomic u32 (read_write).
// Dispatch: one thread per row, WG rows per workgroup, workgroups laid out over (x, y) when
// there are more than 65535; the linear workgroup index is wid.y * num_workgroups.x + wid.x.
// Ties go to the lower centroid index, as numpy's argmin.
// Workgroup memory: one atomic u32, the workgroup's changed-label count (one global atomic per workgroup).
// Composed with common/grid, common/chunk, common/sqdist (src/backends/webgpu/kmeans-kernels.ts).

override D: u32;
override K: u32;
override WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> centroids: array<f32>;
@group(0) @binding(2) var<storage, read_write> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> dist: array<f32>;
@group(0) @binding(4) var<uniform> chunk: Chunk;
@group(0) @binding(5) var<storage, read_write> changed: atomic<u32>;

var<workgroup> wgChanged: atomic<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  if (lid == 0u) { atomicStore(&wgChanged, 0u); }
  workgroupBarrier();
  let row = group_index(wid, nwg) * WG + lid;
  if (row < chunk.rows) {
    var best = 3.40282346638528859812e+38f;
    var arg = 0u;
    for (var c = 0u; c < K; c++) {
      let s = sqdist(row, c);
      if (s < best) { best = s; arg = c; }
    }
    if (labels[row] != arg) { atomicAdd(&wgChanged, 1u); }
    labels[row] = arg;
    dist[row] = best;
  }
  workgroupBarrier();
  if (lid == 0u) {
    let c = atomicLoad(&wgChanged);
    if (c > 0u) { atomicAdd(&changed, c); }
  }
}
