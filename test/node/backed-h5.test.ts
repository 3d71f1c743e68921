// Backed HDF5 sources (issue 16): blocks of openH5adSource / open10xH5Source equal the in-memory
// loaders' rows (readH5ad / read10xH5 on the same fixtures) for several chunkings; writeH5adCsr
// round-trips a sampled matrix exactly; the typed errors; and a path is read in parts, not whole.
import { afterAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { openH5adSource, open10xH5Source } from '../../src/index.js';
import { fileBlob, read10xH5File, readH5adFile, writeH5adCsr } from '../../src/node.js';
import { loadH5wasm } from '../../src/io/h5.js';
import { openPathRemote, type RemoteGroup } from '../../src/io/h5-remote.js';
import { toDense } from '../../src/io/csr.js';
import { forEachChunk } from '../../src/stream/pass.js';
import type { CsrBlock, CsrSource, DenseBlock, DenseSource, RowSource } from '../../src/stream/types.js';
import { sampleNbMixture, type NbMixtureParams } from '../../src/sc/synthetic.js';
import { EmgpuError } from '../../src/errors.js';
import type { LoadedCsr } from '../../src/io/types.js';
import type { File as H5File } from 'h5wasm';

const DATA = '/work/shared/data';
const FIX = `${DATA}/scanpy_10x_format_fixtures`;
const H5AD = `${DATA}/pbmc68k_reduced/10x_pbmc68k_reduced.h5ad`;
const tmp = mkdtempSync(join(tmpdir(), 'emgpu-backed-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every block of a pass, stitched back into one CSR (the pass's own chunk plan). */
async function stitch(source: CsrSource, chunkRows: number): Promise<LoadedCsr> {
  const indptr = new Uint32Array(source.n + 1);
  const indices: number[] = [];
  const values: number[] = [];
  await forEachChunk(source, 'test', { chunkRows }, (b: CsrBlock, r) => {
    expect([b.n, b.d, b.indptr.length, b.indices.length, b.values.length]).toEqual([r.end - r.start, source.d, b.n + 1, b.nnz, b.nnz]);
    for (let i = 0; i < b.n; i++) indptr[r.start + i + 1] = indices.length + b.indptr[i + 1];
    for (let k = 0; k < b.nnz; k++) {
      indices.push(b.indices[k]);
      values.push(b.values[k]);
    }
  });
  return { n: source.n, d: source.d, nnz: indices.length, indptr, indices: Uint32Array.from(indices), values: Float32Array.from(values) };
}

/** Single rows (chunkRows 1) at every `step`-th row equal the whole matrix's rows. */
async function expectSingleRows(source: CsrSource, whole: LoadedCsr, rows: number): Promise<void> {
  const step = Math.max(1, Math.floor(source.n / rows));
  let checked = 0;
  for (let i = 0; i < source.n; i += step, checked++) {
    const b = await source.readRows(i, i + 1);
    const a = whole.indptr[i];
    const e = whole.indptr[i + 1];
    expect([b.n, b.nnz, Array.from(b.indptr)], `row ${i}`).toEqual([1, e - a, [0, e - a]]);
    expect(b.indices, `row ${i}`).toEqual(whole.indices.slice(a, e));
    expect(b.values, `row ${i}`).toEqual(whole.values.slice(a, e));
  }
  expect(checked).toBeGreaterThanOrEqual(Math.min(source.n, rows));
}

function expectSameCsr(a: LoadedCsr, b: LoadedCsr): void {
  expect([a.n, a.d, a.nnz]).toEqual([b.n, b.d, b.nnz]);
  // Element-wise equality, reported as one mismatch count (fast on 10^5 entries).
  const diff = (x: ArrayLike<number>, y: ArrayLike<number>) => {
    let bad = x.length === y.length ? 0 : 1;
    for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) bad++;
    return bad;
  };
  expect(diff(a.indptr, b.indptr), 'indptr').toBe(0);
  expect(diff(a.indices.subarray(0, a.nnz), b.indices.subarray(0, b.nnz)), 'indices').toBe(0);
  expect(diff(a.values.subarray(0, a.nnz), b.values.subarray(0, b.nnz)), 'values').toBe(0);
}

async function typedError(p: () => Promise<unknown>, code: string): Promise<EmgpuError> {
  let caught: unknown;
  try {
    await p();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(EmgpuError);
  expect((caught as EmgpuError).code, (caught as Error).message).toBe(code);
  return caught as EmgpuError;
}

/** An HDF5 file made with h5wasm (in memory), written to a temporary path. */
let made = 0;
async function makeH5File(build: (f: H5File) => void): Promise<string> {
  const { h5, FS } = await loadH5wasm();
  const p = `/backed-made-${++made}.h5`;
  const f = new h5.File(p, 'w');
  build(f);
  f.close();
  const bytes = (FS as unknown as { readFile(p: string): Uint8Array }).readFile(p);
  FS.unlink(p);
  const out = join(tmp, `made-${made}.h5ad`);
  writeFileSync(out, bytes);
  return out;
}

describe('openH5adSource on scanpy’s pbmc68k_reduced (700 cells × 765 genes)', () => {
  test('raw/X by path: blocks of 1 (50 rows spread), 7 and all 700 rows equal readH5ad’s matrix, with the same genes and cells', async () => {
    const whole = await readH5adFile(H5AD);
    const src = await openH5adSource(H5AD);
    expect(src.kind).toBe('csr');
    expect(src.info).toEqual({
      format: 'h5ad',
      matrixSource: 'raw/X',
      encoding: 'csr',
      available: ['X', 'raw/X'],
      fileBytes: 1911295,
      access: 'path',
    });
    expect([src.n, src.d, (src as CsrSource).nnz]).toEqual([700, 765, 174400]);
    expect((src as CsrSource).nnzIn(3, 10)).toBe(whole.indptr[10] - whole.indptr[3]);
    expect(src.genes).toEqual(whole.genes);
    expect(src.cells).toEqual(whole.cells);
    await expectSingleRows(src as CsrSource, whole, 50);
    for (const chunkRows of [7, 700]) expectSameCsr(await stitch(src as CsrSource, chunkRows), whole);
    await src.close();
  });

  test('dense X as a DenseSource: row slices equal readH5ad’s X densified, over chunks of 7 and all rows, and single rows', async () => {
    const dense = toDense(await readH5adFile(H5AD, { matrix: 'X' }));
    const src = await openH5adSource(await fileBlob(H5AD), { matrix: 'X' });
    expect([src.kind, src.n, src.d, src.info.encoding, src.info.access]).toEqual(['dense', 700, 765, 'dense', 'memory']);
    // Single rows; compared with !== (the file holds some −0, which the CSR reader drops as zeros).
    for (let i = 0; i < 700; i += 29) {
      const row = ((await src.readRows(i, i + 1)) as DenseBlock).data;
      expect(row.length).toBe(765);
      expect(row.filter((v, j) => v !== dense[i * 765 + j]).length, `row ${i}`).toBe(0);
    }
    for (const chunkRows of [7, 700]) {
      const got = new Float32Array(700 * 765);
      await forEachChunk(src as DenseSource, 'test', { chunkRows }, (b: DenseBlock, r) => got.set(b.data, r.start * 765));
      let bad = 0;
      for (let k = 0; k < got.length; k++) if (got[k] !== dense[k]) bad++;
      expect(bad, `chunkRows ${chunkRows}`).toBe(0);
    }
    await src.close();
  });

  test('a path is read in parts: opening and 10 rows read under a tenth of the file; a full pass reads more; two open sources do not mix', async () => {
    const src = (await openH5adSource(H5AD)) as CsrSource & { bytesRead(): number };
    await src.readRows(100, 110);
    const part = src.bytesRead();
    expect(part).toBeGreaterThan(0);
    expect(part).toBeLessThan(1911295 / 10);
    // A second source on the same worker, read in between: each keeps its own file and counter.
    const other = await open10xH5Source(`${FIX}/1.2.0/filtered_gene_bc_matrices_h5.h5`);
    const first = await other.readRows(0, 5);
    await stitch(src, 128);
    expect(await other.readRows(0, 5)).toEqual(first);
    await other.close();
    // The file's datasets are gzip-compressed: a full pass reads them all, far more than 10 rows did.
    expect(src.bytesRead()).toBeGreaterThan(5 * part);
    await src.close();
    expect(src.bytesRead()).toBeUndefined();
  });
});

describe('open10xH5Source against read10xH5', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['v3 (gene expression only)', `${FIX}/3.0.0/filtered_feature_bc_matrix.h5`, {}],
    ['v3, one genome', `${FIX}/3.0.0/filtered_feature_bc_matrix.h5`, { genome: 'GRCh38_chr21' }],
    ['v2', `${FIX}/1.2.0/filtered_gene_bc_matrices_h5.h5`, {}],
    ['v2, two genomes, one chosen', `${FIX}/1.2.0/multiple_genomes.h5`, { genome: 'hg19_chr21' }],
  ];
  test.each(cases)('%s: blocks of 1 (30 cells spread), 7 and all cells equal the whole matrix, names included', async (_, path, opts) => {
    const whole = await read10xH5File(path, opts);
    const src = await open10xH5Source(path, opts);
    expect([src.n, src.d, src.info.format]).toEqual([whole.n, whole.d, '10x-h5']);
    expect(src.genes).toEqual(whole.genes);
    expect(src.cells).toEqual(whole.cells);
    await expectSingleRows(src, whole, 30);
    for (const chunkRows of [7, whole.n]) expectSameCsr(await stitch(src, chunkRows), whole);
    await src.close();
  });

  test('several genomes and no choice: the same typed error as read10xH5', async () => {
    const e = await typedError(() => open10xH5Source(`${FIX}/1.2.0/multiple_genomes.h5`), 'FILE_FORMAT');
    expect(e.message).toMatch(/holds 2 genomes .*pass \{ genome \} to choose one/);
  });
});

