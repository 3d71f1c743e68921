/**
 * The float64 host M-step of the negative-binomial mixture (model.ts has the model and the
 * statistics), shared by both backends.
 *
 * M-step, in order:
 *   π_k = N_k / n (components with N_k < EMPTY_MASS keep their means and a floored weight);
 *   μ_kg, meanEstimator 'weighted': the weighted mean X_kg / S_k = Σ_i w_ik x_ig / Σ_i w_ik s_i,
 *     floored at MU_FLOOR. This is the Poisson (quasi-likelihood) estimator the issue asks for; for
 *     NB it is the exact maximiser of Q only when all size factors are equal (with unequal s_i the
 *     NB score is Σ_i w (x − sμ)/(r + sμ), weighting cells differently), and taken as it is it can
 *     lower the log-likelihood (measured: −0.07 in one iteration on simulated counts with log s of
 *     sd 0.6). So it is a candidate: it is taken if Q_kg does not decrease, else the step from the
 *     old μ towards it is halved until Q_kg does not decrease (at most HALVINGS times; else μ stays).
 *     With unequal size factors the result is then generally not the weighted mean of the final
 *     responsibilities (on the Zeisel data most (k, g) steps are halved or refused);
 *   μ_kg, meanEstimator 'mle' (the default: a true EM step, so the log-likelihood cannot fall): the exact M-step, the maximiser of Q_kg by Newton in log μ started
 *     from the weighted mean (Q_kg is concave in log μ); equal to the weighted mean when all size
 *     factors are equal, and reaching a higher log-likelihood otherwise;
 *   φ_g ('per-gene') or φ ('shared'): Newton steps in log r on Q (gradient and Hessian exact,
 *     from digamma/trigamma sums), each step halved until Q does not decrease, bounded to
 *     φ ∈ [PHI_MIN, PHI_MAX]; with a fixed φ nothing is estimated.
 * Q as a function of (μ_kg, r_g) needs only the statistics: with a = s_l·μ,
 *   Q_kg(μ, r) = X_kg·log μ − Σ_l (r·W_kl + V_kgl)·log1p(a/r)                 (μ-dependent part)
 *   Q_g(r)     = H_g(r) − Σ_k Σ_l (r·W_kl + V_kgl)·log1p(a/r)                  (r-dependent part)
 * where H_g(r) = Σ_i [log Γ(x_ig + r) − log Γ(r) − x_ig·log r] is exact, from the gene's count
 * histogram (Σ_k w_ik = 1). Writing log(r/(r + m)) as −log1p(m/r) keeps every term accurate as
 * r → ∞ (the Poisson limit).
 */
import { SMALL_COUNT, logRising } from './special.js';
import type { SizeGrid } from './grid.js';
import {
  cloneParams,
  EMPTY_MASS,
  HALVINGS,
  MU_FLOOR,
  NEWTON_STEPS,
  PHI_MAX,
  PHI_MIN,
  type NbContext,
  type NbParams,
  type NbStats,
} from './model.js';

/** Largest Newton step in log r. */
const MAX_LOG_STEP = 2;

/** Σ_l (r·W_l + V_l)·log1p(s_l·μ/r), the part of Q shared by the μ and r updates, for one (k, g). */
function cellSum(grid: SizeGrid, W: Float64Array, wOff: number, genes: Float64Array, vOff: number, mu: number, r: number): number {
  let t = 0;
  for (let l = 0; l < grid.J; l++) t += (r * W[wOff + l] + genes[vOff + l]) * Math.log1p((grid.nodes[l] * mu) / r);
  return t;
}

/** Q_kg(μ) up to μ-free terms. */
export function qMean(ctx: NbContext, st: NbStats, c: number, g: number, mu: number, r: number): number {
  const { grid, k } = ctx;
  const J = grid.J;
  const vOff = (g * k + c) * (J + 1);
  const X = st.genes[vOff + J];
  return X * Math.log(mu) - cellSum(grid, st.rows, c * (J + 2), st.genes, vOff, mu, r);
}

