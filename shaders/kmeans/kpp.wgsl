// Greedy k-means++ seeding on the GPU, two entry points over one data chunk.
//
// `candidates`: for L candidate centres (rows of `centroids`), each row's potential
//   m_il = s_i·min(closest_i, ‖x_i − cand_l‖²) (or s_i times the distance when step.first == 1,
//   the first centre; s_i the sample weight, so sampling is ∝ s·D² as scikit-learn's), summed
//   per segment of chunk.segRows rows by a workgroup tree reduction:
//   partials[(segOffset + seg)·L + l]. The host sums segments in float64, keeps the best
//   candidate, and reuses that candidate's segment sums to sample the next one.
// `commit`: closest_i = min(closest_i, ‖x_i − cands[sel]‖²) (or the distance when step.first == 1).
//
// Bindings: 0 x: rows×D f32 (common/x_f32) or packed f16 (common/x_f16), then rows sample weights · 1 closest: rows f32 (read_write) · 2 centroids: MAXL×D f32, the candidates ·
// 3 partials: segments×L f32 (write) · 4 chunk: uniform {rows, segOffset, segRows, rowOffset} ·
// 5 step: uniform {L, sel, first, _}.
// Dispatch: `candidates`: one workgroup per segment; `commit`: one thread per row. Both over
// (x, y) past 65535 workgroups.
// Workgroup memory: `candidates` uses common/workgroup_sum's WG floats, once per candidate; each
// thread keeps its MAXL running sums in registers. `commit`: none.
// Tiling: none; rows strided over the workgroup's threads. Bytes per row: `candidates`
// 4·(D + 1) + 4, `commit` 4·D + 8.
// Composed with common/grid, common/chunk, common/x_f32 or common/x_f16, common/sqdist, common/workgroup_sum
// (src/backends/webgpu/kmeans-kernels.ts).

override D: u32;
override WG: u32 = 256u;
const MAXL: u32 = 16u;

struct Step { L: u32, sel: u32, first: u32, b: u32 }

@group(0) @binding(1) var<storage, read_write> closest: array<f32>;
@group(0) @binding(2) var<storage, read> centroids: array<f32>; // the candidate centres
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;
@group(0) @binding(4) var<uniform> chunk: Chunk;
@group(0) @binding(5) var<uniform> step: Step;

@compute @workgroup_size(WG)
fn candidates(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let seg = group_index(wid, nwg);
  let span = segment_rows(seg);
  let L = min(step.L, MAXL);
  var acc: array<f32, MAXL>;
  for (var l = 0u; l < MAXL; l++) { acc[l] = 0.0; }
  for (var r = span.x + lid; r < span.y; r += WG) {
    let cur = closest[r];
    let w = x_weight(r);
    for (var l = 0u; l < L; l++) {
      let s = sqdist(r, l);
      acc[l] += w * select(min(cur, s), s, step.first == 1u);
    }
  }
  // One tree reduction per candidate, in a fixed order: deterministic.
  for (var l = 0u; l < L; l++) {
    let total = workgroup_sum(lid, acc[l]);
    if (lid == 0u && span.x < span.y) { partials[(chunk.segOffset + seg) * L + l] = total; }
  }
}

@compute @workgroup_size(WG)
fn commit(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = group_index(wid, nwg) * WG + lid;
  if (row >= chunk.rows) { return; }
  let s = sqdist(row, step.sel);
  closest[row] = select(min(closest[row], s), s, step.first == 1u);
}
