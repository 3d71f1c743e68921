import { describe, test, expect } from 'vitest';
import { Rng, philox2x32, restartRng } from '../../src/core/rng.js';

describe('the counter-based RNG', () => {
  test('Philox2x32-10 reproduces the Random123 known-answer vectors', () => {
    expect(philox2x32(0, 0, 0).map((v) => v.toString(16))).toEqual(['ff1dae59', '6cd10df2']);
    expect(philox2x32(0xffffffff, 0xffffffff, 0xffffffff).map((v) => v.toString(16))).toEqual(['2c3f628b', 'ab4fd7ad']);
    expect(philox2x32(0x243f6a88, 0x85a308d3, 0x13198a2e).map((v) => v.toString(16))).toEqual(['dd7ce038', 'f62a4c12']);
  });

  test('the same seed and stream give the same sequence, other streams differ', () => {
    const a = new Rng(7, 1);
    const b = new Rng(7, 1);
    const c = restartRng(7, 1);
    const seqA = Array.from({ length: 20 }, () => a.nextU32());
    expect(Array.from({ length: 20 }, () => b.nextU32())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.nextU32())).not.toEqual(seqA);
  });

  test('uniforms lie in [0, 1) with mean 1/2 and variance 1/12', () => {
    const r = new Rng(1);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      s += u;
      s2 += u * u;
    }
    const mean = s / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  test('int(m) is uniform over [0, m) by a chi-square test', () => {
    const r = new Rng(3);
    const m = 7;
    const counts = new Array(m).fill(0);
    const n = 70_000;
    for (let i = 0; i < n; i++) counts[r.int(m)]++;
    const chi2 = counts.reduce((acc, c) => acc + (c - n / m) ** 2 / (n / m), 0);
    expect(chi2).toBeLessThan(22.46); // 99.9th percentile of χ² with 6 degrees of freedom
  });

  test('sample draws distinct indices in range', () => {
    const s = new Rng(5).sample(1_000_000, 1000);
    expect(new Set(s).size).toBe(1000);
    expect(s.every((v) => v >= 0 && v < 1_000_000 && Number.isInteger(v))).toBe(true);
    expect(new Rng(5).sample(5, 5).sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
