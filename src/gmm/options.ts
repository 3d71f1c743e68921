/** Gaussian mixture options with scikit-learn's defaults, mclust's default prior, and given initial parameters. */
import { checkCovariances } from './check-cov.js';
import { checkNInit } from '../core/options.js';
import { isArrayLike, toFiniteVector, toFloat64, type Dataset } from '../data.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { invalid } from '../errors.js';
import type { CovarianceType, GaussianMixtureOptions, GaussianMixtureParams, GaussianMixturePrior } from '../types.js';
import { cholesky } from './linalg.js';
import { precisionsFrom, type GmmParams, type ResolvedPrior } from './model.js';

const TYPES: CovarianceType[] = ['full', 'diag', 'spherical', 'tied'];
const INITS = ['kmeans', 'k-means++', 'random', 'random-from-data'] as const;

export interface Resolved {
  k: number;
  type: CovarianceType;
  nInit: number;
  maxIter: number;
  tol: number;
  regCovar: number;
  seed: number;
  init: (typeof INITS)[number] | GaussianMixtureParams;
  prior: ResolvedPrior | null;
  /** The power of two the data are divided by for fitting (gmm/scale.ts); 1 for ordinary data. */
  scale: number;
  /** WebGPU: the data are stored in half precision (precision: 'f16'; set by api.ts, which knows the backend). */
  f16?: boolean;
}

const PRIOR_OPTIONS = optionNames<GaussianMixturePrior>({ weightConcentration: true, normal: true });
const NORMAL_OPTIONS = optionNames<Exclude<GaussianMixturePrior['normal'], boolean | undefined>>({
  shrinkage: true,
  mean: true,
  dof: true,
  scale: true,
});
const INIT_OPTIONS = optionNames<GaussianMixtureParams>({ weights: true, means: true, covariances: true });

function num(v: unknown, name: string, fallback: number, ok: (x: number) => boolean, rule: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
    throw invalid('BAD_OPTION', `${name}=${String(v)} is invalid: it must be ${rule}.`);
  return v;
}

/**
 * Restarts when the caller does not say (each from its own k-means start; the highest likelihood is
 * kept). One start (scikit-learn's default) left the ARI on pbmc3k spread over 0.59–0.66 across
 * seeds 0–4; ten brought the spread under 0.05 (bench/results/2026-12-07-restarts-pbmc3k.md).
 */
export const GMM_N_INIT = 10;

