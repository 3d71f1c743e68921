import { describe, test, expect } from 'vitest';
import {
  createEngine,
  InvalidInputError,
  BufferLimitError,
  EmgpuError,
  gaussianMixture,
  highlyVariableGenes,
  kmeans,
  negativeBinomialMixture,
  normalizeTotal,
  pca,
  predict,
  preprocess,
  qcMetrics,
  scaleData,
  selectK,
  softKMeans,
  transform,
} from '../../src/index.js';
import { planChunks } from '../../src/gpu/dataset.js';

const cpu = await createEngine({ backend: 'reference' });

async function expectCode(p: Promise<unknown>, code: string, words: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EmgpuError);
  expect((err as EmgpuError).code).toBe(code);
  expect((err as Error).message).toMatch(words);
}

describe('bad input raises a typed error naming cause and fix, and leaves the input unchanged', () => {
  test('NaN and Infinity are rejected with their position', async () => {
    const data = new Float64Array([1, 2, 3, NaN, 5, 6]);
    const copy = data.slice();
    await expectCode(kmeans({ data, n: 3, d: 2 }, { k: 2, engine: cpu }), 'NON_FINITE', /NaN at sample 1, feature 1.*impute/);
    await expectCode(
      kmeans(
        [
          [1, 2],
          [Infinity, 0],
        ],
        { k: 1, engine: cpu },
      ),
      'NON_FINITE',
      /Infinity at sample 1, feature 0/,
    );
    expect(Array.from(data)).toEqual(Array.from(copy));
  });

  test('k larger than n, k of zero and fractional k are rejected', async () => {
    const rows = [
      [0, 0],
      [1, 1],
      [2, 2],
    ];
    await expectCode(kmeans(rows, { k: 4, engine: cpu }), 'K_TOO_LARGE', /n_samples=3 should be >= k=4/);
    await expectCode(kmeans(rows, { k: 0, engine: cpu }), 'BAD_OPTION', /k=0 is not a positive integer/);
    await expectCode(kmeans(rows, { k: 1.5, engine: cpu }), 'BAD_OPTION', /positive integer/);
    expect(rows).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
  });

  test('empty and ragged data are rejected', async () => {
    await expectCode(kmeans([], { k: 1, engine: cpu }), 'EMPTY_DATA', /empty/);
    await expectCode(kmeans([[]], { k: 1, engine: cpu }), 'EMPTY_DATA', /empty/);
    await expectCode(kmeans({ data: new Float32Array(0), n: 0, d: 3 }, { k: 1, engine: cpu }), 'EMPTY_DATA', /empty/);
    await expectCode(kmeans([[1, 2], [3]], { k: 1, engine: cpu }), 'RAGGED_DATA', /row 1 has 1 values but row 0 has 2/);
    await expectCode(
      kmeans({ data: new Float32Array(5), n: 2, d: 3 }, { k: 1, engine: cpu }),
      'SHAPE_MISMATCH',
      /length 5 but n\*d = 2\*3 = 6/,
    );
  });

  test('initial centroids and new data must match the dimension', async () => {
    const rows = [
      [0, 0],
      [1, 1],
      [2, 2],
    ];
    await expectCode(
      kmeans(rows, {
        k: 2,
        init: [
          [0, 0, 0],
          [1, 1, 1],
        ],
        engine: cpu,
      }),
      'DIMENSION_MISMATCH',
      /init has 3 features but the data has 2/,
    );
    await expectCode(kmeans(rows, { k: 2, init: [[0, 0]], engine: cpu }), 'SHAPE_MISMATCH', /1 rows but k=2/);
    await expectCode(
      predict({ centroids: [[0, 0]] }, [[1, 2, 3]], { engine: cpu }),
      'DIMENSION_MISMATCH',
      /X has 3 features, but the model was fitted on 2/,
    );
  });

  test('options out of range are rejected', async () => {
    const rows = [[0], [1], [2]];
    await expectCode(kmeans(rows, { k: 2, maxIter: 0, engine: cpu }), 'BAD_OPTION', /maxIter=0/);
    await expectCode(kmeans(rows, { k: 2, tol: -1, engine: cpu }), 'BAD_OPTION', /tol=-1/);
    await expectCode(kmeans(rows, { k: 2, init: 'kmeans||' as 'random', engine: cpu }), 'BAD_OPTION', /init='kmeans\|\|'/);
    await expectCode(softKMeans(rows, { k: 2, beta: 0, engine: cpu }), 'BAD_OPTION', /beta=0/);
    await expectCode(createEngine({ backend: 'cuda' as 'cpu' }), 'BAD_OPTION', /backend='cuda'/);
    // Unknown engine options are refused by name, not ignored.
    await expectCode(
      createEngine({ backend: 'reference', thread: 2 } as never),
      'UNKNOWN_OPTION',
      /createEngine: unknown option 'thread'\. Did you mean 'threads'\?/,
    );
    await expectCode(createEngine({ backend: 'reference', max_chunk_rows: 8 } as never), 'UNKNOWN_OPTION', /Did you mean 'maxChunkRows'\?/);
  });

  test('errors are InvalidInputError instances with a stable code', async () => {
    const err = await kmeans([[1]], { k: 2, engine: cpu }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).name).toBe('InvalidInputError');
  });

  test('a row wider than one storage binding is a BufferLimitError, and chunks fit the binding', () => {
    const limits = { maxStorageBufferBindingSize: 1 << 20, maxBufferSize: 1 << 30 } as GPUSupportedLimits;
    expect(() => planChunks(10, 300_000, limits, {})).toThrow(BufferLimitError);
    expect(() => planChunks(10, 300_000, limits, {})).toThrow(/exceeds the device's storage binding limit.*PCA/);
    const plan = planChunks(100_000, 50, limits, {});
    expect(plan.chunkRows * 50 * 4).toBeLessThanOrEqual(1 << 20);
    // Each row's sample weight shares the chunk's binding with its d values.
    expect(plan.chunkRows * 51 * 4).toBeLessThanOrEqual(1 << 20);
    expect(plan.chunkRows % plan.segRows).toBe(0);
    // Responsibilities (k wide) bound the chunk when k > d.
    expect(planChunks(100_000, 4, limits, { rowWidth: 64 }).chunkRows * 64 * 4).toBeLessThanOrEqual(1 << 20);
  });

  test('a destroyed engine refuses work', async () => {
    const e = await createEngine({ backend: 'reference' });
    e.destroy();
    await expectCode(kmeans([[1]], { k: 1, engine: e }), 'ENGINE_DESTROYED', /createEngine/);
  });

  test('a destroyed engine is refused by every public entry point that takes one, single-cell stages included', async () => {
    const e = await createEngine({ backend: 'reference' });
    e.destroy();
    const X = [
      [0, 1],
      [1, 0],
      [2, 2],
    ];
    const csr = { n: 3, d: 2, indptr: [0, 1, 2, 4], indices: [1, 0, 0, 1], values: [1, 1, 2, 2] };
    const calls: [string, () => Promise<unknown>][] = [
      ['kmeans', () => kmeans(X, { k: 1, engine: e })],
      ['softKMeans', () => softKMeans(X, { k: 1, engine: e })],
      ['gaussianMixture', () => gaussianMixture(X, { nInit: 1, k: 1, engine: e })],
      ['selectK', () => selectK(X, { model: 'kmeans', ks: [1], engine: e })],
      ['predict', () => predict({ centroids: [[0, 0]] }, X, { engine: e })],
      ['transform', () => transform({ centroids: [[0, 0]] }, X, { engine: e })],
      ['negativeBinomialMixture', () => negativeBinomialMixture(csr, { nInit: 1, k: 1, engine: e })],
      ['qcMetrics', () => qcMetrics(csr, { engine: e })],
      ['normalizeTotal', () => normalizeTotal(csr, { engine: e })],
      ['highlyVariableGenes', () => highlyVariableGenes(csr, { flavor: 'seurat', nTopGenes: 1, engine: e })],
      ['scaleData', () => scaleData(csr, { engine: e })],
      ['pca', () => pca({ n: 3, d: 2, data: X.flat() }, { nComps: 1, engine: e })],
      ['preprocess', () => preprocess(csr, { engine: e })],
    ];
    for (const [name, call] of calls) {
      const err = await call().then(
        () => null,
        (x: unknown) => x,
      );
      expect((err as EmgpuError | null)?.code, name).toBe('ENGINE_DESTROYED');
    }
  });

  test('gaussianMixture without an options object raises BAD_OPTION, as kmeans does, not a TypeError', async () => {
    await expectCode(gaussianMixture([[1], [2]], undefined as never), 'BAD_OPTION', /Options are missing/);
    await expectCode(kmeans([[1], [2]], undefined as never), 'BAD_OPTION', /Options are missing/);
  });
});
