/**
 * Bad inputs to the negative-binomial mixture fail with typed errors that name the cause and the
 * fix, and inputs are never modified. Validation runs before any backend work, so the CPU engine
 * covers both backends.
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { createEngine, negativeBinomialMixture, predictProba, scoreSamples, InvalidInputError, type Engine } from '../../src/index.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'reference' });
});

async function fails(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidInputError);
  expect((err as InvalidInputError).code).toBe(code);
  expect((err as Error).message).toMatch(message);
}

const good = [
  [1, 0, 3],
  [0, 2, 1],
  [4, 1, 0],
  [2, 2, 2],
];
const csr = () => ({ indptr: [0, 2, 4, 6, 9], indices: [0, 2, 1, 2, 0, 1, 0, 1, 2], values: [1, 3, 2, 1, 4, 1, 2, 2, 2], n: 4, d: 3 });

describe('count validation', () => {
  test('negative, non-integer and non-finite counts', async () => {
    await fails(
      negativeBinomialMixture(
        [
          [1, 0, 3],
          [0, 2, -1],
        ],
        { nInit: 1, k: 1, engine },
      ),
      'BAD_OPTION',
      /negative value \(-1\) at cell 1, gene 2; a negative-binomial mixture needs non-negative integer counts\. Pass raw UMI counts, not normalised or scaled data\./,
    );
    await fails(
      negativeBinomialMixture([[1, 0.5, 3]], { nInit: 1, k: 1, engine }),
      'BAD_OPTION',
      /non-integer value \(0\.5\) at cell 0, gene 1.*raw UMI counts/,
    );
    await fails(
      negativeBinomialMixture({ data: [1, NaN, 3, 4], n: 2, d: 2 }, { nInit: 1, k: 1, engine }),
      'NON_FINITE',
      /NaN at sample 0, feature 1/,
    );
    await fails(
      negativeBinomialMixture({ ...csr(), values: [1, 3, 2, 1, 4, Infinity, 2, 2, 2] }, { nInit: 1, k: 1, engine }),
      'NON_FINITE',
      /Infinity at cell 2, gene 1/,
    );
    await fails(
      negativeBinomialMixture({ ...csr(), values: [1, 3, 2, 1, 4, 1, 2, 2.25, 2] }, { nInit: 1, k: 1, engine }),
      'BAD_OPTION',
      /non-integer value \(2\.25\) at cell 3, gene 1/,
    );
    await fails(negativeBinomialMixture([[1, 2], [3]], { nInit: 1, k: 1, engine }), 'RAGGED_DATA', /ragged/);
    await fails(negativeBinomialMixture([], { nInit: 1, k: 1, engine }), 'EMPTY_DATA', /empty/);
  });

  test('malformed CSR arrays are SHAPE_MISMATCH with the offending entry named', async () => {
    await fails(
      negativeBinomialMixture({ ...csr(), indptr: [0, 2, 4, 6] }, { nInit: 1, k: 1, engine }),
      'SHAPE_MISMATCH',
      /indptr has length 4 but n \+ 1 = 5/,
    );
    await fails(
      negativeBinomialMixture({ ...csr(), indptr: [0, 2, 1, 6, 9] }, { nInit: 1, k: 1, engine }),
      'SHAPE_MISMATCH',
      /not non-decreasing at cell 1/,
    );
    await fails(
      negativeBinomialMixture({ ...csr(), indptr: [1, 2, 4, 6, 9] }, { nInit: 1, k: 1, engine }),
      'SHAPE_MISMATCH',
      /indptr\[0\] is 1/,
    );
    await fails(
      negativeBinomialMixture({ ...csr(), indptr: [0, 2, 4, 6, 8] }, { nInit: 1, k: 1, engine }),
      'SHAPE_MISMATCH',
      /indptr\[n\] is 8 but there are 9 stored entries/,
    );
    await fails(
      negativeBinomialMixture({ ...csr(), indices: [0, 3, 1, 2, 0, 1, 0, 1, 2] }, { nInit: 1, k: 1, engine }),
      'SHAPE_MISMATCH',
      /index 3 at entry 1 \(cell 0\) is outside the gene range \[0, 3\)/,
    );
    await fails(
      negativeBinomialMixture({ ...csr(), values: [1, 3, 2, 1, 4, 1, 2, 2] }, { nInit: 1, k: 1, engine }),
      'SHAPE_MISMATCH',
      /values has length 8 but indices has length 9/,
    );
    await fails(
      negativeBinomialMixture({ ...csr(), indices: [2, 0, 1, 2, 0, 1, 0, 1, 2] }, { nInit: 1, k: 1, engine }),
      'SHAPE_MISMATCH',
      /not sorted \(gene 0 after 2\).*sort_indices/,
    );
    await fails(
      negativeBinomialMixture({ ...csr(), indices: [0, 0, 1, 2, 0, 1, 0, 1, 2] }, { nInit: 1, k: 1, engine }),
      'SHAPE_MISMATCH',
      /cell 0 lists gene 0 twice.*sum_duplicates/,
    );
    await fails(negativeBinomialMixture({ ...csr(), n: 4.5 }, { nInit: 1, k: 1, engine }), 'SHAPE_MISMATCH', /whole numbers/);
  });

  test('options: k, size factors, dispersion, init', async () => {
    await fails(negativeBinomialMixture(good, { nInit: 1, k: 5, engine }), 'K_TOO_LARGE', /n_samples=4 should be >= k=5/);
    await fails(negativeBinomialMixture(good, { nInit: 1, k: 0, engine }), 'BAD_OPTION', /k=0 is not a positive integer/);
    await fails(negativeBinomialMixture(good, { nInit: 1, k: Number.NaN, engine }), 'BAD_OPTION', /k=NaN/);
    await fails(
      negativeBinomialMixture(
        [
          [1, 0],
          [0, 0],
          [2, 3],
          [0, 0],
        ],
        { nInit: 1, k: 1, engine },
      ),
      'EMPTY_DATA',
      /Cell\(s\) 1, 3 have no counts at all.*Filter out empty cells first.*sizeFactors: 'none'/,
    );
    await fails(
      negativeBinomialMixture(good, { nInit: 1, k: 1, engine, sizeFactors: [1, 2] }),
      'SHAPE_MISMATCH',
      /sizeFactors has 2 values but there are 4 cells/,
    );
    await fails(negativeBinomialMixture(good, { nInit: 1, k: 1, engine, sizeFactors: [1, 0, 1, 1] }), 'BAD_OPTION', /sizeFactors\[1\] = 0/);
    await fails(
      negativeBinomialMixture(good, { nInit: 1, k: 1, engine, sizeFactors: 'total' as never }),
      'BAD_OPTION',
      /sizeFactors='total' is not recognised/,
    );
    await fails(
      negativeBinomialMixture(good, { nInit: 1, k: 1, engine, dispersion: 'gene' as never }),
      'BAD_OPTION',
      /dispersion='gene' is not recognised/,
    );
    await fails(negativeBinomialMixture(good, { nInit: 1, k: 1, engine, dispersion: -1 }), 'BAD_OPTION', /dispersion=-1 is outside/);
    await fails(
      negativeBinomialMixture(good, { nInit: 1, k: 2, engine, init: [0, 1, 2, 0] }),
      'BAD_OPTION',
      /init\[2\] = 2 is not a label in 0\.\.1/,
    );
    await fails(
      negativeBinomialMixture(good, { nInit: 1, k: 2, engine, init: [0, 1] }),
      'SHAPE_MISMATCH',
      /init has 2 labels but there are 4 cells/,
    );
    await fails(
      negativeBinomialMixture(good, { nInit: 1, k: 2, engine, init: 'kmeans++' as never }),
      'BAD_OPTION',
      /init='kmeans\+\+' is not recognised/,
    );
    await fails(negativeBinomialMixture(good, { nInit: 1, k: 2, engine, tol: -1 }), 'BAD_OPTION', /tol=-1/);
    await fails(
      negativeBinomialMixture(good, { nInit: 1, k: 2, engine, meanEstimator: 'median' as never }),
      'BAD_OPTION',
      /meanEstimator='median' is not recognised/,
    );
    await fails(negativeBinomialMixture(good, { nInit: 1, k: 2, engine, maxIter: 0 }), 'BAD_OPTION', /maxIter=0/);
  });

  test('scoring new cells checks the model against the counts', async () => {
    const model = await negativeBinomialMixture(good, { nInit: 1, k: 2, engine, init: [0, 1, 0, 1] });
    await fails(predictProba(model, [[1, 2]]), 'DIMENSION_MISMATCH', /2 genes, but the model was fitted on 3/);
    await fails(scoreSamples({ ...model, sizeFactorMode: 'given' }, good), 'BAD_OPTION', /given size factors/);
  });
});

describe('inputs are never modified', () => {
  test('dense rows, flat typed arrays, CSR arrays, size factors and labels are unchanged', async () => {
    const rows = good.map((r) => r.slice());
    const flat = new Float64Array(good.flat());
    const m = csr();
    const before = { indptr: m.indptr.slice(), indices: m.indices.slice(), values: m.values.slice() };
    const sf = [1, 2, 0.5, 1];
    const init = [0, 1, 0, 1];
    await negativeBinomialMixture(rows, { nInit: 1, k: 2, engine, init });
    await negativeBinomialMixture({ data: flat, n: 4, d: 3 }, { nInit: 1, k: 2, engine, sizeFactors: sf });
    const fit = await negativeBinomialMixture(m, { k: 2, engine, init: 'random', nInit: 2 });
    await predictProba(fit, m);
    expect(rows).toEqual(good);
    expect(Array.from(flat)).toEqual(good.flat());
    expect(m).toEqual({ ...before, n: 4, d: 3 });
    expect(sf).toEqual([1, 2, 0.5, 1]);
    expect(init).toEqual([0, 1, 0, 1]);
  });

  test('explicit zeros in CSR are accepted and ignored', async () => {
    const withZeros = {
      indptr: [0, 3, 5, 7, 10],
      indices: [0, 1, 2, 1, 2, 0, 1, 0, 1, 2],
      values: [1, 0, 3, 2, 1, 4, 1, 2, 2, 2],
      n: 4,
      d: 3,
    };
    const a = await negativeBinomialMixture(withZeros, { nInit: 1, k: 2, engine, init: [0, 1, 0, 1] });
    const b = await negativeBinomialMixture(good, { nInit: 1, k: 2, engine, init: [0, 1, 0, 1] });
    expect(a.means).toEqual(b.means);
    expect(a.logLikelihood).toBe(b.logLikelihood);
  });
});
