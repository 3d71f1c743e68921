/**
 * The layout's plan and the arithmetic every backend shares, so that CPU and GPU run the same
 * schedule and draw the same negative samples.
 *
 * Determinism: umap-learn moves points in place, edge after edge (Hogwild on many threads). Here
 * each epoch reads the positions at its start and every vertex sums its own forces in a fixed
 * order (its CSR row), so no two threads write one value and the result does not depend on the
 * thread count or the dispatch split. For vertex i and each stored edge p = (i, j):
 *   - attraction, once for each of edge p (i the head) and its reverse (j, i) (i the tail, umap-
 *     learn's move_other) that fires this epoch: clip(−2ab·d^(2(b−1)) / (1 + a·d^(2b)) · (yᵢ − yⱼ));
 *   - when p fires: its negative samples t = hash(seed, epoch, p, s) mod n (t = i skipped), each
 *     repulsion clip(2b / ((0.001 + d²)(1 + a·d^(2b))) · (yᵢ − y_t)), or 4 per coordinate when y_t = yᵢ;
 * each times α = learningRate·(1 − epoch/nEpochs), clip at ±4.
 *
 * Schedule: umap-learn samples an edge of weight w every wmax/w epochs (epochs_per_sample). As
 * integers: rate = round(w/wmax · 2^bits) and the edge's k-th sample falls in the first epoch n
 * with ⌊n·rate / 2^bits⌋ = k (products below 2^32, exact in u32 on the GPU). Its k-th sample
 * draws ⌊k·ν⌋ − ⌊(k−1)·ν⌋ negatives (ν = negativeSampleRate as float32; products correctly
 * rounded on both sides), so ν per positive sample on average, as umap-learn's accumulator.
 */
import { philox2x32 } from '../core/rng.js';
import type { WeightedGraph } from '../graph/types.js';

export interface LayoutPlan {
  n: number;
  nComponents: number;
  nEpochs: number;
  /** CSR over the kept edges (both directions stored): row offsets, tail vertex, reverse edge, rate. */
  indptr: Uint32Array;
  tail: Uint32Array;
  reverse: Uint32Array;
  rate: Uint32Array;
  rateBits: number;
  a: number;
  b: number;
  /** Float32-rounded negative sample rate ν. */
  negativeRate: number;
  learningRate: number;
  /** 32-bit key of the negative-sample hash, from the seed. */
  key: number;
}

/** Bits of the fixed-point rate: nEpochs · 2^bits stays below 2^32. */
export function rateBitsFor(nEpochs: number): number {
  return Math.min(24, 31 - Math.ceil(Math.log2(nEpochs + 1)));
}

/**
 * The plan of a layout on `graph`: edges lighter than wmax/nEpochs dropped (umap-learn drops them
 * too: they would never be sampled), the rest with their reverse-edge index and integer rate.
 */
export function layoutPlan(
  graph: WeightedGraph,
  o: { nComponents: number; nEpochs: number; a: number; b: number; negativeSampleRate: number; learningRate: number; seed: number },
): LayoutPlan {
  const { n, indptr: gp, indices: gi, values: gv } = graph;
  let wmax = 0;
  for (let i = 0; i < n; i++) for (let p = gp[i]; p < gp[i + 1]; p++) if (gi[p] !== i && gv[p] > wmax) wmax = gv[p];
  const bits = rateBitsFor(o.nEpochs);
  const scale = 2 ** bits;
  const keep = (i: number, p: number): boolean => gi[p] !== i && gv[p] > 0 && gv[p] >= wmax / o.nEpochs;
  const indptr = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let p = gp[i]; p < gp[i + 1]; p++) if (keep(i, p)) c++;
    indptr[i + 1] = indptr[i] + c;
  }
  const m = indptr[n];
  const tail = new Uint32Array(m);
  const rate = new Uint32Array(m);
  let q = 0;
  for (let i = 0; i < n; i++) {
    for (let p = gp[i]; p < gp[i + 1]; p++) {
      if (!keep(i, p)) continue;
      tail[q] = gi[p];
      rate[q++] = Math.max(1, Math.round((gv[p] / wmax) * scale));
    }
  }
  // Reverse edges: rows are sorted by column, so (j, i) is found by a binary search in row j.
  const reverse = new Uint32Array(m);
  for (let i = 0; i < n; i++) {
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const j = tail[p];
      let lo = indptr[j];
      let hi = indptr[j + 1];
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (tail[mid] < i) lo = mid + 1;
        else hi = mid;
      }
      reverse[p] = lo < indptr[j + 1] && tail[lo] === i ? lo : p; // asymmetric input: count the edge once more
    }
  }
  const key = philox2x32(o.seed >>> 0, Math.floor(o.seed / 4294967296) >>> 0, 0x0a11ce5)[0];
  return {
    n,
    nComponents: o.nComponents,
    nEpochs: o.nEpochs,
    indptr,
    tail,
    reverse,
    rate,
    rateBits: bits,
    a: o.a,
    b: o.b,
    negativeRate: Math.fround(o.negativeSampleRate),
    learningRate: o.learningRate,
    key,
  };
}

/** Samples of an edge of this rate through epoch n (shaders/umap/layout.wgsl `samples_through`). */
export function samplesThrough(rate: number, bits: number, epoch: number): number {
  return ((epoch * rate) >>> bits) >>> 0; // epoch·rate < 2^31 (rateBitsFor), so the int32 shift is exact
}

/** Negatives drawn at an edge's k-th sample (k ≥ 1). */
export function negativesAt(k: number, nu: number): number {
  return Math.floor(Math.fround(k * nu)) - Math.floor(Math.fround((k - 1) * nu));
}

/** lowbias32 (Wellons): a bijective 32-bit mixer (shaders/umap/layout.wgsl `mix32`). */
export function mix32(x0: number): number {
  let x = x0 >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** The hash's key for one epoch (shaders/umap/layout.wgsl `ek`). */
export function epochKey(key: number, epoch: number): number {
  return mix32((key ^ epoch) >>> 0);
}

/** The hash's key for edge p in an epoch (`pk`). */
export function edgeKey(ek: number, p: number): number {
  return mix32(ek ^ p);
}

/** The s-th negative sample of an edge, a vertex in [0, n): mix32(mix32(mix32(key ^ epoch) ^ p) ^ s) mod n. */
export function negativeTarget(pk: number, s: number, n: number): number {
  return mix32(pk ^ s) % n;
}
