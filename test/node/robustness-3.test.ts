/**
 * Fourth outside fuzz (FUZZ12c): the stream helpers refuse bad sources, options and CSR rows with
 * typed errors; chooseK/selectK refuse what they cannot use; invalid UTF-8 in names reads as
 * U+FFFD with a warning in every loader; UMAP's spectral start and the silhouette yield at
 * abort checkpoints, so a timer's abort lands within one iteration.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import {
  chooseK,
  chunkRanges,
  csrSource,
  denseSource,
  describeAdapter,
  forEachChunk,
  kmeans,
  makeBlobs,
  parseDelimited,
  read10x,
  read10xH5,
  readH5ad,
  selectK,
  snnGraph,
  knn,
  umap,
} from '../../src/index.js';
import { heapUtf8 } from '../../src/io/names.js';
import { silhouetteOfRows, silhouetteOfRowsAsync } from '../../src/select/silhouette.js';

const typed = (code: string) => expect.objectContaining({ code });
const DIR = new URL('../fixtures/corrupt/', import.meta.url);
const fixture = (name: string): Buffer => {
  const b = readFileSync(new URL(name, DIR));
  return name.endsWith('.gz') ? gunzipSync(b) : b;
};
/** The file with bytes written over the 3rd byte onwards of the first occurrence of `ascii`. */
function patch(buf: Buffer, ascii: string, bytes: number[]): Uint8Array {
  const b = Buffer.from(buf);
  const i = b.indexOf(Buffer.from(ascii, 'latin1'));
  if (i < 0) throw new Error(`no ${ascii} in the fixture`);
  Buffer.from(bytes).copy(b, i + 2);
  return new Uint8Array(b);
}

describe('stream helpers refuse bad arguments with typed errors', () => {
  const csr = () => ({ n: 3, d: 4, indptr: [0, 2, 3, 5], indices: [0, 2, 1, 0, 3], values: [1, 2, 3, 4, 5] });

  test('chunkRanges: a null source, a NaN n, a CSR source without nnz and null options are BAD_OPTION; a 2^40-chunk plan is refused before it is built', () => {
    expect(() => chunkRanges(null as never)).toThrow(typed('BAD_OPTION'));
    expect(() => chunkRanges({ kind: 'dense', n: Number.NaN, d: 2 } as never)).toThrow(typed('BAD_OPTION'));
    expect(() => chunkRanges({ kind: 'csr', n: 10, d: 5 } as never)).toThrow(typed('BAD_OPTION'));
    expect(() => chunkRanges({ kind: 'dense', n: 10, d: 2 } as never, null as never)).toThrow(typed('BAD_OPTION'));
    expect(() => chunkRanges({ kind: 'dense', n: 10, d: 2 } as never, { onProgress: 5 } as never)).toThrow(typed('BAD_OPTION'));
    expect(() => chunkRanges({ kind: 'dense', n: 2 ** 40, d: 1 } as never, { chunkRows: 1 })).toThrow(typed('BAD_OPTION'));
    // The valid neighbour: 10 rows by 4 → [0,4) [4,8) [8,10).
    expect(chunkRanges({ kind: 'dense', n: 10, d: 2 } as never, { chunkRows: 4 }).map((r) => [r.start, r.end])).toEqual([
      [0, 4],
      [4, 8],
      [8, 10],
    ]);
  });

  test('forEachChunk: a source without readRows, a non-function callback and a non-function onProgress are BAD_OPTION; options may be left out', async () => {
    const src = denseSource(new Float64Array([1, 2, 3, 4, 5, 6]), 3, 2);
    await expect(forEachChunk({ kind: 'dense', n: 3, d: 2 } as never, 'p', {}, () => {})).rejects.toThrow(typed('BAD_OPTION'));
    await expect(forEachChunk(src, 'p', {}, 5 as never)).rejects.toThrow(typed('BAD_OPTION'));
    await expect(forEachChunk(src, 'p', { onProgress: 5 } as never, () => {})).rejects.toThrow(typed('BAD_OPTION'));
    const sums: number[] = [];
    await forEachChunk(src, 'p', undefined as never, (b) => {
      sums.push(Array.from(b.data).reduce((a, v) => a + v, 0));
    });
    expect(sums).toEqual([21]);
  });

  test('csrSource checks the shape when made and each row when read: short indptr, bad column, NaN value, wrong-length genes', async () => {
    expect(() => csrSource(null as never)).toThrow(typed('BAD_OPTION'));
    expect(() => csrSource({ ...csr(), indptr: [0, 2] })).toThrow(typed('SHAPE_MISMATCH'));
    expect(() => csrSource({ ...csr(), d: 1e12 })).toThrow(typed('BAD_OPTION')); // columns are uint32 in a block
    expect(() => csrSource(csr(), { genes: ['a'] })).toThrow(typed('SHAPE_MISMATCH'));
    await expect(csrSource({ ...csr(), indptr: [0, 3, 2, 5] }).readRows(0, 3)).rejects.toThrow(typed('SHAPE_MISMATCH'));
    await expect(csrSource({ ...csr(), indices: [0, 2, 9, 0, 3] }).readRows(0, 3)).rejects.toThrow(typed('SHAPE_MISMATCH'));
    await expect(csrSource({ ...csr(), values: [1, Number.NaN, 3, 4, 5] }).readRows(0, 3)).rejects.toThrow(typed('NON_FINITE'));
    await expect(csrSource(csr()).readRows(-1, 2)).rejects.toThrow(typed('BAD_OPTION'));
    // int64 offsets and columns (as HDF5 gives them) are read as numbers.
    const big = { ...csr(), indptr: BigInt64Array.from([0n, 2n, 3n, 5n]), indices: BigInt64Array.from([0n, 2n, 1n, 0n, 3n]) };
    expect(Array.from((await csrSource(big as never).readRows(0, 3)).indices)).toEqual([0, 2, 1, 0, 3]);
    const b = await csrSource(csr()).readRows(1, 3);
    expect([Array.from(b.indptr), Array.from(b.indices), Array.from(b.values)]).toEqual([
      [0, 1, 3],
      [1, 0, 3],
      [3, 4, 5],
    ]);
  });

  test('denseSource refuses a plain array and negative dimensions whose product matches the length', () => {
    expect(() => denseSource([1, 2, 3, 4] as never, 2, 2)).toThrow(typed('BAD_OPTION'));
    expect(() => denseSource(new Float32Array(1), -1, -1)).toThrow(typed('BAD_OPTION'));
  });
});

