/** Negative-binomial mixture options, with their defaults and typed errors. */
import { checkNInit } from '../core/options.js';
import { invalid } from '../errors.js';
import { checkCountsK, type Counts } from './counts.js';
import { PHI_MAX, PHI_MIN, type DispersionMode, type MeanEstimator } from './model.js';
import type { NegativeBinomialMixtureOptions } from './types.js';

export interface Resolved {
  k: number;
  init: 'kmeans' | 'random' | Int32Array;
  nInit: number;
  /** 'auto' with init 'kmeans': one run from pcaStartLabels instead of restarts from k-means on log1p(x/s). */
  pcaStart: boolean;
  maxIter: number;
  tol: number;
  seed: number;
  dispersion: DispersionMode;
  meanEstimator: MeanEstimator;
  returnResponsibilities: boolean;
}

/**
 * EM runs when the caller does not say ('auto', init 'kmeans'): one, from the best of many k-means
 * runs on the principal components of the scaled log1p(x/s) (init.ts, pcaStartLabels). Ten
 * restarts from k-means on log1p(x/s) kept by likelihood left the ARI spread over seeds at 0.064 on
 * pbmc3k in 10× the time; this start gives 0.039 (bench/results/2026-12-07-nb-starts-pbmc3k.md).
 * An explicit nInit: N runs N restarts from k-means on log1p(x/s) and keeps the highest likelihood.
 */
export const NB_N_INIT = 1;

function posInt(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw invalid('BAD_OPTION', `${name}=${String(v)} is not a positive integer. Pass an integer >= 1.`);
  return v;
}

export function resolveDispersion(v: unknown): DispersionMode {
  if (v === undefined || v === 'per-gene') return { kind: 'per-gene' };
  if (v === 'shared') return { kind: 'shared' };
  if (typeof v === 'number') {
    if (!(v >= PHI_MIN && v <= PHI_MAX)) {
      throw invalid(
        'BAD_OPTION',
        `dispersion=${v} is outside [${PHI_MIN}, ${PHI_MAX}]. Pass a fixed φ in that range (variance = m + φ·m²), or 'per-gene' / 'shared' to estimate it.`,
      );
    }
    return { kind: 'fixed', phi: v };
  }
  throw invalid('BAD_OPTION', `dispersion='${String(v)}' is not recognised. Use 'per-gene', 'shared' or a fixed number φ > 0.`);
}

export function resolve(c: Counts, o: NegativeBinomialMixtureOptions): Resolved {
  if (o == null || typeof o !== 'object') throw invalid('BAD_OPTION', 'Options are missing. Pass an object with at least { k }.');
  const k = checkCountsK(o.k, c);
  const rawInit = o.init ?? 'kmeans';
  let init: Resolved['init'];
  if (rawInit === 'kmeans' || rawInit === 'random') init = rawInit;
  else if (typeof rawInit === 'string' || rawInit == null || typeof (rawInit as ArrayLike<number>).length !== 'number') {
    throw invalid(
      'BAD_OPTION',
      `init='${String(rawInit)}' is not recognised. Use 'kmeans', 'random' or an array of n initial labels in 0..k−1.`,
    );
  } else {
    const arr = rawInit as ArrayLike<number>;
    if (arr.length !== c.n)
      throw invalid('SHAPE_MISMATCH', `init has ${arr.length} labels but there are ${c.n} cells. Pass one label in 0..${k - 1} per cell.`);
    init = new Int32Array(c.n);
    for (let i = 0; i < c.n; i++) {
      const v: unknown = arr[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= k)
        throw invalid('BAD_OPTION', `init[${i}] = ${String(arr[i])} is not a label in 0..${k - 1}. Pass integer labels below k.`);
      init[i] = v as number;
    }
  }
  let nInit: number;
  const auto = o.nInit === undefined || o.nInit === 'auto';
  if (auto) nInit = init === 'random' ? 10 : NB_N_INIT;
  else nInit = checkNInit(posInt(o.nInit, 'nInit', 1));
  if (init instanceof Int32Array) nInit = 1;
  const tol = o.tol ?? 1e-3;
  if (typeof tol !== 'number' || !(tol >= 0) || !Number.isFinite(tol))
    throw invalid('BAD_OPTION', `tol=${String(tol)} must be a finite number >= 0.`);
  const seed = o.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw invalid('BAD_OPTION', `seed=${String(seed)} must be a non-negative integer.`);
  if (o.onIteration !== undefined && typeof o.onIteration !== 'function') throw invalid('BAD_OPTION', 'onIteration must be a function.');
  const meanEstimator = o.meanEstimator ?? 'mle';
  if (meanEstimator !== 'weighted' && meanEstimator !== 'mle') {
    throw invalid(
      'BAD_OPTION',
      `meanEstimator='${String(meanEstimator)}' is not recognised. Use 'weighted' (the size-factor-weighted mean) or 'mle' (the exact negative-binomial M-step).`,
    );
  }
  return {
    meanEstimator,
    k,
    init,
    nInit,
    pcaStart: auto && init === 'kmeans',
    maxIter: posInt(o.maxIter, 'maxIter', 100),
    tol,
    seed,
    dispersion: resolveDispersion(o.dispersion),
    returnResponsibilities: !!o.returnResponsibilities,
  };
}
