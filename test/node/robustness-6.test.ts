/**
 * Sixth outside fuzz (FUZZ12e): the single-cell stages, selection helpers, samplers, NB shard
 * parameters, writers and CsrTiler. Each test is a reproducer of what the fuzz found: a hang
 * (CsrTiler tileRows 0, hvg nBins 1e9, pca nIter 1e300), an untyped error, a garbage result
 * (NaN harmony, Infinity counts, NB log-likelihoods shifted by weights summing to 3) or an input
 * accepted and read as something else (NaN gene indices read as column 0, a mask of 2s, '' as a
 * path); and an abort that waited for every candidate start of a mini-batch fit.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  confusionMatrix,
  CsrTiler,
  csrSource,
  EmgpuError,
  elbow,
  filterCells,
  gapChoice,
  harmony,
  highlyVariableGenes,
  loess,
  makeBlobs,
  miniBatchKMeans,
  nbPosteriorStream,
  nbStream,
  normalizedMutualInfo,
  openZarrSource,
  pca,
  posteriorTerms,
  preprocess,
  qcMetrics,
  Rng,
  sampleGamma,
  sampleNbMixture,
  samplePoisson,
  scaleData,
} from '../../src/index.js';
import { writeH5adCsr, writeZarrCsr } from '../../src/node.js';
import type { CsrMatrix } from '../../src/sparse.js';

import { createEngine } from '../../src/engine/engine.js';
import { clbicSpace } from '../../src/select/partition.js';
import { gmmSampleStart, kmeansSampleStart } from '../../src/shard/sample.js';
import type { NbShardParams } from '../../src/shard/types.js';
import { errorCode as code } from '../helpers/error-code.js';

/** Rows [a, b) of a CSR matrix, with its own indptr from 0. */
function rowsOf(m: CsrMatrix, a: number, b: number): CsrMatrix {
  const s = m.indptr[a];
  const e = m.indptr[b];
  return {
    n: b - a,
    d: m.d,
    indptr: Uint32Array.from(Array.from(m.indptr).slice(a, b + 1), (v) => v - s),
    indices: Uint32Array.from(Array.from(m.indices).slice(s, e)),
    values: Float32Array.from(Array.from(m.values).slice(s, e)),
  } as CsrMatrix;
}
const blocks2 = (m: CsrMatrix, half: number) => [rowsOf(m, 0, half), rowsOf(m, half, m.n)];

/** Counts: 40 cells × 12 genes, two groups. */
const C = sampleNbMixture(
  {
    weights: [0.5, 0.5],
    means: [Array(12).fill(2), Array.from({ length: 12 }, (_, g) => (g < 4 ? 20 : 1))],
    dispersion: Array(12).fill(0.3),
  },
  { n: 40, seed: 3 },
);
const counts = () => ({ n: C.n, d: C.d, nnz: C.nnz, indptr: C.indptr, indices: C.indices, values: C.values });
const ref = { backend: 'reference' } as const;

describe('CsrTiler checks its shape and the blocks pushed to it', () => {
  test('a tile of 0, -1 or "2" rows is refused (push looped for ever), and d must be a whole number', () => {
    expect(() => new CsrTiler(0, 4)).toThrow(/tileRows=0/);
    expect(() => new CsrTiler(-1, 4)).toThrow(EmgpuError);
    expect(() => new CsrTiler('2' as never, 4)).toThrow(EmgpuError);
    expect(() => new CsrTiler(2, Number.NaN)).toThrow(/d=NaN/);
  });
  test('null, a column past d or an indptr that goes back is a typed error; a good block still tiles', async () => {
    const blk = {
      n: 3,
      d: 4,
      nnz: 5,
      indptr: new Uint32Array([0, 2, 3, 5]),
      indices: new Uint32Array([0, 2, 1, 0, 3]),
      values: new Float32Array([1, 2, 3, 4, 5]),
    };
    expect(await code(() => new CsrTiler(2, 4).push(null as never))).toBe('SHAPE_MISMATCH');
    expect(await code(() => new CsrTiler(2, 4).push({ ...blk, indices: new Uint32Array([0, 9, 1, 0, 3]) }))).toBe('SHAPE_MISMATCH');
    expect(await code(() => new CsrTiler(2, 4).push({ ...blk, indptr: new Uint32Array([0, 3, 2, 5]) }))).toBe('SHAPE_MISMATCH');
    const t = new CsrTiler(2, 4);
    const tiles = t.push(blk);
    expect(tiles.map((x) => [x.start, x.tile.n, x.tile.nnz])).toEqual([[0, 2, 3]]);
    expect(Array.from(t.flush()!.tile.values)).toEqual([4, 5]);
  });
});