/** Options resolved against the data; `weights` (validated sample weights) weight the prior's data-driven defaults. */
export function resolve(ds: Dataset, o: GaussianMixtureOptions, weights: Float64Array | null = null): Resolved {
  if (o == null || typeof o !== 'object') throw invalid('BAD_OPTION', 'Options are missing. Pass an object with at least { k }.');
  if (typeof o.k !== 'number' || !Number.isInteger(o.k) || o.k < 1) {
    throw invalid('BAD_OPTION', `k=${String(o.k)} is not a positive integer. Pass k >= 1, the number of components.`);
  }
  if (o.k > ds.n) throw invalid('K_TOO_LARGE', `n_samples=${ds.n} should be >= k=${o.k}. Pass k <= ${ds.n}, or supply more samples.`);
  const type = o.covariance ?? 'full';
  if (!TYPES.includes(type))
    throw invalid('BAD_OPTION', `covariance='${String(type)}' is not recognised. Use 'full', 'diag', 'spherical' or 'tied'.`);
  const init = o.init ?? 'kmeans';
  if (typeof init !== 'string') checkOptionNames(init, INIT_OPTIONS, 'gaussianMixture init', 'weights');
  if (typeof init === 'string' && !(INITS as readonly string[]).includes(init)) {
    throw invalid(
      'BAD_OPTION',
      `init='${init}' is not recognised. Use 'kmeans', 'k-means++', 'random', 'random-from-data' or { weights, means, covariances }.`,
    );
  }
  const r: Resolved = {
    k: o.k,
    type,
    nInit: checkNInit(num(o.nInit, 'nInit', GMM_N_INIT, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1')),
    maxIter: num(o.maxIter, 'maxIter', 100, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1'),
    tol: num(o.tol, 'tol', 1e-3, (x) => x >= 0, 'a number >= 0'),
    regCovar: num(o.regCovar, 'regCovar', 1e-6, (x) => x >= 0, 'a number >= 0'),
    seed: num(o.seed, 'seed', 0, (x) => Number.isSafeInteger(x) && x >= 0, 'a non-negative integer'),
    init,
    prior: o.prior ? resolvePrior(ds, o.k, type, o.prior, weights) : null,
    scale: 1,
  };
  if (typeof init !== 'string') r.nInit = 1;
  return r;
}

/**
 * The data's moments for the prior's defaults: column means and the scatter Σ_i (x_i − m)(x_i − m)ᵀ
 * (full d×d, or its diagonal), over n rows — or, with sample weights, the weighted mean and
 * scatter over n = Σ w (a row of weight w counts as w copies, as everywhere else).
 */
function moments(ds: Dataset, weights: Float64Array | null, full: boolean): { mean: Float64Array; scatter: Float64Array; n: number } {
  const d = ds.d;
  let mean = ds.mean;
  let n = ds.n;
  if (weights) {
    mean = new Float64Array(d);
    n = 0;
    for (let i = 0; i < ds.n; i++) {
      n += weights[i];
      for (let a = 0; a < d; a++) mean[a] += weights[i] * ds.x[i * d + a];
    }
    for (let a = 0; a < d; a++) mean[a] /= n;
  }
  if (!full) {
    // Unweighted: n times the population variances (their bits, as before weights existed).
    if (!weights) return { mean, scatter: ds.variance.map((v) => v * ds.n), n };
    const scatter = new Float64Array(d);
    for (let i = 0; i < ds.n; i++) {
      for (let a = 0; a < d; a++) scatter[a] += weights[i] * (ds.x[i * d + a] - mean[a]) ** 2;
    }
    return { mean, scatter, n };
  }
  const scatter = new Float64Array(d * d);
  for (let i = 0; i < ds.n; i++) {
    const w = weights ? weights[i] : 1;
    for (let a = 0; a < d; a++) {
      const ua = ds.x[i * d + a] - mean[a];
      // Unweighted rows add ua·ub exactly as before (no ×1).
      const wa = weights ? w * ua : ua;
      for (let b = a; b < d; b++) scatter[a * d + b] += wa * (ds.x[i * d + b] - mean[b]);
    }
  }
  for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) scatter[b * d + a] = scatter[a * d + b];
  return { mean, scatter, n };
}

/**
 * mclust's defaultPrior: shrinkage 0.01, mean = column means, dof = d + 2, scale = cov(X)/k^(2/d);
 * with sample weights the means and cov(X) are weighted (n − 1 → Σ w − 1), as replication implies.
 */
function resolvePrior(ds: Dataset, k: number, type: CovarianceType, p: GaussianMixturePrior, weights: Float64Array | null): ResolvedPrior {
  return checkPrior(p, type, ds.d, k, (full) => moments(ds, weights, full));
}

/**
 * A prior checked and resolved: every hyperparameter in range, the scale positive definite. The
 * data-driven defaults come from `dataMoments`; without data (the shard M-step, whose prior is
 * already resolved) the mean and scale must be given.
 */
export function checkPrior(
  p: GaussianMixturePrior,
  type: CovarianceType,
  d: number,
  k: number,
  dataMoments: ((full: boolean) => { mean: Float64Array; scatter: Float64Array; n: number }) | null,
): ResolvedPrior {
  checkOptionNames(p, PRIOR_OPTIONS, 'gaussianMixture prior', 'normal');
  const alpha = num(p.weightConcentration, 'prior.weightConcentration', 1, (x) => x > 0, 'a number > 0');
  if (p.normal !== undefined && typeof p.normal !== 'boolean')
    checkOptionNames(p.normal, NORMAL_OPTIONS, 'gaussianMixture prior.normal', 'shrinkage');
  if (!p.normal) return { alpha, normal: null };
  const given = typeof p.normal === 'object' ? p.normal : {};
  const kappa = num(given.shrinkage, 'prior.normal.shrinkage', 0.01, (x) => x > 0, 'a number > 0');
  const dof = num(given.dof, 'prior.normal.dof', d + 2, (x) => x > d - 1, `a number > d − 1 = ${d - 1}`);
  const full = type === 'full' || type === 'tied';
  if ((given.mean === undefined || given.scale === undefined) && !dataMoments)
    throw invalid(
      'BAD_OPTION',
      'prior.normal needs its mean and scale here (no data to default them from). Pass the resolved prior a fit reports.',
    );
  const m = given.mean === undefined || given.scale === undefined ? dataMoments!(full) : null;
  let mean: Float64Array;
  if (given.mean !== undefined) {
    if (!isArrayLike(given.mean) || given.mean.length !== d)
      throw invalid('DIMENSION_MISMATCH', `prior.normal.mean must have ${d} finite values.`);
    mean = toFiniteVector(given.mean, 'prior.normal.mean', d);
  } else mean = m!.mean.slice();
  let scale: Float64Array;
  if (given.scale !== undefined) {
    scale = parseScale(given.scale, type, d);
  } else {
    // Sample covariance (n − 1 denominator, as R's cov) scaled by k^(−2/d).
    const f = k ** (-2 / d) / Math.max(1, m!.n - 1);
    const v = m!.scatter.map((x) => x * f);
    scale = type === 'spherical' ? Float64Array.of(v.reduce((a, b) => a + b, 0) / d) : v;
  }
  // The prior's log-density needs a positive-definite scale: data with no spread in some
  // direction give a singular default (cov(X) = 0 there).
  const pd = type === 'full' || type === 'tied' ? cholesky(scale, d) !== null : scale.every((v) => v > 0 && Number.isFinite(v));
  if (!pd) {
    throw invalid(
      'BAD_OPTION',
      `prior.normal.scale is not positive definite${given.scale === undefined ? ' (its default, cov(X)/k^(2/d), is singular: the data do not vary in some direction)' : ''}. Pass prior.normal.scale explicitly, or drop constant features.`,
    );
  }
  return { alpha, normal: { kappa, mean, dof, scale } };
}

function parseScale(s: unknown, type: CovarianceType, d: number): Float64Array {
  const bad = (): Error =>
    invalid(
      'DIMENSION_MISMATCH',
      `prior.normal.scale has the wrong shape for covariance '${type}': pass ${type === 'full' || type === 'tied' ? `a ${d}×${d} matrix` : type === 'diag' ? `${d} variances` : 'one variance'}.`,
    );
  const positive = (v: Float64Array): Float64Array => {
    if (!v.every((x) => x > 0)) throw invalid('BAD_OPTION', `prior.normal.scale must hold variances > 0 for covariance '${type}'.`);
    return v;
  };
  if (typeof s === 'number') {
    if (type !== 'spherical') throw bad();
    if (!(s > 0) || !Number.isFinite(s))
      throw invalid('BAD_OPTION', `prior.normal.scale=${s} is invalid: it must be a finite variance > 0.`);
    return Float64Array.of(s);
  }
  if (type === 'full' || type === 'tied') {
    const m = toFloat64(s as ArrayLike<ArrayLike<number>>, 'prior.normal.scale');
    if (m.n !== d || m.d !== d) throw bad();
    for (let a = 0; a < d; a++) if (!(m.x[a * d + a] > 0)) throw invalid('BAD_OPTION', 'prior.normal.scale must have a positive diagonal.');
    return m.x;
  }
  if (!isArrayLike(s) || s.length !== (type === 'diag' ? d : 1)) throw bad();
  return positive(toFiniteVector(s, 'prior.normal.scale'));
}

/** Validate user-given initial parameters (scikit-learn's shapes) into GmmParams. */
export function givenParams(g: GaussianMixtureParams, type: CovarianceType, k: number, d: number, reg: number, scale = 1): GmmParams {
  if (!isArrayLike(g.weights) || g.weights.length !== k) throw invalid('SHAPE_MISMATCH', `init.weights must be ${k} non-negative numbers.`);
  const w = toFiniteVector(g.weights, 'init.weights');
  if (!w.every((x) => x >= 0)) throw invalid('SHAPE_MISMATCH', `init.weights must be ${k} non-negative numbers.`);
  const sum = w.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6) throw invalid('BAD_OPTION', `init.weights sum to ${sum}; they must sum to 1.`);
  const means = toFloat64(g.means as ArrayLike<ArrayLike<number>>, 'init.means');
  if (means.n !== k || means.d !== d) throw invalid('DIMENSION_MISMATCH', `init.means must be ${k}×${d}; got ${means.n}×${means.d}.`);
  let cov: Float64Array;
  const c = g.covariances as unknown;
  const fail = (): Error =>
    invalid(
      'DIMENSION_MISMATCH',
      `init.covariances has the wrong shape for covariance '${type}' (full: k×d×d, tied: d×d, diag: k×d, spherical: k).`,
    );
  if (!isArrayLike(c)) throw fail();
  if (type === 'full') {
    const arr = c as ArrayLike<ArrayLike<ArrayLike<number>>>;
    if (arr.length !== k) throw fail();
    cov = new Float64Array(k * d * d);
    for (let j = 0; j < k; j++) {
      const m = toFloat64(arr[j], `init.covariances[${j}]`);
      if (m.n !== d || m.d !== d) throw fail();
      cov.set(m.x, j * d * d);
    }
  } else if (type === 'tied') {
    const m = toFloat64(c as ArrayLike<ArrayLike<number>>, 'init.covariances');
    if (m.n !== d || m.d !== d) throw fail();
    cov = m.x;
  } else if (type === 'diag') {
    const m = toFloat64(c as ArrayLike<ArrayLike<number>>, 'init.covariances');
    if (m.n !== k || m.d !== d) throw fail();
    cov = m.x;
  } else {
    if (c.length !== k) throw fail();
    cov = toFiniteVector(c, 'init.covariances');
  }
  // Refused here as in scoring (check-cov.ts): the fit would otherwise jitter it into another model.
  checkCovariances(type, k, d, cov, 'init');
  if (scale === 1) return precisionsFrom(type, k, d, w, means.x, cov, new Uint8Array(k).fill(1), reg);
  // Fitting in scaled units (gmm/scale.ts): means ÷ s, covariances ÷ s².
  const m = means.x.map((v) => v / scale);
  return precisionsFrom(
    type,
    k,
    d,
    w,
    m,
    cov.map((v) => v / scale / scale),
    new Uint8Array(k).fill(1),
    reg,
  );
}
