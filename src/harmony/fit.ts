/**
 * Harmony (Korsunsky et al. 2019, Nature Methods) as harmonypy runs it, on any backend that
 * implements the contract of backend.ts. Host float64 here: the seeded block order, the centroid
 * normalisation, the cross-entropy part of the objective (from O alone), the per-cluster ridge
 * solves and both convergence rules; the backend does the work over the cells.
 *
 *   init:  cosine-normalised PCs → k-means centroids Y (unit rows) → R = softmax(−dist/σ), O = RΦᵀ
 *   repeat maxIter times:
 *     cluster: up to maxIterClustering × { Y = normalise(Rᵀ zcos); dist; block-wise R update; objective },
 *              stopping when the mean of the last 3 objectives changes by < epsilonCluster (relative);
 *     correct: z_corr = z − Σ_k R_ik W_k[b_i] (ridge, ridge.ts); zcos = z_corr / ‖z_corr‖;
 *     stop when the objective fell by less than epsilonHarmony (relative) since the last round.
 */
import { randomPermutation, Rng } from '../core/rng.js';
import type { EngineInstance } from '../core/registry.js';
import { abortCheckpoint as checkpoint } from '../core/yield.js';
import type { HarmonyBackend, HarmonySession, HarmonySetup } from './backend.js';
import type { ResolvedHarmony } from './options.js';
import { ridgeCoefficients } from './ridge.js';

/** harmonypy's window of clustering objectives compared for convergence. */
const WINDOW = 3;
/** Stream of the block-order RNG (the k-means initialisation uses the seed's own streams). */
const ORDER_STREAM = 0x4a52;

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
export interface HarmonyRun {
  corrected: Float64Array | Float32Array;
  R?: Float64Array | Float32Array;
  objectives: number[];
  iterations: number;
  converged: boolean;
  clusteringIterations: number[];
}

export interface HarmonyHooks {
  signal?: AbortSignal;
  onProgress?: (p: { iteration: number; objective: number }) => void;
  /** The cell order of update call `call` instead of the seeded shuffle (tests replay another implementation's order). */
  blockOrder?: (call: number, n: number) => Uint32Array;
}

/** Rows of a row-major m × c matrix scaled to unit L2 norm (zero rows stay zero). */
export function normaliseRows(x: ArrayLike<number>, m: number, c: number): Float64Array {
  const out = Float64Array.from(x);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let f = 0; f < c; f++) s += out[i * c + f] * out[i * c + f];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let f = 0; f < c; f++) out[i * c + f] *= inv;
  }
  return out;
}

/** numpy.array_split boundaries of n items into `parts` blocks (the first n mod parts one longer). */
export function blockBounds(n: number, blockSize: number): Uint32Array {
  const parts = Math.min(n, Math.ceil(1 / blockSize));
  const bounds = new Uint32Array(parts + 1);
  const base = Math.floor(n / parts);
  const extra = n % parts;
  for (let j = 0; j < parts; j++) bounds[j + 1] = bounds[j] + base + (j < extra ? 1 : 0);
  return bounds;
}

/** A uniformly shuffled 0..n−1 (Fisher–Yates, core/rng.ts). */
export function shuffledOrder(rng: Rng, n: number): Uint32Array {
  return randomPermutation(rng, new Uint32Array(n));
}

/** Σ_kb σ_k θ_b O_kb log((O_kb + 1)/(E_kb + 1)), E_kb = Pr_b Σ_b' O_kb': the diversity part of the objective. */
export function crossEntropy(O: Float64Array, setup: HarmonySetup): number {
  const { K, B, sigma, theta, prB } = setup;
  let total = 0;
  for (let k = 0; k < K; k++) {
    let rowSum = 0;
    for (let b = 0; b < B; b++) rowSum += O[k * B + b];
    for (let b = 0; b < B; b++) {
      const o = O[k * B + b];
      total += sigma[k] * theta[b] * o * Math.log((o + 1) / (prB[b] * rowSum + 1));
    }
  }
  return total;
}

async function objective(s: HarmonySession, O: Float64Array, setup: HarmonySetup): Promise<number> {
  const { kmeans, entropy } = await s.objective();
  return kmeans + entropy + crossEntropy(O, setup);
}

/** O (K × B) from the backend's moe sums. */
function countsOf(S: Float64Array, K: number, B: number, d: number): Float64Array {
  const O = new Float64Array(K * B);
  for (let t = 0; t < K * B; t++) O[t] = S[t * (d + 1) + d];
  return O;
}

function windowConverged(obj: number[], eps: number): boolean {
  let old = 0;
  let cur = 0;
  const m = obj.length;
  for (let j = 0; j < WINDOW; j++) {
    old += obj[m - 2 - j];
    cur += obj[m - 1 - j];
  }
  return Math.abs(old - cur) / Math.abs(old) < eps;
}

/**
 * Run Harmony on `impl` over z (n × d float64), starting from `centroids` (K × d, the k-means
 * centres of the cosine-normalised rows).
 */
export async function runHarmony(
  impl: HarmonyBackend,
  engine: EngineInstance,
  z: Float64Array,
  setup: HarmonySetup,
  centroids: Float64Array,
  r: ResolvedHarmony,
  hooks: HarmonyHooks,
): Promise<HarmonyRun> {
  const { n, d, K, B } = setup;
  return impl.open(engine, z, setup, async (s) => {
    await s.distances(normaliseRows(centroids, K, d));
    await s.softAssign();
    const O = countsOf(await s.moeSums(), K, B, d);
    const first = await objective(s, O, setup);
    const objKm = [first];
    const objectives = [first];
    const clusteringIterations: number[] = [];
    const rng = new Rng(r.seed, ORDER_STREAM);
    const bounds = blockBounds(n, r.blockSize);
    let converged = false;
    let iterations = 0;
    let calls = 0;
    const nextOrder = (): Uint32Array => hooks.blockOrder?.(calls++, n) ?? shuffledOrder(rng, n);
    const last = { t: now() };
    const { signal } = hooks;
    for (let iter = 1; iter <= r.maxIter; iter++) {
      await checkpoint(signal, last);
      let i = 0;
      for (; i < r.maxIterClustering; i++) {
        await checkpoint(signal, last);
        await s.distances(normaliseRows(await s.centroidSums(), K, d));
        await checkpoint(signal, last);
        await s.updateR(nextOrder(), bounds, O);
        await checkpoint(signal, last);
        objKm.push(await objective(s, O, setup));
        if (i > WINDOW && windowConverged(objKm, r.epsilonCluster)) break;
      }
      clusteringIterations.push(Math.min(i + 1, r.maxIterClustering));
      objectives.push(objKm[objKm.length - 1]);
      await checkpoint(signal, last);
      await s.correct(ridgeCoefficients(await s.moeSums(), K, B, d, r.lambda));
      iterations = iter;
      const old = objectives[objectives.length - 2];
      const cur = objectives[objectives.length - 1];
      hooks.onProgress?.({ iteration: iter, objective: cur });
      if ((old - cur) / Math.abs(old) < r.epsilonHarmony) {
        converged = true;
        break;
      }
    }
    const out = await s.read({ R: r.returnR });
    return { ...out, objectives, iterations, converged, clusteringIterations };
  });
}