describe('highly variable genes and loess check every option', () => {
  test('nBins 1e9 (allocated and looped) and -1 (RangeError) are refused before any work', async () => {
    expect(await code(highlyVariableGenes(counts(), { ...ref, flavor: 'seurat', nBins: 1e9 }))).toBe('BAD_OPTION');
    expect(await code(highlyVariableGenes(counts(), { ...ref, flavor: 'seurat', nBins: -1 }))).toBe('BAD_OPTION');
  });
  test('span true, loessSurface null-like strings and NaN mean/dispersion cut-offs are refused', async () => {
    expect(await code(highlyVariableGenes(counts(), { ...ref, span: true as never }))).toBe('BAD_OPTION');
    expect(await code(highlyVariableGenes(counts(), { ...ref, loessSurface: 'foo' as never }))).toBe('BAD_OPTION');
    for (const key of ['minMean', 'maxMean', 'minDisp', 'maxDisp'])
      expect(await code(highlyVariableGenes(counts(), { ...ref, flavor: 'seurat', [key]: Number.NaN }))).toBe('BAD_OPTION');
    // ±Infinity stays a valid "no bound".
    const r = await highlyVariableGenes(counts(), { ...ref, flavor: 'seurat', maxDisp: Number.POSITIVE_INFINITY });
    expect(r.genes.length).toBeGreaterThan(0);
  });
  test('negative values are refused, and expm1 overflow in the seurat flavour is NON_FINITE, not Infinity means', async () => {
    const neg = { ...counts(), values: Float32Array.from(C.values, (v, p) => (p === 0 ? -3 : v)) };
    expect(await code(highlyVariableGenes(neg, ref))).toBe('OUT_OF_RANGE');
    const huge = { ...counts(), values: Float64Array.from(C.values, (v) => v * 1e30) };
    expect(await code(highlyVariableGenes(huge, { ...ref, flavor: 'seurat' }))).toBe('NON_FINITE');
  });
  test('loess refuses a cell of NaN and a span of true', () => {
    const x = Array.from({ length: 40 }, (_, i) => i);
    const y = x.map((v) => Math.sin(v / 5));
    expect(() => loess(x, y, { cell: Number.NaN })).toThrow(/cell=NaN/);
    expect(() => loess(x, y, { span: true as never })).toThrow(EmgpuError);
    expect(loess(x, y, { cell: 0.2 }).every(Number.isFinite)).toBe(true);
  });
});

describe('the single-cell stages check what they index with', () => {
  test('pca refuses nIter 1e300 (a loop with no end) and keeps nIter 7', async () => {
    const X = makeBlobs(30, 4, 2, 1);
    expect(await code(pca({ data: X.data, n: 30, d: 4 }, { nComps: 2, nIter: 1e300, ...ref }))).toBe('BAD_OPTION');
    expect((await pca({ data: X.data, n: 30, d: 4 }, { nComps: 2, nIter: 7, ...ref })).nIter).toBe(7);
  });
  test('scaleData refuses gene indices NaN, 1.5 and "a" (they were read as columns 0 and 1)', async () => {
    for (const genes of [[Number.NaN], [1.5], ['a']])
      expect(await code(scaleData(counts(), { ...ref, genes: genes as never }))).toBe('BAD_OPTION');
    expect((await scaleData(counts(), { ...ref, genes: [3, 1] })).genes).toEqual(new Uint32Array([3, 1]));
  });
  test('qcMetrics refuses a mitoMask of 2s or strings (read by truthiness)', async () => {
    expect(await code(qcMetrics(counts(), { ...ref, mitoMask: Array(12).fill(2) }))).toBe('BAD_OPTION');
    expect(await code(qcMetrics(counts(), { ...ref, mitoMask: Array(12).fill('x') as never }))).toBe('BAD_OPTION');
    const q = await qcMetrics(counts(), { ...ref, mitoMask: Array.from({ length: 12 }, (_, g) => (g === 0 ? 1 : 0)) });
    expect(q.mitoGenes).toBe(1);
  });
  test('filterCells refuses mad: 5 (neither a boolean nor an options object)', async () => {
    const q = await qcMetrics(counts(), ref);
    expect(await code(() => filterCells(q, { mad: 5 as never }))).toBe('BAD_OPTION');
    expect(filterCells(q, { mad: true }).nKept).toBeGreaterThan(0);
  });
  test('confusionMatrix refuses objects as true labels (all were one label "[object Object]")', async () => {
    expect(await code(() => confusionMatrix([0, 1], [{}, {}] as never))).toBe('BAD_OPTION');
    expect(confusionMatrix([0, 1, 1], ['a', 'b', null]).counts).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });
});