describe('choosing k: refusals of the last outside fuzz', () => {
  test('chooseK refuses an unknown model, an all-NaN column and repeated k; icl for k-means is its BIC (README), so both choose the same k', async () => {
    const X = makeBlobs(60, 3, 3, 5);
    const r = await selectK(X, { model: 'kmeans', ks: [2, 3, 4], criteria: ['icl'], backend: 'reference' });
    expect(() => chooseK(r.rows, 'bic', 'foo' as never)).toThrow(typed('BAD_OPTION'));
    expect(() => chooseK(r.rows, 'bic', undefined as never)).toThrow(typed('BAD_OPTION'));
    expect(() =>
      chooseK(
        r.rows.map((row) => ({ ...row, bic: Number.NaN })),
        'bic',
        'kmeans',
      ),
    ).toThrow(typed('NON_FINITE'));
    expect(() =>
      chooseK(
        r.rows.map((row) => ({ ...row, k: 2 })),
        'bic',
        'kmeans',
      ),
    ).toThrow(typed('BAD_OPTION'));
    expect(r.rows.every((row) => row.icl === row.bic)).toBe(true);
    expect(chooseK(r.rows, 'icl', 'kmeans')).toBe(chooseK(r.rows, 'bic', 'kmeans'));
    // One NaN row is skipped: the smallest BIC among the others.
    const rows = r.rows.map((row, i) => ({ ...row, bic: [Number.NaN, 5, 7][i] }));
    expect(chooseK(rows, 'bic', 'kmeans')).toBe(3);
  });

  test('selectK refuses criteria: [] and a null model, criterion or ks (null is not "the default")', async () => {
    const X = makeBlobs(30, 2, 2, 1);
    for (const o of [{ criteria: [] }, { model: null }, { criterion: null }, { ks: null }])
      await expect(selectK(X, { ks: [2, 3], backend: 'reference', ...o } as never)).rejects.toThrow(typed('BAD_OPTION'));
  });
});

