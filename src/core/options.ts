/** Option resolution shared by every backend, with scikit-learn's defaults. */
import type { DataInput, Dataset } from '../data.js';
import { checkK, toParamMatrix } from '../data.js';
import { invalid } from '../errors.js';
import type { CommonFitOptions, EmptyClusterPolicy, SoftKMeansOptions } from '../types.js';

export interface ResolvedOptions {
  k: number;
  nInit: number;
  maxIter: number;
  tol: number;
  /** tol × mean column variance: the squared-shift threshold (scikit-learn's _tolerance). */
  tolScaled: number;
  init: 'k-means++' | 'random' | Float64Array;
  seed: number;
  emptyCluster: EmptyClusterPolicy;
  onIteration?: CommonFitOptions['onIteration'];
  signal?: AbortSignal;
}

/**
 * The most restarts a fit takes: each is a whole fit, so 1,000 already cost minutes on large data, and
 * scikit-learn's defaults are 1–10. Larger values are refused (BAD_OPTION) rather than run for hours.
 */
export const MAX_N_INIT = 1000;

/** nInit once it is a positive integer: at most MAX_N_INIT. */
export function checkNInit(nInit: number): number {
  if (nInit > MAX_N_INIT) {
    throw invalid(
      'BAD_OPTION',
      `nInit=${nInit} is above ${MAX_N_INIT}: each restart is a whole fit, so this many would run for hours with no gain ` +
        `(restarts beyond a few tens rarely improve the best fit). Pass nInit <= ${MAX_N_INIT}.`,
    );
  }
  return nInit;
}

function positiveInt(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw invalid('BAD_OPTION', `${name}=${String(v)} is not a positive integer. Pass an integer >= 1.`);
  }
  return v;
}

export function resolveOptions(ds: Dataset, opts: CommonFitOptions): ResolvedOptions {
  if (opts == null || typeof opts !== 'object') {
    throw invalid('BAD_OPTION', 'Options are missing. Pass an object with at least { k }.');
  }
  const k = checkK(opts.k, ds.n);
  const maxIter = positiveInt(opts.maxIter, 'maxIter', 300);
  const tol = opts.tol ?? 1e-4;
  if (typeof tol !== 'number' || !(tol >= 0) || !Number.isFinite(tol)) {
    throw invalid('BAD_OPTION', `tol=${String(tol)} must be a finite number >= 0.`);
  }
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw invalid('BAD_OPTION', `seed=${String(seed)} must be a non-negative integer.`);
  }
  let init: ResolvedOptions['init'];
  const rawInit = opts.init ?? 'k-means++';
  if (rawInit === 'k-means++' || rawInit === 'random') init = rawInit;
  else if (typeof rawInit === 'string') {
    throw invalid('BAD_OPTION', `init='${rawInit}' is not recognised. Use 'k-means++', 'random' or a k×d array of centroids.`);
  } else init = toParamMatrix(rawInit as DataInput, k, ds.d, 'init');
  let nInit: number;
  if (opts.nInit === undefined || opts.nInit === 'auto') nInit = init === 'random' ? 10 : 1;
  else nInit = checkNInit(positiveInt(opts.nInit, 'nInit', 1));
  // Given centroids make every restart identical: one run is enough (scikit-learn warns and does the same).
  if (init instanceof Float64Array) nInit = 1;
  const emptyCluster = opts.emptyCluster ?? 'farthest';
  if (emptyCluster !== 'farthest' && emptyCluster !== 'random') {
    throw invalid('BAD_OPTION', `emptyCluster='${String(emptyCluster)}' is not recognised. Use 'farthest' or 'random'.`);
  }
  if (opts.onIteration !== undefined && typeof opts.onIteration !== 'function') {
    throw invalid('BAD_OPTION', 'onIteration must be a function.');
  }
  let meanVar = 0;
  for (let j = 0; j < ds.d; j++) meanVar += ds.variance[j];
  meanVar /= ds.d;
  const out: ResolvedOptions = { k, nInit, maxIter, tol, tolScaled: tol * meanVar, init, seed, emptyCluster };
  if (opts.onIteration) out.onIteration = opts.onIteration;
  if (opts.signal) out.signal = opts.signal;
  return out;
}

export function resolveBeta(opts: SoftKMeansOptions): number {
  const beta = opts.beta ?? 1;
  if (typeof beta !== 'number' || !(beta > 0) || !Number.isFinite(beta)) {
    throw invalid('BAD_OPTION', `beta=${String(beta)} must be a finite number > 0 (the stiffness of soft k-means).`);
  }
  return beta;
}
