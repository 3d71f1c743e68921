/**
 * CPU reference for hard and soft k-means, in float64. Written plainly and independently of
 * the GPU kernels: direct differences (never ‖x‖² − 2x·c + ‖c‖²), scikit-learn's Lloyd
 * semantics (greedy k-means++ with 2 + ⌊ln k⌋ trials, empty clusters to the farthest points;
 * the M-step is the model's, kmeans/mstep.ts). GPU results are tested against it.
 */
import type { Dataset } from '../../data.js';
import type { Rng } from '../../core/rng.js';
import { abortCheckpoint } from '../../core/yield.js';
import { searchSorted, weightedPick } from '../../core/weights.js';
import type { KMeansBackend, KMeansSession, KMeansSetup } from '../../kmeans/backend.js';

export function sqDist(x: Float64Array, i: number, c: Float64Array, j: number, d: number): number {
  let s = 0;
  const xo = i * d;
  const co = j * d;
  for (let f = 0; f < d; f++) {
    const t = x[xo + f] - c[co + f];
    s += t * t;
  }
  return s;
}

/**
 * Greedy k-means++ (Arthur & Vassilvitskii 2007; scikit-learn's greedy variant). With weights,
 * as scikit-learn: the first centre ∝ w, candidates ∝ w·D², potentials Σ w·D².
 */
export function kmeansPlusPlus(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  rng: Rng,
  weights: Float64Array | null = null,
): Float64Array {
  const steps = plusPlusSteps(x, n, d, k, rng, weights);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** kmeansPlusPlus with abort: an abortCheckpoint (core/yield.ts) after each centre; same draws, same seeds. */
export async function kmeansPlusPlusAsync(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  rng: Rng,
  weights: Float64Array | null,
  signal: AbortSignal | undefined,
): Promise<Float64Array> {
  const steps = plusPlusSteps(x, n, d, k, rng, weights);
  const last = { t: performance.now() };
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await abortCheckpoint(signal, last);
  }
}

/** The greedy k-means++ seeding, pausing (yield) after each centre is chosen. */
function* plusPlusSteps(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  rng: Rng,
  weights: Float64Array | null,
): Generator<void, Float64Array> {
  const centres = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const cumsum = new Float64Array(n);
  const first = weights ? weightedPick(weights, rng.uniform()) : rng.int(n);
  centres.set(x.subarray(first * d, first * d + d), 0);
  const closest = new Float64Array(n);
  for (let i = 0; i < n; i++) closest[i] = sqDist(x, i, centres, 0, d);
  const candDist = new Float64Array(n);
  const bestDist = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += (weights ? weights[i] : 1) * closest[i];
      cumsum[i] = acc;
    }
    let bestPot = Infinity;
    let bestIdx = -1;
    for (let t = 0; t < trials; t++) {
      const cand = searchSorted(cumsum, rng.uniform() * acc);
      let candPot = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let f = 0; f < d; f++) {
          const v = x[i * d + f] - x[cand * d + f];
          s += v * v;
        }
        const m = Math.min(closest[i], s);
        candDist[i] = m;
        candPot += (weights ? weights[i] : 1) * m;
      }
      if (candPot < bestPot) {
        bestPot = candPot;
        bestIdx = cand;
        bestDist.set(candDist);
      }
    }
    centres.set(x.subarray(bestIdx * d, bestIdx * d + d), c * d);
    closest.set(bestDist);
    yield;
  }
  return centres;
}

/** Assign every sample to its nearest centroid; returns the (weighted) sum of squared distances. */
export function assign(
  x: Float64Array,
  n: number,
  d: number,
  c: Float64Array,
  k: number,
  labels: Int32Array,
  dist: Float64Array,
  weights: Float64Array | null = null,
): number {
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    let arg = 0;
    for (let j = 0; j < k; j++) {
      const s = sqDist(x, i, c, j, d);
      if (s < best) {
        best = s;
        arg = j;
      }
    }
    labels[i] = arg;
    dist[i] = best;
    inertia += (weights ? weights[i] : 1) * best;
  }
  return inertia;
}

/** Indices of the m largest values, largest first, ties to the lower index. */
export function topIndices(values: Float64Array, m: number): number[] {
  const order = Array.from(values.keys());
  order.sort((a, b) => values[b] - values[a] || a - b);
  return order.slice(0, m);
}

/** Soft k-means E-step at centres c: responsibilities into r (n×k), returns Σ_i w_i lse_i and min distances. */
export function softEStep(
  x: Float64Array,
  n: number,
  d: number,
  c: Float64Array,
  k: number,
  beta: number,
  r: Float64Array,
  minDist: Float64Array,
  weights: Float64Array | null = null,
): number {
  let sumLse = 0;
  const a = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    let md = Infinity;
    for (let j = 0; j < k; j++) {
      const s = sqDist(x, i, c, j, d);
      if (s < md) md = s;
      a[j] = -beta * s;
      if (a[j] > max) max = a[j];
    }
    let z = 0;
    for (let j = 0; j < k; j++) z += Math.exp(a[j] - max);
    const lse = max + Math.log(z);
    for (let j = 0; j < k; j++) r[i * k + j] = Math.exp(a[j] - lse);
    minDist[i] = md;
    sumLse += (weights ? weights[i] : 1) * lse;
  }
  return sumLse;
}