/** argmax over μ ≥ MU_FLOOR of Q_kg(μ): Newton in θ = log μ from `start` (at most 50 steps of at most 2 in θ). */
export function meanMle(ctx: NbContext, st: NbStats, c: number, g: number, r: number, start: number): number {
  const { grid, k } = ctx;
  const J = grid.J;
  const vOff = (g * k + c) * (J + 1);
  const wOff = c * (J + 2);
  const X = st.genes[vOff + J];
  if (!(X > 0)) return MU_FLOOR;
  const lo = Math.log(MU_FLOOR);
  let th = Math.max(lo, Math.log(start));
  for (let it = 0; it < 50; it++) {
    const mu = Math.exp(th);
    // dQ/dθ = X − Σ_l c_l·a/(r + a), d²Q/dθ² = −Σ_l c_l·a·r/(r + a)², a = s_l·μ, c_l = r·W_l + V_l.
    let g1 = X;
    let g2 = 0;
    for (let l = 0; l < J; l++) {
      const cl = r * st.rows[wOff + l] + st.genes[vOff + l];
      const a = grid.nodes[l] * mu;
      g1 -= (cl * a) / (r + a);
      g2 -= (cl * a * r) / ((r + a) * (r + a));
    }
    if (!(g2 < 0)) break;
    const next = Math.max(lo, th + Math.max(-2, Math.min(2, -g1 / g2)));
    const step = next - th;
    th = next;
    if (Math.abs(step) < 1e-12) break;
  }
  return Math.exp(th);
}

const tmp3 = new Float64Array(3);

/**
 * Q_g(r) up to r-free terms, and its first two r-derivatives, into out = [Q, Q', Q''].
 * H_g uses the histogram: values ≤ SMALL_COUNT by running sums Σ_{j<v} log1p(j/r), larger ones in closed form.
 */
export function qGene(ctx: NbContext, st: NbStats, means: Float64Array, g: number, r: number, out: Float64Array): void {
  const { grid, k, d, hist } = ctx;
  const J = grid.J;
  let q = 0;
  let q1 = 0;
  let q2 = 0;
  for (let c = 0; c < k; c++) {
    const mu = means[c * d + g];
    const wOff = c * (J + 2);
    const vOff = (g * k + c) * (J + 1);
    for (let l = 0; l < J; l++) {
      const a = grid.nodes[l] * mu;
      const W = st.rows[wOff + l];
      const V = st.genes[vOff + l];
      const L = Math.log1p(a / r);
      const ra = r + a;
      q -= (r * W + V) * L;
      // d/dr and d²/dr² of (r·W + V)·log1p(a/r)
      q1 -= W * (L - a / ra) - (V * a) / (r * ra);
      q2 -= (-W * a * a) / (r * ra * ra) + (V * a * (2 * r + a)) / (r * r * ra * ra);
    }
  }
  // H_g(r) = Σ_v mult(v)·D(v, r).
  let j = 1;
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  for (let t = hist.ptr[g]; t < hist.ptr[g + 1]; t++) {
    const v = hist.value[t];
    const m = hist.mult[t];
    if (v <= SMALL_COUNT) {
      for (; j < v; j++) {
        const qj = r + j;
        d0 += Math.log1p(j / r);
        d1 -= j / (r * qj);
        d2 += (j * (2 * r + j)) / (r * r * qj * qj);
      }
      q += m * d0;
      q1 += m * d1;
      q2 += m * d2;
    } else {
      logRising(v, r, tmp3);
      q += m * tmp3[0];
      q1 += m * tmp3[1];
      q2 += m * tmp3[2];
    }
  }
  out[0] = q;
  out[1] = q1;
  out[2] = q2;
}

/**
 * Maximise a smooth f(r) on [1/PHI_MAX, 1/PHI_MIN] from r0 by safeguarded Newton in θ = log r:
 * a Newton step where f is concave in θ, else a fixed step uphill; each halved until f does not
 * decrease. `f(r, out)` writes [f, f', f''] (r-derivatives).
 */
export function newtonLogR(f: (r: number, out: Float64Array) => void, r0: number, maxSteps = NEWTON_STEPS): { r: number; steps: number } {
  const lo = Math.log(1 / PHI_MAX);
  const hi = Math.log(1 / PHI_MIN);
  const cur = new Float64Array(3);
  const trial = new Float64Array(3);
  let theta = Math.min(hi, Math.max(lo, Math.log(r0)));
  let r = Math.exp(theta);
  f(r, cur);
  let steps = 0;
  for (let it = 0; it < maxSteps; it++) {
    const g1 = r * cur[1];
    const g2 = r * r * cur[2] + g1;
    let step = g2 < 0 ? -g1 / g2 : Math.sign(g1) * MAX_LOG_STEP;
    if (!Number.isFinite(step)) break;
    step = Math.max(-MAX_LOG_STEP, Math.min(MAX_LOG_STEP, step));
    step = Math.min(hi, Math.max(lo, theta + step)) - theta;
    if (Math.abs(step) < 1e-10) break;
    let accepted = false;
    for (let h = 0; h <= HALVINGS; h++) {
      f(Math.exp(theta + step), trial);
      if (trial[0] >= cur[0]) {
        accepted = true;
        break;
      }
      step /= 2;
    }
    if (!accepted) break;
    theta += step;
    r = Math.exp(theta);
    cur.set(trial);
    steps++;
    if (Math.abs(step) < 1e-7) break;
  }
  return { r, steps };
}

