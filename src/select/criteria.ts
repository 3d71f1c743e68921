/**
 * Information criteria for choosing k: free-parameter counts per model, BIC, AIC, ICL, and the
 * X-means BIC of a k-means partition. All are "lower is better" (BIC = −2 log L + p log n), the
 * opposite sign of mclust's, which reports 2 log L − p log n.
 */
import type { CovarianceType } from '../types.js';
import { isArrayLike } from '../data.js';
import { invalid } from '../errors.js';
import { nParameters } from '../gmm/model.js';
import { describe, finite, intAtLeast, numbers } from './check.js';

const COVARIANCES = ['full', 'tied', 'diag', 'spherical'];
const DISPERSIONS = ['per-gene', 'shared', 'fixed'];

function kd(k: unknown, d: unknown, fn: string): void {
  intAtLeast(k, 1, fn, 'k');
  intAtLeast(d, 1, fn, 'd');
}

/** Free parameters of a Gaussian mixture, as scikit-learn's `_n_parameters`: covariances + k·d means + k − 1 weights. */
export function gmmParameters(covariance: CovarianceType, k: number, d: number): number {
  if (!COVARIANCES.includes(covariance))
    throw invalid(
      'BAD_OPTION',
      `gmmParameters: covariance='${String(covariance)}' is not recognised. Use one of ${COVARIANCES.join(', ')}.`,
    );
  kd(k, d, 'gmmParameters');
  return nParameters(covariance, k, d);
}

/**
 * Free parameters of a negative-binomial mixture: k·d means, k − 1 weights and the dispersions
 * (d per-gene, 1 shared, 0 when fixed). Size factors are read off the data, not fitted.
 */
export function nbParameters(k: number, d: number, dispersion: 'per-gene' | 'shared' | 'fixed'): number {
  if (!DISPERSIONS.includes(dispersion))
    throw invalid(
      'BAD_OPTION',
      `nbParameters: dispersion='${String(dispersion)}' is not recognised. Use one of ${DISPERSIONS.join(', ')}.`,
    );
  kd(k, d, 'nbParameters');
  return k * d + (k - 1) + (dispersion === 'per-gene' ? d : dispersion === 'shared' ? 1 : 0);
}

/**
 * BIC/AIC of a k-means partition read as a hard-assignment spherical Gaussian mixture with one
 * shared variance (σ² = inertia / (n·d), weights n_j / n):
 * log L = Σ_j n_j log(n_j / n) − (n·d/2)(log 2πσ² + 1), with k·d means, 1 variance, k − 1 weights.
 * On single-cell PCs it keeps rewarding more clusters (one variance cannot fit both broad and
 * tight types); prefer xmeansInformation there.
 */
export function kmeansInformation(inertia: number, sizes: number[], n: number, d: number): { logLikelihood: number; p: number } {
  if (!(typeof inertia === 'number' && inertia >= 0 && Number.isFinite(inertia)))
    throw invalid('BAD_OPTION', `kmeansInformation: inertia=${String(inertia)} must be a finite number >= 0.`);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(d) || d < 1)
    throw invalid('BAD_OPTION', `kmeansInformation: n=${String(n)} and d=${String(d)} must be positive integers.`);
  if (!isArrayLike(sizes) || sizes.length < 1 || Array.from(sizes).some((s) => !Number.isInteger(s) || s < 0))
    throw invalid('BAD_OPTION', 'kmeansInformation: sizes must be a non-empty array of cluster sizes (integers >= 0).');
  const total = Array.from(sizes).reduce((a, b) => a + b, 0);
  if (Math.abs(total - n) > 1e-9 * n)
    throw invalid(
      'SHAPE_MISMATCH',
      `kmeansInformation: the sizes sum to ${total}, not n=${n}. Pass every cluster's size (they add up to n).`,
    );
  const k = sizes.length;
  const variance = Math.max(inertia / (n * d), Number.MIN_VALUE);
  let ll = -((n * d) / 2) * (Math.log(2 * Math.PI * variance) + 1);
  for (const s of sizes) if (s > 0) ll += s * Math.log(s / n);
  return { logLikelihood: ll, p: k * d + 1 + (k - 1) };
}

/** BIC, AIC and p of a log-likelihood; n is the (weighted) number of samples. */
export function information(logLikelihood: number, p: number, n: number): { bic: number; aic: number } {
  finite(logLikelihood, 'information', 'logLikelihood');
  intAtLeast(p, 0, 'information', 'p');
  if (!(finite(n, 'information', 'n') > 0))
    throw invalid('BAD_OPTION', `information: n=${n} is not > 0. Pass the (weighted) number of samples.`);
  return { bic: -2 * logLikelihood + p * Math.log(n), aic: -2 * logLikelihood + 2 * p };
}

/**
 * The classification terms of a posterior (n rows of k, row-major or rows): `entropy` = −Σ_i Σ_k
 * z_ik log z_ik, and `mapLog` = Σ_i log z_{i, argmax}, both weighted by w_i when given.
 * mclust's ICL is BIC − 2·mapLog (our sign); McLachlan & Peel's ICL-BIC is BIC + 2·entropy.
 */
