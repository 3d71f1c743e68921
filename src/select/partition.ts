/**
 * The classification BIC of a hard partition ('clbic', the k-means default of selectK): the
 * k-means labels read as a mixture of Gaussians with a full covariance per cluster (mclust's VVV)
 * whose parameters are their maximum-likelihood estimates given the labels, scored by the
 * classification log-likelihood (Celeux & Govaert 1992; Biernacki & Govaert 1999):
 *
 *   log L_c = Σ_j [ n_j log(n_j/n) − (n_j/2)(m log 2π + log|Σ_j| + m) ],
 *   p = k·m means + k·m(m+1)/2 covariances + k − 1 weights,   clbic = −2 log L_c + p log n,
 *
 * on the leading m = `dims` (default 20) principal axes of the data. Why this and not the X-means
 * BIC: single-cell clusters on PCs are elongated along the leading axes, so a spherical (or
 * diagonal) cluster model keeps paying for splits of one elongated group (bench/results/
 * 2026-12-07-cpu-wasm-2-cores-select-2.md: k = 19–20 on every set); a full covariance absorbs the
 * shape, and its m(m+1)/2 parameters per cluster charge each split its real cost. Why the leading
 * axes: in all 50 PCs the same charge (1 275 parameters per cluster) outweighs any split (k = 2).
 *
 * Σ_j is regularised by 1e-6 × the mean variance of the m axes on its diagonal (scale-free, like
 * the mixtures' regCovar). A cluster with ≤ m rows has no full-rank covariance: the criterion is
 * NaN at that k (mclust reports NA), and chooseK skips it.
 */
import type { Engine } from '../engine/engine.js';
import { invalid } from '../errors.js';
import { pca } from '../sc/pca.js';
import { intAtLeast, numbers } from './check.js';

/** Default number of leading principal axes the classification BIC is computed on. */
export const CLBIC_DIMS = 20;

/** Relative ridge on each cluster covariance's diagonal (× the mean variance of the axes). */
export const CLBIC_REG = 1e-6;

/** log-determinant of a symmetric positive-definite m × m matrix (lower triangle read) by Cholesky, in place; −∞ if not positive definite. */
function logDetSpd(a: Float64Array, m: number): number {
  let ld = 0;
  for (let j = 0; j < m; j++) {
    let s = a[j * m + j];
    for (let p = 0; p < j; p++) s -= a[j * m + p] * a[j * m + p];
    if (!(s > 0)) return Number.NEGATIVE_INFINITY;
    const l = Math.sqrt(s);
    a[j * m + j] = l;
    ld += 2 * Math.log(l);
    for (let i = j + 1; i < m; i++) {
      let t = a[i * m + j];
      for (let p = 0; p < j; p++) t -= a[i * m + p] * a[j * m + p];
      a[i * m + j] = t / l;
    }
  }
  return ld;
}

/**
 * Classification log-likelihood and free-parameter count of `labels` (k clusters) on x (n rows of
 * m columns, row-major), each cluster a full-covariance Gaussian at its ML estimates; row i counts
 * weights[i] times when weights are given. logLikelihood is NaN when a non-empty cluster has ≤ m rows.
 */
export function classificationInformation(
  x: ArrayLike<number>,
  n: number,
  m: number,
  labels: ArrayLike<number>,
  k: number,
  weights?: ArrayLike<number> | null,
): { logLikelihood: number; p: number } {
  const fn = 'classificationInformation';
  intAtLeast(n, 1, fn, 'n');
  intAtLeast(m, 1, fn, 'm');
  intAtLeast(k, 1, fn, 'k');
  numbers(x, fn, 'x', n * m);
  const lab = numbers(labels, fn, 'labels', n, 0);
  for (let i = 0; i < n; i++)
    if (!Number.isInteger(lab[i]) || lab[i] >= k)
      throw invalid('BAD_OPTION', `${fn}: labels[${i}]=${lab[i]} is not a cluster in 0..${k - 1}. Pass integer labels below k.`);
  if (weights != null) numbers(weights, fn, 'weights', n, 0);
  const w = (i: number): number => (weights ? weights[i] : 1);
  const rows = new Float64Array(k);
  const size = new Float64Array(k);
  const mean = new Float64Array(k * m);
  const all = new Float64Array(m);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const j = lab[i];
    const wi = w(i);
    rows[j]++;
    size[j] += wi;
    total += wi;
    for (let t = 0; t < m; t++) {
      mean[j * m + t] += wi * x[i * m + t];
      all[t] += wi * x[i * m + t];
    }
  }
  if (!(total > 0)) throw invalid('EMPTY_DATA', `${fn}: the weights sum to 0. Pass rows with positive weight.`);
  for (let j = 0; j < k; j++) for (let t = 0; t < m; t++) mean[j * m + t] = size[j] > 0 ? mean[j * m + t] / size[j] : 0;
  // Scatter per cluster (lower triangle), and the mean variance of the axes for the ridge.
  const cov = new Float64Array(k * m * m);
  let spread = 0;
  for (let i = 0; i < n; i++) {
    const j = lab[i];
    const wi = w(i);
    const base = j * m * m;
    for (let a = 0; a < m; a++) {
      const va = x[i * m + a] - mean[j * m + a];
      spread += wi * (x[i * m + a] - all[a] / total) ** 2;
      for (let b = 0; b <= a; b++) cov[base + a * m + b] += wi * va * (x[i * m + b] - mean[j * m + b]);
    }
  }
  const ridge = Math.max((CLBIC_REG * spread) / (total * m), Number.MIN_VALUE);
  let ll = 0;
  for (let j = 0; j < k; j++) {
    if (rows[j] === 0 || !(size[j] > 0)) continue;
    if (rows[j] <= m) return { logLikelihood: Number.NaN, p: nParams(k, m) };
    const c = cov.subarray(j * m * m, (j + 1) * m * m);
    for (let a = 0; a < m; a++) {
      for (let b = 0; b <= a; b++) c[a * m + b] /= size[j];
      c[a * m + a] += ridge;
    }
    const ld = logDetSpd(c, m);
    ll += size[j] * Math.log(size[j] / total) - (size[j] / 2) * (m * Math.log(2 * Math.PI) + ld + m);
  }
  return { logLikelihood: ll, p: nParams(k, m) };
}

function nParams(k: number, m: number): number {
  return k * m + (k * m * (m + 1)) / 2 + (k - 1);
}

/**
 * The rows the classification BIC is computed on: the data itself when d ≤ dims, else its scores
 * on the leading `dims` principal axes (randomized PCA on the selection's engine, seeded; sample
 * weights do not enter the axes). On PCs these are the first `dims` columns, up to sign.
 */
export async function clbicSpace(
  x: ArrayLike<number>,
  n: number,
  d: number,
  dims: number,
  seed: number,
  engine: Engine,
): Promise<{ x: ArrayLike<number>; m: number }> {
  if (d <= dims) return { x, m: d };
  const m = Math.min(dims, n);
  const p = await pca({ data: x, n, d }, { nComps: m, seed, engine });
  return { x: p.scores, m: p.nComps };
}
