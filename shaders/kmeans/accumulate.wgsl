// M-step sufficient statistics of one data chunk, as per-segment partial sums (no float
// atomics: each workgroup owns its output slice, so the sums are deterministic). For every
// cluster c the J = D + 2 statistics are Σ w_ic·x_i (D values), Σ w_ic and Σ w_ic·score_i,
// where w_ic = [label_i == c]·s_i when HARD, else r_ic·s_i (r: the responsibility), s_i being
// the sample weight (common/sample_weight.wgsl; 1 when unweighted). With score = squared
// distance (hard) this gives per-cluster (weighted) inertia; with score = −lse/β (soft) it gives
// the soft objective, because Σ_c r_ic = 1.
//
// Bindings: 0 x: rows×D f32, then rows sample weights · 1 labels: rows u32 · 2 resp: rows×K f32 · 3 score: rows f32 ·
// 4 partials: segments×K×(D+2) f32 (write, this chunk's segments start at chunk.segOffset) ·
// 5 chunk: uniform {rows, segOffset, segRows, rowOffset}.
// Dispatch: one workgroup per segment of chunk.segRows rows (over x, y past 65535).
// Two entry points:
//  `main`: thread t computes outputs t, t + WG, … of the segment's K×(D+2) block by looping
//    over the segment's rows (n·k·(d+2) work; serves soft weights and any k, d).
//  `hard_columns` (HARD only, when K×(D+2) floats fit workgroup memory): thread t owns columns
//    t, t + CWG, … and adds each row into its cluster's slot of a workgroup accumulator, so the
//    work is n·(d+2), k times less. Each column has one owner and rows go in order: deterministic.
// Workgroup memory: `hard_columns` only, the K×(D+2) f32 accumulator `acc` (ACC floats); `main` none.
// Composed with common/grid, common/chunk, common/sample_weight (src/backends/webgpu/kmeans-kernels.ts).

override D: u32;
override K: u32;
override HARD: bool = true;
override WG: u32 = 256u;
override CWG: u32 = 64u;
// Size of the workgroup accumulator of `hard_columns`: K×(D+2) (override-sized, no templates).
override ACC: u32 = 1u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<u32>;
@group(0) @binding(2) var<storage, read> resp: array<f32>;
@group(0) @binding(3) var<storage, read> score: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;
@group(0) @binding(5) var<uniform> chunk: Chunk;

fn weight(row: u32, c: u32) -> f32 {
  if (HARD) { return select(0.0, 1.0, labels[row] == c) * sample_weight(row); }
  return resp[row * K + c] * sample_weight(row);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let seg = group_index(wid, nwg);
  let span = segment_rows(seg);
  if (span.x >= span.y) { return; }
  let J = D + 2u;
  let outBase = (chunk.segOffset + seg) * K * J;
  for (var o = lid; o < K * J; o += WG) {
    let c = o / J;
    let f = o % J;
    var acc = 0.0;
    if (f < D) {
      for (var r = span.x; r < span.y; r++) { acc = fma(weight(r, c), x[r * D + f], acc); }
    } else if (f == D) {
      for (var r = span.x; r < span.y; r++) { acc += weight(r, c); }
    } else {
      for (var r = span.x; r < span.y; r++) { acc = fma(weight(r, c), score[r], acc); }
    }
    partials[outBase + o] = acc;
  }
}

var<workgroup> acc: array<f32, ACC>;

@compute @workgroup_size(CWG)
fn hard_columns(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let seg = group_index(wid, nwg);
  let J = D + 2u;
  for (var o = lid; o < K * J; o += CWG) { acc[o] = 0.0; }
  workgroupBarrier();
  let span = segment_rows(seg);
  if (span.x >= span.y) { return; }
  for (var f = lid; f < J; f += CWG) {
    for (var r = span.x; r < span.y; r++) {
      let slot = labels[r] * J + f;
      let w = sample_weight(r);
      var v = w;
      if (f < D) { v = x[r * D + f] * w; } else if (f > D) { v = score[r] * w; }
      acc[slot] += v;
    }
  }
  workgroupBarrier();
  let outBase = (chunk.segOffset + seg) * K * J;
  for (var o = lid; o < K * J; o += CWG) { partials[outBase + o] = acc[o]; }
}
