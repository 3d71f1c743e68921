/**
 * The Gaussian mixture's prior as a density: log p(θ) for the MAP objective (the log-posterior
 * per sample). The prior itself is resolved from the options in options.ts; mStep (model.ts)
 * uses its MAP updates.
 */
import { cholesky, logDetFromCholesky, logGamma, logMultiGamma } from './linalg.js';
import { type GmmParams, LOG_2PI, type ResolvedPrior } from './model.js';

/**
 * log p(θ) under the prior, normalised: Dirichlet on the active weights, and per component
 * N(μ_k | μ_P, Σ_k/κ) · IW(Σ_k | ν, Λ) (diag: an inverse-gamma per coordinate with shape
 * (ν+1)/2 ... matching the MAP update; spherical likewise with d coordinates sharing σ²).
 */
export function logPrior(p: GmmParams, prior: ResolvedPrior): number {
  const { k, d, type } = p;
  let lp = 0;
  const act: number[] = [];
  for (let c = 0; c < k; c++) if (p.active[c]) act.push(c);
  if (prior.alpha !== 1) {
    const a = prior.alpha;
    const K = act.length;
    lp += logGamma(K * a) - K * logGamma(a);
    for (const c of act) lp += (a - 1) * Math.log(p.weights[c]);
  }
  const np = prior.normal;
  if (!np) return lp;
  if (type === 'full' || type === 'tied') {
    const lam = np.scale;
    const lamChol = cholesky(lam, d)!;
    const logDetLam = logDetFromCholesky(lamChol, d);
    const ivwConst = (np.dof / 2) * logDetLam - ((np.dof * d) / 2) * Math.LN2 - logMultiGamma(np.dof / 2, d);
    const blocks = type === 'full' ? act : [0];
    for (const c of blocks) {
      const u = p.precChol.subarray(c * d * d, (c + 1) * d * d);
      const logDetSigma = -2 * p.logDetPrecChol[c];
      // tr(Λ Σ⁻¹) = Σ_ab Λ_ab (U Uᵀ)_ab
      let tr = 0;
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < d; b++) {
          let prec = 0;
          for (let t = 0; t < d; t++) prec += u[a * d + t] * u[b * d + t];
          tr += lam[a * d + b] * prec;
        }
      }
      lp += ivwConst - ((np.dof + d + 1) / 2) * logDetSigma - tr / 2;
    }
    for (const c of act) {
      const tc = type === 'full' ? c : 0;
      const u = p.precChol.subarray(tc * d * d, (tc + 1) * d * d);
      let q = 0;
      for (let j = 0; j < d; j++) {
        let y = 0;
        for (let a = 0; a <= j; a++) y += (p.means[c * d + a] - np.mean[a]) * u[a * d + j];
        q += y * y;
      }
      lp += -0.5 * d * LOG_2PI + (d / 2) * Math.log(np.kappa) + p.logDetPrecChol[tc] - 0.5 * np.kappa * q;
    }
    return lp;
  }
  // diag / spherical: σ² ~ inverse-gamma(shape (ν+1)/2 per coordinate... ) chosen so that the MAP
  // update above is its mode: density ∝ (σ²)^{−(ν+2)/2 − 1/2·[mean term]} exp(−ς²/(2σ²)).
  for (const c of act) {
    for (let j = 0; j < d; j++) {
      const v = type === 'diag' ? p.cov[c * d + j] : p.cov[c];
      const s2 = type === 'diag' ? np.scale[j] : np.scale[0];
      const mu = p.means[c * d + j] - np.mean[j];
      // Normal part N(μ | μ_P, σ²/κ) per coordinate.
      lp += -0.5 * LOG_2PI + 0.5 * Math.log(np.kappa / v) - (0.5 * np.kappa * mu * mu) / v;
      if (type === 'diag') {
        // Inverse-gamma(a = (ν+2)/2, b = ς²/2): mode ς²/(ν+4) alone; with the normal term and
        // n_k samples the MAP is (ς² + …)/(ν + n_k + 3), as used in mStep.
        const a = (np.dof + 2) / 2;
        const b = s2 / 2;
        lp += a * Math.log(b) - logGamma(a) - (a + 1) * Math.log(v) - b / v;
      }
    }
    if (type === 'spherical') {
      // One inverse-gamma on the shared σ²: a = (ν + 2)/2 − 1 + 1... chosen so that the MAP is
      // (ς² + …)/(ν + (n_k + 1)d + 2): density ∝ (σ²)^{−(ν+2)/2 − 1} exp(−ς²/(2σ²)).
      const v = p.cov[c];
      const a = np.dof / 2;
      const b = np.scale[0] / 2;
      lp += a * Math.log(b) - logGamma(a) - (a + 1) * Math.log(v) - b / v;
    }
  }
  return lp;
}
