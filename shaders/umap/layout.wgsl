// One epoch of UMAP's layout (umap-learn's optimize_layout_euclidean, made deterministic; the
// scheme and its arithmetic are written once in src/umap/plan.ts, and the float64 CPU twin is
// src/backends/reference/umap.ts). Thread i owns vertex i: it reads every position from `cur`
// (the epoch's start) and writes only its own row of `next`, summing its forces in CSR order:
// for each stored edge p = (i, j), the attraction once per firing of p and of its reverse edge,
// then, when p fires, p's negative samples hash(key, epoch, p, s) mod n. No atomics, no shared
// writes: the same bits whatever the workgroup count or the dispatch's split over x and y.
//
// Bindings: 0 params: uniform {n, epoch, rateBits, key, a, b, nu, alpha} · 1 indptr: n + 1 u32 ·
// 2 tail: m u32 · 3 reverse: m u32 (index of edge (j, i)) · 4 rate: m u32 (fixed point, 2^rateBits
// = every epoch) · 5 cur: n×C f32 (read) · 6 next: n×C f32 (write).
// Dispatch: ceil(n / WG) workgroups (over x, y: common/grid), one thread per vertex.
// Workgroup memory: none. Tiling: none; a vertex reads its row's edges and the positions of its
// neighbours and negative samples (random access: cached, not coalesced).
// Composed with common/grid (src/backends/webgpu/umap.ts).

override C: u32 = 2u;
override WG: u32 = 64u;

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

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> indptr: array<u32>;
@group(0) @binding(2) var<storage, read> tail: array<u32>;
@group(0) @binding(3) var<storage, read> reverse: array<u32>;
@group(0) @binding(4) var<storage, read> rate: array<u32>;
@group(0) @binding(5) var<storage, read> cur: array<f32>;
@group(0) @binding(6) var<storage, read_write> next: array<f32>;

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

// The sample number edge p draws this epoch (k ≥ 1), or 0 when it does not fire (plan.ts samplesThrough).
fn fires(p: u32) -> u32 {
  let e = params.epoch;
  if (e == 0u) {
    return 0u;
  }
  let now = (e * rate[p]) >> params.rate_bits;
  if (now > (((e - 1u) * rate[p]) >> params.rate_bits)) {
    return now;
  }
  return 0u;
}

fn sq_dist(i: u32, j: u32) -> f32 {
  var d2 = 0.0;
  for (var c = 0u; c < C; c++) {
    let t = cur[i * C + c] - cur[j * C + c];
    d2 += t * t;
  }
  return d2;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = group_index(wid, nwg) * WG + lid;
  if (i >= params.n) {
    return;
  }
  let a = params.a;
  let b = params.b;
  let alpha = params.alpha;
  // Accumulated in the same order as the CPU twin; C ≤ 8.
  var y: array<f32, 8>;
  for (var c = 0u; c < C; c++) {
    y[c] = cur[i * C + c];
  }
  for (var p = indptr[i]; p < indptr[i + 1u]; p++) {
    let k = fires(p);
    let times = select(0.0, 1.0, k > 0u) + select(0.0, 1.0, fires(reverse[p]) > 0u);
    if (times > 0.0) {
      let j = tail[p];
      let d2 = sq_dist(i, j);
      if (d2 > 0.0) {
        let pb = pow(d2, b);
        let coeff = (-2.0 * a * b * (pb / d2)) / (a * pb + 1.0);
        for (var c = 0u; c < C; c++) {
          y[c] += times * clamp(coeff * (cur[i * C + c] - cur[j * C + c]), -4.0, 4.0) * alpha;
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
          y[c] += clamp(coeff * (cur[i * C + c] - cur[t * C + c]), -4.0, 4.0) * alpha;
        }
      } else {
        for (var c = 0u; c < C; c++) {
          y[c] += 4.0 * alpha;
        }
      }
    }
  }
  for (var c = 0u; c < C; c++) {
    next[i * C + c] = y[c];
  }
}
