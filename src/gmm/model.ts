/**
 * The Gaussian mixture as EM over sufficient statistics. Both backends reduce the data to the
 * same statistics (N_k, Σ r x, shifted second moments, Σ log p); the M-step below turns them
 * into parameters in float64, MLE or MAP, whichever backend produced them. Conventions follow
 * scikit-learn's GaussianMixture (reg_covar placement, 10·eps on N_k, precision Cholesky).
 * The packed layout of the second moments is in moments.ts, the prior's density in prior.ts.
 */
import type { CovarianceType } from '../types.js';
import { cholesky, invertLower, transpose, logDetFromCholesky } from './linalg.js';
import { momentWidth, scatter, unpack } from './moments.js';

export const LOG_2PI = Math.log(2 * Math.PI);
const EPS10 = 10 * Number.EPSILON;

export interface GmmParams {
  type: CovarianceType;
  k: number;
  d: number;
  weights: Float64Array;
  means: Float64Array;
  /** full k·d·d, tied d·d, diag k·d, spherical k. */
  cov: Float64Array;
  /** Same shapes: U with Σ⁻¹ = U Uᵀ (upper triangular) for full/tied, 1/σ for diag/spherical. */
  precChol: Float64Array;
  /** Σ_j log U_jj per component: half the log-determinant of the precision. */
  logDetPrecChol: Float64Array;
  /** 0 for components dropped by a Dirichlet prior with α < 1. */
  active: Uint8Array;
}

export interface GmmStats {
  n: number;
  /** Σ_i r_ik. */
  nk: Float64Array;
  /** Σ_i r_ik x_i, k×d. */
  sx: Float64Array;
  /** Σ_i r_ik (x_i − s_k)(x_i − s_k)ᵀ packed per momentPairs, k×m. */
  s2: Float64Array;
  /** The shift s_k used for s2 (the previous means on the GPU; zero is valid too). */
  shift: Float64Array;
  /** Σ_i log p(x_i) under the parameters of the E-step. */
  loglik: number;
}

export interface ResolvedPrior {
  alpha: number;
  normal: null | {
    kappa: number;
    mean: Float64Array;
    dof: number;
    /** full/tied d·d; diag d; spherical 1. */
    scale: Float64Array;
  };
}

export interface MStepOptions {
  regCovar: number;
  prior: ResolvedPrior | null;
  /** scikit-learn's initialisation divides N_k by n without renormalising; the M-step renormalises. */
  normaliseWeights: boolean;
}

export interface MStepReport {
  /** Components whose covariance needed more than regCovar to be positive definite. */
  illConditioned: number[];
  /** Components newly dropped by the Dirichlet prior. */
  dropped: number[];
}

/** Cholesky with escalating jitter: regCovar·10^t on the diagonal until positive definite. */
function robustCholesky(a: Float64Array, d: number, reg: number): { l: Float64Array; jittered: boolean } {
  let l = cholesky(a, d);
  if (l) return { l, jittered: false };
  let jitter = Math.max(reg, 1e-12);
  const b = a.slice();
  for (let attempt = 0; attempt < 20; attempt++) {
    for (let i = 0; i < d; i++) b[i * d + i] = a[i * d + i] + jitter;
    l = cholesky(b, d);
    if (l) {
      a.set(b);
      return { l, jittered: true };
    }
    jitter *= 10;
  }
  // Not even a large ridge helps (non-finite input): fall back to the identity scaled by the jitter.
  a.fill(0);
  for (let i = 0; i < d; i++) a[i * d + i] = jitter;
  return { l: cholesky(a, d)!, jittered: true };
}

