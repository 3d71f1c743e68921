/**
 * The loess regression behind seurat_v3 HVG selection, against hand-solved cases and R's
 * stats::loess (the netlib dloess code that scikit-misc, and so scanpy, calls), whose fits are
 * saved in test/fixtures/sc-pre/loess_r.json by test/fixtures/sc-pre/make_loess.R.
 */
import { describe, test, expect } from 'vitest';
import { loess } from '../../src/sc/loess.js';
import fixture from '../fixtures/sc-pre/loess_r.json';

interface LoessCase {
  name: string;
  span: number;
  degree: number;
  x: number[];
  y: number[];
  interpolate: number[];
  direct: number[];
}
const cases = (fixture as unknown as { cases: LoessCase[] }).cases;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('loess: hand-solved cases', () => {
  test('a quadratic is reproduced exactly by a degree-2 fit, on both surfaces', () => {
    const x = Array.from({ length: 57 }, (_, i) => -2 + 0.13 * i + 0.01 * Math.sin(i));
    const y = x.map((v) => 1.5 - 2 * v + 0.75 * v * v);
    for (const surface of ['direct', 'interpolate'] as const) {
      const f = loess(x, y, { span: 0.3, degree: 2, surface });
      // Local quadratics fit a quadratic exactly; cubic Hermite interpolation of its values and
      // slopes is exact too. Only round-off remains.
      expect(maxAbsDiff(f, y)).toBeLessThan(1e-11);
    }
  });

  test('a line is reproduced by degree 1', () => {
    const x = Array.from({ length: 40 }, (_, i) => i * 0.7);
    const y = x.map((v) => 3 - 0.25 * v);
    expect(maxAbsDiff(loess(x, y, { span: 0.4, degree: 1, surface: 'interpolate' }), y)).toBeLessThan(1e-11);
  });

  test('degree 0 at an end point is the tricube-weighted mean of the nearest ⌊n·span⌋ points', () => {
    // x = 0..9, span 0.5 → 5 neighbours of x = 0 at distances 0..4; h = 4, w = (1 − (d/4)³)³:
    // 1, (63/64)³, (7/8)³, (37/64)³, 0.
    const x = Array.from({ length: 10 }, (_, i) => i);
    const y = [2, 7, 1, 8, 2, 8, 1, 8, 2, 8];
    const w = [1, (63 / 64) ** 3, (7 / 8) ** 3, (37 / 64) ** 3, 0];
    const expected = w.reduce((s, wi, i) => s + wi * y[i], 0) / w.reduce((s, wi) => s + wi, 0);
    const f = loess(x, y, { span: 0.5, degree: 0, surface: 'direct' });
    expect(Math.abs(f[0] - expected)).toBeLessThan(1e-14);
    // At x = 5 (interior) the 5 nearest are 3..7 at distances 2, 1, 0, 1, 2: h = 2,
    // w = (1 − (d/2)³)³ = 0, (7/8)³, 1, (7/8)³, 0.
    const w5 = (7 / 8) ** 3;
    const e5 = (w5 * y[4] + y[5] + w5 * y[6]) / (2 * w5 + 1);
    expect(Math.abs(f[5] - e5)).toBeLessThan(1e-14);
  });

  test('rejects a span too small for the degree, and non-finite input', () => {
    expect(() => loess([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], { span: 0.3 })).toThrow(/span/);
    expect(() => loess([1, 2, NaN, 4, 5, 6, 7, 8, 9, 10], Array(10).fill(1), { span: 0.9 })).toThrow(/non-finite/);
  });
});

describe("loess agrees with R's stats::loess (netlib dloess)", () => {
  for (const c of cases) {
    for (const surface of ['direct', 'interpolate'] as const) {
      test(`${c.name}, surface='${surface}'`, () => {
        const f = loess(c.x, c.y, { span: c.span, degree: c.degree as 0 | 1 | 2, surface });
        const ref = surface === 'direct' ? c.direct : c.interpolate;
        // Same algorithm in float64; only the QR/SVD routines' round-off differs (observed ≤ 8e-15).
        expect(maxAbsDiff(f, ref)).toBeLessThan(1e-12);
      });
    }
  }

  test('interpolate and direct differ materially on real data (so the surface matters for HVG ranks)', () => {
    const c = cases.find((k) => k.name === 'pbmc68k-seurat_v3')!;
    expect(maxAbsDiff(c.interpolate, c.direct)).toBeGreaterThan(1e-3);
  });
});
