/**
 * The float64 special functions the negative-binomial model rests on (src/nbmm/special.ts), against
 * closed forms and independent computations. They are in turn the reference for the float32 WGSL
 * versions (test/gpu/nbmm-lgamma.test.ts).
 */
import { describe, test, expect } from 'vitest';
import { lgamma, digamma, trigamma, logRising, SMALL_COUNT } from '../../src/nbmm/special.js';

const EULER = 0.5772156649015329;

describe('log Γ, ψ, ψ₁ in float64', () => {
  test('log Γ at known values', () => {
    expect(Math.abs(lgamma(1))).toBeLessThan(1e-15);
    expect(Math.abs(lgamma(2))).toBeLessThan(1e-15);
    expect(lgamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 14);
    expect(lgamma(10)).toBeCloseTo(Math.log(362880), 13);
    expect(lgamma(3.5)).toBeCloseTo(Math.log((15 * Math.sqrt(Math.PI)) / 8), 14);
    // Γ(1/4) = 3.625609908221908… (reflection branch)
    expect(lgamma(0.25)).toBeCloseTo(Math.log(3.625609908221908), 14);
    // Γ(x) = Γ(x + 1)/x, with log Γ(1 + t) = −γt + ζ(2)t²/2 − ζ(3)t³/3 + ζ(4)t⁴/4 − … at t = 1e-3.
    const t = 1e-3;
    const lg1p = -EULER * t + ((Math.PI ** 2 / 6) * t * t) / 2 - (1.2020569031595942 * t ** 3) / 3 + ((Math.PI ** 4 / 90) * t ** 4) / 4;
    expect(Math.abs(lgamma(1e-3) - (lg1p - Math.log(1e-3)))).toBeLessThan(1e-13);
    // Stirling at 1e6: (x − ½) log x − x + ½ log 2π + 1/(12x) − 1/(360x³): remainder ~1e-33.
    const x = 1e6;
    const st = (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3);
    expect(Math.abs(lgamma(x) - st) / st).toBeLessThan(1e-15);
    // log n! by summation.
    let lf = 0;
    for (let n = 1; n <= 170; n++) {
      lf += Math.log(n);
      expect(Math.abs(lgamma(n + 1) - lf)).toBeLessThanOrEqual(1e-12 * Math.max(1, lf));
    }
  });

  test('ψ and ψ₁ at known values and as derivatives of log Γ', () => {
    expect(digamma(1)).toBeCloseTo(-EULER, 14);
    expect(digamma(0.5)).toBeCloseTo(-EULER - 2 * Math.LN2, 14);
    expect(trigamma(1)).toBeCloseTo(Math.PI ** 2 / 6, 14);
    expect(trigamma(0.5)).toBeCloseTo(Math.PI ** 2 / 2, 13);
    for (const x of [0.01, 0.3, 2.7, 15, 400, 1e5]) {
      const h = 1e-5 * x;
      expect(Math.abs(digamma(x) - (lgamma(x + h) - lgamma(x - h)) / (2 * h))).toBeLessThan(1e-6 * Math.max(1, Math.abs(digamma(x))));
      expect(Math.abs(trigamma(x) - (digamma(x + h) - digamma(x - h)) / (2 * h))).toBeLessThan(1e-6 * Math.max(1, trigamma(x)));
    }
  });
});

describe('the log rising factorial D(v, r) = log Γ(v + r) − log Γ(r) − v·log r', () => {
  const out = new Float64Array(3);
  /** Σ_{j<v} log1p(j/r) and its r-derivatives, summed directly (exact for integer v). */
  function direct(v: number, r: number): [number, number, number] {
    let a = 0;
    let b = 0;
    let c = 0;
    for (let j = 1; j < v; j++) {
      a += Math.log1p(j / r);
      b -= j / (r * (r + j));
      c += (j * (2 * r + j)) / (r * r * (r + j) ** 2);
    }
    return [a, b, c];
  }

  test('agrees with the direct sum on both sides of the closed-form switch, from r = 1e-4 to the Poisson limit 1e8', () => {
    // Errors relative to |value| + v·1e-3 (per r, per r² for the derivatives): when r ≫ v, D ≈ v²/(2r)
    // is tiny next to the v-sized terms it is made of, and only its error relative to those matters.
    const worst = [0, 0, 0];
    for (const r of [1e-4, 0.05, 0.7, 3, 9.99, 10, 57, 1e3, 1e5, 1e8]) {
      for (const v of [1, 2, 5, SMALL_COUNT, SMALL_COUNT + 1, 100, 1000, 20000]) {
        logRising(v, r, out);
        const ref = direct(v, r);
        const scales = [v * 1e-3, (v * 1e-3) / r, (v * 1e-3) / (r * r)];
        for (let t = 0; t < 3; t++) worst[t] = Math.max(worst[t], Math.abs(out[t] - ref[t]) / (Math.abs(ref[t]) + scales[t]));
      }
    }
    console.log('log rising factorial: worst error of D, D′, D″ vs the direct sum:', worst.map((w) => w.toExponential(2)).join(', '));
    expect(worst[0]).toBeLessThan(1e-11);
    expect(worst[1]).toBeLessThan(1e-9);
    expect(worst[2]).toBeLessThan(1e-9);
  });
});
