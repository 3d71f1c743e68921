// One EM iteration's pass over one data chunk for hard (SOFT = false) and soft (SOFT = true)
// k-means: the E-step and the M-step's sufficient statistics fused, so x is read once. For each
// row i: squared distances s_ic = ‖x_i − c‖² (fma in feature order, the chain of common/sqdist);
//   hard: label_i = argmin_c s_ic (ties to the lower c), dist_i = min; the changed-label count.
//   soft: a_ic = −β·s_ic, lse_i = max + log Σ exp(a_ic − max), r_ic = exp(a_ic − lse_i),
//         score_i = −lse_i/β, mind_i = min_c s_ic (for relocating empty clusters).
// Per segment of chunk.segRows rows, for each cluster c, the J = D + 2 partial statistics
// Σ w_ic·x_i, Σ w_ic, Σ w_ic·score_i with w_ic = [label_i = c]·s_i (hard, score = dist) or
// r_ic·s_i (soft), s_i the sample weight. Each statistic has one owner thread that adds the rows
// in row order (hard: v = x·w then acc += v; soft: acc = fma(w, x, acc)): no float atomics, the
// same bits whatever the chunking, and the same bits as the former two-pass kernels.
//
// Bindings: 0 x: rows×D f32 (common/x_f32) or packed f16 (common/x_f16, opt-in), then rows
// sample weights (read) · 1 centroids: K×D f32 (read) ·
// 2 labels: rows u32 (read_write; hard: previous labels in, new out) · 3 dist: rows f32 (write;
// hard: dist_i, soft: mind_i) · 4 partials: segments×K×J f32 (read_write; this chunk's segments
// start at chunk.segOffset) · 5 chunk: uniform {rows, segOffset, segRows, rowOffset} ·
// 6 changed: atomic u32 (hard) · 7 params: uniform {β, _, _, _} (soft).
// Dispatch: one workgroup of WG threads per segment, over (x, y) past 65535 workgroups (WG 256 on
// hardware, 32 on a software adapter, where each barrier switches between the workgroup's groups
// of SIMD lanes on one CPU thread; kmeans-plan.ts fusedLayout).
// Tiling (planned on the host, src/backends/webgpu/kmeans-plan.ts, from the device's workgroup
// memory): the segment's rows go through workgroup memory TR rows at a time, staged with
// coalesced loads (thread t reads words t, t + WG, … of the tile's contiguous TR·D floats). Thread
// t serves row t / CL of the tile and clusters lane, lane + CL, … (lane = t % CL: several clusters
// per invocation, CL lanes per row), and the lanes' (min, argmin) are merged by common/lane_min
// (ties to the lower cluster: the same bits through workgroup memory or, on a device with
// 'subgroups', through subgroup shuffles; src/backends/webgpu/kmeans-kernels.ts picks).
// Centroids sit in workgroup memory KT clusters at a time (KT = K: loaded once per workgroup).
// Workgroup memory: xs (TR·D floats, the row tile; STAGE_X), cs (KT·D, centroids; STAGE_C),
// acc (K·J statistics; WG_ACC, else they accumulate in the segment's own slice of `partials`),
// ws/lab/sc (TR each: weights, labels, scores), lv/li (common/lane_min, when CL > 1), rt
// (TR·K, soft only: the tile's log-weights, then the weights w_ic = r_ic·s_i, each product
// rounded once and read by the J owners of its cluster).
// Each owner's loop over the tile's rows is one of three, chosen once (feature, count, score):
// a branch inside the loop runs all three sides on a software adapter's masked SIMD lanes.
// Bytes per row from global memory: 4·(D + 1) of x and weight (f16 storage: 2·D + 4), 8 (hard: label read + written)
// or 4 (soft: mind), plus 4 for dist (hard); centroids and statistics are O(k·d) per workgroup.
// Composed with common/grid, common/chunk, common/x_f32 or common/x_f16, common/lane_min and
// common/lane_min_workgroup or common/lane_min_subgroups (src/backends/webgpu/kmeans-kernels.ts).

override D: u32;
override K: u32;
override SOFT: bool = false;
override WG: u32 = 256u;
override TR: u32 = 1u;
override CL: u32 = 1u;
override KT: u32 = 1u;
override STAGE_X: bool = false;
override STAGE_C: bool = false;
override WG_ACC: bool = false;
// Sizes of the workgroup arrays (1 when unused), set by the host with the flags above.
override XS: u32 = 1u;
override CS: u32 = 1u;
override ACC: u32 = 1u;
override LV: u32 = 1u;
override RT: u32 = 1u;

struct Params { beta: f32, a: f32, b: f32, c: f32 }

@group(0) @binding(1) var<storage, read> centroids: array<f32>;
@group(0) @binding(2) var<storage, read_write> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> dist: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;
@group(0) @binding(5) var<uniform> chunk: Chunk;
@group(0) @binding(6) var<storage, read_write> changed: atomic<u32>;
@group(0) @binding(7) var<uniform> params: Params;

var<workgroup> xs: array<f32, XS>;
var<workgroup> cs: array<f32, CS>;
var<workgroup> acc: array<f32, ACC>;
var<workgroup> ws: array<f32, TR>;
var<workgroup> lab: array<u32, TR>;
var<workgroup> sc: array<f32, TR>;
var<workgroup> rt: array<f32, RT>;
var<workgroup> wgChanged: atomic<u32>;

const BIG: f32 = 3.40282346638528859812e+38f;

// Value f of tile row i (the tile starts at chunk row r0).
fn xv(i: u32, f: u32, r0: u32) -> f32 {
  if (STAGE_X) { return xs[i * D + f]; }
  return x_at((r0 + i) * D + f);
}

