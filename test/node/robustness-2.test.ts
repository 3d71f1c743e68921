/** Leftovers of the outside fuzz (D5, D7, D12): each bad call is a typed error (EmgpuError with a code), and the valid neighbour still works. */
import { describe, expect, test } from 'vitest';
import {
  createEngine,
  engineFor,
  gaussianMixture,
  isOutlier,
  loess,
  makeBlobs,
  mitoMaskFor,
  rankGenes,
  Rng,
  sampleGamma,
  sampleNbMixture,
} from '../../src/index.js';

const typed = (code: string) => expect.objectContaining({ code });

describe('D5: single-cell helpers refuse malformed arguments', () => {
  test('loess(null, …) and loess(…, null) are BAD_OPTION, not a TypeError', () => {
    expect(() => loess(null as never, [1, 2, 3])).toThrow(typed('BAD_OPTION'));
    expect(() => loess([1, 2, 3], null as never)).toThrow(typed('BAD_OPTION'));
  });

  test('rankGenes refuses geneNames whose length is not the number of genes; with the right length the names are used', () => {
    const C = { n: 2, d: 2, indptr: Uint32Array.from([0, 1, 2]), indices: Uint32Array.from([0, 1]), values: Float64Array.from([5, 5]) };
    expect(() => rankGenes(C, [0, 1], { geneNames: ['a'] })).toThrow(typed('SHAPE_MISMATCH'));
    const r = rankGenes(C, [0, 1], { geneNames: ['a', 'b'], nTop: 1 });
    // Cluster 0 expresses only gene 0 ('a'), cluster 1 only gene 1 ('b').
    expect(r[0][0].name).toBe('a');
    expect(r[1][0].name).toBe('b');
  });

  test('mitoMaskFor refuses non-string gene names; string names give the MT- mask', () => {
    expect(() => mitoMaskFor(3, { geneNames: [1, 2, 3] as never })).toThrow(typed('BAD_OPTION'));
    expect(Array.from(mitoMaskFor(3, { geneNames: ['MT-CO1', 'ACTB', 'mt-nd1'] }))).toEqual([1, 0, 1]);
  });

  test('isOutlier([]) is EMPTY_DATA; negative values with log1p: true are BAD_OPTION (not silently NaN)', () => {
    expect(() => isOutlier([])).toThrow(typed('EMPTY_DATA'));
    expect(() => isOutlier([-5, 2, 3, 2.5], { log1p: true })).toThrow(typed('BAD_OPTION'));
    // Without log1p the same values are fine: median 2.25, MAD 1.4826·0.5; −5 lies 7.25 below, beyond 3 MADs.
    const r = isOutlier([-5, 2, 3, 2.5]);
    expect(r.median).toBe(2.25);
    expect(Array.from(r.outlier)).toEqual([1, 0, 0, 0]);
  });
});

describe('D7: a GMM init with a covariance that is not positive definite is refused before fitting', () => {
  const X = makeBlobs(20, 2, 2, 1);
  const init = (cov: number[][]) => ({
    weights: [0.5, 0.5],
    means: [
      [0, 0],
      [1, 1],
    ],
    covariances: [cov, cov],
  });
  test('a negative variance and a covariance beyond the variances are BAD_OPTION; an SPD init fits', async () => {
    const bad = [
      [
        [-1, 0],
        [0, 1],
      ],
      [
        [1, 2],
        [2, 1],
      ],
    ];
    for (const cov of bad) {
      await expect(gaussianMixture(X, { k: 2, covariance: 'full', init: init(cov), backend: 'reference' })).rejects.toMatchObject({
        code: 'BAD_OPTION',
        message: expect.stringMatching(/init covariance of component 0 is not positive definite/),
      });
    }
    const ok = await gaussianMixture(X, {
      k: 2,
      covariance: 'full',
      backend: 'reference',
      init: init([
        [1, 0.5],
        [0.5, 1],
      ]),
    });
    expect(ok.k).toBe(2);
  });
});

describe('D12: samplers, generators and engine options', () => {
  test('sampleNbMixture(null) and sampleGamma(null, 1) are BAD_OPTION', () => {
    expect(() => sampleNbMixture(null as never, { n: 5 })).toThrow(typed('BAD_OPTION'));
    expect(() => sampleGamma(null as never, 1)).toThrow(typed('BAD_OPTION'));
    expect(sampleGamma(new Rng(1), 2)).toBeGreaterThan(0);
  });

  test('makeBlobs refuses a negative std; std 0 puts every point on its centre', () => {
    expect(() => makeBlobs(4, 2, 2, 1, { std: -1 })).toThrow(typed('BAD_OPTION'));
    const b = makeBlobs(4, 2, 2, 1, { std: 0 });
    expect(Array.from(b.data.slice(0, 2))).toEqual(Array.from(b.data.slice(4, 6)));
  });

  test('createEngine refuses maxChunkRows and maxWorkgroupsPerDimension that are not positive integers', async () => {
    for (const o of [
      { maxChunkRows: 0 },
      { maxChunkRows: 1.5 },
      { maxWorkgroupsPerDimension: -1 },
      { maxWorkgroupsPerDimension: Number.NaN },
    ]) {
      await expect(createEngine({ backend: 'reference', ...o })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    }
    const e = await createEngine({ backend: 'reference', maxChunkRows: 64 });
    expect(e.backend).toBe('reference');
    e.destroy();
  });

  test("engineFor('foo'), engineFor(null) and a non-engine engine are BAD_OPTION; engineFor({ backend: 'foo' }) names the known backends", async () => {
    await expect(engineFor('foo' as never)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(engineFor(null as never)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(engineFor({ engine: 3 } as never)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(engineFor({ backend: 'foo' as never })).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringMatching(/'reference'/),
    });
  });
});

describe('third outside fuzz: samplers, the silhouette subsample and the registry refuse bad arguments, typed', () => {
  test('Rng.int, Rng.sample, subsampleRows and the register functions throw EmgpuError with a code', async () => {
    const { Rng: R, registerBackend, registerImplementation, registerAlias, subsampleRows } = await import('../../src/index.js');
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return (e as { code?: string }).code;
      }
      return undefined;
    };
    expect(code(() => new R(0).int(Number.NaN))).toBe('BAD_OPTION');
    expect(code(() => new R(0).sample(5e8, 5e8))).toBe('BUFFER_LIMIT');
    expect(code(() => new R(0).sample(3, 5))).toBe('BAD_OPTION');
    expect(new R(0).sample(10, 3)).toHaveLength(3);
    expect(code(() => subsampleRows(5e8, 5e8, 0))).toBe('BAD_OPTION');
    expect(code(() => subsampleRows(1e12, 5, 0))).toBe('BAD_OPTION');
    expect(subsampleRows(10, 4, 0)).toHaveLength(4);
    expect(code(() => registerBackend('reference', 5 as never))).toBe('BAD_OPTION');
    expect(code(() => registerImplementation('kmeans', 'reference', 5 as never))).toBe('BAD_OPTION');
    expect(code(() => registerImplementation(null as never, null as never, null))).toBe('BAD_OPTION');
    expect(code(() => registerAlias(null as never, null as never))).toBe('BAD_OPTION');
  });
});
