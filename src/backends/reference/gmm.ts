/**
 * CPU reference for Gaussian mixtures, float64, written independently of the GPU kernels:
 * log-densities by forward substitution with the covariance's Cholesky factor L (the GPU
 * multiplies by the precision factor U = L⁻ᵀ instead), two-pass statistics (means first, then
 * scatter about the exact means). The M-step is the shared one in model.ts.
 */
import type { GmmBackend, GmmSession } from '../../gmm/backend.js';
import type { GmmParams, GmmStats } from '../../gmm/model.js';
import { LOG_2PI } from '../../gmm/model.js';
import { momentPairs, momentWidth } from '../../gmm/moments.js';
import { cholesky, forwardSolve } from '../../gmm/linalg.js';
import { kmeansPlusPlus } from './kmeans.js';

/** log π_k + log N(x_i | μ_k, Σ_k) for every component into `out` (−∞ for dropped ones). */
export function logJoint(
  x: Float64Array,
  i: number,
  p: GmmParams,
  factors: Float64Array[],
  out: Float64Array,
  diff: Float64Array,
  z: Float64Array,
): void {
  const { d, k, type } = p;
  for (let c = 0; c < k; c++) {
    if (!p.active[c]) {
      out[c] = -Infinity;
      continue;
    }
    for (let j = 0; j < d; j++) diff[j] = x[i * d + j] - p.means[c * d + j];
    let q = 0;
    let logDetCov = 0;
    if (type === 'full' || type === 'tied') {
      const l = factors[type === 'full' ? c : 0];
      forwardSolve(l, d, diff, z);
      for (let j = 0; j < d; j++) {
        q += z[j] * z[j];
        logDetCov += 2 * Math.log(l[j * d + j]);
      }
    } else if (type === 'diag') {
      for (let j = 0; j < d; j++) {
        const v = p.cov[c * d + j];
        q += (diff[j] * diff[j]) / v;
        logDetCov += Math.log(v);
      }
    } else {
      let s = 0;
      for (let j = 0; j < d; j++) s += diff[j] * diff[j];
      q = s / p.cov[c];
      logDetCov = d * Math.log(p.cov[c]);
    }
    out[c] = Math.log(p.weights[c]) - 0.5 * (d * LOG_2PI + logDetCov + q);
  }
}

export function covarianceFactors(p: GmmParams): Float64Array[] {
  const { d, k, type } = p;
  if (type !== 'full' && type !== 'tied') return [];
  const blocks = type === 'full' ? k : 1;
  const out: Float64Array[] = [];
  for (let c = 0; c < blocks; c++)
    out.push(cholesky(p.cov.subarray(c * d * d, (c + 1) * d * d).slice(), d) ?? new Float64Array(d * d).fill(NaN));
  return out;
}

/** Row-wise responsibilities and log p(x_i) at parameters p. */
export function posteriors(x: Float64Array, n: number, p: GmmParams): { resp: Float64Array; logProb: Float64Array } {
  const { d, k } = p;
  const factors = covarianceFactors(p);
  const a = new Float64Array(k);
  const diff = new Float64Array(d);
  const z = new Float64Array(d);
  const resp = new Float64Array(n * k);
  const logProb = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    logJoint(x, i, p, factors, a, diff, z);
    let max = -Infinity;
    for (let c = 0; c < k; c++) if (a[c] > max) max = a[c];
    let s = 0;
    for (let c = 0; c < k; c++) s += Math.exp(a[c] - max);
    const lse = max + Math.log(s);
    logProb[i] = lse;
    for (let c = 0; c < k; c++) resp[i * k + c] = Math.exp(a[c] - lse);
  }
  return { resp, logProb };
}

/** Weighted sufficient statistics of given responsibilities (two passes: means, then scatter about them). */
export function statsFromResp(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  resp: Float64Array,
  type: GmmParams['type'],
  loglik: number,
  weights: Float64Array | null = null,
): GmmStats {
  const nk = new Float64Array(k);
  const sx = new Float64Array(k * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const r = (weights ? weights[i] : 1) * resp[i * k + c];
      if (r === 0) continue;
      nk[c] += r;
      for (let j = 0; j < d; j++) sx[c * d + j] += r * x[i * d + j];
    }
  }
  const shift = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) shift[c * d + j] = nk[c] > 0 ? sx[c * d + j] / nk[c] : 0;
  const m = momentWidth(type, d);
  const pairs = momentPairs(type, d);
  const s2 = new Float64Array(k * m);
  const diff = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const r = (weights ? weights[i] : 1) * resp[i * k + c];
      if (r === 0) continue;
      for (let j = 0; j < d; j++) diff[j] = x[i * d + j] - shift[c * d + j];
      for (let t = 0; t < m; t++) s2[c * m + t] += r * diff[pairs[2 * t]] * diff[pairs[2 * t + 1]];
    }
  }
  return { n: weights ? weights.reduce((a, b) => a + b, 0) : n, nk, sx, s2, shift, loglik };
}

/** A session over x (n×d): float64 statistics, weighted. */
export function referenceGmmSession(x: Float64Array, n: number, d: number, weights: Float64Array | null): GmmSession {
  return {
    async statsFromResp(k, type, fill) {
      const resp = new Float64Array(n * k);
      fill(resp, 0, n);
      return statsFromResp(x, n, d, k, resp, type, 0, weights);
    },
    async estep(p) {
      const { resp, logProb } = posteriors(x, n, p);
      let ll = 0;
      for (let i = 0; i < n; i++) ll += (weights ? weights[i] : 1) * logProb[i];
      return statsFromResp(x, n, d, p.k, resp, p.type, ll, weights);
    },
    async evaluate(p, what) {
      const { resp, logProb } = posteriors(x, n, p);
      return { resp: what.resp ? resp : undefined, logProb, labels: argmax(resp, n, p.k) };
    },
    seeds: async (k, rng) => kmeansPlusPlus(x, n, d, k, rng, weights),
  };
}

export const referenceGmm: GmmBackend = {
  session: async (_engine, ds, setup, fn) => fn(referenceGmmSession(ds.x, ds.n, ds.d, setup.weights)),
};

export function argmax(resp: Float64Array | Float32Array, n: number, k: number): Int32Array {
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let c = 0; c < k; c++) {
      if (resp[i * k + c] > best) {
        best = resp[i * k + c];
        labels[i] = c;
      }
    }
  }
  return labels;
}
