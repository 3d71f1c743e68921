/**
 * The positive-definiteness check shared by a caller's model (api.ts, scoring), a caller's init
 * (options.ts, fitting) and a caller's shard parameters (shard/gmm.ts). A fitted covariance always
 * passes: the M-step stores the matrix its Cholesky factorisation succeeded on (jittered in place
 * when it had to be), so the same factorisation here succeeds on the same bits.
 */
import { invalid } from '../errors.js';
import type { CovarianceType } from '../types.js';
import { cholesky } from './linalg.js';

/**
 * Refuse covariances that are not positive definite: a variance <= 0, |Σ_ij| > √(Σ_ii Σ_jj) (beyond
 * rounding), an asymmetric matrix (the fit reads one triangle), or one whose Cholesky factorisation
 * fails (indefinite or singular: the fit would jitter it into another model).
 */
export function checkCovariances(type: CovarianceType, k: number, d: number, cov: Float64Array, what = "The model's"): void {
  const refuse = (c: number, why: string): Error =>
    invalid(
      'BAD_OPTION',
      `${what} covariance${type === 'tied' ? '' : ` of component ${c}`} is not positive definite (${why}). ` +
        'Pass covariances from a fit, or symmetric positive-definite matrices with positive variances.',
    );
  if (type === 'diag' || type === 'spherical') {
    for (let i = 0; i < cov.length; i++) if (!(cov[i] > 0)) throw refuse(type === 'diag' ? Math.floor(i / d) : i, `variance ${cov[i]}`);
    return;
  }
  const blocks = type === 'full' ? k : 1;
  for (let c = 0; c < blocks; c++) {
    const o = c * d * d;
    for (let i = 0; i < d; i++) {
      const vi = cov[o + i * d + i];
      if (!(vi > 0)) throw refuse(c, `variance ${vi} on the diagonal at ${i}`);
      for (let j = 0; j < i; j++) {
        const vj = cov[o + j * d + j];
        const cij = Math.max(Math.abs(cov[o + i * d + j]), Math.abs(cov[o + j * d + i]));
        if (cij > Math.sqrt(vi) * Math.sqrt(vj) * (1 + 1e-6))
          throw refuse(c, `|covariance| ${cij} at (${i}, ${j}) exceeds the variances allow`);
        // Rounding-level asymmetry (a peer's A·Bᵀ products) is kept; more would be read one-sidedly.
        if (Math.abs(cov[o + i * d + j] - cov[o + j * d + i]) > Math.sqrt(vi) * Math.sqrt(vj) * 1e-9)
          throw refuse(c, `it is not symmetric at (${i}, ${j}): ${cov[o + i * d + j]} vs ${cov[o + j * d + i]}`);
      }
    }
    if (cholesky(cov.subarray(o, o + d * d), d) === null) throw refuse(c, 'indefinite or singular: its Cholesky factorisation fails');
  }
}
