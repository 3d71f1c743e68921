/** Harmony's options and batch labels, checked once: every value in range, or a typed error saying which and what to pass. */
import { isArrayLike } from '../data.js';
import { invalid } from '../errors.js';
import type { BatchLabels, HarmonyOptions } from './types.js';

export interface ResolvedHarmony {
  K: number;
  theta: number;
  sigma: number;
  lambda: number;
  maxIter: number;
  maxIterClustering: number;
  epsilonCluster: number;
  epsilonHarmony: number;
  blockSize: number;
  seed: number;
  returnR: boolean;
}

function num(v: unknown, name: string, ok: (x: number) => boolean, rule: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
    throw invalid('BAD_OPTION', `${name}=${String(v)} is not ${rule}. Pass ${rule}, or leave it out (default ${fallback}).`);
  }
  return v;
}

/** A single number, or an array of one (one batch variable). */
function scalar(v: unknown, name: string): unknown {
  if (Array.isArray(v)) {
    if (v.length !== 1) {
      throw invalid('BAD_OPTION', `${name} has ${v.length} values, but Harmony here takes one batch variable. Pass one number.`);
    }
    return v[0];
  }
  return v;
}

const int = (x: number) => Number.isInteger(x);
/** Smallest σ for which dist/σ stays finite (dist ≤ 4 between unit vectors). */
const MIN_SIGMA = 1e-300;
/** Smallest ridge penalty accepted. */
export const LAMBDA_MIN = 1e-6;
/** Smallest block fraction accepted (1000 blocks per R update). */
export const BLOCK_MIN = 1e-3;

export function resolveHarmony(o: HarmonyOptions, n: number): ResolvedHarmony {
  const defaultK = Math.max(1, Math.min(100, Math.round(n / 30)));
  const K = num(o.nClusters, 'nClusters', (x) => int(x) && x >= 1 && x <= n, `an integer in [1, n = ${n}]`, Math.min(defaultK, n));
  // The diversity penalty ((E + 1)/(O + 1))^θ spans (n + 1)^±θ: θ·ln(n + 1) ≤ 300 keeps it (and R) finite in float64.
  const thetaMax = Number((300 / Math.log(n + 1)).toPrecision(3));
  return {
    K,
    theta: num(
      scalar(o.theta, 'theta'),
      'theta',
      (x) => x >= 0 && x <= thetaMax,
      `a number in [0, ${thetaMax}] for n = ${n} cells (larger overflows the diversity penalty)`,
      2,
    ),
    // exp(−dist/σ) is taken in the log domain, but dist/σ itself must stay finite (dist ≤ 4 on the sphere).
    sigma: num(o.sigma, 'sigma', (x) => x >= MIN_SIGMA, `a number >= ${MIN_SIGMA}`, 0.1),
    // Below ~1e-6 the ridge system of a cluster that one batch dominates is singular in float64.
    lambda: num(scalar(o.lambda, 'lambda'), 'lambda', (x) => x >= LAMBDA_MIN, `a number ≥ ${LAMBDA_MIN}`, 1),
    maxIter: num(o.maxIter, 'maxIter', (x) => int(x) && x >= 1, 'an integer ≥ 1', 10),
    maxIterClustering: num(o.maxIterClustering, 'maxIterClustering', (x) => int(x) && x >= 1, 'an integer ≥ 1', 20),
    epsilonCluster: num(o.epsilonCluster, 'epsilonCluster', (x) => x >= 0, 'a number ≥ 0', 1e-5),
    epsilonHarmony: num(o.epsilonHarmony, 'epsilonHarmony', (x) => x >= 0, 'a number ≥ 0', 1e-4),
    // Each block is one update pass over the cells (one dispatch on a GPU): at most 1 / BLOCK_MIN of them per round.
    blockSize: num(o.blockSize, 'blockSize', (x) => x >= BLOCK_MIN && x <= 1, `a number in [${BLOCK_MIN}, 1]`, 0.05),
    seed: num(o.seed, 'seed', (x) => Number.isSafeInteger(x), 'a safe integer', 0),
    returnR: o.returnR === undefined ? false : bool(o.returnR, 'returnR'),
  };
}

function bool(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw invalid('BAD_OPTION', `${name}=${String(v)} is not a boolean. Pass true or false.`);
  return v;
}

export interface EncodedBatch {
  /** Batch index per cell. */
  index: Uint32Array;
  /** Labels in order of first appearance. */
  levels: string[];
  /** Cells per batch. */
  counts: Float64Array;
}

/** Batch labels (strings or numbers, one per cell) → indices in order of first appearance. */
export function encodeBatch(batch: BatchLabels, n: number): EncodedBatch {
  if (!isArrayLike(batch) || typeof batch === 'string') {
    throw invalid('SHAPE_MISMATCH', 'batch must be an array of labels (strings or numbers), one per row of the data.');
  }
  if (batch.length !== n) {
    throw invalid('SHAPE_MISMATCH', `batch has ${batch.length} labels but the data have ${n} rows. Pass one batch label per row.`);
  }
  const ids = new Map<string, number>();
  const index = new Uint32Array(n);
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    const v: unknown = batch[i];
    if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string') {
      throw invalid(
        typeof v === 'number' ? 'NON_FINITE' : 'NON_NUMERIC',
        `batch[${i}] is ${typeof v === 'number' ? String(v) : typeof v}; batch labels must be strings or finite numbers. Fix or drop that cell.`,
      );
    }
    // Numbers and strings are separate labels only by their text: 1 and '1' name one batch.
    const key = String(v);
    let b = ids.get(key);
    if (b === undefined) {
      b = ids.size;
      ids.set(key, b);
      counts.push(0);
    }
    index[i] = b;
    counts[b]++;
  }
  return { index, levels: [...ids.keys()], counts: Float64Array.from(counts) };
}