function argmaxRows(r: Float64Array, n: number, k: number): Int32Array {
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let j = 0; j < k; j++)
      if (r[i * k + j] > best) {
        best = r[i * k + j];
        labels[i] = j;
      }
  }
  return labels;
}

/** Σ w_i‖x_i − c_label‖², summed term by term (the soft fit's final inertia always was). */
function termwiseInertia(x: Float64Array, d: number, c: Float64Array, labels: Int32Array, weights: Float64Array | null): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const w = weights ? weights[i] : 1;
    for (let f = 0; f < d; f++) {
      const t = x[i * d + f] - c[labels[i] * d + f];
      s += w * t * t;
    }
  }
  return s;
}

function labelledInertia(ds: Dataset, c: Float64Array, labels: Int32Array, weights: Float64Array | null): number {
  let s = 0;
  for (let i = 0; i < ds.n; i++) s += (weights ? weights[i] : 1) * sqDist(ds.x, i, c, labels[i], ds.d);
  return s;
}

/** A session over one data set: float64 statistics in data coordinates. */
export function referenceSession(ds: Dataset, setup: KMeansSetup): KMeansSession {
  const { n, d, x } = ds;
  const { k, weights } = setup;
  const beta = setup.soft?.beta ?? 0;
  let centres: Float64Array = new Float64Array(k * d);
  const labels = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n);
  const dist = new Float64Array(n);
  const r = setup.soft ? new Float64Array(n * k) : null;
  return {
    origin: null,
    row: (i) => x.subarray(i * d, i * d + d),
    plusPlus: async (rng, signal) =>
      signal ? kmeansPlusPlusAsync(x, n, d, k, rng, weights, signal) : kmeansPlusPlus(x, n, d, k, rng, weights),
    setCentres(c) {
      centres = c;
    },
    async step() {
      const sums = new Float64Array(k * d);
      const counts = new Float64Array(k);
      if (r) {
        // dist holds each sample's distance to its nearest centre (relocation's 'farthest').
        const objective = (-1 / beta) * softEStep(x, n, d, centres, k, beta, r, dist, weights);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < k; j++) {
            const w = (weights ? weights[i] : 1) * r[i * k + j];
            counts[j] += w;
            for (let f = 0; f < d; f++) sums[j * d + f] += w * x[i * d + f];
          }
        }
        return { sums, counts, objective };
      }
      prev.set(labels);
      const objective = assign(x, n, d, centres, k, labels, dist, weights);
      let changed = 0;
      for (let i = 0; i < n; i++) if (labels[i] !== prev[i]) changed++;
      for (let i = 0; i < n; i++) {
        const j = labels[i];
        const w = weights ? weights[i] : 1;
        counts[j] += w;
        for (let f = 0; f < d; f++) sums[j * d + f] += w * x[i * d + f];
      }
      return { sums, counts, objective, changed };
    },
    farthest: async (m) => topIndices(dist, m),
    labelsOf: async (rows) => rows.map((i) => labels[i]),
    async final(fresh, wantResp) {
      if (r) {
        const objective = (-1 / beta) * softEStep(x, n, d, centres, k, beta, r, dist, weights);
        const hard = argmaxRows(r, n, k);
        return {
          labels: hard,
          inertia: termwiseInertia(x, d, centres, hard, weights),
          objective,
          ...(wantResp ? { resp: r.slice() } : {}),
        };
      }
      // Labels unchanged: the centroids are the means of these labels; otherwise assign once more (scikit-learn does too).
      const inertia = fresh ? assign(x, n, d, centres, k, labels, dist, weights) : labelledInertia(ds, centres, labels, weights);
      // A copy: the next restart reuses the session's arrays.
      return { labels: labels.slice(), inertia };
    },
  };
}

/** Euclidean (not squared) distances to every centroid, n×k row-major, as scikit-learn's transform. */
export function transformReference(x: Float64Array, n: number, d: number, c: Float64Array, k: number): Float64Array {
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = Math.sqrt(sqDist(x, i, c, j, d));
  return out;
}

export const referenceKMeans: KMeansBackend = {
  session: async (_engine, ds, setup, fn) => fn(referenceSession(ds, setup)),
  async apply(_engine, x, c, k, what) {
    if (what === 'transform') return transformReference(x.x, x.n, x.d, c, k);
    const labels = new Int32Array(x.n);
    assign(x.x, x.n, x.d, c, k, labels, new Float64Array(x.n));
    return labels;
  },
};
