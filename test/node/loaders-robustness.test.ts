// The loader and sparse-data defects of issue 12, one test each, on the committed corpus in
// test/fixtures/corrupt (scripts/make-corrupt-fixtures.mjs): memory bounds checked before
// allocating, numeric first rows as data, directories as paths, and damaged HDF5 files that used
// to hang, trap inside WebAssembly or name an internal function.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { EmgpuError } from '../../src/errors.js';
import { read10x } from '../../src/io/10x.js';
import { read10xH5 } from '../../src/io/10x-h5.js';
import { parseDelimited } from '../../src/io/delimited.js';
import { checkHdf5Structure } from '../../src/io/h5-check.js';
import { hdf5Error } from '../../src/io/h5.js';
import { HDF5_ERRORS_PER_WORKER, h5Worker, h5WorkerGeneration, openRemote, type RemoteGroup } from '../../src/io/h5-remote.js';
import { readH5ad } from '../../src/io/h5ad.js';
import { DEFAULT_MAX_BYTES } from '../../src/io/memory.js';
import { readMatrixMarketCsr } from '../../src/io/mtx/csr.js';
import { parseMatrixMarket } from '../../src/io/mtx/dense.js';
import { readMatrixFile } from '../../src/io/node.js';
import { fileBlob, read10xH5File, readH5adFile } from '../../src/io/node-sc.js';
import { negativeBinomialMixture } from '../../src/index.js';

const DIR = new URL('../fixtures/corrupt/', import.meta.url);
const raw = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, DIR)));
const file = (name: string): Uint8Array => (name.endsWith('.gz') ? new Uint8Array(gunzipSync(raw(name))) : raw(name));

/** The error a call throws (sync or async), checked to be an EmgpuError with this code. */
async function typedError(run: () => unknown, code: string): Promise<EmgpuError> {
  let caught: unknown;
  try {
    await run();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'an EmgpuError').toBeInstanceOf(EmgpuError);
  expect((caught as EmgpuError).code, (caught as Error).message).toBe(code);
  return caught as EmgpuError;
}

const seconds = async (run: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await run();
  return (performance.now() - t0) / 1000;
};