describe('invalid UTF-8 in names: U+FFFD and a warning, the same in every loader', () => {
  const utf8Warning = (w: string[] | undefined) => (w ?? []).some((s) => /not valid UTF-8/.test(s));

  test('heapUtf8 (the decoder given to h5wasm) stops at the first 0 and turns a bad byte into U+FFFD', () => {
    const heap = Uint8Array.from([0, 0x53, 0x44, 0xff, 0x34, 0, 0x41, 0xc3]);
    const read = heapUtf8(() => heap);
    expect(read(1)).toBe('SD\uFFFD4');
    expect(read(0)).toBe('');
    expect(read(6)).toBe('A\uFFFD'); // a truncated sequence at the end of memory
  });

  test('.h5ad and 10x .h5: a gene whose name has a 0xFF byte reads as SD\uFFFD4, the same on every read, with a warning', async () => {
    const h5ad = patch(fixture('seed.h5ad.gz'), 'SDF4', [0xff]);
    const a = await readH5ad(h5ad);
    const b = await readH5ad(h5ad);
    expect(a.genes).toContain('SD\uFFFD4');
    expect(b.genes).toEqual(a.genes);
    expect(utf8Warning(a.source.warnings)).toBe(true);
    const tenx = patch(fixture('seed-10x.h5.gz'), 'SDF4', [0xfe]);
    const c = await read10xH5(tenx);
    expect(c.genes).toContain('SD\uFFFD4');
    expect(utf8Warning(c.source.warnings)).toBe(true);
    // The unpatched file has no such warning.
    expect(utf8Warning((await readH5ad(new Uint8Array(fixture('seed.h5ad.gz')))).source.warnings)).toBe(false);
  });

  test('10x folder files and delimited text: U+FFFD in the name and a warning naming it', async () => {
    const r = await read10x({
      matrix: new Uint8Array(fixture('seed.mtx')),
      features: patch(fixture('seed-features.tsv'), 'ISG15', [0xff]),
      barcodes: new Uint8Array(fixture('seed-barcodes.tsv')),
    });
    expect(r.genes[0]).toBe('IS\uFFFD15');
    expect(utf8Warning(r.source.warnings)).toBe(true);
    const d = parseDelimited(Uint8Array.from([0x61, 0xff, 0x2c, 0x62, 0x0a, 0x31, 0x2c, 0x32, 0x0a]));
    expect(d.columns).toEqual(['a\uFFFD', 'b']);
    expect(utf8Warning(d.warnings)).toBe(true);
    expect(parseDelimited('a,b\n1,2\n').warnings).toBeUndefined();
  });
});

describe('abort lands within one iteration where the loop used to block', () => {
  test("UMAP's spectral start yields: an abort from a timer lands before the start is done", async () => {
    const X = makeBlobs(1500, 8, 5, 2);
    const g = snnGraph(await knn(X, { k: 15, backend: 'reference' }));
    const ac = new AbortController();
    const stages: string[] = [];
    setTimeout(() => ac.abort(), 0);
    await expect(
      umap(g, { backend: 'reference', signal: ac.signal, onProgress: (p) => stages.push(`${p.stage}:${p.done}`) }),
    ).rejects.toThrow(typed('ABORTED'));
    expect(stages).not.toContain('init:1');
  });

  test('the silhouette yields between rows: same value with a signal, and a timer abort lands before it ends', async () => {
    const X = makeBlobs(1500, 6, 4, 3);
    const labels = Array.from(X.truth);
    const rows = Array.from({ length: 1500 }, (_, i) => i);
    const plain = silhouetteOfRows(X.data, 6, labels, rows);
    expect(await silhouetteOfRowsAsync(X.data, 6, labels, rows, new AbortController().signal)).toBe(plain);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 0);
    await expect(silhouetteOfRowsAsync(X.data, 6, labels, rows, ac.signal)).rejects.toThrow(typed('ABORTED'));
  });

  test('the reference k-means++ seeding yields between centres: an abort 20 ms in lands before the first iteration; a signal leaves the bits alone', async () => {
    const X = makeBlobs(4000, 16, 8, 4);
    const o = { k: 100, nInit: 1, maxIter: 3, seed: 3, backend: 'reference' as const };
    const plain = await kmeans(X, o);
    const withSignal = await kmeans(X, { ...o, signal: new AbortController().signal });
    expect(Array.from(withSignal.labels)).toEqual(Array.from(plain.labels));
    expect(withSignal.inertia).toBe(plain.inertia);
    const ac = new AbortController();
    let iterations = 0;
    setTimeout(() => ac.abort(), 20);
    await expect(kmeans(X, { ...o, signal: ac.signal, onIteration: () => iterations++ })).rejects.toThrow(typed('ABORTED'));
    expect(iterations).toBe(0);
  });

  test('describeAdapter(null) is BAD_OPTION, not a TypeError', () => {
    expect(() => describeAdapter(null as never)).toThrow(typed('BAD_OPTION'));
  });
});
