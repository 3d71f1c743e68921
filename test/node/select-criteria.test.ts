import { describe, test, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  createEngine,
  chooseK,
  gapChoice,
  gapValue,
  gaussianMixture,
  gmmParameters,
  icl,
  information,
  kmeans,
  nbParameters,
  negativeBinomialMixture,
  posteriorTerms,
  selectK,
  silhouetteOfRows,
  xmeansInformation,
  clusterScatter,
  kmeansInformation,
  subsampleRows,
} from '../../src/index.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { Rng } from '../../src/core/rng.js';
import { F64_RTOL } from '../tolerance.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/select/silhouette.json', import.meta.url), 'utf8')) as {
  n: number;
  d: number;
  data: number[];
  labels: number[];
  score: number;
  subset: number[];
  subsetScore: number;
};

/** A result as plain data, without the wall-clock fields (the only ones two identical fits may differ in). */
function bits(r: object): unknown {
  return JSON.parse(JSON.stringify(r, (key, v) => (key === 'timings' || key === 'elapsedMs' || key === 'timeMs' ? undefined : v)));
}

describe('information criteria solved by hand', () => {
  test('free-parameter counts follow scikit-learn _n_parameters for every covariance type, and the NB mixture', () => {
    // k = 2, d = 3: means 6, weights 1; covariances full 2·6, tied 6, diag 2·3, spherical 2.
    expect(gmmParameters('full', 2, 3)).toBe(12 + 6 + 1);
    expect(gmmParameters('tied', 2, 3)).toBe(6 + 6 + 1);
    expect(gmmParameters('diag', 2, 3)).toBe(6 + 6 + 1);
    expect(gmmParameters('spherical', 2, 3)).toBe(2 + 6 + 1);
    // k = 3, d = 4: means 12, weights 2; dispersions 4, 1 or 0.
    expect(nbParameters(3, 4, 'per-gene')).toBe(18);
    expect(nbParameters(3, 4, 'shared')).toBe(15);
    expect(nbParameters(3, 4, 'fixed')).toBe(14);
  });

  test('BIC, AIC and mclust ICL of a two-row posterior', () => {
    const { bic, aic } = information(-10, 3, 8);
    expect(bic).toBeCloseTo(20 + 3 * Math.log(8), 12);
    expect(aic).toBe(26);
    const z = [
      [0.9, 0.1],
      [0.2, 0.8],
    ];
    const t = posteriorTerms(z);
    expect(t.mapLog).toBeCloseTo(Math.log(0.9) + Math.log(0.8), 14);
    expect(t.entropy).toBeCloseTo(-(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1) + 0.2 * Math.log(0.2) + 0.8 * Math.log(0.8)), 14);
    expect(icl(bic, t.mapLog)).toBeCloseTo(20 + 3 * Math.log(8) - 2 * (Math.log(0.9) + Math.log(0.8)), 12);
    // Weights count rows: weight 2 on the first row doubles its terms.
    expect(posteriorTerms(z, [2, 1]).mapLog).toBeCloseTo(2 * Math.log(0.9) + Math.log(0.8), 14);
  });

  test('the X-means BIC gives each cluster its own variance', () => {
    // 1-D clusters {0, 2} (mean 1, RSS 2, σ² 1) and {10, 14} (mean 12, RSS 8, σ² 4); n = 4.
    const x = [0, 2, 10, 14];
    const { rss, sizes } = clusterScatter(x, 4, 1, [0, 0, 1, 1], [[1], [12]]);
    expect(rss).toEqual([2, 8]);
    expect(sizes).toEqual([2, 2]);
    const { logLikelihood, p } = xmeansInformation(rss, sizes, 1);
    const want = 4 * Math.log(0.5) - (Math.log(2 * Math.PI) + 1) - (Math.log(8 * Math.PI) + 1);
    expect(logLikelihood).toBeCloseTo(want, 12);
    expect(p).toBe(2 + 2 + 1);
  });

  test('the gap statistic and Tibshirani’s one-standard-error rule, by hand', () => {
    const g = gapValue(0.5, [1, 2, 3]);
    expect(g.gap).toBeCloseTo(1.5, 14);
    expect(g.se).toBeCloseTo(Math.sqrt(2 / 3) * Math.sqrt(4 / 3), 14);
    // k=1: 0.1 < 0.5 − 0.1; k=2: 0.5 ≥ 0.45 − 0.1 → 2.
    expect(gapChoice([1, 2, 3, 4], [0.1, 0.5, 0.45, 0.6], [0.1, 0.1, 0.1, 0.1])).toBe(2);
    // No k qualifies: the largest gap.
    expect(gapChoice([1, 2, 3], [0.1, 0.5, 0.9], [0, 0, 0])).toBe(3);
  });

  test('the silhouette equals scikit-learn silhouette_score, on all rows and on a subset', () => {
    const all = Array.from({ length: fixture.n }, (_, i) => i);
    const s = silhouetteOfRows(fixture.data, fixture.d, fixture.labels, all);
    expect(Math.abs(s - fixture.score)).toBeLessThanOrEqual(F64_RTOL * Math.abs(fixture.score));
    const sub = silhouetteOfRows(fixture.data, fixture.d, fixture.labels, fixture.subset);
    expect(Math.abs(sub - fixture.subsetScore)).toBeLessThanOrEqual(F64_RTOL * Math.abs(fixture.subsetScore));
    expect(Number.isNaN(silhouetteOfRows(fixture.data, fixture.d, fixture.labels, [1, 2, 3]))).toBe(true);
  });
});