export function posteriorTerms(
  resp: ArrayLike<ArrayLike<number>>,
  weights?: ArrayLike<number> | null,
): { entropy: number; mapLog: number } {
  if (!isArrayLike(resp) || typeof resp === 'string' || resp.length < 1)
    throw invalid('BAD_OPTION', `posteriorTerms: the posteriors must be rows of probabilities; got ${describe(resp)}.`);
  if (weights != null) numbers(weights, 'posteriorTerms', 'weights', resp.length, 0);
  let entropy = 0;
  let mapLog = 0;
  for (let i = 0; i < resp.length; i++) {
    const row = numbers(resp[i], 'posteriorTerms', `posteriors[${i}]`, 1, 0);
    const w = weights ? weights[i] : 1;
    let e = 0;
    let best = 0;
    let sum = 0;
    for (let j = 0; j < row.length; j++) {
      const z = row[j];
      if (z > 0) e -= z * Math.log(z);
      if (z > best) best = z;
      sum += z;
    }
    // Rows of another length or that are not distributions give an entropy of nothing in particular
    // (float32 posteriors sum to 1 within ~1e-6·k; 1e-3 leaves room).
    if (row.length !== (resp[0] as ArrayLike<number>).length || !(Math.abs(sum - 1) <= 1e-3))
      throw invalid(
        'BAD_OPTION',
        `posteriorTerms: posteriors[${i}] has ${row.length} entries summing to ${sum}; each row holds one probability per component (${(resp[0] as ArrayLike<number>).length}), summing to 1.`,
      );
    entropy += w * e;
    mapLog += w * Math.log(best > 0 ? best : Number.MIN_VALUE);
  }
  return { entropy, mapLog };
}

/**
 * ICL as mclust's `icl()` defines it (Biernacki, Celeux & Govaert 2000): the BIC plus twice the
 * negative log-posterior of the MAP classification, −2 Σ_i log z_{i,MAP}. It is the BIC when
 * every cell is assigned with certainty, and grows with the overlap between components, so it
 * chooses fewer, better-separated clusters than the BIC.
 */
export function icl(bic: number, mapLog: number): number {
  finite(bic, 'icl', 'bic');
  if (finite(mapLog, 'icl', 'mapLog') > 0)
    throw invalid('BAD_OPTION', `icl: mapLog=${mapLog} is > 0; it is a sum of log-probabilities. Pass posteriorTerms(...).mapLog.`);
  return bic - 2 * mapLog;
}

/**
 * Per-cluster sums of squared distances to the centroids, Σ_{i∈j} w_i ‖x_i − c_j‖², and the
 * (weighted) cluster sizes.
 */
export function clusterScatter(
  x: ArrayLike<number>,
  n: number,
  d: number,
  labels: ArrayLike<number>,
  centers: ArrayLike<ArrayLike<number>>,
  weights?: ArrayLike<number> | null,
): { rss: number[]; sizes: number[] } {
  const fn = 'clusterScatter';
  intAtLeast(n, 1, fn, 'n');
  intAtLeast(d, 1, fn, 'd');
  numbers(x, fn, 'x', n * d);
  if (!isArrayLike(centers) || centers.length < 1)
    throw invalid('BAD_OPTION', `${fn}: centers must be k ≥ 1 rows of d numbers; got ${describe(centers)}.`);
  const k = centers.length;
  for (let j = 0; j < k; j++) numbers(centers[j], fn, `centers[${j}]`, d);
  const lab = numbers(labels, fn, 'labels', n, 0);
  for (let i = 0; i < n; i++)
    if (!Number.isInteger(lab[i]) || lab[i] >= k)
      throw invalid('BAD_OPTION', `${fn}: labels[${i}]=${lab[i]} is not a cluster of the ${k} centers. Pass labels in 0..${k - 1}.`);
  if (weights != null) numbers(weights, fn, 'weights', n, 0);
  const rss = new Array<number>(k).fill(0);
  const sizes = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const j = labels[i];
    const c = centers[j];
    const w = weights ? weights[i] : 1;
    let s = 0;
    for (let t = 0; t < d; t++) {
      const v = x[i * d + t] - c[t];
      s += v * v;
    }
    rss[j] += w * s;
    sizes[j] += w;
  }
  return { rss, sizes };
}

/**
 * The X-means BIC (Pelleg & Moore 2000) with a variance per cluster: the k-means partition read
 * as a hard-assignment mixture of spherical Gaussians, cluster j with weight n_j/n and its own
 * σ_j² = RSS_j / (n_j·d) (maximum likelihood):
 *   log L = Σ_j [ n_j log(n_j/n) − (n_j·d/2)(log 2πσ_j² + 1) ],
 * p = k·d means + k variances + k − 1 weights. Unlike the shared-variance BIC (kmeansInformation),
 * splitting a broad cluster only pays when its halves are tighter in every direction, so on
 * single-cell PCs it does not keep rewarding more clusters. σ_j² is floored at 1e-6 of the pooled
 * variance so that a cluster of one point (RSS 0) does not make log L infinite.
 */
export function xmeansInformation(rss: number[], sizes: number[], d: number): { logLikelihood: number; p: number } {
  const fn = 'xmeansInformation';
  numbers(sizes, fn, 'sizes', 1, 0);
  numbers(rss, fn, 'rss', sizes.length, 0);
  if (rss.length !== sizes.length)
    throw invalid('SHAPE_MISMATCH', `${fn}: rss has ${rss.length} values, sizes ${sizes.length}. Pass one of each per cluster.`);
  intAtLeast(d, 1, fn, 'd');
  const k = sizes.length;
  const n = sizes.reduce((a, b) => a + b, 0);
  if (!(n > 0)) throw invalid('EMPTY_DATA', `${fn}: the sizes sum to 0. Pass the clusters' sizes.`);
  const pooled = rss.reduce((a, b) => a + b, 0) / (n * d);
  const floor = Math.max(1e-6 * pooled, Number.MIN_VALUE);
  let ll = 0;
  for (let j = 0; j < k; j++) {
    const nj = sizes[j];
    if (!(nj > 0)) continue;
    const v = Math.max(rss[j] / (nj * d), floor);
    ll += nj * Math.log(nj / n) - ((nj * d) / 2) * (Math.log(2 * Math.PI * v) + 1);
  }
  return { logLikelihood: ll, p: k * d + k + (k - 1) };
}
