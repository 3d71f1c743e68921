/**
 * The defects issue 12's fuzzing found on the public API, one test each: non-numbers coerced,
 * unknown option names ignored, untyped errors, garbage at extreme scales, NB counts beyond 2^53,
 * and an abort from a timer seen only after a fit on the float64 reference.
 */
import { describe, expect, test } from 'vitest';
import {
  AbortError,
  adjustedRandIndex,
  confusionMatrix,
  createEngine,
  EmgpuError,
  estimateMemory,
  filterCells,
  filterGenes,
  formatBytes,
  gaussianMixture,
  isOutlier,
  kmeans,
  loess,
  makeBlobs,
  makeUnique,
  mitoMaskFor,
  normalizeTotal,
  preprocess,
  qcMetrics,
  rankGenes,
  Rng,
  sampleGamma,
  sampleNbMixture,
  samplePoisson,
  scaleData,
  subsetCsr,
  transposeCsr,
  negativeBinomialMixture,
  pca,
  predictProba,
  scoreSamples,
  selectK,
  elbow,
  kmeansInformation,
  softKMeans,
  transform,
} from '../../src/index.js';
import { F64_RTOL } from '../tolerance.js';

const ref = await createEngine({ backend: 'reference' });

async function code(p: Promise<unknown> | (() => unknown)): Promise<{ code: string; message: string }> {
  const err = await (typeof p === 'function' ? Promise.resolve().then(p) : p).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EmgpuError);
  return err as EmgpuError;
}

const blobs = makeBlobs(60, 2, 3, 5, { std: 0.5 });
const X: number[][] = Array.from({ length: blobs.n }, (_, i) => [blobs.data[2 * i], blobs.data[2 * i + 1]]);
const times = (rows: number[][], f: number) => rows.map((r) => r.map((v) => v * f));

describe('values that are not numbers are refused with their position, never coerced', () => {
  const cases: [string, unknown, RegExp][] = [
    ['null', null, /null at sample 1, feature 0/],
    ['an empty string', '', /a string \(""\) at sample 1, feature 0/],
    ['a boolean', true, /a boolean \(true\)/],
    ['a nested array', [5], /an array/],
    ['a hex string', '0x10', /"0x10"/],
    ['a Date', new Date(0), /a Date/],
    ['a Symbol', Symbol('x'), /a Symbol/],
  ];
  for (const [what, bad, words] of cases) {
    test(`${what} in number[][] data is NON_NUMERIC, for kmeans, gaussianMixture and negativeBinomialMixture`, async () => {
      const data = [
        [1, 2],
        [bad as number, 3],
        [4, 5],
      ];
      for (const fit of [
        () => kmeans(data, { k: 1, engine: ref }),
        () => gaussianMixture(data, { nInit: 1, k: 1, engine: ref }),
        () => negativeBinomialMixture(data, { nInit: 1, k: 1, engine: ref }),
      ]) {
        const e = await code(fit);
        expect(e.code).toBe('NON_NUMERIC');
        expect(e.message).toMatch(words);
      }
    });
  }

  test('a string as the data, and strings as rows, are refused rather than read as samples', async () => {
    expect((await code(kmeans('1234' as never, { k: 1, engine: ref }))).code).toBe('SHAPE_MISMATCH');
    expect((await code(kmeans(['12', '34'] as never, { k: 1, engine: ref }))).code).toBe('SHAPE_MISMATCH');
  });

  test('a null in a flat { data, n, d }, in sample weights and in scoring input is NON_NUMERIC', async () => {
    const e1 = await code(kmeans({ data: [1, 2, null as never, 4], n: 2, d: 2 }, { k: 1, engine: ref }));
    expect([e1.code, e1.message]).toEqual(['NON_NUMERIC', expect.stringMatching(/sample 1, feature 0/)]);
    const e2 = await code(kmeans(X, { k: 2, sampleWeight: X.map((_, i) => (i === 3 ? (null as never) : 1)), engine: ref }));
    expect([e2.code, e2.message]).toEqual(['NON_NUMERIC', expect.stringMatching(/sampleWeight.*index 3/)]);
    const km = await kmeans(X, { k: 2, engine: ref });
    expect((await code(transform(km, [[1, '' as never]], { engine: ref }))).code).toBe('NON_NUMERIC');
    expect((await code(pca({ data: [1, 2, 3, null as never], n: 2, d: 2 }, { engine: ref }))).code).toMatch(/NON_/);
  });

  test('typed arrays keep their fast path and still refuse NaN with its position', async () => {
    const e = await code(kmeans({ data: Float32Array.of(1, 2, NaN, 4), n: 2, d: 2 }, { k: 1, engine: ref }));
    expect([e.code, e.message]).toEqual(['NON_FINITE', expect.stringMatching(/NaN at sample 1, feature 0/)]);
  });
});