describe('writeH5adCsr', () => {
  const params = JSON.parse(gunzipSync(readFileSync('data/pbmc3k/synthetic_nb.json.gz')).toString()) as NbMixtureParams;
  const n = 523;
  const d = 60;
  const whole = sampleNbMixture(params, { n, genes: d, seed: 3 });

  test('blocks sampled with `first` write a file that readH5ad and openH5adSource give back exactly, names and labels included', async () => {
    const path = join(tmp, 'written.h5ad');
    const component = new Uint8Array(n);
    function* blocks() {
      for (let start = 0; start < n; start += 100) {
        const b = sampleNbMixture(params, { n: Math.min(100, n - start), genes: d, seed: 3, first: start });
        component.set(b.component, start);
        yield b;
      }
    }
    const res = await writeH5adCsr(path, {
      n,
      d,
      blocks: blocks(),
      genes: whole.genes,
      cells: whole.cells,
      obs: { component, size: whole.sizeFactors, label: whole.obs!.component as string[] },
      chunkEntries: 1000,
    });
    expect([res.n, res.d, res.nnz]).toEqual([n, d, whole.nnz]);
    const back = await readH5adFile(path);
    expect(back.source).toMatchObject({ matrixSource: 'X', encoding: 'csr', looksLikeCounts: true });
    expectSameCsr(back, whole);
    expect(back.genes).toEqual(whole.genes);
    expect(back.cells).toEqual(whole.cells);
    expect(back.obs!.component).toEqual(Array.from(whole.component));
    expect(back.obs!.label).toEqual(whole.obs!.component);
    expect(back.obs!.size).toEqual(Array.from(whole.sizeFactors));
    const src = (await openH5adSource(path)) as CsrSource;
    for (const chunkRows of [1, 64, n]) expectSameCsr(await stitch(src, chunkRows), whole);
    expect(src.cells).toEqual(whole.cells);
    await src.close();
  });

  test('wrong totals and bad blocks are refused, and the partial file removed', async () => {
    const path = join(tmp, 'bad.h5ad');
    const e = await typedError(() => writeH5adCsr(path, { n: n + 1, d, blocks: [whole], genes: whole.genes }), 'BAD_OPTION');
    expect(e.message).toMatch(/the blocks hold 523 rows, not n = 524/);
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
    const nan = { ...whole, values: whole.values.map((v, k) => (k === 5 ? Number.NaN : v)) };
    await typedError(() => writeH5adCsr(path, { n, d, blocks: [nan], genes: whole.genes }), 'NON_FINITE');
    await typedError(() => writeH5adCsr(path, { n, d, blocks: [whole], genes: whole.genes, cell: [] } as never), 'UNKNOWN_OPTION');
  });
});

