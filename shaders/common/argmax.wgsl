// Per-segment argmax of a row vector (largest value, ties to the lower row), for moving an
// empty cluster onto the sample farthest from its centre. Writes (value, row) pairs per segment;
// the host picks the global winner from these few pairs instead of reading n values back.
//
// Bindings: 0 values: rows f32 · 1 out: segments×2 u32 (bitcast value, global row) (write) ·
// 2 chunk: uniform {rows, segOffset, segRows, rowOffset}.
// Dispatch: one workgroup per segment of chunk.segRows rows, over (x, y) past 65535; each thread
// strides over the segment, then a tree reduction of (value, row) pairs.
// Workgroup memory: bestV (WG f32) and bestI (WG u32), the pairs being reduced.
// Tiling: none; threads stride over the segment, so neighbouring threads read neighbouring words.
// Bytes per row: 4 (its value), read once.
// Composed with common/grid, common/chunk (src/gpu/shared-kernels.ts).

override WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<uniform> chunk: Chunk;

var<workgroup> bestV: array<f32, WG>;
var<workgroup> bestI: array<u32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let seg = group_index(wid, nwg);
  let span = segment_rows(seg);
  var v = -3.40282346638528859812e+38f;
  var idx = 0xffffffffu;
  for (var r = span.x + lid; r < span.y; r += WG) {
    let t = values[r];
    if (t > v) { v = t; idx = r; }
  }
  bestV[lid] = v;
  bestI[lid] = idx;
  workgroupBarrier();
  for (var width = WG / 2u; width > 0u; width = width / 2u) {
    if (lid < width) {
      let ov = bestV[lid + width];
      let oi = bestI[lid + width];
      if (ov > bestV[lid] || (ov == bestV[lid] && oi < bestI[lid])) {
        bestV[lid] = ov;
        bestI[lid] = oi;
      }
    }
    workgroupBarrier();
  }
  if (lid == 0u && span.x < span.y) {
    let s = chunk.segOffset + seg;
    out[2u * s] = bitcast<u32>(bestV[0]);
    out[2u * s + 1u] = select(bestI[0] + chunk.rowOffset, 0xffffffffu, bestI[0] == 0xffffffffu);
  }
}
