// Greedy k-means++ seeding on the GPU, two entry points over one data chunk.
//
// `candidates`: for L candidate centres (rows of `cands`), each row's potential
//   m_il = min(closest_i, ‖x_i − cand_l‖²) (or just the distance when step.first == 1, the
//   first centre), summed per segment of chunk.segRows rows by a workgroup tree reduction:
//   partials[(segOffset + seg)·L + l]. The host sums segments in float64, keeps the best
//   candidate, and reuses that candidate's segment sums to sample the next one.
// `commit`: closest_i = min(closest_i, ‖x_i − cands[sel]‖²) (or the distance when step.first == 1).
//
// Bindings: 0 x: rows×D f32 · 1 closest: rows f32 (read_write) · 2 cands: MAXL×D f32 ·
// 3 partials: segments×L f32 (write) · 4 chunk: uniform {rows, segOffset, segRows, rowOffset} ·
// 5 step: uniform {L, sel, first, _}.
// Dispatch: `candidates`: one workgroup per segment; `commit`: one thread per row. Both over
// (x, y) past 65535 workgroups.

override D: u32;
override WG: u32 = 256u;
const MAXL: u32 = 16u;

struct Chunk { rows: u32, segOffset: u32, segRows: u32, rowOffset: u32 }
struct Step { L: u32, sel: u32, first: u32, b: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> closest: array<f32>;
@group(0) @binding(2) var<storage, read> cands: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;
@group(0) @binding(4) var<uniform> chunk: Chunk;
@group(0) @binding(5) var<uniform> step: Step;

var<workgroup> red: array<f32, WG>;

fn sqdist(row: u32, l: u32) -> f32 {
  let base = row * D;
  let cb = l * D;
  var s = 0.0;
  for (var f = 0u; f < D; f++) {
    let t = x[base + f] - cands[cb + f];
    s = fma(t, t, s);
  }
  return s;
}

@compute @workgroup_size(WG)
fn candidates(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let seg = wid.y * nwg.x + wid.x;
  let first = seg * chunk.segRows;
  let last = min(first + chunk.segRows, chunk.rows);
  let L = min(step.L, MAXL);
  var acc: array<f32, MAXL>;
  for (var l = 0u; l < MAXL; l++) { acc[l] = 0.0; }
  for (var r = first + lid; r < last; r += WG) {
    let cur = closest[r];
    for (var l = 0u; l < L; l++) {
      let s = sqdist(r, l);
      acc[l] += select(min(cur, s), s, step.first == 1u);
    }
  }
  // One tree reduction per candidate, in a fixed order: deterministic.
  for (var l = 0u; l < L; l++) {
    red[lid] = acc[l];
    workgroupBarrier();
    for (var width = WG / 2u; width > 0u; width = width / 2u) {
      if (lid < width) { red[lid] = red[lid] + red[lid + width]; }
      workgroupBarrier();
    }
    if (lid == 0u && first < chunk.rows) { partials[(chunk.segOffset + seg) * L + l] = red[0]; }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn commit(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.y * nwg.x + wid.x) * WG + lid;
  if (row >= chunk.rows) { return; }
  let s = sqdist(row, step.sel);
  closest[row] = select(min(closest[row], s), s, step.first == 1u);
}