// ‖x_(r0+i) − c‖², c in the centroid tile starting at c0; the fma chain of common/sqdist.
fn sqdist_tile(i: u32, r0: u32, c: u32, c0: u32) -> f32 {
  var s = 0.0;
  for (var f = 0u; f < D; f++) {
    var m: f32;
    if (STAGE_C) { m = cs[(c - c0) * D + f]; } else { m = centroids[c * D + f]; }
    let t = xv(i, f, r0) - m;
    s = fma(t, t, s);
  }
  return s;
}

fn acc_get(slot: u32, base: u32) -> f32 {
  if (WG_ACC) { return acc[slot]; }
  return partials[base + slot];
}

fn acc_set(slot: u32, base: u32, v: f32) {
  if (WG_ACC) { acc[slot] = v; } else { partials[base + slot] = v; }
}

fn load_centroids(c0: u32, lid: u32) {
  let words = min(KT, K - c0) * D;
  for (var w = lid; w < words; w += WG) { cs[w] = centroids[c0 * D + w]; }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let seg = group_index(wid, nwg);
  let span = segment_rows(seg);
  if (span.x >= span.y) { return; }
  let J = D + 2u;
  let base = (chunk.segOffset + seg) * K * J;
  // Every statistic starts at zero, written by the thread that will own it.
  if (SOFT) {
    for (var o = lid; o < K * J; o += WG) { acc_set(o, base, 0.0); }
  } else {
    for (var f = lid; f < J; f += WG) { for (var c = 0u; c < K; c++) { acc_set(c * J + f, base, 0.0); } }
  }
  if (lid == 0u) { atomicStore(&wgChanged, 0u); }
  let fast = lane_min_setup(lid);
  let allC = STAGE_C && KT >= K;
  if (allC) { load_centroids(0u, lid); }
  let row = lid / CL;
  let lane = lid % CL;
  let beta = params.beta;
  for (var r0 = span.x; r0 < span.y; r0 += TR) {
    let tr = min(TR, span.y - r0);
    workgroupBarrier(); // the previous tile's readers are done
    if (STAGE_X) { for (var w = lid; w < tr * D; w += WG) { xs[w] = x_at(r0 * D + w); } }
    for (var i = lid; i < tr; i += WG) { ws[i] = x_weight(r0 + i); }
    workgroupBarrier();
    var best = BIG;
    var arg = 0u;
    for (var c0 = 0u; c0 < K; c0 += KT) {
      if (STAGE_C && !allC) {
        workgroupBarrier();
        load_centroids(c0, lid);
        workgroupBarrier();
      }
      if (row < tr) {
        for (var c = c0 + lane; c < min(c0 + KT, K); c += CL) {
          let s = sqdist_tile(row, r0, c, c0);
          if (s < best) { best = s; arg = c; }
          if (SOFT) { rt[row * K + c] = -beta * s; }
        }
      }
    }
    // The row's least distance over its lanes, ties to the lower cluster (holds a barrier).
    let m = lane_min(lid, MinArg(best, arg), fast);
    if (row < tr && lane == 0u) {
      best = m.v;
      arg = m.i;
      let r = r0 + row;
      if (SOFT) {
        let rb = row * K;
        var amax = -BIG;
        for (var c = 0u; c < K; c++) { amax = max(amax, rt[rb + c]); }
        var z = 0.0;
        for (var c = 0u; c < K; c++) { z += exp(rt[rb + c] - amax); }
        let lse = amax + log(z);
        let wr = ws[row];
        for (var c = 0u; c < K; c++) { rt[rb + c] = exp(rt[rb + c] - lse) * wr; }
        sc[row] = -lse / beta;
      } else {
        if (labels[r] != arg) { atomicAdd(&wgChanged, 1u); }
        labels[r] = arg;
        lab[row] = arg;
        sc[row] = best;
      }
      dist[r] = best;
    }
    workgroupBarrier();
    if (SOFT) {
      // Statistic o = (c, f) has one owner; rows in order.
      for (var o = lid; o < K * J; o += WG) {
        let c = o / J;
        let f = o % J;
        var a = acc_get(o, base);
        if (f < D) {
          for (var i = 0u; i < tr; i++) { a = fma(rt[i * K + c], xv(i, f, r0), a); }
        } else if (f == D) {
          for (var i = 0u; i < tr; i++) { a += rt[i * K + c]; }
        } else {
          for (var i = 0u; i < tr; i++) { a = fma(rt[i * K + c], sc[i], a); }
        }
        acc_set(o, base, a);
      }
    } else {
      // Column f of every cluster has one owner; each row goes into its cluster's slot, in order.
      for (var f = lid; f < J; f += WG) {
        if (f < D) {
          for (var i = 0u; i < tr; i++) {
            let slot = lab[i] * J + f;
            acc_set(slot, base, acc_get(slot, base) + xv(i, f, r0) * ws[i]);
          }
        } else if (f == D) {
          for (var i = 0u; i < tr; i++) {
            let slot = lab[i] * J + f;
            acc_set(slot, base, acc_get(slot, base) + ws[i]);
          }
        } else {
          for (var i = 0u; i < tr; i++) {
            let slot = lab[i] * J + f;
            acc_set(slot, base, acc_get(slot, base) + sc[i] * ws[i]);
          }
        }
      }
    }
  }
  workgroupBarrier();
  if (WG_ACC) { for (var o = lid; o < K * J; o += WG) { partials[base + o] = acc[o]; } }
  if (!SOFT && lid == 0u) {
    let n = atomicLoad(&wgChanged);
    if (n > 0u) { atomicAdd(&changed, n); }
  }
}