describe('samplers, harmony and the selection helpers', () => {
  test('samplePoisson and sampleNegativeBinomial refuse a null rng; the samplers refuse strings', async () => {
    expect(await code(() => samplePoisson(null as never, 3))).toBe('BAD_OPTION');
    expect(await code(() => sampleGamma(new Rng(1), '2' as never))).toBe('BAD_OPTION');
    expect(await code(() => samplePoisson(new Rng(1), '2' as never))).toBe('BAD_OPTION');
  });
  test('sampleNbMixture refuses too few gene names, progressEvery NaN, and draws beyond float32 (were Infinity)', async () => {
    const p = { weights: [1], means: [[1, 2, 3]], dispersion: [0.3, 0.3, 0.3] };
    expect(await code(() => sampleNbMixture({ ...p, genes: ['a'] }, { n: 5 }))).toBe('DIMENSION_MISMATCH');
    expect(await code(() => sampleNbMixture(p, { n: 5, progressEvery: Number.NaN }))).toBe('BAD_OPTION');
    expect(await code(() => sampleNbMixture({ ...p, means: [[1e300, 1, 1]] }, { n: 5 }))).toBe('NON_FINITE');
  });
  test('sampleNbMixture refuses a sample past maxBytes at once or as its counts pass the cap (n 1e9 ran for minutes), and the cap does not change the draws', async () => {
    const p = { weights: [1], means: [[1, 2, 3]], dispersion: [0.3, 0.3, 0.3] };
    const t0 = performance.now();
    expect(await code(() => sampleNbMixture(p, { n: 1e9 }))).toBe('BUFFER_LIMIT');
    expect(performance.now() - t0).toBeLessThan(1000);
    // 1000 cells: 9,004 bytes of per-cell arrays, then ≈ 2 counts per cell at 8 bytes each pass 12 kB.
    const err = await code(() => sampleNbMixture(p, { n: 1000, maxBytes: 12_000 }));
    expect(err).toBe('BUFFER_LIMIT');
    expect(await code(() => sampleNbMixture(p, { n: 5, maxBytes: 0 }))).toBe('BAD_OPTION');
    const capped = sampleNbMixture(p, { n: 50, seed: 3, maxBytes: 4096 });
    const free = sampleNbMixture(p, { n: 50, seed: 3 });
    expect(Array.from(capped.values)).toEqual(Array.from(free.values));
    expect(Array.from(capped.indptr)).toEqual(Array.from(free.indptr));
  });
  test('normalizedMutualInfo names a bad average without a TypeError', async () => {
    expect(await code(() => normalizedMutualInfo([0, 1], [0, 1], { toString: 1 } as never))).toBe('BAD_OPTION');
  });
  test('harmony refuses sigma 5e-324 (dist/sigma overflowed: every corrected value NaN)', async () => {
    const X = makeBlobs(40, 3, 2, 2);
    const batch = Array.from({ length: 40 }, (_, i) => (i % 2 ? 'a' : 'b'));
    expect(await code(harmony({ data: X.data, n: 40, d: 3 }, batch, { sigma: 5e-324, nClusters: 2, maxIter: 2, seed: 1, ...ref }))).toBe(
      'BAD_OPTION',
    );
  });
  test('posteriorTerms refuses rows that are not distributions; elbow and gapChoice refuse a repeated k', async () => {
    expect(await code(() => posteriorTerms([[0.9, 0.9]]))).toBe('BAD_OPTION');
    expect(await code(() => posteriorTerms([[1, 0], [1]]))).toBe('BAD_OPTION');
    expect(posteriorTerms([[0.5, 0.5]]).entropy).toBeCloseTo(Math.LN2, 12);
    expect(await code(() => elbow([1, 1, 1], [3, 2, 1]))).toBe('BAD_OPTION');
    expect(await code(() => gapChoice([2, 2], [0.1, 0.2], [0, 0]))).toBe('BAD_OPTION');
    expect(gapChoice([2, 3, 4], [0.1, 0.5, 0.45], [0.05, 0.05, 0.05])).toBe(3);
  });
});