describe('sparse data: dimensions are bounded by memory, checked before allocating', () => {
  test('a negative-binomial mixture on a valid CSR declaring a billion genes is refused at once, naming the genes to keep', async () => {
    const counts = { n: 4, d: 1e9, indptr: [0, 1, 2, 3, 4], indices: [0, 5, 9, 999_999_999], values: [3, 1, 2, 7] };
    let e: EmgpuError | undefined;
    const t = await seconds(async () => {
      e = await typedError(() => negativeBinomialMixture(counts, { nInit: 1, k: 2, backend: 'reference', seed: 1 }), 'BUFFER_LIMIT');
    });
    expect(t).toBeLessThan(2);
    expect(e!.message).toMatch(/d=1,000,000,000 genes; a fit with k=2 would need about 160\.0 GB .* Keep only the genes that hold counts/);
  });

  test('a MatrixMarket size line of 10^12 genes is refused by every MatrixMarket reader, not loaded as a matrix', async () => {
    const mtx = file('size-1e12-genes.mtx');
    const why =
      /the size line "1000000000000 6 \d+" declares 1,000,000,000,000 rows; the most a matrix can have is 4,294,967,294 \(32-bit indices\)\. The file is damaged/;
    expect((await typedError(() => readMatrixMarketCsr(mtx), 'FILE_FORMAT')).message).toMatch(why);
    expect((await typedError(() => parseMatrixMarket(mtx), 'FILE_FORMAT')).message).toMatch(why);
    await typedError(
      () => read10x({ matrix: mtx, features: file('seed-features.tsv'), barcodes: file('seed-barcodes.tsv') }),
      'FILE_FORMAT',
    );
  });

  test('a 999999999 × 999999999 size line is refused by the default 2 GiB cap before the 4 GB indptr is allocated', async () => {
    const mtx = file('size-999999999.mtx');
    let e: EmgpuError | undefined;
    const t = await seconds(async () => {
      e = await typedError(() => readMatrixMarketCsr(mtx), 'BUFFER_LIMIT');
    });
    expect(t).toBeLessThan(1);
    expect(DEFAULT_MAX_BYTES).toBe(2 ** 31);
    expect(e!.message).toMatch(
      /loading needs about 4\.00 GB \(the CSR matrix; 999,999,999 cells × 999,999,999 genes.*above maxBytes = 2\.15 GB\. Raise maxBytes/,
    );
    // The budget is the caller's to raise: the same shape check passes a small matrix under a tiny cap, and fails it under a tinier one.
    const seed = file('seed.mtx');
    expect((await readMatrixMarketCsr(seed, { maxBytes: 1000 })).n).toBe(6);
    await typedError(() => readMatrixMarketCsr(seed, { maxBytes: 20 }), 'BUFFER_LIMIT');
    await typedError(() => readMatrixMarketCsr(seed, { maxBytes: 0 }), 'BAD_OPTION');
  });

  test('a size line declaring more entries than the file can hold is refused before the arrays are allocated', async () => {
    const tiny = new TextEncoder().encode('%%MatrixMarket matrix coordinate integer general\n100000 100000 200000000\n1 1 1\n');
    expect((await typedError(() => readMatrixMarketCsr(tiny), 'FILE_FORMAT')).message).toMatch(
      /declares 200,000,000 entries, more than a file of this size can hold\. The file is truncated or the size line is damaged/,
    );
  });

  test('delimited text and whole-file HDF5 reads obey maxBytes too', async () => {
    expect((await typedError(() => parseDelimited('1,2\n3,4\n', { maxBytes: 16 }), 'BUFFER_LIMIT')).message).toMatch(
      /2 rows × 2 columns need 32 B as float64, above maxBytes = 16 B\. Raise maxBytes/,
    );
    expect(parseDelimited('1,2\n3,4\n', { maxBytes: 32 }).n).toBe(2);
    const h5 = file('seed.h5ad.gz');
    await typedError(() => readH5ad(new Blob([h5 as BlobPart]), { maxBytes: 1000 }), 'BUFFER_LIMIT');
  });
});

describe('delimited text: a first row of numbers is data', () => {
  test('"1,1\\n2,2\\n" is a 2 × 2 matrix without a header', () => {
    const m = parseDelimited(file('numeric-first-row.csv'));
    expect([m.n, m.d, m.header, m.format]).toEqual([2, 2, false, 'delimited']);
    expect(Array.from(m.data)).toEqual([1, 1, 2, 2]);
    expect(m.labels).toBeUndefined();
  });

  test('a scikit-learn first line (counts, then class names) is still a header, and header: true still forces one', () => {
    const iris = parseDelimited('2,2,setosa,virginica\n5.1,3.5,0\n4.9,3.0,1\n');
    expect([iris.n, iris.d, iris.format, iris.labels]).toEqual([2, 2, 'sklearn', [0, 1]]);
    const forced = parseDelimited('1,1\n2,2\n', { header: true });
    expect([forced.n, forced.columns]).toEqual([1, ['1', '1']]);
  });
});

describe('paths: a directory or a missing file is refused with what to pass', () => {
  test('a directory given to the file loaders is NOT_A_FILE, saying it is a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emgpu-dir-'));
    for (const run of [() => readH5adFile(dir), () => read10xH5File(dir), () => fileBlob(dir)]) {
      expect((await typedError(run, 'NOT_A_FILE')).message).toMatch(/is a directory, not a file\. Pass .* inside it/);
    }
    expect((await typedError(() => readH5adFile(join(dir, 'nope.h5ad')), 'NOT_A_FILE')).message).toMatch(
      /nope\.h5ad: no such file\. Check the path; pass an AnnData \.h5ad file/,
    );
  });

  test('a directory given to the CLI file layer is NOT_A_FILE too, naming the files it takes', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'emgpu-dir-')), 'data.csv');
    mkdirSync(dir);
    expect((await typedError(() => readMatrixFile(dir), 'NOT_A_FILE')).message).toMatch(
      /data\.csv is a directory, not a file\. Pass a \.csv, \.tsv, \.txt or \.mtx file/,
    );
  });

  test('a 10x folder given as a file points to read10xDir', async () => {
    const folder = new URL('../fixtures/sc/3.0.0/filtered_feature_bc_matrix', import.meta.url).pathname;
    expect((await typedError(() => read10xH5File(folder), 'NOT_A_FILE')).message).toMatch(
      /or read this 10x folder with read10xDir\(path\)/,
    );
  });
});

