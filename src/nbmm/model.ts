/**
 * The negative-binomial mixture model, shared by both backends: parameters, the sufficient
 * statistics an E-step produces, and initialisation from labels; mstep.ts holds the float64 host M-step.
 *
 * Model: x_ig ~ NB(mean m = s_i·μ_kg, dispersion φ_g), r_g = 1/φ_g,
 *   log p(x) = log Γ(x + r) − log Γ(r) − log x! + r·log(r/(r + m)) + x·log(m/(r + m)),
 * mixture weights π_k. Every model here is EM over sufficient statistics: a backend's E-step
 * returns, at the current parameters,
 *   rows:  per component k: W_kl = Σ_i w_ik·ℓ_l(s_i) (l < J, the size-factor grid's node
 *          weights, see grid.ts), N_k = Σ_i w_ik, S_k = Σ_i w_ik·s_i; then Σ_i log p(x_i);
 *   genes: per gene g and component k: V_kgl = Σ_{i: x_ig > 0} w_ik·x_ig·ℓ_l(s_i) (l < J) and
 *          X_kg = Σ_i w_ik·x_ig,
 * and mstep.ts turns them into new parameters (a generalised EM step: each update is accepted
 * only if it does not decrease the expected complete-data log-likelihood Q, so the
 * log-likelihood never decreases).
 */
import type { Counts, GeneHistograms } from './counts.js';
import type { SizeGrid } from './grid.js';

/** Smallest mean μ_kg (counts per unit size factor), so that log μ stays finite. */
export const MU_FLOOR = 1e-8;
/** Bounds of the dispersion φ (r = 1/φ ∈ [1e-4, 1e8]). */
export const PHI_MIN = 1e-8;
export const PHI_MAX = 1e4;
/** Bounds of the method-of-moments starting dispersion. */
const PHI_INIT_MIN = 1e-4;
const PHI_INIT_MAX = 1e2;
/** A component whose total responsibility falls below this is empty. */
export const EMPTY_MASS = 1e-6;
/** Most step halvings of a μ or φ update before it is abandoned. */
export const HALVINGS = 30;
/** Newton steps on the dispersion per M-step. */
export const NEWTON_STEPS = 8;

export type DispersionMode = { kind: 'per-gene' } | { kind: 'shared' } | { kind: 'fixed'; phi: number };
/** 'weighted': the weighted mean (Poisson / quasi-likelihood estimator), safeguarded; 'mle': the exact NB M-step. */
export type MeanEstimator = 'weighted' | 'mle';

export interface NbParams {
  k: number;
  d: number;
  weights: Float64Array;
  /** k×d. */
  means: Float64Array;
  /** φ_g, length d. */
  phi: Float64Array;
}

export interface NbStats {
  loglik: number;
  /** Row statistics, k×(J+2): per component [W_k0..W_k,J−1, N_k, S_k]. */
  rows: Float64Array;
  /** Gene statistics, d×k×(J+1): at ((g·k + c)·(J+1) + l) V_cgl for l < J, X_cg at l = J. */
  genes: Float64Array;
}

/** Static context of one fit. */
export interface NbContext {
  n: number;
  d: number;
  k: number;
  grid: SizeGrid;
  hist: GeneHistograms;
  dispersion: DispersionMode;
  meanEstimator: MeanEstimator;
}

export function rowWidth(J: number): number {
  return J + 2;
}

export function cloneParams(p: NbParams): NbParams {
  return { k: p.k, d: p.d, weights: p.weights.slice(), means: p.means.slice(), phi: p.phi.slice() };
}

/** Initial parameters from hard labels: weights, weighted-mean μ, method-of-moments φ. */
export function paramsFromLabels(
  c: Counts,
  s: Float64Array,
  labels: ArrayLike<number>,
  k: number,
  mode: DispersionMode,
  sampleWeight: Float64Array | null = null,
): NbParams {
  const { n, d } = c;
  const count = new Float64Array(k);
  const S = new Float64Array(k);
  const S2 = new Float64Array(k);
  const X = new Float64Array(k * d);
  let sAll = 0;
  const xAll = new Float64Array(d);
  // A cell of weight w counts w times (w = 1 multiplies exactly).
  const wt = (i: number): number => (sampleWeight ? sampleWeight[i] : 1);
  for (let i = 0; i < n; i++) {
    const j = labels[i];
    const w = wt(i);
    count[j] += w;
    S[j] += w * s[i];
    S2[j] += w * s[i] * s[i];
    sAll += w * s[i];
    for (let p = c.indptr[i]; p < c.indptr[i + 1]; p++) {
      X[j * d + c.indices[p]] += w * c.values[p];
      xAll[c.indices[p]] += w * c.values[p];
    }
  }
  const weights = new Float64Array(k);
  const means = new Float64Array(k * d);
  let wsum = 0;
  for (let j = 0; j < k; j++) {
    weights[j] = Math.max(count[j], EMPTY_MASS);
    wsum += weights[j];
    for (let g = 0; g < d; g++) {
      // A component no cell was given starts at the overall mean.
      const v = count[j] > 0 ? X[j * d + g] / S[j] : xAll[g] / sAll;
      means[j * d + g] = Math.max(v, MU_FLOOR);
    }
  }
  for (let j = 0; j < k; j++) weights[j] /= wsum;
  const phi = new Float64Array(d);
  if (mode.kind === 'fixed') {
    phi.fill(mode.phi);
    return { k, d, weights, means, phi };
  }
  // Method of moments, pooled within components: Var(x) = m + φ·m² with m = s_i·μ_{label_i, g}:
  // φ_g = Σ_i [(x − m)² − m] / Σ_i m², the sums over zeros done per component (Σ s, Σ s²).
  const num = new Float64Array(d);
  const den = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const j = labels[i];
    for (let p = c.indptr[i]; p < c.indptr[i + 1]; p++) {
      const g = c.indices[p];
      const x = c.values[p];
      num[g] += wt(i) * (x * x - 2 * x * s[i] * means[j * d + g]);
    }
  }
  for (let g = 0; g < d; g++) {
    for (let j = 0; j < k; j++) {
      const mu = means[j * d + g];
      num[g] += mu * mu * S2[j] - mu * S[j];
      den[g] += mu * mu * S2[j];
    }
  }
  const clampInit = (v: number): number => (v > 0 ? Math.min(PHI_INIT_MAX, Math.max(PHI_INIT_MIN, v)) : PHI_INIT_MIN);
  if (mode.kind === 'shared') {
    let a = 0;
    let b = 0;
    for (let g = 0; g < d; g++) {
      a += num[g];
      b += den[g];
    }
    phi.fill(clampInit(b > 0 ? a / b : 1));
  } else {
    for (let g = 0; g < d; g++) phi[g] = clampInit(den[g] > 0 ? num[g] / den[g] : 1);
  }
  return { k, d, weights, means, phi };
}