describe('NB shard parameters and nbPosteriorStream', () => {
  test('a fit’s own parameters give its labels and a log-likelihood ≤ 0; bent parameters are refused', async () => {
    const fit = await nbStream(csrSource(counts()), { k: 2, seed: 1, ...ref });
    const post = await nbPosteriorStream(csrSource(counts()), fit.params as NbShardParams, ref);
    expect(post.logLikelihood).toBeLessThanOrEqual(0);
    expect(Array.from(post.labels)).toEqual(Array.from(fit.labels!));
    const p = fit.params as NbShardParams;
    const bent: [string, NbShardParams, string][] = [
      ['weights summing to 3', { ...p, weights: p.weights.map((w) => 3 * w) }, 'BAD_OPTION'],
      ['an unknown key', { ...p, foo: 1 } as never, 'UNKNOWN_OPTION'],
      ['sMin > sMax', { ...p, globals: { ...p.globals, sMin: 5, sMax: 1 } }, 'BAD_OPTION'],
      ['sMin -1', { ...p, globals: { ...p.globals, sMin: -1 } }, 'BAD_OPTION'],
      ['n -1', { ...p, globals: { ...p.globals, n: -1 } }, 'BAD_OPTION'],
      ['sizeFactorMode foo', { ...p, globals: { ...p.globals, sizeFactorMode: 'foo' as never } }, 'BAD_OPTION'],
    ];
    for (const [what, q, want] of bent) expect([what, await code(nbPosteriorStream(csrSource(counts()), q, ref))]).toEqual([what, want]);
    expect(await code(nbPosteriorStream(null as never, p, ref))).toBe('BAD_OPTION');
  });
});

describe('writers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emgpu-r6-'));
  const genes = Array.from({ length: 12 }, (_, j) => `g${j}`);
  test("writeZarrCsr refuses '' (it wrote the store into the working directory) and null", async () => {
    expect(await code(writeZarrCsr('', { n: C.n, d: C.d, blocks: [counts()], genes }))).toBe('BAD_OPTION');
    expect(await code(writeZarrCsr(null as never, { n: C.n, d: C.d, blocks: [counts()], genes }))).toBe('BAD_OPTION');
  });
  test('both writers refuse names that are not strings', async () => {
    const nums = Array(12).fill(1) as never;
    expect(await code(writeZarrCsr(join(dir, 'a.zarr'), { n: C.n, d: C.d, blocks: [counts()], genes: nums }))).toBe('BAD_OPTION');
    expect(await code(writeH5adCsr(join(dir, 'a.h5ad'), { n: C.n, d: C.d, blocks: [counts()], genes: nums }))).toBe('BAD_OPTION');
    expect(existsSync(join(dir, 'a.zarr'))).toBe(false);
  });
  test('writeZarrCsr takes a signal: an abort between blocks stops the write (AbortError) and leaves a store the readers refuse', async () => {
    const ac = new AbortController();
    const half = Math.floor(C.n / 2);
    const whole = counts();
    const blocks = function* () {
      yield rowsOf(whole, 0, half);
      ac.abort();
      yield rowsOf(whole, half, C.n);
    };
    const path = join(dir, 'aborted.zarr');
    expect(await code(writeZarrCsr(path, { n: C.n, d: C.d, blocks: blocks(), genes, signal: ac.signal }))).toBe('ABORTED');
    expect(await code(openZarrSource(path))).not.toBe('accepted');
    expect(await code(writeZarrCsr(join(dir, 'b.zarr'), { n: C.n, d: C.d, blocks: [whole], genes, signal: 'x' as never }))).toBe(
      'BAD_OPTION',
    );
    // Unaborted, the same write completes and reads back.
    const ok = await writeZarrCsr(path, {
      n: C.n,
      d: C.d,
      blocks: blocks2(whole, half),
      genes,
      overwrite: true,
      signal: new AbortController().signal,
    });
    expect(ok.nnz).toBe(whole.indptr[C.n]);
  });
});