/** Counts of three planted NB-like groups (Poisson around distinct gene profiles), 90 cells × 6 genes. */
function plantedCounts(): { data: Float64Array; n: number; d: number } {
  const rng = new Rng(3);
  const profiles = [
    [20, 2, 2, 8, 1, 5],
    [2, 20, 2, 1, 8, 5],
    [2, 2, 20, 8, 8, 1],
  ];
  const n = 90;
  const d = 6;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const scale = 0.7 + 0.6 * rng.uniform();
    for (let g = 0; g < d; g++) {
      // Poisson by inversion (small means).
      const mu = profiles[i % 3][g] * scale;
      let x = 0;
      let p = Math.exp(-mu);
      let c = p;
      const u = rng.uniform();
      while (u > c && x < 200) {
        x++;
        p *= mu / x;
        c += p;
      }
      data[i * d + g] = x;
    }
  }
  return { data, n, d };
}

describe('selectK returns the chosen fit', () => {
  test('k-means: best has the bits of a direct fit at bestK, and the gap statistic finds the planted k', async () => {
    const engine = await createEngine({ backend: 'reference' });
    const b = makeBlobs(400, 3, 4, 5, { std: 0.6, spread: 9 });
    const X = { data: b.data, n: b.n, d: b.d };
    const fit = { seed: 4, nInit: 2 };
    const seen = new Map<number, unknown>();
    const r = await selectK(X, {
      engine,
      model: 'kmeans',
      ks: [1, 2, 3, 4, 5, 6],
      criterion: 'gap',
      criteria: ['silhouette'],
      fit,
      onK: (row, f) => seen.set(row.k, f),
    });
    expect(r.bestK).toBe(4);
    expect(seen.get(4)).toBe(r.best);
    expect(r.best.k).toBe(4);
    expect(bits(r.best)).toEqual(bits(await kmeans(X, { ...fit, k: 4, engine })));
    expect(r.rows.every((row) => row.gap !== undefined && row.xmeansBic !== undefined && row.icl === row.bic)).toBe(true);
    expect(chooseK(r.rows, 'silhouette', 'kmeans')).toBe(4);
    expect(chooseK(r.rows, 'xmeans', 'kmeans')).toBe(4);
  });

  test('every GMM covariance type: the rows count its parameters and best is the direct fit', async () => {
    const engine = await createEngine({ backend: 'reference' });
    const b = makeBlobs(300, 2, 3, 8, { std: 0.5, spread: 8 });
    const X = { data: b.data, n: b.n, d: b.d };
    for (const covariance of ['full', 'tied', 'diag', 'spherical'] as const) {
      const fit = { covariance, seed: 1 };
      const r = await selectK(X, { engine, model: 'gmm', ks: [2, 3, 4], criterion: 'icl', fit });
      expect(r.bestK, covariance).toBe(3);
      const direct = await gaussianMixture(X, { ...fit, k: 3, engine });
      expect(bits(r.best), covariance).toEqual(bits(direct));
      const row = r.rows[1];
      expect(row.nParameters).toBe(gmmParameters(covariance, 3, 2));
      // ICL from the direct fit's own posterior.
      const z = await direct.predictProba(X);
      const mapLog = z.reduce((a, zi) => a + Math.log(Math.max(...zi)), 0);
      expect(Math.abs(row.icl! - (row.bic - 2 * mapLog))).toBeLessThanOrEqual(F64_RTOL * Math.abs(row.icl!));
    }
  });

  test('the NB mixture on counts: BIC with its parameter count finds the planted k; best is the direct fit', async () => {
    const engine = await createEngine({ backend: 'reference' });
    const C = plantedCounts();
    const fit = { seed: 2 };
    const r = await selectK(C, { engine, model: 'nb', ks: [1, 2, 3, 4, 5], criteria: ['silhouette', 'stability'], fit });
    expect(r.criterion).toBe('bic');
    expect(r.bestK).toBe(3);
    const direct = await negativeBinomialMixture(C, { ...fit, k: 3, engine });
    expect(bits(r.best)).toEqual(bits(direct));
    expect('responsibilities' in r.best).toBe(false);
    const row = r.rows.find((x) => x.k === 3)!;
    expect(row.nParameters).toBe(nbParameters(3, 6, 'per-gene'));
    expect(row.bic).toBeCloseTo(-2 * direct.logLikelihood + nbParameters(3, 6, 'per-gene') * Math.log(90), 6);
    expect(row.stability).toBeGreaterThan(0.95);
    expect(chooseK(r.rows, 'silhouette', 'nb')).toBe(3);
  });

  test('unknown criteria, criteria of another model and bad sub-options are refused', async () => {
    const engine = await createEngine({ backend: 'reference' });
    const b = makeBlobs(60, 2, 2, 1);
    const X = { data: b.data, n: b.n, d: b.d };
    const bad = [
      { criterion: 'dic' },
      { model: 'gmm', criterion: 'gap' },
      { model: 'nb', criterion: 'xmeans' },
      { criteria: ['bic', 'nope'] },
      { criteria: 'silhouette' },
      { model: 'lda' },
      { silhouette: { sampleSze: 10 } },
      { stability: { fraction: 1.5 } },
      { gap: { nRefs: 0 } },
    ];
    for (const o of bad) {
      const code = 'silhouette' in o ? 'UNKNOWN_OPTION' : 'BAD_OPTION';
      await expect(selectK(X, { engine, ks: [2], ...(o as object) }), JSON.stringify(o)).rejects.toMatchObject({ code });
    }
    expect(() => chooseK([], 'bic', 'gmm')).toThrow(/no rows/);
    const r = await selectK(X, { engine, model: 'gmm', ks: [2, 3], fit: { seed: 0 } });
    expect(() => chooseK(r.rows, 'silhouette', 'gmm')).toThrow(/criteria: \['silhouette'\]/);
  });
});

