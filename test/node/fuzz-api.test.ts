/**
 * Property-based fuzzing of every public function that takes data or options (loaders are fuzzed
 * in fuzz-loaders.test.ts): over 1,000 generated calls per run, seeded, each bounded in time.
 * Every call must throw a typed EmgpuError or return a sane result (finite numbers, labels in
 * range, probabilities summing to 1, NB log-likelihoods ≤ 0), leave its arguments unchanged and
 * print nothing (test/helpers/fuzz-api.ts).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import {
  adjustedRandIndex,
  createEngine,
  gaussianMixture,
  isOutlier,
  kmeans,
  loess,
  makeBlobs,
  negativeBinomialMixture,
  normalizedMutualInfo,
  filterGenes,
  highlyVariableGenes,
  normalizeTotal,
  pca,
  predict,
  preprocess,
  qcMetrics,
  rankGenes,
  subsetCsr,
  transposeCsr,
  scaleData,
  predictProba,
  scoreSamples,
  selectK,
  softKMeans,
  transform,
  type Engine,
  type GaussianMixtureResult,
  type KMeansResult,
  type NegativeBinomialMixtureResult,
} from '../../src/index.js';
import { simulateNbMixture, toCsr } from '../nbmm-sim.js';
import { F64_RTOL } from '../tolerance.js';
import {
  badValue,
  counter,
  damagedCsr,
  dataInput,
  finite,
  finiteRows,
  labelsIn,
  options,
  probabilityRows,
  rowsAt,
  typedOrSane,
} from '../helpers/fuzz-api.js';

const ref = await createEngine({ backend: 'reference' });
// Seeded (FUZZ_SEED shifts every seed, to explore beyond the committed runs); endOnFailure keeps a failure's report fast.
const SEED = Number(process.env.FUZZ_SEED ?? 0);
const run = (seed: number, numRuns: number) => ({ seed: seed + SEED, numRuns, endOnFailure: true });
// Probabilities are normalised in float64 on this backend: they sum to 1 to rounding.
const PROB_ATOL = 1e3 * F64_RTOL;

const smallInt = (max: number) => fc.integer({ min: 1, max });
const fitFields = {
  nInit: fc.oneof(smallInt(2), fc.constant('auto')),
  maxIter: smallInt(15),
  tol: fc.constantFrom(0, 1e-4, 0.1),
  seed: fc.nat(1000),
};

const kmeansOptions = options(
  {
    k: smallInt(4),
    ...fitFields,
    init: fc.constantFrom('k-means++', 'random', 'k-means++', 'random', [[0, 0]]),
    emptyCluster: fc.constantFrom('farthest', 'random'),
    signal: fc.constant(new AbortController().signal),
    onIteration: fc.constant(() => {}),
  },
  ['k'],
);

function saneCentroidFit(r: KMeansResult, k: number): void {
  labelsIn(r.labels, k, r.n);
  finiteRows(r.centroids, 'centroids');
  finite(r.inertia, 'inertia');
  expect(r.inertia).toBeGreaterThanOrEqual(0);
  for (const h of r.history) finite([h.objective, h.shift], 'history');
}

function saneGmm(r: GaussianMixtureResult): void {
  labelsIn(r.labels, r.k, r.n);
  finite(r.weights, 'weights');
  expect(Math.abs(r.weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(PROB_ATOL);
  finiteRows(r.means, 'means');
  finiteRows(r.covariances, 'covariances');
  finiteRows(r.precisionsCholesky, 'precisions');
  finite([r.logLikelihood, r.lowerBound], 'log-likelihood');
  for (const h of r.history) finite([h.objective, h.shift], 'history');
}

function saneNb(r: NegativeBinomialMixtureResult): void {
  labelsIn(r.labels, r.k, r.n);
  finite(r.weights, 'weights');
  finiteRows(r.means, 'means');
  finite(r.logLikelihood, 'log-likelihood');
  expect(r.logLikelihood).toBeLessThanOrEqual(0);
}

describe('every public function answers bad or extreme input with a typed error or a sane result', () => {
  test('kmeans on any data and options', async () => {
    await fc.assert(
      fc.asyncProperty(dataInput(), kmeansOptions, async (data, o) => {
        await typedOrSane(
          'kmeans',
          [data, o],
          () => kmeans(data as number[][], { ...(o as { k: number }), engine: ref }),
          (r) => saneCentroidFit(r, o.k as number),
        );
      }),
      run(1, 170),
    );
  });

  test('softKMeans on any data, stiffness and options', async () => {
    const soft = fc.tuple(kmeansOptions, fc.constantFrom(0.01, 1, 1e6, 1e300), fc.boolean());
    await fc.assert(
      fc.asyncProperty(dataInput(), soft, async (data, [o, beta, resp]) => {
        const opts = { ...(o as { k: number }), beta, returnResponsibilities: resp, engine: ref };
        await typedOrSane(
          'softKMeans',
          [data, o],
          () => softKMeans(data as number[][], opts),
          (r) => {
            saneCentroidFit(r as unknown as KMeansResult, o.k as number);
            finite(r.objective, 'objective');
            if (r.responsibilities) {
              const k = o.k as number;
              probabilityRows(
                Array.from({ length: r.n }, (_, i) => r.responsibilities!.slice(i * k, (i + 1) * k)),
                k,
                PROB_ATOL,
              );
            }
          },
        );
      }),
      run(2, 120),
    );
  });

  test('gaussianMixture of every covariance type on any data and options', async () => {
    const gmmOptions = options(
      {
        k: smallInt(3),
        ...fitFields,
        covariance: fc.constantFrom('full', 'diag', 'spherical', 'tied'),
        init: fc.constantFrom('kmeans', 'k-means++', 'random', 'random-from-data', 'kmeans', { weights: [1], means: [[0]] }),
        regCovar: fc.constantFrom(0, 1e-6, 1),
        prior: fc.constantFrom<unknown>(
          undefined,
          undefined,
          undefined,
          { weightConcentration: 0.5 },
          { normal: true },
          { normal: { scale: NaN } },
        ),
      },
      ['k'],
    );
    await fc.assert(
      fc.asyncProperty(dataInput(), gmmOptions, async (data, o) => {
        await typedOrSane(
          'gaussianMixture',
          [data, o],
          () => gaussianMixture(data as number[][], { nInit: 1, ...(o as { k: number }), engine: ref }),
          saneGmm,
        );
      }),
      run(3, 230),
    );
  });

  test('negativeBinomialMixture on any dense counts and options', async () => {
    const counts = fc
      .tuple(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(3, 100, 1e6, 2 ** 31, 2 ** 32, 1e15, 2 ** 53, 1e20),
        fc.option(fc.tuple(fc.nat(), badValue), { freq: 4 }),
      )
      .chain(([n, d, top, bad]) =>
        fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: d, maxLength: d }), { minLength: n, maxLength: n }).map((rows) => {
          rows[0][0] = top; // one large count
          for (const r of rows) r[d - 1] += 1; // no empty cell
          if (bad) rows[bad[0] % n][bad[0] % d] = bad[1] as number;
          return rows;
        }),
      );
    const nbOptions = options(
      {
        k: smallInt(3),
        ...fitFields,
        dispersion: fc.constantFrom('per-gene', 'shared', 0.5),
        meanEstimator: fc.constantFrom('mle', 'weighted'),
        sizeFactors: fc.constantFrom('library', 'none'),
        init: fc.constantFrom('kmeans', 'random'),
      },
      ['k'],
    );
    await fc.assert(
      fc.asyncProperty(counts, nbOptions, async (data, o) => {
        await typedOrSane(
          'negativeBinomialMixture',
          [data, o],
          () => negativeBinomialMixture(data, { nInit: 1, ...(o as { k: number }), engine: ref }),
          saneNb,
        );
      }),
      run(4, 130),
    );
  });

  test('selectK over k-means and mixtures on any data and options', async () => {
    const selOptions = options({
      model: fc.constantFrom('kmeans', 'gmm'),
      ks: fc.constantFrom([1, 2], [2], [1, 2, 3]),
      criterion: fc.constantFrom('bic', 'aic', 'inertia'),
      fit: fc.constantFrom({ maxIter: 5 }, { seed: 3 }, { covariance: 'diag' }, { n_init: 2 }),
      onK: fc.constant(() => {}),
    });
    await fc.assert(
      fc.asyncProperty(dataInput(6, 2), selOptions, async (data, o) => {
        await typedOrSane(
          'selectK',
          [data, o],
          () => selectK(data as number[][], { ks: [1, 2], ...o, engine: ref }),
          (r) => {
            expect((o.ks as number[] | undefined) ?? [1, 2]).toContain(r.bestK);
            for (const row of r.rows) finite([row.objective, row.logLikelihood, row.bic, row.aic], 'selectK row');
          },
        );
      }),
      run(5, 50),
    );
  });
});

describe('scoring new data with fitted models answers any X with a typed error or a sane result', () => {
  async function fittedModels() {
    const blobs = makeBlobs(40, 2, 3, 7);
    const small: number[][] = Array.from({ length: 40 }, (_, i) => [blobs.data[2 * i], blobs.data[2 * i + 1]]);
    const huge = small.map((r) => r.map((v) => v * 2 ** 500));
    const models: { name: string; model: unknown; k: number; proba: boolean }[] = [];
    for (const [name, data] of [
      ['', small],
      [' at 2^500', huge],
    ] as const) {
      const km = await kmeans(data, { k: 3, engine: ref });
      models.push({ name: `k-means${name}`, model: km, k: 3, proba: false });
      for (const covariance of ['full', 'diag', 'spherical', 'tied'] as const) {
        const g = await gaussianMixture(data, { nInit: 1, k: 3, covariance, engine: ref });
        models.push({ name: `gmm ${covariance}${name}`, model: JSON.parse(JSON.stringify(g)), k: g.k, proba: true });
      }
    }
    const nb = await negativeBinomialMixture(
      small.map((r) => r.map((v) => Math.round(Math.abs(v)) + 1)),
      { nInit: 1, k: 2, engine: ref },
    );
    models.push({ name: 'nb', model: nb, k: 2, proba: true });
    return models;
  }

  test('predict, predictProba, scoreSamples and transform', async () => {
    const models = await fittedModels();
    const which = fc.constantFrom('predict', 'predictProba', 'scoreSamples', 'transform');
    const modelArb = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...models) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          { name: 'bad', model: { centroids: [[null, 1]] }, k: 1, proba: false },
          { name: 'null', model: null, k: 1, proba: false },
        ),
      },
    );
    const opts = fc.constantFrom<unknown>(
      undefined,
      {},
      { engine: ref },
      { engine: ref },
      { backend: 'reference' },
      { n_jobs: 2 },
      null,
      5,
    );
    await fc.assert(
      fc.asyncProperty(
        which,
        modelArb,
        fc.oneof({ weight: 2, arbitrary: rowsAt(6, 2, 2) }, { weight: 1, arbitrary: dataInput(6, 2) }),
        opts,
        async (fn, m, X, o) => {
          const args = [m.model, X, o];
          const isNb = m.name === 'nb';
          // NB scoring takes counts: non-negative integers (anything else is its typed error).
          const call = async (): Promise<unknown> => {
            const model = m.model as never;
            const options = (o ?? undefined) as never;
            if (fn === 'predict') return predict(model, X as never, options);
            if (fn === 'predictProba') return predictProba(model, X as never, options);
            if (fn === 'scoreSamples') return scoreSamples(model, X as never, options);
            return transform(model, X as never, options);
          };
          await typedOrSane(`${fn} (${m.name})`, args, call, (r) => {
            const out = r as number[] | number[][];
            if (fn === 'predict') for (const l of out as number[]) expect(l >= 0 && l < m.k && Number.isInteger(l)).toBe(true);
            if (fn === 'predictProba') probabilityRows(out as number[][], m.k, PROB_ATOL);
            if (fn === 'scoreSamples') {
              finite(out as number[], 'log p(x)');
              if (isNb) for (const v of out as number[]) expect(v).toBeLessThanOrEqual(0);
            }
            if (fn === 'transform') {
              finiteRows(out, 'distances');
              for (const row of out as number[][]) for (const v of row) expect(v).toBeGreaterThanOrEqual(0);
            }
          });
        },
      ),
      run(6, 200),
    );
  });
});

describe('the agreement scores and the dense single-cell helpers answer any input with a typed error or a sane result', () => {
  test('adjustedRandIndex and normalizedMutualInfo of any two labelings', async () => {
    const label = fc.oneof(
      { weight: 30, arbitrary: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('a', 'b')) },
      { weight: 1, arbitrary: badValue },
    );
    // Mostly two labelings of the same samples; sometimes of different lengths, sometimes not arrays.
    const pair = fc
      .integer({ min: 0, max: 12 })
      .chain((n) => fc.tuple(fc.array(label, { minLength: n, maxLength: n }), fc.array(label, { minLength: n, maxLength: n })));
    const odd = fc.tuple(
      fc.oneof(fc.array(label, { maxLength: 5 }), fc.constantFrom<unknown>(null, 'abc', 5, {})),
      fc.array(label, { maxLength: 5 }),
    );
    const arg = fc.oneof({ weight: 9, arbitrary: pair }, { weight: 1, arbitrary: odd });
    await fc.assert(
      fc.asyncProperty(arg, fc.boolean(), async ([a, b], ari) => {
        await typedOrSane(
          ari ? 'adjustedRandIndex' : 'normalizedMutualInfo',
          [a, b],
          () => (ari ? adjustedRandIndex : normalizedMutualInfo)(a as number[], b as number[]),
          (v) => {
            finite(v, 'score');
            expect(v).toBeGreaterThanOrEqual(-1);
            expect(v).toBeLessThanOrEqual(1 + 1e-12);
          },
        );
      }),
      run(7, 100),
    );
  });

  test('pca of any dense matrix', async () => {
    const input = rowsAt(8, 4).map((rows) => ({ data: rows.flat(), n: rows.length, d: rows[0].length }));
    const pcaOptions = options({ nComps: smallInt(3), oversampling: smallInt(5), nIter: fc.constantFrom(1, 'auto'), seed: fc.nat(9) });
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 5, arbitrary: input }, { weight: 1, arbitrary: dataInput(4, 3) }), pcaOptions, async (X, o) => {
        await typedOrSane(
          'pca',
          [X, o],
          () => pca(X as never, { ...o, engine: ref }),
          (r) => {
            finite(r.explainedVarianceRatio, 'explained variance ratio');
          },
        );
      }),
      run(8, 50),
    );
  });

  test('isOutlier and loess on any values', async () => {
    const value = fc.oneof(
      { weight: 40, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
      { weight: 1, arbitrary: badValue },
    );
    const values = fc.array(value, { minLength: 1, maxLength: 12 });
    const outOpts = options({ nmads: fc.constantFrom(1, 3), type: fc.constantFrom('both', 'lower', 'higher'), log1p: fc.boolean() });
    const loessOpts = options({
      span: fc.constantFrom(0.5, 1),
      degree: fc.constantFrom(1, 2),
      surface: fc.constantFrom('direct', 'interpolate'),
    });
    await fc.assert(
      fc.asyncProperty(values, outOpts, loessOpts, fc.boolean(), async (x, oo, lo, outlier) => {
        const y = x.map((v, i) => (typeof v === 'number' ? v * 0.5 + i : v));
        if (outlier) {
          await typedOrSane(
            'isOutlier',
            [x, oo],
            () => isOutlier(x as number[], oo),
            (r) => expect(r.outlier.length).toBe(x.length),
          );
        } else {
          await typedOrSane(
            'loess',
            [x, y, lo],
            () => loess(x as number[], y as number[], lo),
            (r) => expect(r.length).toBe(x.length),
          );
        }
      }),
      run(9, 80),
    );
  });
});

describe('the single-cell stages answer any options with a typed error or a sane result', () => {
  test('qcMetrics, normalizeTotal, scaleData, highlyVariableGenes, preprocess, filterGenes and rankGenes', async () => {
    const sim = simulateNbMixture(30, 12, 2, 3);
    const csr = toCsr(sim.counts, sim.n, sim.d);
    const fns = {
      qcMetrics: [
        () =>
          options({
            geneNames: fc.constant(Array.from({ length: 12 }, (_, g) => (g < 2 ? `MT-${g}` : `G${g}`))),
            mitoPrefixes: fc.constant(['MT-']),
          }),
        (o: object) => qcMetrics(csr, { ...o, engine: ref }),
      ],
      normalizeTotal: [
        () => options({ targetSum: fc.constantFrom(1e4, 1, 1e300), log1p: fc.boolean() }),
        (o: object) => normalizeTotal(csr, { ...o, engine: ref }),
      ],
      scaleData: [
        () => options({ maxValue: fc.constantFrom(10, null, 0.5), genes: fc.constant([0, 1, 2]) }),
        (o: object) => scaleData(csr, { ...o, engine: ref }),
      ],
      highlyVariableGenes: [
        () =>
          options({
            flavor: fc.constantFrom('seurat', 'seurat_v3', 'cell_ranger'),
            nTopGenes: fc.integer({ min: 1, max: 12 }),
            span: fc.constantFrom(0.3, 1),
            nBins: fc.constantFrom(2, 20),
          }),
        (o: object) => highlyVariableGenes(csr, { ...o, engine: ref }),
      ],
      preprocess: [
        () =>
          options({
            cells: fc.constantFrom({ minGenes: 1 }, { mad: true }, { min_genes: 1 }),
            minCells: fc.constantFrom(0, 1, 3),
            hvg: fc.constantFrom({ nTopGenes: 6 }, { flavor: 'seurat' }, { n_top_genes: 6 }),
            pca: fc.constantFrom({ nComps: 3 }, { nComps: 50 }),
            normalize: fc.constantFrom({ targetSum: 1e4 }, { target_sum: 1 }),
          }),
        (o: object) => preprocess(csr, { cells: { minGenes: 1 }, hvg: { nTopGenes: 6 }, pca: { nComps: 3 }, ...o, engine: ref }),
      ],
      filterGenes: [
        () => options({ minCells: fc.constantFrom(0, 2, 100), minCounts: fc.constantFrom(0, 5) }),
        (o: object) => filterGenes(csr, o),
      ],
      rankGenes: [() => options({ nTop: fc.constantFrom(1, 5, 100), logData: fc.boolean() }), (o: object) => rankGenes(csr, sim.truth, o)],
    } as const;
    const cases = fc.oneof(...Object.entries(fns).map(([name, [arb, call]]) => arb().map((o) => ({ name, o, call }))));
    await fc.assert(
      fc.asyncProperty(cases, async ({ name, o, call }) => {
        await typedOrSane(
          name,
          [csr, o],
          () => (call as (o: object) => unknown)(o),
          (r) => expect(r).toBeTruthy(),
        );
      }),
      run(11, 120),
    );
  });
});

describe('the single-cell helpers validate any CSR matrix before allocating (FUZZ12 D4–D6)', () => {
  test('damaged matrices give a typed error at once, valid ones finite results, on every public sc helper', async () => {
    const cpu = await createEngine({ backend: 'wasm', threads: 1 });
    const helpers = {
      qcMetrics: (m: never) => qcMetrics(m, { engine: cpu }),
      normalizeTotal: (m: never) => normalizeTotal(m, { engine: ref }),
      scaleData: (m: never) => scaleData(m, { engine: cpu }),
      filterGenes: (m: never) => filterGenes(m, { minCells: 1 }),
      transposeCsr: (m: never) => transposeCsr(m),
      subsetCsr: (m: never) => subsetCsr(m, [1, 0, 1], null),
      rankGenes: (m: never) => rankGenes(m, [0, 1, 1]),
    };
    const flat = (r: unknown): number[] =>
      r === null || typeof r !== 'object'
        ? typeof r === 'number'
          ? [r]
          : []
        : ArrayBuffer.isView(r)
          ? Array.from(r as unknown as ArrayLike<number>)
          : Object.values(r as object).flatMap(flat);
    await fc.assert(
      fc.asyncProperty(damagedCsr, fc.constantFrom(...(Object.keys(helpers) as (keyof typeof helpers)[])), async ({ damage, m }, name) => {
        const t0 = performance.now();
        await typedOrSane(
          name,
          [m],
          (): unknown => helpers[name](m as never),
          (r) =>
            finite(
              flat(r).filter((v) => v !== null),
              name,
            ),
        );
        // A huge declared n or d is checked in O(1) before anything of that size is allocated (main took 14–19 s).
        if (damage === 'd' || damage === 'n') expect(performance.now() - t0).toBeLessThan(500);
      }),
      run(12, 150),
    );
    cpu.destroy();
  });
});

describe('a slice of the fuzzing runs on the WebAssembly backend', () => {
  let wasm: Engine;
  test('kmeans and gaussianMixture on wasm', async () => {
    wasm = await createEngine({ backend: 'wasm', threads: 1 });
    await fc.assert(
      fc.asyncProperty(dataInput(8, 3), kmeansOptions, fc.boolean(), async (data, o, gmm) => {
        const opts = { ...(o as { k: number }), engine: wasm };
        if (gmm) await typedOrSane('gaussianMixture (wasm)', [data, o], () => gaussianMixture(data as number[][], opts as never), saneGmm);
        else
          await typedOrSane(
            'kmeans (wasm)',
            [data, o],
            () => kmeans(data as number[][], opts),
            (r) => saneCentroidFit(r, o.k as number),
          );
      }),
      run(10, 60),
    );
    wasm.destroy();
  });
});

afterAll(() => {
  // console.info is spied on only inside cases; this summary is the file's one line of output.
  process.env.FUZZ_VERBOSE && console.info(counter);
  // ≥ 1,000 generated calls, and both outcomes well represented.
  expect(counter.cases).toBeGreaterThanOrEqual(1000);
  expect(counter.errors).toBeGreaterThan(100);
  expect(counter.cases - counter.errors).toBeGreaterThan(200);
});