describe('abort during the candidate starts', () => {
  test('the PCA steps inside selectK (clbic axes), the NB default start and umap take the signal: pca and clbicSpace stop on an aborted one (they held the event loop for seconds)', async () => {
    const X = makeBlobs(600, 40, 3, 5);
    const engine = await createEngine({ backend: 'reference' });
    try {
      expect(await code(pca({ data: X.data, n: 600, d: 40 }, { nComps: 5, engine, signal: AbortSignal.abort() }))).toBe('ABORTED');
      // d 40 ≤ 256: exact axes on the host; d > 256 would take the randomized PCA above.
      expect(await code(clbicSpace(X.data, 600, 40, 20, 1, engine, AbortSignal.abort()))).toBe('ABORTED');
      const free = await clbicSpace(X.data, 600, 40, 20, 1, engine, new AbortController().signal);
      const plain = await clbicSpace(X.data, 600, 40, 20, 1, engine);
      expect(Array.from(free.x)).toEqual(Array.from(plain.x));
    } finally {
      engine.destroy();
    }
  });
  test('the k-means++ start of a streamed fit takes the signal (reference seeding checks it per centre)', async () => {
    const engine = await createEngine({ backend: 'reference' });
    const sample = { ...counts(), values: Float32Array.from(C.values) };
    expect(await code(kmeansSampleStart(engine, sample, 3, 1, AbortSignal.abort()))).toBe('ABORTED');
    expect(await code(gmmSampleStart(engine, sample, C.n, 3, 'diag', 1e-6, 1, AbortSignal.abort()))).toBe('ABORTED');
    expect((await kmeansSampleStart(engine, sample, 3, 1)).centroids).toHaveLength(3);
    engine.destroy();
  });
  test('miniBatchKMeans aborted from a timer lands within one candidate start, not after all of them', async () => {
    const X = makeBlobs(3000, 8, 10, 4);
    const ac = new AbortController();
    let fired = 0;
    setTimeout(() => {
      fired = performance.now();
      ac.abort();
    }, 30);
    // 1,000 starts of k-means++ on 3,000 rows run for seconds; the abort must not wait for them.
    const err = await miniBatchKMeans({ data: X.data, n: 3000, d: 8 }, { k: 30, nInit: 1000, seed: 1, ...ref, signal: ac.signal }).catch(
      (e) => e,
    );
    expect((err as EmgpuError).code).toBe('ABORTED');
    expect(performance.now() - fired).toBeLessThan(1000);
  });
});

describe('preprocess checks the gene filter and return flags it passes down', () => {
  test('minCells "3", true or -Infinity and returnScaled "yes" are refused (the gene filter underneath never saw them)', async () => {
    const o = { ...ref, hvg: { nTopGenes: 5, span: 1 }, pca: { nComps: 2 }, cells: { minGenes: 1 } };
    for (const minCells of ['3', true, Number.NEGATIVE_INFINITY])
      expect(await code(preprocess(counts(), { ...o, minCells: minCells as never }))).toBe('BAD_OPTION');
    expect(await code(preprocess(counts(), { ...o, returnScaled: 'yes' as never }))).toBe('BAD_OPTION');
    // pca() takes a signal; preprocess's nested pca settings do not (its own signal is top-level).
    expect(await code(preprocess(counts(), { ...o, pca: { signal: new AbortController().signal } as never }))).toBe('UNKNOWN_OPTION');
    expect((await preprocess(counts(), { ...o, minCells: 2, returnScaled: true })).scaled?.n).toBeGreaterThan(0);
  });
});