describe('the exported selection helpers refuse bad arguments with typed errors', () => {
  const X = [
    [0, 0],
    [0, 1],
    [5, 5],
    [5, 6],
  ];
  const cases: [string, () => unknown, string][] = [
    ['information(NaN, 3, 10)', () => information(Number.NaN, 3, 10), 'NON_FINITE'],
    ['information(1, 3, 0)', () => information(1, 3, 0), 'BAD_OPTION'],
    ['gapValue(1, [])', () => gapValue(1, []), 'BAD_OPTION'],
    ['gapValue(1, [NaN])', () => gapValue(1, [Number.NaN]), 'NON_FINITE'],
    ["gmmParameters('foo', 2, 3)", () => gmmParameters('foo' as never, 2, 3), 'BAD_OPTION'],
    ["gmmParameters('full', 0, 3)", () => gmmParameters('full', 0, 3), 'BAD_OPTION'],
    ["nbParameters(2, 3, 'bar')", () => nbParameters(2, 3, 'bar' as never), 'BAD_OPTION'],
    ['xmeansInformation([], [], 2)', () => xmeansInformation([], [], 2), 'BAD_OPTION'],
    ['xmeansInformation with rss and sizes of different lengths', () => xmeansInformation([1, 2], [3], 2), 'SHAPE_MISMATCH'],
    ['clusterScatter with a label beyond the centers', () => clusterScatter([0, 0, 1, 1], 2, 2, [0, 5], [[0, 0]]), 'BAD_OPTION'],
    ['subsampleRows(NaN, 5, 0)', () => subsampleRows(Number.NaN, 5, 0), 'BAD_OPTION'],
    ['subsampleRows(10, 1, 0) (one row has no silhouette)', () => subsampleRows(10, 1, 0), 'BAD_OPTION'],
    ['subsampleRows(10, 5, -1)', () => subsampleRows(10, 5, -1), 'BAD_OPTION'],
    ['silhouetteOfRows with a row out of range', () => silhouetteOfRows([0, 1, 2], 1, [0, 1, 1], [0, 3]), 'BAD_OPTION'],
    ["chooseK(null, 'bic', 'gmm')", () => chooseK(null as never, 'bic', 'gmm'), 'BAD_OPTION'],
    ['posteriorTerms with a NaN posterior', () => posteriorTerms([[Number.NaN, 1]]), 'NON_FINITE'],
    ['icl with a positive mapLog', () => icl(10, 2), 'BAD_OPTION'],
    ['gapChoice with mismatched lengths', () => gapChoice([2, 3], [1], [0, 0]), 'BAD_OPTION'],
    ['kmeansInformation(10, [5, 6], 10, 2) (sizes sum to 11, not n)', () => kmeansInformation(10, [5, 6], 10, 2), 'SHAPE_MISMATCH'],
  ];
  for (const [what, run, code] of cases) {
    test(`${what} → ${code}`, () => {
      expect(run).toThrow(expect.objectContaining({ code }));
    });
  }

  test('the helpers still give the hand-solved numbers on valid arguments (kmeansInformation sizes summing to n)', () => {
    // Two clusters of 5 in d = 2, inertia 10: σ² = 10/20 = 0.5; log L = −10(log π + 1) + 10 log(1/2).
    const r = kmeansInformation(10, [5, 5], 10, 2);
    expect(r.logLikelihood).toBeCloseTo(-10 * (Math.log(Math.PI) + 1) + 10 * Math.log(0.5), 12);
    expect(r.p).toBe(2 * 2 + 1 + 1);
  });

  const sel: [string, object, RegExp][] = [
    ['gap.nRefs 1e9', { model: 'kmeans', ks: [2], criteria: ['gap'], gap: { nRefs: 1e9 } }, /\[1, 1000\]/],
    ['stability.nBoot 1e9', { model: 'kmeans', ks: [2], criteria: ['stability'], stability: { nBoot: 1e9 } }, /\[1, 1000\]/],
    ['silhouette.sampleSize 1', { model: 'kmeans', ks: [2], criteria: ['silhouette'], silhouette: { sampleSize: 1 } }, /≥ 2/],
    ['silhouette.seed −1', { model: 'kmeans', ks: [2], criteria: ['silhouette'], silhouette: { seed: -1 } }, /≥ 0/],
  ];
  for (const [what, opts, msg] of sel) {
    test(`selectK refuses ${what} at once with BAD_OPTION, naming the bound`, async () => {
      const t0 = performance.now();
      await expect(selectK(X, opts as never)).rejects.toMatchObject({ code: 'BAD_OPTION', message: expect.stringMatching(msg) });
      expect(performance.now() - t0).toBeLessThan(1000);
    });
  }
});
