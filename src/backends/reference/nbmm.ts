/**
 * CPU reference for the negative-binomial mixture E-step, in float64. Written plainly and
 * independently of the GPU kernels: log Γ from the Lanczos formula (special.ts), and the zero
 * part of every cell summed exactly over all genes (O(n·k·d) per E-step: the reference does not
 * use the size-factor interpolation of the GPU E-step, so the tests can check it). Each cell's
 * log-probability under component k is
 *   log π_k + Σ_g r_g·log(r_g/(r_g + m)) + Σ_{g: x>0} [log Γ(x + r_g) − log Γ(r_g) − log x! + x·log(m/(r_g + m))],
 * m = s_i·μ_kg: the zero-count log-probability of every gene, plus for the observed genes the
 * difference between their log-probability and the zero case. The M-step statistics (model.ts)
 * are accumulated from the responsibilities in float64.
 */
import type { Counts } from '../../nbmm/counts.js';
import { cellWeights, type SizeGrid } from '../../nbmm/grid.js';
import type { NbParams, NbStats } from '../../nbmm/model.js';
import type { NbBackend, NbEvaluation, NbSession } from '../../nbmm/backend.js';
import { lgamma } from '../../nbmm/special.js';

/** Σ_{g: x>0} log x_ig! per cell: constant through the fit. */
export function logFactorials(c: Counts): Float64Array {
  const out = new Float64Array(c.n);
  for (let i = 0; i < c.n; i++) {
    let t = 0;
    for (let p = c.indptr[i]; p < c.indptr[i + 1]; p++) t += lgamma(c.values[p] + 1);
    out[i] = t;
  }
  return out;
}

interface Want {
  stats: boolean;
  resp: boolean;
  logProb: boolean;
}

/** One pass over the cells at parameters p. */
export function estepReference(
  c: Counts,
  s: Float64Array,
  grid: SizeGrid | null,
  lfact: Float64Array,
  p: NbParams,
  want: Want,
  weights: Float64Array | null = null,
): { stats?: NbStats; eval: NbEvaluation } {
  const { n, d } = c;
  const k = p.k;
  const J = grid ? grid.J : 0;
  const r = new Float64Array(d);
  for (let g = 0; g < d; g++) r[g] = 1 / p.phi[g];
  const logw = p.weights.map((w) => Math.log(w));
  const rows = want.stats ? new Float64Array(k * (J + 2)) : null;
  const genes = want.stats ? new Float64Array(d * k * (J + 1)) : null;
  const labels = new Int32Array(n);
  const logProb = want.logProb ? new Float64Array(n) : undefined;
  const resp = want.resp ? new Float64Array(n * k) : undefined;
  const a = new Float64Array(k);
  const w = new Float64Array(k);
  const ell = new Float64Array(Math.max(J, 1));
  let loglik = 0;
  for (let i = 0; i < n; i++) {
    const si = s[i];
    for (let j = 0; j < k; j++) {
      let z = 0;
      const mu = p.means.subarray(j * d, (j + 1) * d);
      for (let g = 0; g < d; g++) z += r[g] * Math.log(r[g] / (r[g] + si * mu[g]));
      a[j] = logw[j] + z - lfact[i];
    }
    for (let q = c.indptr[i]; q < c.indptr[i + 1]; q++) {
      const g = c.indices[q];
      const x = c.values[q];
      const rg = r[g];
      const common = lgamma(x + rg) - lgamma(rg);
      for (let j = 0; j < k; j++) {
        const m = si * p.means[j * d + g];
        a[j] += common + x * Math.log(m / (rg + m));
      }
    }
    let max = -Infinity;
    let arg = 0;
    for (let j = 0; j < k; j++) {
      if (a[j] > max) {
        max = a[j];
        arg = j;
      }
    }
    let z = 0;
    for (let j = 0; j < k; j++) z += Math.exp(a[j] - max);
    const lse = max + Math.log(z);
    for (let j = 0; j < k; j++) w[j] = Math.exp(a[j] - lse);
    labels[i] = arg;
    const wi = weights ? weights[i] : 1;
    loglik += wi * lse;
    if (logProb) logProb[i] = lse;
    if (resp) resp.set(w, i * k);
    if (rows && genes && grid) {
      // The statistics count cell i w_i times.
      for (let j = 0; j < k; j++) w[j] *= wi;
      cellWeights(grid, si, ell, 0);
      for (let j = 0; j < k; j++) {
        const base = j * (J + 2);
        for (let l = 0; l < J; l++) rows[base + l] += w[j] * ell[l];
        rows[base + J] += w[j];
        rows[base + J + 1] += w[j] * si;
      }
      for (let q = c.indptr[i]; q < c.indptr[i + 1]; q++) {
        const g = c.indices[q];
        const x = c.values[q];
        for (let j = 0; j < k; j++) {
          const wx = w[j] * x;
          const base = (g * k + j) * (J + 1);
          for (let l = 0; l < J; l++) genes[base + l] += wx * ell[l];
          genes[base + J] += wx;
        }
      }
    }
  }
  const ev: NbEvaluation = { labels, loglik };
  if (logProb) ev.logProb = logProb;
  if (resp) ev.resp = resp;
  return rows && genes ? { stats: { loglik, rows, genes }, eval: ev } : { eval: ev };
}

/** A session over counts c with size factors s (grid: for the M-step statistics, null when only scoring). */
export function referenceNbSession(c: Counts, s: Float64Array, grid: SizeGrid | null, weights: Float64Array | null): NbSession {
  const lfact = logFactorials(c);
  return {
    async estep(p) {
      return estepReference(c, s, grid, lfact, p, { stats: true, resp: false, logProb: false }, weights).stats!;
    },
    async evaluate(p, what) {
      return estepReference(c, s, null, lfact, p, { stats: false, resp: !!what.resp, logProb: !!what.logProb }, weights).eval;
    },
  };
}

export const referenceNbmm: NbBackend = {
  open: async (_engine, c, s, grid, setup, fn) => fn(referenceNbSession(c, s, grid, setup.weights)),
};
