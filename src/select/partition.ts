/**
 * The classification BIC of a hard partition ('clbic', the k-means default of selectK): the
 * k-means labels read as a mixture of Gaussians with a full covariance per cluster (mclust's VVV),
 * its parameters at their posterior modes given the labels under mclust's default conjugate prior
 * (`priorControl()`, Fraley & Raftery 2007), scored by the classification log-likelihood
 * (Celeux & Govaert 1992; Biernacki & Govaert 1999):
 *
 *   μ_j = (n_j ȳ_j + κ μ) / (n_j + κ),
 *   Σ_j = [Λ + W_j + (κ n_j / (κ + n_j)) (ȳ_j − μ)(ȳ_j − μ)ᵀ] / (ν + n_j + m + 2),
 *   log L_c = Σ_j [ n_j log(n_j/n) − (n_j/2)(m log 2π + log|Σ_j|) − ½ Σ_{i∈j} (x_i − μ_j)ᵀ Σ_j⁻¹ (x_i − μ_j) ],
 *   p = k·m means + k·m(m+1)/2 covariances + k − 1 weights,   clbic = −2 log L_c + p log n,
 *
 * with W_j the cluster's scatter about ȳ_j, μ the data's mean, κ = 0.01, ν = m + 2 and
 * Λ = cov(data) / k^(2/m) (mclust's defaults), on the leading m = `dims` (default 20) principal
 * axes of the data. Why a full covariance: single-cell clusters on PCs are elongated, so a
 * spherical or diagonal cluster model keeps paying for splits of one elongated group (X-means BIC:
 * k = 19–20 on every labelled set, bench/results/2026-12-07-cpu-wasm-2-cores-select-2.md); a full
 * covariance absorbs the shape, and its m(m+1)/2 parameters per cluster charge each split its real
 * cost. Why the prior: a real small type (pbmc3k's 14 platelets) has fewer cells than dimensions,
 * and its ML covariance is singular; the prior keeps it proper, as mclust's BIC with a prior does.
 * Why the leading axes: in all 50 PCs the charge (1 275 parameters per cluster) outweighs any split.
 */
import { abortCheckpoint } from '../core/yield.js';
import type { Engine } from '../engine/engine.js';
import { invalid } from '../errors.js';
import { pca } from '../sc/pca.js';
import { jacobiEigen } from '../sc/linalg.js';
import { intAtLeast, numbers } from './check.js';

/** Default number of leading principal axes the classification BIC is computed on. */
export const CLBIC_DIMS = 20;

/** mclust's default prior: the mean's shrinkage κ (priorControl(shrinkage = 0.01)). */
export const CLBIC_SHRINKAGE = 0.01;

/** Cholesky of a symmetric positive-definite m × m matrix (lower triangle read, L written in place); false if not positive definite. */
function cholesky(a: Float64Array, m: number): boolean {
  for (let j = 0; j < m; j++) {
    let s = a[j * m + j];
    for (let p = 0; p < j; p++) s -= a[j * m + p] * a[j * m + p];
    if (!(s > 0)) return false;
    const l = Math.sqrt(s);
    a[j * m + j] = l;
    for (let i = j + 1; i < m; i++) {
      let t = a[i * m + j];
      for (let p = 0; p < j; p++) t -= a[i * m + p] * a[j * m + p];
      a[i * m + j] = t / l;
    }
  }
  return true;
}

/** ‖L⁻¹ v‖² for the Cholesky factor L (lower, row-major), by forward substitution; `tmp` is scratch of length m. */
function mahalanobis(l: Float64Array, m: number, v: Float64Array, tmp: Float64Array): number {
  let q = 0;
  for (let a = 0; a < m; a++) {
    let t = v[a];
    for (let b = 0; b < a; b++) t -= l[a * m + b] * tmp[b];
    tmp[a] = t / l[a * m + a];
    q += tmp[a] * tmp[a];
  }
  return q;
}