describe('unknown option names are refused with the nearest known name', () => {
  const cases: [string, () => Promise<unknown>, string][] = [
    ['n_init', () => kmeans(X, { k: 2, n_init: 3, engine: ref } as never), 'nInit'],
    ['maxIters', () => gaussianMixture(X, { nInit: 1, k: 2, maxIters: 3, engine: ref } as never), 'maxIter'],
    ['random_state', () => softKMeans(X, { k: 2, random_state: 3, engine: ref } as never), 'seed'],
    ['covariance_type', () => gaussianMixture(X, { nInit: 1, k: 2, covariance_type: 'diag', engine: ref } as never), 'covariance'],
    ['n_clusters', () => negativeBinomialMixture([[1], [2]], { nInit: 1, n_clusters: 2, engine: ref } as never), 'k'],
    ['kss', () => selectK(X, { kss: [2], engine: ref } as never), 'ks'],
    ['n_comps', () => pca({ data: [1, 2, 3, 4], n: 2, d: 2 }, { n_comps: 1, engine: ref } as never), 'nComps'],
  ];
  for (const [name, call, hint] of cases) {
    test(`'${name}' is UNKNOWN_OPTION and suggests '${hint}'`, async () => {
      const e = await code(call());
      expect(e.code).toBe('UNKNOWN_OPTION');
      expect(e.message).toContain(`'${name}'`);
      expect(e.message).toContain(`Did you mean '${hint}'?`);
    });
  }

  test('the engine, backend, signal and callbacks are known names wherever they are accepted', async () => {
    const ctl = new AbortController();
    const r = await kmeans(X, { k: 2, engine: ref, signal: ctl.signal, onIteration: () => {} });
    expect(r.labels).toHaveLength(60);
    const s = await selectK(X, { ks: [2], model: 'kmeans', backend: 'reference', signal: ctl.signal, onK: () => {} });
    expect(s.bestK).toBe(2);
  });
});

describe('options and option values the issue found untyped are typed errors', () => {
  test('null options are BAD_OPTION for softKMeans and selectK', async () => {
    expect((await code(softKMeans(X, null as never))).code).toBe('BAD_OPTION');
    expect((await code(selectK(X, null as never))).code).toBe('BAD_OPTION');
  });

  test("selectK with ks: 3, onK: 'x' or fit: 5 is BAD_OPTION", async () => {
    expect((await code(selectK(X, { ks: 3 as never, engine: ref }))).message).toMatch(/ks=3 is not an array/);
    expect((await code(selectK(X, { ks: [2], onK: 'x' as never, engine: ref }))).message).toMatch(/onK must be a function/);
    expect((await code(selectK(X, { ks: [2], fit: 5 as never, engine: ref }))).code).toBe('BAD_OPTION');
  });

  test('a spherical mixture initialised without covariances is a typed error', async () => {
    const e = await code(
      gaussianMixture(X, { nInit: 1, k: 1, covariance: 'spherical', init: { weights: [1], means: [[0, 0]] } as never, engine: ref }),
    );
    expect(e.code).toBe('DIMENSION_MISMATCH');
  });

  test('prior.normal.scale: NaN, or a negative variance, is BAD_OPTION rather than a NaN fit', async () => {
    for (const scale of [NaN, -1, 0]) {
      const e = await code(gaussianMixture(X, { nInit: 1, k: 1, covariance: 'spherical', prior: { normal: { scale } }, engine: ref }));
      expect(e.code).toBe('BAD_OPTION');
    }
  });

  test('a signal that is not an AbortSignal is BAD_OPTION', async () => {
    expect((await code(kmeans(X, { k: 2, signal: 'stop' as never, engine: ref }))).message).toMatch(/signal must be an AbortSignal/);
  });
});

