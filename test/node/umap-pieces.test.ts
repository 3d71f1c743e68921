import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { findAbParams } from '../../src/umap/ab.js';
import { fuzzySimplicialSet, smoothKnnDist } from '../../src/graph/fuzzy.js';
import type { KnnResult } from '../../src/graph/types.js';
import { edgeKey, epochKey, layoutPlan, mix32, negativeTarget, negativesAt, samplesThrough } from '../../src/umap/plan.js';

interface FuzzyCase {
  k: number;
  setOpMixRatio: number;
  localConnectivity: number;
  indices: number[];
  distances: number[];
  sigma: number[];
  rho: number[];
  rows: number[];
  cols: number[];
  vals: number[];
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/umap/umaplearn-fuzzy.json', import.meta.url), 'utf8')) as {
  n: number;
  cases: FuzzyCase[];
  ab: { minDist: number; spread: number; a: number; b: number }[];
};
const knnOf = (c: FuzzyCase): KnnResult => ({
  n: fx.n,
  k: c.k,
  metric: 'euclidean',
  indices: Int32Array.from(c.indices),
  distances: Float32Array.from(c.distances),
  backend: 'reference',
});

describe('UMAP pieces against umap-learn', () => {
  it('find_ab_params gives a ≈ 1.577, b ≈ 0.895 for the defaults and matches scipy’s curve_fit on four other settings', () => {
    const d = findAbParams(1, 0.1);
    expect(d.a).toBeCloseTo(1.577, 3);
    expect(d.b).toBeCloseTo(0.895, 3);
    for (const r of fx.ab) {
      const got = findAbParams(r.spread, r.minDist);
      expect(Math.abs(got.a - r.a) / r.a).toBeLessThan(1e-5);
      expect(Math.abs(got.b - r.b) / r.b).toBeLessThan(1e-5);
    }
  });

  it('smooth-kNN σ and ρ match umap-learn’s smooth_knn_dist with n_neighbors = k + 1 (duplicates and fractional local connectivity included)', () => {
    for (const c of fx.cases) {
      const { sigma, rho } = smoothKnnDist(knnOf(c), c.localConnectivity);
      for (let i = 0; i < fx.n; i++) {
        expect(Math.abs(rho[i] - c.rho[i])).toBeLessThanOrEqual(1e-12 * (1 + c.rho[i]));
        expect(Math.abs(sigma[i] - c.sigma[i])).toBeLessThanOrEqual(1e-12 * (1 + c.sigma[i]));
      }
    }
  });

  it('the fuzzy simplicial set has exactly umap-learn’s edges and weights, symmetric, for union, intersection and a mix', () => {
    for (const c of fx.cases) {
      const g = fuzzySimplicialSet(knnOf(c), { setOpMixRatio: c.setOpMixRatio, localConnectivity: c.localConnectivity });
      const want = new Map<string, number>();
      c.rows.forEach((r, t) => want.set(`${r},${c.cols[t]}`, c.vals[t]));
      expect(g.nnz).toBe(want.size);
      for (let i = 0; i < g.n; i++) {
        for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
          const j = g.indices[p];
          const w = want.get(`${i},${j}`);
          expect(w, `edge ${i}-${j}`).toBeDefined();
          expect(Math.abs(g.values[p] - (w as number))).toBeLessThanOrEqual(1e-12);
          // Symmetric: the same weight stored in row j.
          let q = g.indptr[j];
          while (g.indices[q] !== i) q++;
          expect(g.values[q]).toBe(g.values[p]);
          if (p > g.indptr[i]) expect(g.indices[p]).toBeGreaterThan(g.indices[p - 1]);
        }
      }
    }
  });

  it('a hand-solved triangle: ρ is the nearest distance and σ solves Σ exp(−(d − ρ)/σ) = log2(3)', () => {
    // Three points on a line at 0, 1, 3: k = 2 neighbours each.
    const knn: KnnResult = {
      n: 3,
      k: 2,
      metric: 'euclidean',
      indices: Int32Array.from([1, 2, 0, 2, 1, 0]),
      distances: Float32Array.from([1, 3, 1, 2, 2, 3]),
      backend: 'reference',
    };
    const { sigma, rho } = smoothKnnDist(knn);
    expect([...rho]).toEqual([1, 1, 2]);
    // Point 0: 1 + exp(−2/σ) = log2 3 → σ = −2 / ln(log2 3 − 1).
    expect(Math.abs(sigma[0] - -2 / Math.log(Math.log2(3) - 1))).toBeLessThan(1e-4);
    const g = fuzzySimplicialSet(knn);
    // 0–1: both memberships 1 → union 1.
    expect(g.values[g.indptr[0]]).toBe(1);
  });

  it('refuses unknown options and out-of-range values with typed errors', () => {
    const c = knnOf(fx.cases[0]);
    expect(() => fuzzySimplicialSet(c, { setOpMix: 1 } as never)).toThrow(expect.objectContaining({ code: 'UNKNOWN_OPTION' }));
    expect(() => fuzzySimplicialSet(c, { setOpMixRatio: 2 })).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
    expect(() => fuzzySimplicialSet({ ...c, indices: new Int32Array(3) })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
  });
});