/** The M-step: statistics → parameters (MLE, or MAP under `opts.prior`). */
export function mStep(
  stats: GmmStats,
  type: CovarianceType,
  k: number,
  d: number,
  opts: MStepOptions,
  previousActive?: Uint8Array,
): { params: GmmParams; report: MStepReport } {
  const reg = opts.regCovar;
  const prior = opts.prior;
  const active = previousActive ? previousActive.slice() : new Uint8Array(k).fill(1);
  const report: MStepReport = { illConditioned: [], dropped: [] };
  const nk = new Float64Array(k);
  for (let c = 0; c < k; c++) nk[c] = active[c] ? stats.nk[c] + EPS10 : 0;

  // Weights: MLE N_k / n, or the Dirichlet MAP (N_k + α − 1) / (n + K'(α − 1)), dropping
  // components whose numerator is not positive (α < 1 lets them empty out).
  const weights = new Float64Array(k);
  if (prior && prior.alpha !== 1) {
    for (;;) {
      let kActive = 0;
      let total = 0;
      for (let c = 0; c < k; c++)
        if (active[c]) {
          kActive++;
          total += nk[c];
        }
      let droppedOne = false;
      for (let c = 0; c < k; c++) {
        if (active[c] && nk[c] + prior.alpha - 1 <= 0 && kActive > 1) {
          active[c] = 0;
          report.dropped.push(c);
          droppedOne = true;
          kActive--;
        }
      }
      if (droppedOne) continue;
      for (let c = 0; c < k; c++) weights[c] = active[c] ? (nk[c] + prior.alpha - 1) / (total + kActive * (prior.alpha - 1)) : 0;
      break;
    }
  } else {
    let total = 0;
    for (let c = 0; c < k; c++) total += nk[c];
    const denom = opts.normaliseWeights ? total : stats.n;
    for (let c = 0; c < k; c++) weights[c] = active[c] ? nk[c] / denom : 0;
  }

  // Means and scatter.
  const ybar = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) ybar[c * d + j] = nk[c] > 0 ? stats.sx[c * d + j] / nk[c] : 0;
  const W = scatter(stats, type, d, k);
  const m = momentWidth(type, d);
  const means = new Float64Array(k * d);
  const np = prior?.normal ?? null;
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) {
      means[c * d + j] = np ? (nk[c] * ybar[c * d + j] + np.kappa * np.mean[j]) / (nk[c] + np.kappa) : ybar[c * d + j];
    }
  }
  // κ n_k/(κ + n_k) (ȳ_k − μ_P)(ȳ_k − μ_P)ᵀ: the prior's pull on the scatter.
  const pull = (c: number, a: number, b: number): number =>
    np ? ((np.kappa * nk[c]) / (np.kappa + nk[c])) * (ybar[c * d + a] - np.mean[a]) * (ybar[c * d + b] - np.mean[b]) : 0;

  let cov: Float64Array;
  if (type === 'full') {
    cov = new Float64Array(k * d * d);
    const block = new Float64Array(d * d);
    for (let c = 0; c < k; c++) {
      if (np) {
        const denom = np.dof + nk[c] + d + 2;
        unpack(W, c * m, d, block);
        for (let a = 0; a < d; a++)
          for (let b = 0; b < d; b++) block[a * d + b] = (block[a * d + b] + np.scale[a * d + b] + pull(c, a, b)) / denom;
      } else {
        unpack(W, c * m, d, block, nk[c] > 0 ? 1 / nk[c] : 0);
      }
      for (let a = 0; a < d; a++) block[a * d + a] += reg;
      cov.set(block, c * d * d);
    }
  } else if (type === 'tied') {
    cov = new Float64Array(d * d);
    const block = new Float64Array(d * d);
    let total = 0;
    let kActive = 0;
    for (let c = 0; c < k; c++) {
      if (!active[c]) continue;
      kActive++;
      total += nk[c];
      unpack(W, c * m, d, block);
      for (let t = 0; t < d * d; t++) cov[t] += block[t];
      if (np) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b] += pull(c, a, b);
    }
    const denom = np ? np.dof + total + d + kActive + 1 : total;
    for (let t = 0; t < d * d; t++) cov[t] = (cov[t] + (np ? np.scale[t] : 0)) / denom;
    for (let a = 0; a < d; a++) cov[a * d + a] += reg;
  } else if (type === 'diag') {
    cov = new Float64Array(k * d);
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) {
        const w = W[c * m + j];
        cov[c * d + j] = (np ? (w + np.scale[j] + pull(c, j, j)) / (np.dof + nk[c] + 3) : nk[c] > 0 ? w / nk[c] : 0) + reg;
      }
    }
  } else {
    cov = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      let tr = 0;
      let pl = 0;
      for (let j = 0; j < d; j++) {
        tr += W[c * m + j];
        pl += pull(c, j, j);
      }
      cov[c] = (np ? (tr + np.scale[0] + pl) / (np.dof + (nk[c] + 1) * d + 2) : nk[c] > 0 ? tr / nk[c] / d : 0) + reg;
    }
  }
  const params = precisionsFrom(type, k, d, weights, means, cov, active, reg, report.illConditioned);
  return { params, report };
}

/** Fill in precision Cholesky factors and log-determinants from covariances (regularising if needed). */
export function precisionsFrom(
  type: CovarianceType,
  k: number,
  d: number,
  weights: Float64Array,
  means: Float64Array,
  cov: Float64Array,
  active: Uint8Array,
  reg: number,
  illConditioned: number[] = [],
): GmmParams {
  const logDet = new Float64Array(k);
  let precChol: Float64Array;
  if (type === 'full' || type === 'tied') {
    const blocks = type === 'full' ? k : 1;
    precChol = new Float64Array(blocks * d * d);
    for (let c = 0; c < blocks; c++) {
      const block = cov.subarray(c * d * d, (c + 1) * d * d);
      const { l, jittered } = robustCholesky(block, d, reg);
      if (jittered) illConditioned.push(c);
      const u = transpose(invertLower(l, d), d);
      precChol.set(u, c * d * d);
      const half = -logDetFromCholesky(l, d) / 2;
      if (type === 'full') logDet[c] = half;
      else logDet.fill(half);
    }
  } else if (type === 'diag') {
    precChol = new Float64Array(k * d);
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        if (!(cov[c * d + j] > 0)) {
          cov[c * d + j] = Math.max(reg, 1e-12);
          illConditioned.push(c);
        }
        precChol[c * d + j] = 1 / Math.sqrt(cov[c * d + j]);
        s += Math.log(precChol[c * d + j]);
      }
      logDet[c] = s;
    }
  } else {
    precChol = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      if (!(cov[c] > 0)) {
        cov[c] = Math.max(reg, 1e-12);
        illConditioned.push(c);
      }
      precChol[c] = 1 / Math.sqrt(cov[c]);
      logDet[c] = d * Math.log(precChol[c]);
    }
  }
  return { type, k, d, weights, means, cov, precChol, logDetPrecChol: logDet, active };
}

/** Free parameters, as scikit-learn's _n_parameters (for the active components). */
export function nParameters(type: CovarianceType, k: number, d: number): number {
  const covParams = type === 'full' ? (k * d * (d + 1)) / 2 : type === 'diag' ? k * d : type === 'tied' ? (d * (d + 1)) / 2 : k;
  return covParams + k * d + k - 1;
}
