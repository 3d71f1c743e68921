/**
 * Float64 special functions for the negative-binomial model: log Γ (Lanczos, g = 7, n = 9, with
 * double-precision coefficients), digamma and trigamma (recurrence up to x ≥ 16, then their
 * asymptotic series), and the log rising factorial D(v, r) = log Γ(v + r) − log Γ(r) − v·log r
 * with its r-derivatives, written so that it stays accurate as r → ∞ (the Poisson limit), where
 * the plain difference of two huge log Γ values would cancel.
 */

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log Γ(x) for x > 0 (reflection below 0.5). Relative error ~1e-15; absolute ~1e-15 near the zeros at 1 and 2. */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ψ(z) − log z for z ≥ 10 (asymptotic series; truncation 2e-14 at z = 10, 7e-17 at 16). */
function digammaTail(z: number): number {
  const f = 1 / (z * z);
  // ψ(z) ≈ log z − 1/(2z) − Σ B_2n / (2n z^2n)
  return -0.5 / z - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132)))));
}

/** ψ₁(z) − 1/z for z ≥ 10 (asymptotic series). */
function trigammaTail(z: number): number {
  const f = 1 / (z * z);
  // ψ₁(z) ≈ 1/z + 1/(2z²) + Σ B_2n / z^(2n+1)
  return 0.5 * f + (f / z) * (1 / 6 - f * (1 / 30 - f * (1 / 42 - f * (1 / 30 - f * (5 / 66)))));
}

/** ψ(x) = d/dx log Γ(x), x > 0. */
export function digamma(x: number): number {
  let acc = 0;
  while (x < 16) {
    acc -= 1 / x;
    x += 1;
  }
  return acc + Math.log(x) + digammaTail(x);
}

/** ψ₁(x) = d²/dx² log Γ(x), x > 0. */
export function trigamma(x: number): number {
  let acc = 0;
  while (x < 16) {
    acc += 1 / (x * x);
    x += 1;
  }
  return acc + 1 / x + trigammaTail(x);
}

/** Stirling's correction S(z) = log Γ(z) − [(z − ½) log z − z + ½ log 2π], for z ≥ 10. */
function stirlingTail(z: number): number {
  const f = 1 / (z * z);
  return (1 / z) * (1 / 12 - f * (1 / 360 - f * (1 / 1260 - f * (1 / 1680 - f * (1 / 1188)))));
}

/** Counts up to this size use the exact finite sums Σ_{j<v} log(1 + j/r). */
export const SMALL_COUNT = 64;

/**
 * D(v, r) = log Γ(v + r) − log Γ(r) − v·log r = Σ_{j=0}^{v−1} log(1 + j/r) for integer v ≥ 0,
 * and its first two derivatives in r. `out` receives [D, D', D''].
 */
export function logRising(v: number, r: number, out: Float64Array): void {
  if (v <= SMALL_COUNT) {
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    for (let j = 1; j < v; j++) {
      const q = r + j;
      d0 += Math.log1p(j / r);
      d1 -= j / (r * q);
      d2 += (j * (2 * r + j)) / (r * r * q * q);
    }
    out[0] = d0;
    out[1] = d1;
    out[2] = d2;
    return;
  }
  if (r >= 10) {
    // Stirling for both Γ values, arranged so the large terms cancel analytically:
    // D = (r + v − ½)·log1p(v/r) − v + S(r + v) − S(r), and likewise for ψ and ψ₁.
    const lp = Math.log1p(v / r);
    out[0] = (r + v - 0.5) * lp - v + stirlingTail(r + v) - stirlingTail(r);
    out[1] = lp - v / r + digammaTail(r + v) - digammaTail(r);
    out[2] = (v * v) / (r * r * (r + v)) + trigammaTail(r + v) - trigammaTail(r);
    return;
  }
  out[0] = lgamma(v + r) - lgamma(r) - v * Math.log(r);
  out[1] = digamma(v + r) - digamma(r) - v / r;
  out[2] = trigamma(v + r) - trigamma(r) + v / (r * r);
}