describe('finite data at any scale gives finite results or a typed error saying why', () => {
  // 2^508 ≈ 8e152: the fits' parameters and objectives are representable, but squared distances
  // between far points (k-means++, E-steps) overflowed before. Dividing by a power of two is exact.
  const S = 2 ** 508;

  test('k-means on data near 1e153 equals k-means on the data itself, scaled back exactly', async () => {
    const a = await kmeans(X, { k: 3, seed: 2, engine: ref });
    const b = await kmeans(times(X, S), { k: 3, seed: 2, engine: ref });
    expect(b.labels).toEqual(a.labels);
    expect(b.centroids).toEqual(times(a.centroids, S));
    expect(b.inertia).toBe(a.inertia * S * S);
    expect(b.history.map((h) => h.objective)).toEqual(a.history.map((h) => h.objective * S * S));
  });

  test('soft k-means and transform near 1e153 equal their unit-scale results scaled back', async () => {
    const a = await softKMeans(X, { k: 3, seed: 2, beta: 2, engine: ref });
    const b = await softKMeans(times(X, S), { k: 3, seed: 2, beta: 2 / S / S, engine: ref });
    expect(b.centroids).toEqual(times(a.centroids, S));
    expect(b.objective).toBe(a.objective * S * S);
    expect(await transform(b, times(X.slice(0, 5), S), { engine: ref })).toEqual(
      times(await transform(a, X.slice(0, 5), { engine: ref }), S),
    );
  });

  for (const covariance of ['full', 'diag', 'spherical', 'tied'] as const) {
    test(`a ${covariance} Gaussian mixture near 1e153 is finite and equals the unit-scale fit mapped back`, async () => {
      // regCovar is absolute (in the data's units): 0 on both sides makes the fits the same model.
      const a = await gaussianMixture(X, { nInit: 1, k: 3, seed: 1, covariance, regCovar: 0, engine: ref });
      const b = await gaussianMixture(times(X, S), { nInit: 1, k: 3, seed: 1, covariance, regCovar: 0, engine: ref });
      expect(b.labels).toEqual(a.labels);
      const close = (x: number, y: number) => expect(Math.abs(x - y)).toBeLessThanOrEqual(F64_RTOL * Math.max(1, Math.abs(y)));
      b.weights.forEach((w, j) => close(w, a.weights[j]));
      b.means.flat().forEach((m, i) => close(m / S, a.means.flat()[i]));
      (b.covariances.flat(2) as number[]).forEach((c, i) => close(c / S / S, (a.covariances.flat(2) as number[])[i]));
      const shift = 2 * Math.log(S);
      close(b.logLikelihood, a.logLikelihood - 60 * shift);
      close(b.lowerBound, a.lowerBound - shift);
      const pa = await predictProba(a, X.slice(0, 6), { engine: ref });
      const pb = await predictProba(b, times(X.slice(0, 6), S), { engine: ref });
      pb.flat().forEach((p, i) => close(p, pa.flat()[i]));
      const la = await scoreSamples(a, X.slice(0, 6), { engine: ref });
      (await scoreSamples(b, times(X.slice(0, 6), S), { engine: ref })).forEach((l, i) => close(l, la[i] - shift));
    });
  }

  test('pca of data near 1e153 has the unit-scale explained-variance ratios, and singular values scaled back', async () => {
    const flat = (rows: number[][]) => ({ data: rows.flat(), n: rows.length, d: rows[0].length });
    const a = await pca(flat(X), { nComps: 2, engine: ref });
    const b = await pca(flat(times(X, S)), { nComps: 2, engine: ref });
    b.explainedVarianceRatio.forEach((v, j) => expect(Math.abs(v - a.explainedVarianceRatio[j])).toBeLessThanOrEqual(F64_RTOL));
    b.singularValues.forEach((v, j) => expect(Math.abs(v / S - a.singularValues[j])).toBeLessThanOrEqual(F64_RTOL * a.singularValues[j]));
  });

  test('data up to ±1e300 fits, or fails with OUT_OF_RANGE when a result cannot be represented', async () => {
    const huge = times(X, 1e300 / 8);
    const g = await gaussianMixture(huge, { nInit: 1, k: 2, covariance: 'diag', engine: ref }).catch((e: EmgpuError) => e);
    // Covariances near 1e600 cannot be represented: a typed error that says so.
    expect((g as EmgpuError).code).toBe('OUT_OF_RANGE');
    const km = await kmeans(huge, { k: 2, engine: ref }).catch((e: EmgpuError) => e);
    expect((km as EmgpuError).code).toBe('OUT_OF_RANGE');
    expect((km as EmgpuError).message).toMatch(/beyond float64's range.*Divide the data/);
  });

  test('predictProba of a row so far away that float64 cannot tell the components apart is OUT_OF_RANGE, never [1, 1, 1]', async () => {
    const g = await gaussianMixture(X, { nInit: 1, k: 3, covariance: 'tied', seed: 1, engine: ref });
    const e = await code(predictProba(g, [[5e149, 5e149]], { engine: ref }));
    expect([e.code, e.message]).toEqual(['OUT_OF_RANGE', expect.stringMatching(/Row 0 .*cannot tell the components apart/)]);
    // Rows at ordinary distances still sum to 1.
    for (const row of await predictProba(g, X.slice(0, 5), { engine: ref }))
      expect(Math.abs(row.reduce((a, b) => a + b) - 1)).toBeLessThan(1e-12);
  });

  test('soft k-means responsibilities sum to 1 even where β·‖x − c‖² is far beyond 2^53 (identical points at 5e39)', async () => {
    const r = await softKMeans(
      Array.from({ length: 8 }, () => [5e39]),
      { k: 3, seed: 83, returnResponsibilities: true, engine: ref },
    );
    for (let i = 0; i < 8; i++)
      expect(Math.abs(r.responsibilities!.slice(3 * i, 3 * i + 3).reduce((a, b) => a + b) - 1)).toBeLessThan(1e-12);
  });

  test('tiny data (1e-200) is fitted at its own scale, not collapsed onto regCovar', async () => {
    const tiny = times(X, 2 ** -700);
    const a = await gaussianMixture(X, { nInit: 1, k: 3, seed: 1, covariance: 'diag', regCovar: 0, engine: ref });
    const b = await gaussianMixture(tiny, { nInit: 1, k: 3, seed: 1, covariance: 'diag', regCovar: 0, engine: ref });
    expect(b.labels).toEqual(a.labels);
  });
});

describe('negative-binomial counts beyond 2^32 are refused', () => {
  test('a count of 1e20 or 1e15 is OUT_OF_RANGE naming its cell and gene; 2^32 still fits with log-likelihood ≤ 0', async () => {
    const counts = [
      [1, 2],
      [2, 3],
      [1e20, 4],
      [3, 1],
    ];
    const e = await code(negativeBinomialMixture(counts, { nInit: 1, k: 2, engine: ref }));
    expect([e.code, e.message]).toEqual(['OUT_OF_RANGE', expect.stringMatching(/cell 2, gene 0.*2\^32/)]);
    counts[2][0] = 1e15;
    expect((await code(negativeBinomialMixture(counts, { nInit: 1, k: 2, engine: ref }))).code).toBe('OUT_OF_RANGE');
    counts[2][0] = 2 ** 32;
    const r = await negativeBinomialMixture(counts, { nInit: 1, k: 2, engine: ref });
    expect(Number.isFinite(r.logLikelihood)).toBe(true);
    expect(r.logLikelihood).toBeLessThanOrEqual(0);
  });
});

describe('an AbortSignal aborted from a timer during a long fit on the float64 reference', () => {
  test('rejects with AbortError within one iteration, for k-means and a Gaussian mixture', async () => {
    const n = 3000;
    const d = 8;
    let s = 99;
    const data = Float64Array.from({ length: n * d }, () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 10);
    for (const fit of [kmeans, gaussianMixture] as const) {
      const ctl = new AbortController();
      let iters = 0;
      let itersAtAbort = -1;
      const err = await (fit as typeof kmeans)(
        { data, n, d },
        {
          k: 16,
          seed: 1,
          maxIter: 500,
          tol: 0,
          engine: ref,
          signal: ctl.signal,
          onIteration: (h) => {
            iters++;
            if (h.iter === 2)
              setTimeout(() => {
                itersAtAbort = iters;
                ctl.abort('stop');
              }, 1);
          },
        },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AbortError);
      expect(itersAtAbort).toBeGreaterThanOrEqual(2);
      expect(iters - itersAtAbort).toBeLessThanOrEqual(1);
    }
  });
});

// The outside fuzz report of main (FUZZ12.md, D1–D13): one case per defect class, each failing before its fix.
describe('the second fuzz report: typed errors and sane results where main crashed, hung or returned garbage', () => {
  const C = { n: 2, d: 3, indptr: [0, 2, 3], indices: [0, 2, 1], values: [1, 2, 3] };
  const expectCode = async (p: Promise<unknown> | (() => unknown), want: string) => expect((await code(p)).code).toBe(want);

  test('D1: an option named like an Object.prototype key is UNKNOWN_OPTION, not a TypeError', async () => {
    await expectCode(kmeans(X, { k: 2, toString: 1 } as never), 'UNKNOWN_OPTION');
    await expectCode(gaussianMixture(X, { k: 2, constructor: 1 } as never), 'UNKNOWN_OPTION');
    await expectCode(kmeans(X, JSON.parse('{"k": 2, "__proto__": 1}')), 'UNKNOWN_OPTION');
  });

  test('D2: k-means on data near 1e-200 (cpu) and 1e-320 (reference) finds the blobs, not one cluster', async () => {
    const a = await kmeans(times(X, 1e-200), { k: 3, seed: 0, backend: 'cpu' });
    const b = await kmeans(times(X, 1e-320), { k: 3, seed: 0, engine: ref });
    expect(adjustedRandIndex(a.labels, blobs.truth)).toBe(1);
    expect(adjustedRandIndex(b.labels, blobs.truth)).toBe(1);
  });

  test('D3: a cpu Gaussian mixture of data near 1e38 and 1e100 with collapsing components is finite', async () => {
    const small = makeBlobs(8, 2, 3, 5);
    const rows = Array.from({ length: 8 }, (_, i) => [small.data[2 * i], small.data[2 * i + 1]]);
    for (const f of [1e38, 1e100]) {
      const g = await gaussianMixture(times(rows, f), { k: 4, covariance: 'diag', seed: 0, backend: 'cpu' });
      expect(g.weights.every(Number.isFinite) && Number.isFinite(g.logLikelihood)).toBe(true);
      expect(Math.abs(g.weights.reduce((x, y) => x + y, 0) - 1)).toBeLessThan(1e-6);
    }
  });

  test('D4: single-cell helpers bound a CSR matrix before allocating (d = 1e9 refused at once) and validate it', async () => {
    const t0 = performance.now();
    await expectCode(qcMetrics({ ...C, d: 1e9 }, { backend: 'cpu' }), 'BUFFER_LIMIT');
    await expectCode(qcMetrics({ ...C, d: 2 ** 33 }, { backend: 'cpu' }), 'BUFFER_LIMIT');
    await expectCode(preprocess({ ...C, d: 1e9 }, { hvg: { flavor: 'nope' as never } }), 'BAD_OPTION');
    await expectCode(() => filterGenes({ ...C, d: 1e9 }), 'BUFFER_LIMIT');
    expect(performance.now() - t0).toBeLessThan(2000);
    await expectCode(() => transposeCsr({ ...C, n: 1e9 }), 'SHAPE_MISMATCH');
    await expectCode(() => transposeCsr({ ...C, values: [1, Number.NaN, 3] }), 'NON_FINITE');
    await expectCode(() => filterGenes(null as never), 'SHAPE_MISMATCH');
    await expectCode(() => subsetCsr(C, [5, -1], null), 'BAD_OPTION');
    await expectCode(() => rankGenes({ ...C, indices: [0, 7, 1] }, [0, 1]), 'SHAPE_MISMATCH');
    await expectCode(() => rankGenes(C, [0, 2 ** 40]), 'BUFFER_LIMIT');
    await expectCode(() => rankGenes(C, [0, 0.5]), 'BAD_OPTION');
  });

  test('D5: the small sc helpers validate their arguments; isOutlier leaves NaN out of the median', async () => {
    const o = isOutlier([1, Number.NaN, 3, 100]);
    expect(o.median).toBe(3);
    expect(Array.from(o.outlier)).toEqual([0, 0, 0, 1]);
    await expectCode(() => isOutlier([1, 2], { nmads: -1 }), 'BAD_OPTION');
    await expectCode(() => isOutlier([1, 2], { type: 'foo' as never }), 'BAD_OPTION');
    await expectCode(() => mitoMaskFor(Number.NaN), 'BAD_OPTION');
    await expectCode(() => filterCells({ n: 3, totalCounts: [1, 2], nGenes: [1, 2, 3], pctMito: [0, 0, 0] } as never), 'SHAPE_MISMATCH');
    await expectCode(() => confusionMatrix(null as never, []), 'SHAPE_MISMATCH');
    const big = loess([1e300, 2e300, 3e300, 4e300, 5e300, 6e300], [1, 2, 3, 4, 5, 6], { span: 1 });
    const unit = loess([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], { span: 1 });
    for (let i = 0; i < 6; i++) expect(big[i]).toBeCloseTo(unit[i], 10);
  });

  test('D6: negative counts and values beyond float32 are OUT_OF_RANGE before the float32 path', async () => {
    await expectCode(normalizeTotal({ ...C, values: [1, -2, 3] }, { engine: ref }), 'OUT_OF_RANGE');
    await expectCode(scaleData({ ...C, values: [1, 1e300, 3] }, { backend: 'cpu' }), 'OUT_OF_RANGE');
    await expectCode(qcMetrics({ ...C, values: [1, 1e39, 3] }, { backend: 'cpu' }), 'OUT_OF_RANGE');
    await expectCode(() => rankGenes({ ...C, values: [1, 1e38, 3] }, [0, 1]), 'OUT_OF_RANGE');
  });

  test('D7: hand-built models are checked for scoring: weights summing to 1, positive definite covariances', async () => {
    const nb = {
      weights: [0, 0],
      means: [
        [1, 2],
        [3, 1],
      ],
      dispersion: [0.1, 0.1],
    };
    await expectCode(predictProba(nb as never, [[3, 1]]), 'BAD_OPTION');
    await expectCode(
      scoreSamples(
        {
          ...nb,
          weights: [0.5, 0.5],
          means: [
            [0, 0],
            [0, 0],
          ],
        } as never,
        [[3, 1]],
      ),
      'OUT_OF_RANGE',
    );
    const g = JSON.parse(JSON.stringify(await gaussianMixture(X, { k: 2, seed: 0, engine: ref })));
    expect((await scoreSamples(g, X.slice(0, 1)))[0]).toBeLessThan(0);
    await expectCode(scoreSamples({ ...g, weights: g.weights.map((w: number) => w * 3) }, X.slice(0, 1)), 'BAD_OPTION');
    await expectCode(scoreSamples({ ...g, weights: [1.5, -0.5] }, X.slice(0, 1)), 'BAD_OPTION');
    await expectCode(
      predictProba(
        {
          ...g,
          covariances: [
            [
              [-1, 0],
              [0, 1],
            ],
            [
              [1, 0],
              [0, 1],
            ],
          ],
        },
        X.slice(0, 1),
      ),
      'BAD_OPTION',
    );
    await expectCode(
      predictProba(
        {
          ...g,
          covariances: [
            [
              [1, 2],
              [2, 1],
            ],
            [
              [1, 0],
              [0, 1],
            ],
          ],
        },
        X.slice(0, 1),
      ),
      'BAD_OPTION',
    );
  });

  test('D11: nInit beyond 1,000 and threads beyond 64 are refused with the bound', async () => {
    for (const fit of [() => kmeans(X, { k: 2, nInit: 1e9 }), () => gaussianMixture(X, { k: 2, nInit: 1e9 })]) {
      expect((await code(fit)).message).toMatch(/nInit=1000000000 is above 1000/);
    }
    expect((await code(createEngine({ backend: 'wasm', threads: 1e6 }).then((e) => kmeans(X, { k: 2, engine: e })))).message).toMatch(/64/);
  });

  test('D12: small utilities refuse what they cannot compute with, typed', async () => {
    await expectCode(() => makeBlobs(1e12, 2, 2, 1), 'BUFFER_LIMIT');
    await expectCode(() => makeBlobs(10, 2, 2, -1), 'BAD_OPTION');
    await expectCode(() => new Rng(Number.NaN), 'BAD_OPTION');
    await expectCode(() => new Rng(-1), 'BAD_OPTION');
    await expectCode(() => estimateMemory(null as never), 'BAD_OPTION');
    await expectCode(() => estimateMemory({ n: 2, d: 2, nnz: 5 }), 'BAD_OPTION');
    await expectCode(() => estimateMemory({ n: 2, d: 2, nnz: 1, bytes: 1 } as never), 'UNKNOWN_OPTION');
    await expectCode(() => makeUnique(['a', null, null] as never), 'BAD_OPTION');
    await expectCode(() => formatBytes(Number.NaN), 'BAD_OPTION');
    await expectCode(() => samplePoisson(new Rng(1), -5), 'BAD_OPTION');
    await expectCode(() => samplePoisson(new Rng(1), Number.POSITIVE_INFINITY), 'BAD_OPTION');
    await expectCode(() => sampleGamma(new Rng(1), Number.NaN), 'BAD_OPTION');
    const noMean = { weights: [1], means: [[5, 5]], dispersion: [0.1, 0.1], library: { logMean: 8, logSd: 0.2 } };
    await expectCode(() => sampleNbMixture(noMean as never, { n: 3, seed: 1 }), 'BAD_OPTION');
    await expectCode(normalizeTotal(C, { log1p: 'yes' as never, engine: ref }), 'BAD_OPTION');
    await expectCode(pca({ data: [1, 2, 3, 4, 5, 7], n: 3, d: 2 }, { seed: -1 }), 'BAD_OPTION');
  });

  test('D12/D13: elbow and kmeansInformation refuse what they cannot score; selectK refuses a repeated k and a fit.k it would ignore', async () => {
    await expectCode(() => elbow(null as never, [1]), 'BAD_OPTION');
    await expectCode(() => elbow([2, 3, 4], [3, Number.NaN, 1]), 'NON_FINITE');
    await expectCode(() => elbow([2, 3, 4], [3, '2', 1] as never), 'NON_FINITE');
    await expectCode(() => kmeansInformation(Number.NaN, [2, 2], 4, 2), 'BAD_OPTION');
    await expectCode(() => kmeansInformation(1, [2, 2], 0, 2), 'BAD_OPTION');
    await expectCode(() => kmeansInformation(1, [2, 2], 4, 0), 'BAD_OPTION');
    expect(elbow([2, 3, 4, 5], [100, 20, 15, 12])).toBe(3);
    await expectCode(selectK(X, { ks: [2, 2], backend: 'reference' }), 'BAD_OPTION');
    await expectCode(selectK(X, { ks: [2, 3], fit: { k: 5 } as never, backend: 'reference' }), 'BAD_OPTION');
  });

  test('D13: null for seed, init or backend is refused, not read as the default', async () => {
    for (const opt of [{ seed: null }, { init: null }, { backend: null }])
      await expectCode(kmeans(X, { k: 2, ...opt } as never), 'BAD_OPTION');
  });
});
