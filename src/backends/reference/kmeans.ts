/**
 * CPU reference for hard and soft k-means, in float64. Written plainly and independently of
 * the GPU kernels: direct differences (never ‖x‖² − 2x·c + ‖c‖²), scikit-learn's Lloyd
 * semantics (labels-unchanged or shift ≤ tol·mean variance; empty clusters moved to the
 * farthest points; greedy k-means++ with 2 + ⌊ln k⌋ trials). GPU results are tested against it.
 */
import type { Dataset } from '../../data.js';
import { restartRng, type Rng } from '../engine/rng.js';
import { runEM, runRestarts, type EMRun, type StepOutcome } from '../engine/em.js';
import type { ResolvedOptions } from '../engine/options.js';

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

/** Greedy k-means++ (Arthur & Vassilvitskii 2007; scikit-learn's greedy variant). */
export function kmeansPlusPlus(x: Float64Array, n: number, d: number, k: number, rng: Rng): Float64Array {
  const centres = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const first = rng.int(n);
  centres.set(x.subarray(first * d, first * d + d), 0);
  const closest = new Float64Array(n);
  let pot = 0;
  for (let i = 0; i < n; i++) {
    closest[i] = sqDist(x, i, centres, 0, d);
    pot += closest[i];
  }
  const cumsum = new Float64Array(n);
  const candDist = new Float64Array(n);
  const bestDist = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += closest[i];
      cumsum[i] = acc;
    }
    let bestPot = Infinity;
    let bestIdx = -1;
    for (let t = 0; t < trials; t++) {
      const target = rng.uniform() * acc;
      // First index whose cumulative sum reaches the target (numpy searchsorted, side='left').
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumsum[mid] < target) lo = mid + 1;
        else hi = mid;
      }
      const cand = lo;
      let candPot = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let f = 0; f < d; f++) {
          const v = x[i * d + f] - x[cand * d + f];
          s += v * v;
        }
        const m = Math.min(closest[i], s);
        candDist[i] = m;
        candPot += m;
      }
      if (candPot < bestPot) {
        bestPot = candPot;
        bestIdx = cand;
        bestDist.set(candDist);
      }
    }
    centres.set(x.subarray(bestIdx * d, bestIdx * d + d), c * d);
    closest.set(bestDist);
    pot = bestPot;
  }
  void pot;
  return centres;
}

export function initialCentroids(ds: Dataset, o: ResolvedOptions, rng: Rng): Float64Array {
  if (o.init instanceof Float64Array) return o.init.slice();
  if (o.init === 'random') {
    const idx = rng.sample(ds.n, o.k);
    const c = new Float64Array(o.k * ds.d);
    idx.forEach((r, j) => c.set(ds.x.subarray(r * ds.d, r * ds.d + ds.d), j * ds.d));
    return c;
  }
  return kmeansPlusPlus(ds.x, ds.n, ds.d, o.k, rng);
}

/** Assign every sample to its nearest centroid; returns the sum of squared distances. */
export function assign(x: Float64Array, n: number, d: number, c: Float64Array, k: number, labels: Int32Array, dist: Float64Array): number {
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
    inertia += best;
  }
  return inertia;
}

/** Indices of the m largest values, largest first, ties to the lower index. */
export function topIndices(values: Float64Array, m: number): number[] {
  const order = Array.from(values.keys());
  order.sort((a, b) => values[b] - values[a] || a - b);
  return order.slice(0, m);
}

/** Move empty clusters onto far samples, taking each sample out of its old cluster (scikit-learn's rule). */
export function relocateEmpty(
  x: Float64Array,
  d: number,
  sums: Float64Array,
  counts: Float64Array,
  labels: Int32Array,
  dist: Float64Array,
  policy: 'farthest' | 'random',
  rng: Rng,
): number[] {
  const k = counts.length;
  const empty: number[] = [];
  for (let j = 0; j < k; j++) if (counts[j] === 0) empty.push(j);
  if (empty.length === 0) return empty;
  const picks = policy === 'farthest' ? topIndices(dist, empty.length) : rng.sample(dist.length, empty.length);
  empty.forEach((j, t) => {
    const i = picks[t];
    const old = labels[i];
    for (let f = 0; f < d; f++) {
      sums[old * d + f] -= x[i * d + f];
      sums[j * d + f] = x[i * d + f];
    }
    counts[old] -= 1;
    counts[j] = 1;
  });
  return empty;
}