describe('HDF5: damaged files end in a typed error, never a hang or a WebAssembly trap', () => {
  test('a zeroed global-heap object header (which loops HDF5 forever) is refused before h5wasm reads it', async () => {
    const bytes = file('gcol-zeroed-header.h5ad.gz');
    expect(() => checkHdf5Structure(bytes, 'x.h5ad')).toThrow(/a zeroed object header at byte \d+ of the global heap collection/);
    expect(() => checkHdf5Structure(file('seed.h5ad.gz'), 'x.h5ad')).not.toThrow();
    let e: EmgpuError | undefined;
    const t = await seconds(async () => {
      e = await typedError(() => readH5ad(bytes), 'FILE_FORMAT');
    });
    expect(t).toBeLessThan(2);
    expect(e!.message).toMatch(/the HDF5 file is damaged .*; reading it would not finish\. Get the file again/);
  });

  test('a read that loops inside HDF5 is stopped by the worker time limit with FILE_TIMEOUT, and the next file reads', async () => {
    // Past the structural check, straight to the worker: reading X's string attribute loops in HDF5.
    const w = await h5Worker('spin.h5ad', 1000);
    expect(w).not.toBeNull();
    const remote = openRemote(w!, file('gcol-zeroed-header.h5ad.gz'), true, 'spin.h5ad', 1000);
    const group = remote.get('X') as RemoteGroup;
    const t0 = performance.now();
    const e = await typedError(() => group.attrs['encoding-type'].value, 'FILE_TIMEOUT');
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(e.message).toMatch(/HDF5 did not finish reading \/X within 1 s and was stopped\. The file is most likely damaged/);
    const good = await readH5ad(file('seed.h5ad.gz'));
    expect([good.n, good.d]).toEqual([6, 8]);
  });

  test('a WebAssembly trap or a TypeError inside h5wasm becomes FILE_FORMAT saying the file is damaged, with the original as cause', () => {
    // Damaged files make h5wasm trap ("memory access out of bounds"); the fuzz suite meets real ones.
    const trap = new WebAssembly.RuntimeError('memory access out of bounds');
    const e = hdf5Error('x.h5ad', trap, 'read /var/_index');
    expect([e.code, e.cause]).toEqual(['FILE_FORMAT', trap]);
    expect(e.message).toBe(
      'x.h5ad: HDF5 could not read /var/_index (WebAssembly memory access out of bounds). The file is damaged or not an HDF5 file; get it again.',
    );
    const typeError = new TypeError("Cannot read properties of undefined (reading 'members')");
    expect(hdf5Error('x.h5ad', typeError, 'read obs').code).toBe('FILE_FORMAT');
  });

  test('a worker on which HDF5 raised errors is retired: the next file opens on a fresh one; sound files share one', async () => {
    const seed = file('seed-10x.h5.gz');
    const first = await read10xH5(seed);
    const g0 = h5WorkerGeneration();
    await read10xH5(seed);
    expect(h5WorkerGeneration()).toBe(g0);
    // One flipped byte in an object header: HDF5 itself reports the bad checksum (not a trap).
    const damaged = seed.slice();
    damaged[1108] ^= 0xff;
    for (let i = 0; i < HDF5_ERRORS_PER_WORKER; i++) {
      expect(h5WorkerGeneration()).toBe(g0);
      expect((await typedError(() => read10xH5(damaged), 'FILE_FORMAT')).message).toMatch(
        /HDF5 could not read \/matrix\/indptr \(incorrect metadata checksum after all read attempts\)/,
      );
    }
    const again = await read10xH5(seed);
    expect(h5WorkerGeneration()).toBe(g0 + 1);
    expect(Array.from(again.values)).toEqual(Array.from(first.values));
    expect(again.cells).toEqual(first.cells);
  });

  test('a negative shape is FILE_FORMAT about the file, not BAD_OPTION naming an internal function', async () => {
    const e = await typedError(() => readH5ad(file('negative-shape.h5ad.gz')), 'FILE_FORMAT');
    expect(e.message).toMatch(/the shape declares -1 rows \(cells\).*The file is damaged/);
    expect(e.message).not.toMatch(/estimateMemory/);
  });

  test('a truncated 10x .h5 says how much of the file is there', async () => {
    expect((await typedError(() => read10xH5(file('truncated-10x.h5.gz')), 'FILE_FORMAT')).message).toMatch(
      /the HDF5 file is truncated: [\d,]+ of [\d,]+ bytes are there/,
    );
  });
});
