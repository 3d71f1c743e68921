/**
 * Randomized PCA on the CPU reference against an exact PCA (Jacobi eigen-decomposition of the
 * covariance, test/fixtures/sc-pre/reference.ts), and its small dense building blocks.
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { pca } from '../../src/sc/pca.js';
import { householderQ, jacobiEigen } from '../../src/sc/linalg.js';
import { F64_RTOL, expectRelClose } from '../tolerance.js';
import {
  PCA_ANGLE_RAD,
  PCA_EV_RTOL,
  exactPca,
  maxPrincipalAngle,
  orthonormalityDefect,
  plantedLowRank,
  columnMoments,
  symmetricEigen,
  symmetricEigenQL,
} from '../fixtures/sc-pre/reference.js';

let cpu: Engine;
beforeAll(async () => {
  cpu = await createEngine({ backend: 'reference' });
});

describe('small dense linear algebra', () => {
  test('householderQ: orthonormal columns spanning A, also when A is rank-deficient', () => {
    const m = 30;
    const l = 6;
    const a = Float64Array.from({ length: m * l }, (_, i) => Math.sin(i * 1.7) + (i % 7) * 0.1);
    const q = householderQ(a, m, l);
    expect(orthonormalityDefect(q, m, l)).toBeLessThan(1e-14);
    // A = Q (QᵀA): the residual of projecting A on span(Q) vanishes.
    let worst = 0;
    for (let j = 0; j < l; j++) {
      const c = new Float64Array(l);
      for (let t = 0; t < l; t++) for (let i = 0; i < m; i++) c[t] += q[i * l + t] * a[i * l + j];
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let t = 0; t < l; t++) s += q[i * l + t] * c[t];
        worst = Math.max(worst, Math.abs(s - a[i * l + j]));
      }
    }
    expect(worst).toBeLessThan(1e-13);
    // Rank 2 with a zero column: Q is still orthonormal.
    const r = new Float64Array(m * 4);
    for (let i = 0; i < m; i++) {
      r[i * 4] = i;
      r[i * 4 + 1] = 2 * i;
      r[i * 4 + 2] = 1;
    }
    expect(orthonormalityDefect(householderQ(r, m, 4), m, 4)).toBeLessThan(1e-14);
  });

  test('the two test references agree: Jacobi and tred2/tql2 eigen-decompositions', () => {
    const s = 25;
    const a = new Float64Array(s * s);
    for (let i = 0; i < s; i++) for (let j = 0; j <= i; j++) a[i * s + j] = a[j * s + i] = Math.sin(i * 1.3 + j * 0.7) + (i === j ? 3 : 0);
    const j = symmetricEigen(a, s);
    const q = symmetricEigenQL(a, s);
    for (let t = 0; t < s; t++) {
      expect(Math.abs(j.values[t] - q.values[t])).toBeLessThan(1e-12);
      let dot = 0;
      for (let f = 0; f < s; f++) dot += j.vectors[f * s + t] * q.vectors[f * s + t];
      expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-10);
    }
  });

  test('jacobiEigen: a hand-solved 2×2 and a random symmetric matrix', () => {
    // [[2, 1], [1, 2]]: eigenvalues 3 and 1, vectors (1, 1)/√2 and (1, −1)/√2.
    const e = jacobiEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect(e.values[0]).toBeCloseTo(3, 14);
    expect(e.values[1]).toBeCloseTo(1, 14);
    expect(Math.abs(e.vectors[0])).toBeCloseTo(Math.SQRT1_2, 14);
    const s = 12;
    const a = new Float64Array(s * s);
    for (let i = 0; i < s; i++) for (let j = 0; j <= i; j++) a[i * s + j] = a[j * s + i] = Math.cos(i * 3 + j * 5);
    const { values, vectors } = jacobiEigen(a, s);
    for (let j = 0; j < s; j++) {
      for (let i = 0; i < s; i++) {
        let av = 0;
        for (let t = 0; t < s; t++) av += a[i * s + t] * vectors[t * s + j];
        expect(Math.abs(av - values[j] * vectors[i * s + j])).toBeLessThan(1e-12);
      }
      if (j > 0) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
    }
  });
});

describe('randomized PCA (CPU, float64) against the exact PCA', () => {
  const n = 600;
  const d = 80;
  const spectrum = [40, 30, 22, 16, 12, 9, 7, 5];
  const x = plantedLowRank(n, d, spectrum, 0.3, 11);
  const k = 8;
  const exact = exactPca(x, n, d, k);

  test('subspace, explained variance and ratio, scores = X_c·V, orthonormal loadings', async () => {
    const r = await pca({ n, d, data: x }, { nComps: k, seed: 3, engine: cpu });
    expect(r.backend).toBe('reference');
    expect(r.nComps).toBe(k);
    const angle = maxPrincipalAngle(r.loadings, exact.loadings, d, k);
    // Float64 throughout and a clear gap after the 8th eigenvalue: essentially exact.
    expect(angle).toBeLessThan(1e-8);
    for (let j = 0; j < k; j++) {
      expectRelClose(r.explainedVariance[j], exact.variance[j], 1e-10, `explained variance ${j}`);
      expectRelClose(r.explainedVarianceRatio[j], exact.variance[j] / exact.total, 1e-10, `ratio ${j}`);
    }
    expectRelClose(r.totalVariance, exact.total, F64_RTOL, 'total variance');
    expect(orthonormalityDefect(r.loadings, d, k)).toBeLessThan(1e-12);
    const { mean } = columnMoments(x, n, d);
    for (let i = 0; i < n; i += 37) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let f = 0; f < d; f++) s += (x[i * d + f] - mean[f]) * r.loadings[f * k + j];
        expect(Math.abs(r.scores[i * k + j] - s)).toBeLessThan(1e-10 * (1 + Math.abs(s)));
      }
    }
    // svd_flip: the largest-magnitude entry of each loading is positive.
    for (let j = 0; j < k; j++) {
      let best = 0;
      for (let f = 0; f < d; f++) if (Math.abs(r.loadings[f * k + j]) > Math.abs(best)) best = r.loadings[f * k + j];
      expect(best).toBeGreaterThan(0);
    }
  });

  test('a flat spectrum with no power iterations still meets the issue tolerances on the leading components', async () => {
    const y = plantedLowRank(500, 120, [30, 24, 19, 15, 12, 10, 9, 8, 7, 6], 1.0, 5);
    const ex = exactPca(y, 500, 120, 5);
    const r = await pca({ n: 500, d: 120, data: y }, { nComps: 5, nIter: 2, oversampling: 10, seed: 1, engine: cpu });
    expect(maxPrincipalAngle(r.loadings, ex.loadings, 120, 5)).toBeLessThan(PCA_ANGLE_RAD);
    for (let j = 0; j < 5; j++) expectRelClose(r.explainedVariance[j], ex.variance[j], PCA_EV_RTOL, `explained variance ${j}`);
  });

  test('same seed, same bits; another seed, the same subspace', async () => {
    const a = await pca({ n, d, data: x }, { nComps: 5, seed: 7, engine: cpu });
    const b = await pca({ n, d, data: x }, { nComps: 5, seed: 7, engine: cpu });
    expect(b.loadings).toEqual(a.loadings);
    expect(b.scores).toEqual(a.scores);
    const c = await pca({ n, d, data: x }, { nComps: 5, seed: 8, engine: cpu });
    expect(maxPrincipalAngle(a.loadings, c.loadings, d, 5)).toBeLessThan(1e-8);
  });

  test('options: defaults, nComps capped by the rank, bad values rejected', async () => {
    const small = plantedLowRank(30, 12, [5, 3], 0.1, 2);
    const r = await pca({ n: 30, d: 12, data: small }, { engine: cpu });
    expect(r.nComps).toBe(12); // min(50, n, d)
    const ex = exactPca(small, 30, 12, 12);
    // The full spectrum of a 12-column matrix: every component, exactly.
    for (let j = 0; j < 12; j++) expect(Math.abs(r.explainedVariance[j] - ex.variance[j])).toBeLessThan(1e-10 * ex.variance[0]);
    await expect(pca({ n: 30, d: 12, data: small }, { nComps: 13, engine: cpu })).rejects.toThrow(/nComps/);
    await expect(pca({ n: 30, d: 12, data: small.subarray(1) }, { engine: cpu })).rejects.toThrow(/n·d/);
    const bad = Float64Array.from(small);
    bad[5] = NaN;
    await expect(pca({ n: 30, d: 12, data: bad }, { engine: cpu })).rejects.toThrow(/non-finite/);
  });
});
