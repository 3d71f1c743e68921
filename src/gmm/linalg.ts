/** Small dense linear algebra in float64 for the host M-step (d×d matrices, row-major). */

/**
 * Lower Cholesky factor L of a symmetric matrix (A = L Lᵀ), or null when A is not positive
 * definite (a pivot ≤ 0 or not finite).
 */
export function cholesky(a: Float64Array, d: number): Float64Array | null {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let t = 0; t < j; t++) s -= l[i * d + t] * l[j * d + t];
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) return null;
        l[i * d + i] = Math.sqrt(s);
      } else {
        l[i * d + j] = s / l[j * d + j];
      }
    }
  }
  return l;
}

/** Inverse of a lower-triangular matrix (forward substitution, column by column). */
export function invertLower(l: Float64Array, d: number): Float64Array {
  const inv = new Float64Array(d * d);
  for (let c = 0; c < d; c++) {
    for (let i = c; i < d; i++) {
      let s = i === c ? 1 : 0;
      for (let t = c; t < i; t++) s -= l[i * d + t] * inv[t * d + c];
      inv[i * d + c] = s / l[i * d + i];
    }
  }
  return inv;
}

export function transpose(a: Float64Array, d: number): Float64Array {
  const t = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) t[j * d + i] = a[i * d + j];
  return t;
}

/** Solve L z = b for lower-triangular L (forward substitution). */
export function forwardSolve(l: Float64Array, d: number, b: Float64Array, z: Float64Array): void {
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let t = 0; t < i; t++) s -= l[i * d + t] * z[t];
    z[i] = s / l[i * d + i];
  }
}

/** log det of a matrix given its Cholesky factor: 2 Σ log L_ii. */
export function logDetFromCholesky(l: Float64Array, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += Math.log(l[i * d + i]);
  return 2 * s;
}

/** Multivariate log-gamma, log Γ_d(a). */
export function logMultiGamma(a: number, d: number): number {
  let s = ((d * (d - 1)) / 4) * Math.log(Math.PI);
  for (let j = 0; j < d; j++) s += logGamma(a - j / 2);
  return s;
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Γ(x) for x > 0 in float64 (Lanczos, g = 7; reflection below 1/2). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