interface HardState {
  centres: Float64Array;
  labels: Int32Array;
  dist: Float64Array;
  lastInertia: number;
  relocations: number;
}

function lloydRun(ds: Dataset, o: ResolvedOptions, state: HardState, rng: Rng): EMRun {
  const { n, d, x } = ds;
  const k = o.k;
  const prev = new Int32Array(n).fill(-1);
  return {
    async step(): Promise<StepOutcome> {
      prev.set(state.labels);
      const inertia = assign(x, n, d, state.centres, k, state.labels, state.dist);
      let changed = 0;
      for (let i = 0; i < n; i++) if (state.labels[i] !== prev[i]) changed++;
      const sums = new Float64Array(k * d);
      const counts = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        const j = state.labels[i];
        counts[j] += 1;
        for (let f = 0; f < d; f++) sums[j * d + f] += x[i * d + f];
      }
      state.relocations += relocateEmpty(x, d, sums, counts, state.labels, state.dist, o.emptyCluster, rng).length;
      let shift = 0;
      for (let j = 0; j < k; j++) {
        for (let f = 0; f < d; f++) {
          const c = counts[j] > 0 ? sums[j * d + f] / counts[j] : state.centres[j * d + f];
          const t = c - state.centres[j * d + f];
          shift += t * t;
          state.centres[j * d + f] = c;
        }
      }
      state.lastInertia = inertia;
      return { objective: inertia, shift, changed };
    },
    converged(out, iter) {
      if (iter > 1 && out.changed === 0) return 'labels';
      if (out.shift <= o.tolScaled) return 'tol';
      return false;
    },
  };
}

export interface HardFit {
  centres: Float64Array;
  labels: Int32Array;
  inertia: number;
  nIter: number;
  converged: boolean;
  stopReason: 'labels' | 'tol' | 'maxIter';
  history: import('../types.js').IterationRecord[];
  perIterMs: number;
  initMs: number;
  relocations: number;
}

export async function lloydReference(ds: Dataset, o: ResolvedOptions) {
  return runRestarts<HardFit>(
    o.nInit,
    async (restart) => {
      const rng = restartRng(o.seed, restart);
      const t0 = performance.now();
      const centres = initialCentroids(ds, o, rng);
      const initMs = performance.now() - t0;
      const state: HardState = {
        centres,
        labels: new Int32Array(ds.n).fill(-1),
        dist: new Float64Array(ds.n),
        lastInertia: Infinity,
        relocations: 0,
      };
      const loop = await runEM(lloydRun(ds, o, state, rng), {
        restart,
        maxIter: o.maxIter,
        signal: o.signal,
        onIteration: o.onIteration,
      });
      // Labels unchanged: the centroids are the means of these labels, so the last E-step's
      // inertia stands. Otherwise assign once more to the final centroids (scikit-learn does too).
      let inertia = state.lastInertia;
      if (loop.stopReason !== 'labels') inertia = assign(ds.x, ds.n, ds.d, state.centres, o.k, state.labels, state.dist);
      else inertia = finalInertia(ds, state.centres, state.labels);
      const result: HardFit = { ...loop, centres: state.centres, labels: state.labels, inertia, initMs, relocations: state.relocations };
      return { result, objective: inertia, nIter: loop.nIter, converged: loop.converged };
    },
    o.signal,
  );
}

function finalInertia(ds: Dataset, c: Float64Array, labels: Int32Array): number {
  let s = 0;
  for (let i = 0; i < ds.n; i++) s += sqDist(ds.x, i, c, labels[i], ds.d);
  return s;
}