describe('the layout plan (src/umap/plan.ts)', () => {
  // A path 0–1–2 with weights 1 and 0.5, and a light edge 2–3 (0.1) that 5 epochs never sample.
  const graph = {
    n: 4,
    d: 4,
    nnz: 6,
    indptr: Uint32Array.from([0, 1, 3, 5, 6]),
    indices: Uint32Array.from([1, 0, 2, 1, 3, 2]),
    values: Float64Array.from([1, 1, 0.5, 0.5, 0.1, 0.1]),
  };
  const plan = layoutPlan(graph, { nComponents: 2, nEpochs: 5, a: 1.5, b: 0.9, negativeSampleRate: 5, learningRate: 1, seed: 0 });

  it('drops edges lighter than wmax / nEpochs and indexes each kept edge’s reverse', () => {
    expect([...plan.indptr]).toEqual([0, 1, 3, 4, 4]);
    expect([...plan.tail]).toEqual([1, 0, 2, 1]);
    expect([...plan.reverse]).toEqual([1, 0, 3, 2]);
    expect(plan.rate[0]).toBe(2 ** plan.rateBits);
    expect(plan.rate[2]).toBe(2 ** (plan.rateBits - 1));
  });

  it('samples a full-weight edge every epoch from epoch 1 and a half-weight one every other epoch, as umap-learn’s epochs_per_sample', () => {
    const fires = (r: number) =>
      [0, 1, 2, 3, 4].map((e) => (e > 0 && samplesThrough(r, plan.rateBits, e) > samplesThrough(r, plan.rateBits, e - 1) ? 1 : 0));
    expect(fires(plan.rate[0])).toEqual([0, 1, 1, 1, 1]);
    expect(fires(plan.rate[2])).toEqual([0, 0, 1, 0, 1]);
    // ν = 5 negatives per sample; ν = 2.5 alternates 2, 3.
    expect([1, 2, 3, 4].map((k) => negativesAt(k, 5))).toEqual([5, 5, 5, 5]);
    expect([1, 2, 3, 4].map((k) => negativesAt(k, Math.fround(2.5)))).toEqual([2, 3, 2, 3]);
  });

  it('draws negative samples from a fixed hash: known values, in range, and spread evenly over the vertices', () => {
    expect(mix32(0)).toBe(0);
    // lowbias32 by an independent implementation (Python integers, masked to 32 bits).
    expect(mix32(1)).toBe(0x688990c0);
    expect(mix32(0xdeadbeef)).toBe(0xe628c683);
    const counts = new Array(10).fill(0);
    for (let p = 0; p < 200; p++) for (let s = 0; s < 50; s++) counts[negativeTarget(edgeKey(epochKey(123, 7), p), s, 10)]++;
    // 10,000 draws over 10 vertices: each count within 5 standard errors (√(10⁴·0.1·0.9) = 30) of 1,000.
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  it('fuzzySimplicialSet refuses null, infinite, unsorted or repeated kNN entries (N7)', () => {
    const c = knnOf(fx.cases[0]);
    expect(() => fuzzySimplicialSet(null as never)).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    const inf = Float32Array.from(c.distances);
    inf[c.k - 1] = Number.POSITIVE_INFINITY;
    expect(() => fuzzySimplicialSet({ ...c, distances: inf })).toThrow(expect.objectContaining({ code: 'NON_FINITE' }));
    const unsorted = Float32Array.from(c.distances);
    unsorted[0] = unsorted[c.k - 1] + 1;
    expect(() => fuzzySimplicialSet({ ...c, distances: unsorted })).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
    const dup = Int32Array.from(c.indices);
    dup[1] = dup[0];
    expect(() => fuzzySimplicialSet({ ...c, indices: dup })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
  });
});