describe('backed sources: typed errors', () => {
  test('a CSC X is refused with the fix (write it as CSR); reads out of range or after close are BAD_OPTION', async () => {
    const path = await makeH5File((f) => {
      const x = f.create_group('X');
      x.create_attribute('encoding-type', 'csc_matrix');
      x.create_attribute('encoding-version', '0.1.0');
      x.create_attribute('shape', new BigInt64Array([2n, 2n]));
      x.create_dataset({ name: 'indptr', data: new BigInt64Array([0n, 1n, 2n]) });
      x.create_dataset({ name: 'indices', data: new Int32Array([0, 1]) });
      x.create_dataset({ name: 'data', data: new Float32Array([1, 2]) });
    });
    const e = await typedError(() => openH5adSource(path), 'FILE_FORMAT');
    expect(e.message).toMatch(/X is stored by columns \(CSC\).*adata\.X = adata\.X\.tocsr\(\)/);
    const src = (await openH5adSource(H5AD)) as CsrSource;
    expect((await typedError(() => src.readRows(690, 701), 'BAD_OPTION')).message).toMatch(/rows \[690, 701\) are not within \[0, 700\)/);
    await typedError(() => src.readRows(5, 4), 'BAD_OPTION');
    await src.close();
    expect((await typedError(() => src.readRows(0, 1), 'BAD_OPTION')).message).toMatch(/the source is closed/);
    await src.close(); // idempotent
  });

  test('damaged files: a zeroed global heap is refused by the streamed structure check; a truncated file and bad entries are FILE_FORMAT', async () => {
    const spin = join(tmp, 'spin.h5ad');
    writeFileSync(spin, gunzipSync(readFileSync('test/fixtures/corrupt/gcol-zeroed-header.h5ad.gz')));
    const t0 = performance.now();
    const e = await typedError(() => openH5adSource(spin), 'FILE_FORMAT');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(e.message).toMatch(/the HDF5 file is damaged \(a zeroed object header at byte \d+ of the global heap collection/);
    const cut = join(tmp, 'cut.h5ad');
    writeFileSync(cut, readFileSync(H5AD).subarray(0, 900_000));
    expect((await typedError(() => openH5adSource(cut), 'FILE_FORMAT')).message).toMatch(/truncated|corrupt|damaged/);
    const text = join(tmp, 'text.h5ad');
    writeFileSync(text, 'cell,gene\n');
    expect((await typedError(() => openH5adSource(text), 'FILE_FORMAT')).message).toMatch(/not an HDF5 file/);
    expect((await typedError(() => openH5adSource(join(tmp, 'missing.h5ad')), 'NOT_A_FILE')).message).toMatch(/no such file/);
    const badEntries = await makeH5File((f) => {
      const x = f.create_group('X');
      x.create_attribute('encoding-type', 'csr_matrix');
      x.create_attribute('shape', new BigInt64Array([2n, 3n]));
      x.create_dataset({ name: 'indptr', data: new BigInt64Array([0n, 1n, 2n]) });
      x.create_dataset({ name: 'indices', data: new Int32Array([0, 3]) });
      x.create_dataset({ name: 'data', data: new Float32Array([1, Number.NaN]) });
    });
    const src = (await openH5adSource(badEntries)) as CsrSource;
    expect((await src.readRows(0, 1)).values).toEqual(new Float32Array([1]));
    expect((await typedError(() => src.readRows(1, 2), 'FILE_FORMAT')).message).toMatch(/X\/indices\[1\] = 3 \(row 1\) is outside 0\.\.2/);
    await src.close();
    const decreasing = await makeH5File((f) => {
      const x = f.create_group('X');
      x.create_attribute('encoding-type', 'csr_matrix');
      x.create_attribute('shape', new BigInt64Array([2n, 3n]));
      x.create_dataset({ name: 'indptr', data: new BigInt64Array([0n, 2n, 1n]) });
      x.create_dataset({ name: 'indices', data: new Int32Array([0]) });
      x.create_dataset({ name: 'data', data: new Float32Array([1]) });
    });
    expect((await typedError(() => openH5adSource(decreasing), 'FILE_FORMAT')).message).toMatch(/X\/indptr decreases at row 1/);
  });

  test('a read that loops HDF5 on a path-opened file is stopped by the time limit (FILE_TIMEOUT); the next source gets a fresh worker', async () => {
    // Past the structure check, straight to the path worker: reading X's string attribute loops in HDF5.
    const spin = join(tmp, 'spin-direct.h5ad');
    writeFileSync(spin, gunzipSync(readFileSync('test/fixtures/corrupt/gcol-zeroed-header.h5ad.gz')));
    const remote = (await openPathRemote(spin, 'spin.h5ad', 1000))!;
    const group = remote.get('X') as RemoteGroup;
    const t0 = performance.now();
    const e = await typedError(async () => group.attrs['encoding-type'].value, 'FILE_TIMEOUT');
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(e.message).toMatch(/HDF5 did not finish reading \/X within 1 s and was stopped/);
    remote.close();
    const src = await openH5adSource(H5AD);
    expect((await src.readRows(0, 2)).n).toBe(2);
    await src.close();
  });

  test('options are checked like the loaders’, and a block above maxBytes is refused with the fix', async () => {
    await typedError(() => openH5adSource(H5AD, { matrx: 'X' } as never), 'UNKNOWN_OPTION');
    await typedError(() => open10xH5Source(H5AD, { matrix: 'X' } as never), 'UNKNOWN_OPTION');
    const src = (await openH5adSource(H5AD, { maxBytes: 64 * 1024 })) as RowSource;
    const e = await typedError(() => src.readRows(0, 700), 'BUFFER_LIMIT');
    expect(e.message).toMatch(/Read fewer rows at a time \(a smaller chunkRows or chunkBytes\)/);
    expect((await src.readRows(0, 10)).n).toBe(10);
    await src.close();
  });
});
