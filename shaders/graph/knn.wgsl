// Exact-kNN candidates (src/graph/knn-backend.ts): for each query row of a chunk, the M nearest
// other rows by f32 squared distance, nearest first, ties to the lower index, merged over every
// reference range the host dispatches. Thread t of workgroup g owns query row g·WG + t of the
// query chunk: its sorted list lives in its own slice [row·M, row·M + M) of `idx` / `sq` (kept
// between dispatches, so reference tiles, ranges and chunks merge into it in index order), and
// its current M-th distance in a register; a reference row enters only when strictly nearer, so
// equal distances keep the lower index, whatever the chunking. Distances are the fma chain of
// common/sqdist in feature order.
//
// Bindings: 0 q: query chunk rows×D f32 (read) · 1 r: reference chunk rows×D f32 (read) ·
// 2 idx: qRows×M i32 (read_write) · 3 sq: qRows×M f32 (read_write) · 4 job: uniform {qRows,
// qOffset (global index of the chunk's first query), rBegin, rEnd (the reference chunk's rows
// this dispatch visits), rOffset (global index of the reference chunk's first row), first (1:
// start the lists)}.
// Dispatch: ⌈qRows / WG⌉ workgroups, over (x, y) past 65535 (common/grid).
// Tiling: the reference rows go through workgroup memory TILE rows at a time (`tile`, TILE·D
// floats, loaded with coalesced strided reads by the whole workgroup; STAGE = false reads them
// from storage when even one row does not fit), and every query of the workgroup passes over the
// tile. Bytes from global memory: D·4 per reference row per workgroup, the query row per thread
// (cached), and list traffic only when a row enters.

override D: u32;
override M: u32;
override WG: u32 = 64u;
override TILE: u32 = 64u;
override TS: u32 = 1u;
override STAGE: bool = true;

struct Job { qRows: u32, qOffset: u32, rBegin: u32, rEnd: u32, rOffset: u32, first: u32, a: u32, b: u32 }

@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> r: array<f32>;
@group(0) @binding(2) var<storage, read_write> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> sq: array<f32>;
@group(0) @binding(4) var<uniform> job: Job;

var<workgroup> tile: array<f32, TS>;

const BIG: f32 = 3.40282346638528859812e+38f;

fn ref_value(t0: u32, jj: u32, f: u32) -> f32 {
  if (STAGE) { return tile[jj * D + f]; }
  return r[(t0 + jj) * D + f];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = group_index(wid, nwg) * WG + lid;
  let live = row < job.qRows;
  let base = row * M;
  let qg = job.qOffset + row;
  var thr = BIG;
  if (live) {
    if (job.first == 1u) {
      for (var t = 0u; t < M; t++) {
        idx[base + t] = -1;
        sq[base + t] = BIG;
      }
    } else {
      thr = sq[base + M - 1u];
    }
  }
  for (var t0 = job.rBegin; t0 < job.rEnd; t0 += TILE) {
    let cnt = min(TILE, job.rEnd - t0);
    if (STAGE) {
      workgroupBarrier();
      for (var w = lid; w < cnt * D; w += WG) { tile[w] = r[t0 * D + w]; }
      workgroupBarrier();
    }
    // Not `continue` on inactive threads: the next tile's barriers need the whole workgroup.
    if (live) {
      for (var jj = 0u; jj < cnt; jj++) {
        let j = job.rOffset + t0 + jj;
        if (j == qg) { continue; }
        var s = 0.0;
        for (var f = 0u; f < D; f++) {
          let a = q[row * D + f] - ref_value(t0, jj, f);
          s = fma(a, a, s);
        }
        if (!(s < thr)) { continue; }
        var p = M - 1u;
        while (p > 0u) {
          let prev = sq[base + p - 1u];
          if (!(prev > s)) { break; }
          sq[base + p] = prev;
          idx[base + p] = idx[base + p - 1u];
          p--;
        }
        sq[base + p] = s;
        idx[base + p] = i32(j);
        thr = sq[base + M - 1u];
      }
    }
  }
}