/** φ within [PHI_MIN, PHI_MAX] (1/exp(log r) can round just outside). */
function clampPhi(phi: number): number {
  return Math.min(PHI_MAX, Math.max(PHI_MIN, phi));
}

export interface MStepReport {
  /** Components treated as empty this step. */
  empty: number[];
  /** μ updates that needed halving, and those abandoned (μ kept). */
  meanHalved: number;
  meanKept: number;
  /** Squared shift of log μ and log φ. */
  shift: number;
}

/** One generalised M-step from the statistics at `p`; returns new parameters. */
export function mStep(ctx: NbContext, p: NbParams, st: NbStats): { params: NbParams; report: MStepReport } {
  const { k, d, grid } = ctx;
  const J = grid.J;
  const next = cloneParams(p);
  const report: MStepReport = { empty: [], meanHalved: 0, meanKept: 0, shift: 0 };
  // Weights.
  let wsum = 0;
  for (let c = 0; c < k; c++) {
    const N = st.rows[c * (J + 2) + J];
    if (!(N >= EMPTY_MASS)) report.empty.push(c);
    next.weights[c] = Math.max(N, EMPTY_MASS);
    wsum += next.weights[c];
  }
  for (let c = 0; c < k; c++) next.weights[c] /= wsum;
  // Means: the weighted mean (or the exact maximiser, from it) as a target, taken only where Q does
  // not decrease, halving the step otherwise.
  for (let c = 0; c < k; c++) {
    if (report.empty.includes(c)) continue;
    const S = st.rows[c * (J + 2) + J + 1];
    for (let g = 0; g < d; g++) {
      const r = 1 / p.phi[g];
      const mu0 = p.means[c * d + g];
      const X = st.genes[(g * k + c) * (J + 1) + J];
      let cand = Math.max(X / S, MU_FLOOR);
      if (!Number.isFinite(cand)) continue;
      if (ctx.meanEstimator === 'mle') cand = meanMle(ctx, st, c, g, r, cand);
      if (cand === mu0) continue;
      const q0 = qMean(ctx, st, c, g, mu0, r);
      let t = 1;
      let accepted = false;
      for (let h = 0; h <= HALVINGS; h++) {
        const mu = mu0 + t * (cand - mu0);
        if (qMean(ctx, st, c, g, mu, r) >= q0) {
          next.means[c * d + g] = mu;
          accepted = true;
          break;
        }
        t /= 2;
      }
      if (t < 1) report.meanHalved++;
      if (!accepted) report.meanKept++;
    }
  }
  // Dispersion at the new means.
  const mode = ctx.dispersion;
  if (mode.kind === 'per-gene') {
    for (let g = 0; g < d; g++) {
      const { r } = newtonLogR((rr, out) => qGene(ctx, st, next.means, g, rr, out), 1 / p.phi[g]);
      next.phi[g] = clampPhi(1 / r);
    }
  } else if (mode.kind === 'shared') {
    const acc = new Float64Array(3);
    const { r } = newtonLogR((rr, out) => {
      out.fill(0);
      for (let g = 0; g < d; g++) {
        qGene(ctx, st, next.means, g, rr, acc);
        out[0] += acc[0];
        out[1] += acc[1];
        out[2] += acc[2];
      }
    }, 1 / p.phi[0]);
    next.phi.fill(clampPhi(1 / r));
  }
  let shift = 0;
  for (let t = 0; t < k * d; t++) shift += Math.log(next.means[t] / p.means[t]) ** 2;
  for (let g = 0; g < d; g++) shift += Math.log(next.phi[g] / p.phi[g]) ** 2;
  report.shift = shift;
  return { params: next, report };
}
