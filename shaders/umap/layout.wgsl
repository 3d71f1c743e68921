// One epoch of UMAP's layout (umap-learn's optimize_layout_euclidean, made deterministic; the
// scheme and its arithmetic are written once in src/umap/plan.ts, and the float64 CPU twin is
// src/backends/reference/umap.ts). Thread i owns vertex i: it reads every position from `cur`
// (the epoch's start) and writes only its own row of `next`, summing its forces in CSR order:
// for each stored edge p = (i, j), the attraction once per firing of p and of its reverse edge,
// then, when p fires, p's negative samples hash(key, epoch, p, s) mod n. No atomics, no shared
// writes: the same bits whatever the workgroup count, the dispatch's split over x and y, or the
// chunking below.
//
// Chunking (src/backends/webgpu/umap.ts): positions live in up to 4 chunks of PR rows (bindings
// cur0..cur3, and the matching chunks of `next`); one dispatch covers a vertex chunk [v0, v0 + rows)
// inside one position chunk, with its own CSR slice (local row offsets, and per edge its tail, rate
// and the reverse edge's rate, so no edge of another chunk is read). Global edge index = e0 + local.
//
// Bindings: 0 params: uniform {n, epoch, rateBits, key, a, b, nu, alpha} (per epoch) · 1 chunk:
// uniform {v0, rows, e0, PR, out0} (per vertex chunk; out0 = v0 − its position chunk's first row) ·
// 2 indptr: rows + 1 u32 (local) · 3 edges: 3 u32 per edge (tail, rate, reverse rate) · 4 next:
// the position chunk's rows×C f32 (write) · 5–8 cur0..cur3: position chunks, PR×C f32 each (read).
// Dispatch: ceil(rows / WG) workgroups (over x, y: common/grid), one thread per vertex.
// Workgroup memory: none. Tiling: none; a vertex reads its row's edges and the positions of its
// neighbours and negative samples (random access: cached, not coalesced).
// Composed with common/grid.

override C: u32 = 2u;
override WG: u32 = 64u;
// Position chunks in use (1 to 4): with one, cur() is a plain read (no division, no switch).
override PC: u32 = 4u;

struct Params {
  n: u32,
  epoch: u32,
  rate_bits: u32,
  key: u32,
  a: f32,
  b: f32,
  nu: f32,
  alpha: f32,
}

struct Chunk {
  v0: u32,
  rows: u32,
  e0: u32,
  pr: u32,
  out0: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<uniform> chunk: Chunk;
@group(0) @binding(2) var<storage, read> indptr: array<u32>;
@group(0) @binding(3) var<storage, read> edges: array<u32>;
@group(0) @binding(4) var<storage, read_write> next: array<f32>;
@group(0) @binding(5) var<storage, read> cur0: array<f32>;
@group(0) @binding(6) var<storage, read> cur1: array<f32>;
@group(0) @binding(7) var<storage, read> cur2: array<f32>;
@group(0) @binding(8) var<storage, read> cur3: array<f32>;

// Coordinate c of vertex j, from its position chunk.
fn cur(j: u32, c: u32) -> f32 {
  if (PC == 1u) {
    return cur0[j * C + c];
  }
  let q = j / chunk.pr;
  let o = (j - q * chunk.pr) * C + c;
  switch q {
    case 0u: { return cur0[o]; }
    case 1u: { return cur1[o]; }
    case 2u: { return cur2[o]; }
    default: { return cur3[o]; }
  }
}

// lowbias32 (Wellons): bijective 32-bit mixer (plan.ts mix32).
fn mix32(x0: u32) -> u32 {
  var x = x0;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}

// The sample number an edge of this rate draws this epoch (k ≥ 1), or 0 when it does not fire (plan.ts samplesThrough).
fn fires(rate: u32) -> u32 {
  let e = params.epoch;
  if (e == 0u) {
    return 0u;
  }
  let now = (e * rate) >> params.rate_bits;
  if (now > (((e - 1u) * rate) >> params.rate_bits)) {
    return now;
  }
  return 0u;
}

fn sq_dist(i: u32, j: u32) -> f32 {
  var d2 = 0.0;
  for (var c = 0u; c < C; c++) {
    let t = cur(i, c) - cur(j, c);
    d2 += t * t;
  }
  return d2;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let li = group_index(wid, nwg) * WG + lid;
  if (li >= chunk.rows) {
    return;
  }
  let i = chunk.v0 + li;
  let a = params.a;
  let b = params.b;
  let alpha = params.alpha;
  // Accumulated in the same order as the CPU twin; C ≤ 8.
  var y: array<f32, 8>;
  for (var c = 0u; c < C; c++) {
    y[c] = cur(i, c);
  }
  for (var lp = indptr[li]; lp < indptr[li + 1u]; lp++) {
    let p = chunk.e0 + lp;
    let k = fires(edges[3u * lp + 1u]);
    let times = select(0.0, 1.0, k > 0u) + select(0.0, 1.0, fires(edges[3u * lp + 2u]) > 0u);
    if (times > 0.0) {
      let j = edges[3u * lp];
      let d2 = sq_dist(i, j);
      if (d2 > 0.0) {
        let pb = pow(d2, b);
        let coeff = (-2.0 * a * b * (pb / d2)) / (a * pb + 1.0);
        for (var c = 0u; c < C; c++) {
          y[c] += times * clamp(coeff * (cur(i, c) - cur(j, c)), -4.0, 4.0) * alpha;
        }
      }
    }
    if (k == 0u) {
      continue;
    }
    let n_neg = u32(floor(f32(k) * params.nu)) - u32(floor(f32(k - 1u) * params.nu));
    let ek = mix32(params.key ^ params.epoch);
    let pk = mix32(ek ^ p);
    for (var s = 0u; s < n_neg; s++) {
      let t = mix32(pk ^ s) % params.n;
      if (t == i) {
        continue;
      }
      let d2 = sq_dist(i, t);
      if (d2 > 0.0) {
        let coeff = (2.0 * b) / ((0.001 + d2) * (a * pow(d2, b) + 1.0));
        for (var c = 0u; c < C; c++) {
          y[c] += clamp(coeff * (cur(i, c) - cur(t, c)), -4.0, 4.0) * alpha;
        }
      } else {
        for (var c = 0u; c < C; c++) {
          y[c] += 4.0 * alpha;
        }
      }
    }
  }
  for (var c = 0u; c < C; c++) {
    next[(chunk.out0 + li) * C + c] = y[c];
  }
}