/** Soft k-means E-step at centres c: responsibilities into r (n×k), returns Σ_i lse_i and min distances. */
export function softEStep(
  x: Float64Array,
  n: number,
  d: number,
  c: Float64Array,
  k: number,
  beta: number,
  r: Float64Array,
  minDist: Float64Array,
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
    sumLse += lse;
  }
  return sumLse;
}

export interface SoftFit {
  centres: Float64Array;
  resp: Float64Array;
  objective: number;
  nIter: number;
  converged: boolean;
  stopReason: 'tol' | 'maxIter';
  history: import('../types.js').IterationRecord[];
  perIterMs: number;
  initMs: number;
  relocations: number;
}

/** Clusters whose total responsibility falls below this are treated as empty. */
export const SOFT_EMPTY_MASS = 1e-10;

export async function softReference(ds: Dataset, o: ResolvedOptions, beta: number) {
  const { n, d, x } = ds;
  const k = o.k;
  return runRestarts<SoftFit>(
    o.nInit,
    async (restart) => {
      const rng = restartRng(o.seed, restart);
      const t0 = performance.now();
      const centres = initialCentroids(ds, o, rng);
      const initMs = performance.now() - t0;
      const r = new Float64Array(n * k);
      const minDist = new Float64Array(n);
      let relocations = 0;
      const run: EMRun = {
        async step() {
          const objective = (-1 / beta) * softEStep(x, n, d, centres, k, beta, r, minDist);
          const sums = new Float64Array(k * d);
          const mass = new Float64Array(k);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < k; j++) {
              const w = r[i * k + j];
              mass[j] += w;
              for (let f = 0; f < d; f++) sums[j * d + f] += w * x[i * d + f];
            }
          }
          // A cluster with (numerically) no mass is moved to the sample farthest from every centre.
          const empty: number[] = [];
          for (let j = 0; j < k; j++) if (mass[j] < SOFT_EMPTY_MASS) empty.push(j);
          const far = o.emptyCluster === 'farthest' ? topIndices(minDist, empty.length) : rng.sample(n, empty.length);
          empty.forEach((j, t) => {
            for (let f = 0; f < d; f++) sums[j * d + f] = x[far[t] * d + f];
            mass[j] = 1;
          });
          relocations += empty.length;
          let shift = 0;
          for (let j = 0; j < k; j++) {
            for (let f = 0; f < d; f++) {
              const v = sums[j * d + f] / mass[j];
              const t = v - centres[j * d + f];
              shift += t * t;
              centres[j * d + f] = v;
            }
          }
          return { objective, shift };
        },
        converged(out) {
          return out.shift <= o.tolScaled ? 'tol' : false;
        },
      };
      const loop = await runEM(run, { restart, maxIter: o.maxIter, signal: o.signal, onIteration: o.onIteration });
      const objective = (-1 / beta) * softEStep(x, n, d, centres, k, beta, r, minDist);
      const result: SoftFit = {
        ...loop,
        stopReason: loop.stopReason === 'maxIter' ? 'maxIter' : 'tol',
        centres,
        resp: r,
        objective,
        initMs,
        relocations,
      };
      return { result, objective, nIter: loop.nIter, converged: loop.converged };
    },
    o.signal,
  );
}

/** Nearest-centroid labels and squared distances for new data. */
export function predictReference(
  x: Float64Array,
  n: number,
  d: number,
  c: Float64Array,
  k: number,
): { labels: Int32Array; dist: Float64Array } {
  const labels = new Int32Array(n);
  const dist = new Float64Array(n);
  assign(x, n, d, c, k, labels, dist);
  return { labels, dist };
}

/** Euclidean (not squared) distances to every centroid, n×k row-major, as scikit-learn's transform. */
export function transformReference(x: Float64Array, n: number, d: number, c: Float64Array, k: number): Float64Array {
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = Math.sqrt(sqDist(x, i, c, j, d));
  return out;
}
