/**
 * Harmony's mixture-of-experts correction, host float64: per cluster k a ridge regression of the
 * PCs on the batch design [1, one-hot(batch)] with cell weights R_ik, the intercept unpenalised:
 *
 *   W_k = (Φ diag(R_k) Φᵀ + Λ)⁻¹ Φ diag(R_k) Zᵀ,   Λ = diag(0, λ, …, λ).
 *
 * Φ diag(R_k) Φᵀ needs only O_kb = Σ_{i in b} R_ik (it is an arrow matrix: Σ_b O_kb in the corner,
 * O_kb on the border and diagonal) and the right side only S_kb = Σ_{i in b} R_ik z_i, so the
 * backend reduces the cells to K × B × (d + 1) sums and the (B+1)² solves stay here.
 */

import { invalid } from '../errors.js';

/** Solve the SPD system A X = R in place by Cholesky (A m × m, R m × c, row-major); A is overwritten. */
export function choleskySolve(A: Float64Array, R: Float64Array, m: number, c: number): void {
  for (let j = 0; j < m; j++) {
    let s = A[j * m + j];
    for (let p = 0; p < j; p++) s -= A[j * m + p] * A[j * m + p];
    if (!(s > 0)) {
      throw invalid(
        'OUT_OF_RANGE',
        `Harmony's ridge system is not positive definite in float64 (pivot ${j} is ${s}): lambda is too small for the cells' weights, or the data are not finite at this scale. Pass a larger lambda (default 1), or rescale the data.`,
      );
    }
    const l = Math.sqrt(s);
    A[j * m + j] = l;
    for (let i = j + 1; i < m; i++) {
      let t = A[i * m + j];
      for (let p = 0; p < j; p++) t -= A[i * m + p] * A[j * m + p];
      A[i * m + j] = t / l;
    }
  }
  for (let col = 0; col < c; col++) {
    for (let i = 0; i < m; i++) {
      let t = R[i * c + col];
      for (let p = 0; p < i; p++) t -= A[i * m + p] * R[p * c + col];
      R[i * c + col] = t / A[i * m + i];
    }
    for (let i = m - 1; i >= 0; i--) {
      let t = R[i * c + col];
      for (let p = i + 1; p < m; p++) t -= A[p * m + i] * R[p * c + col];
      R[i * c + col] = t / A[i * m + i];
    }
  }
}

/**
 * The batch coefficients of every cluster from the backend's sums S (K × B × (d + 1): Σ R_ik z_i
 * per batch, then O_kb in the last column): W (K × B × d), the intercept rows dropped (Harmony
 * keeps each cluster's centre and removes only the batch effects).
 */
export function ridgeCoefficients(S: Float64Array, K: number, B: number, d: number, lambda: number): Float64Array {
  const m = B + 1;
  const W = new Float64Array(K * B * d);
  const A = new Float64Array(m * m);
  const rhs = new Float64Array(m * d);
  for (let k = 0; k < K; k++) {
    A.fill(0);
    rhs.fill(0);
    for (let b = 0; b < B; b++) {
      const row = (k * B + b) * (d + 1);
      const o = S[row + d];
      A[0] += o;
      A[b + 1] = A[(b + 1) * m] = o;
      A[(b + 1) * m + b + 1] = o + lambda;
      for (let f = 0; f < d; f++) {
        rhs[f] += S[row + f];
        rhs[(b + 1) * d + f] = S[row + f];
      }
    }
    if (!(A[0] > 0)) continue; // an empty cluster corrects nothing
    choleskySolve(A, rhs, m, d);
    W.set(rhs.subarray(d), k * B * d);
  }
  return W;
}