/**
 * Classification log-likelihood and free-parameter count of `labels` (k clusters) on x (n rows of
 * m columns, row-major) under the model above; row i counts weights[i] times when weights are given.
 * logLikelihood is NaN (not computed, as mclust's NA) when the data have no spread along some axis
 * (the prior's scale is then singular) or a single row.
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
  const size = new Float64Array(k);
  const ybar = new Float64Array(k * m);
  const mu = new Float64Array(m);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const j = lab[i];
    const wi = w(i);
    size[j] += wi;
    total += wi;
    for (let t = 0; t < m; t++) {
      ybar[j * m + t] += wi * x[i * m + t];
      mu[t] += wi * x[i * m + t];
    }
  }
  const p = k * m + (k * m * (m + 1)) / 2 + (k - 1);
  // The prior's scale is the data's covariance: with one row, or no spread, there is none (NaN: not computed).
  if (!(total > 1)) return { logLikelihood: Number.NaN, p };
  for (let t = 0; t < m; t++) mu[t] /= total;
  for (let j = 0; j < k; j++) for (let t = 0; t < m; t++) ybar[j * m + t] = size[j] > 0 ? ybar[j * m + t] / size[j] : 0;
  // Scatter W_j about ȳ_j (lower triangle) and the data's covariance (R's var: divisor n − 1).
  const scatter = new Float64Array(k * m * m);
  const cov = new Float64Array(m * m);
  for (let i = 0; i < n; i++) {
    const j = lab[i];
    const wi = w(i);
    const base = j * m * m;
    for (let a = 0; a < m; a++) {
      const va = x[i * m + a] - ybar[j * m + a];
      const ga = x[i * m + a] - mu[a];
      for (let b = 0; b <= a; b++) {
        scatter[base + a * m + b] += wi * va * (x[i * m + b] - ybar[j * m + b]);
        cov[a * m + b] += (wi * ga * (x[i * m + b] - mu[b])) / (total - 1);
      }
    }
  }
  const kappa = CLBIC_SHRINKAGE;
  const nu = m + 2;
  const lambdaScale = k ** (-2 / m);
  const meanJ = new Float64Array(m);
  const dev = new Float64Array(m);
  const tmp = new Float64Array(m);
  const sigmas: Float64Array[] = [];
  let ll = 0;
  for (let j = 0; j < k; j++) {
    const nj = size[j];
    const sig = new Float64Array(m * m);
    sigmas.push(sig);
    if (!(nj > 0)) continue;
    const shrink = (kappa * nj) / (kappa + nj);
    for (let t = 0; t < m; t++) dev[t] = ybar[j * m + t] - mu[t];
    for (let a = 0; a < m; a++)
      for (let b = 0; b <= a; b++)
        sig[a * m + b] = (lambdaScale * cov[a * m + b] + scatter[j * m * m + a * m + b] + shrink * dev[a] * dev[b]) / (nu + nj + m + 2);
    if (!cholesky(sig, m)) return { logLikelihood: Number.NaN, p };
    let logDet = 0;
    for (let a = 0; a < m; a++) logDet += 2 * Math.log(sig[a * m + a]);
    ll += nj * Math.log(nj / total) - (nj / 2) * (m * Math.log(2 * Math.PI) + logDet);
  }
  for (let i = 0; i < n; i++) {
    const j = lab[i];
    const nj = size[j];
    for (let t = 0; t < m; t++) meanJ[t] = (nj * ybar[j * m + t] + kappa * mu[t]) / (nj + kappa);
    for (let t = 0; t < m; t++) dev[t] = x[i * m + t] - meanJ[t];
    ll -= 0.5 * w(i) * mahalanobis(sigmas[j], m, dev, tmp);
  }
  return { logLikelihood: ll, p };
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
  signal?: AbortSignal,
): Promise<{ x: ArrayLike<number>; m: number }> {
  if (d <= dims) return { x, m: d };
  const m = Math.min(dims, n);
  if (d <= EXACT_AXES_MAX_D) return { x: await exactScores(x, n, d, m, signal), m };
  const p = await pca({ data: x, n, d }, { nComps: m, seed, engine, ...(signal ? { signal } : {}) });
  return { x: p.scores, m: p.nComps };
}

/** Up to this many columns the axes come from the exact d × d covariance eigenproblem (Jacobi), not randomized PCA, whose trailing axes are approximate when their variances are close (as PCs 15–25 of single-cell data are). */
export const EXACT_AXES_MAX_D = 256;

/** Scores of x on the leading m eigenvectors of its covariance (float64, host). With a signal, the row loops yield every few ms (seconds at 100k rows). */
async function exactScores(x: ArrayLike<number>, n: number, d: number, m: number, signal?: AbortSignal): Promise<Float64Array> {
  const last = { t: 0 };
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) mean[t] += x[i * d + t] / n;
  const c = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    if ((i & 255) === 0) await abortCheckpoint(signal, last);
    for (let t = 0; t < d; t++) row[t] = x[i * d + t] - mean[t];
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = 0; b <= a; b++) c[a * d + b] += ra * row[b];
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) c[b * d + a] = c[a * d + b];
  const { values, vectors } = jacobiEigen(c, d);
  const order = Array.from(values.keys())
    .sort((a, b) => values[b] - values[a] || a - b)
    .slice(0, m);
  await abortCheckpoint(signal, last);
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    if ((i & 1023) === 0) await abortCheckpoint(signal, last);
    for (let r = 0; r < m; r++) {
      const col = order[r];
      let s = 0;
      for (let t = 0; t < d; t++) s += (x[i * d + t] - mean[t]) * vectors[t * d + col];
      out[i * m + r] = s;
    }
  }
  return out;
}
