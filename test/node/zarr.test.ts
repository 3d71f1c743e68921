/**
 * AnnData Zarr stores (issue 16): the chunked source and the in-memory loader against the same data
 * saved as .h5ad by the same script (test/fixtures/zarr/make_zarr_fixtures.py, anndata 0.8 / zarr
 * 2.13) and read with readH5ad; damaged stores; the Node writer's round trip.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, test } from 'vitest';
import { EmgpuError } from '../../src/errors.js';
import { toDense } from '../../src/io/csr.js';
import { readH5ad } from '../../src/io/h5ad.js';
import type { LoadedCsr, SingleCellData } from '../../src/io/types.js';
import { openZarrSource, readZarr, type ZarrCsrSource, type ZarrDenseSource, type ZarrStoreLike } from '../../src/io/zarr/index.js';
import { writeZarrCsr } from '../../src/io/zarr/write.js';
import type { CsrBlock } from '../../src/stream/types.js';

const F = new URL('../fixtures/zarr/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'emgpu-zarr-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const h5ad = (matrix: string): Promise<SingleCellData> =>
  readH5ad(new Uint8Array(readFileSync(join(F, 'csr.h5ad'))), { matrix: matrix as 'X', obs: false, obsm: false });

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

/** All rows of a CSR source read in blocks of `rows`, glued into one matrix. */
async function readAll(src: ZarrCsrSource, rows: number): Promise<LoadedCsr> {
  const indptr = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (let s = 0; s < src.n; s += rows) {
    const b: CsrBlock = await src.readRows(s, Math.min(src.n, s + rows));
    expect(b.indptr.length).toBe(b.n + 1);
    const base = indices.length;
    for (let i = 1; i <= b.n; i++) indptr.push(base + b.indptr[i]);
    indices.push(...b.indices);
    values.push(...b.values);
  }
  return {
    n: src.n,
    d: src.d,
    nnz: indices.length,
    indptr: Uint32Array.from(indptr),
    indices: Uint32Array.from(indices),
    values: Float32Array.from(values),
  };
}

const same = (a: LoadedCsr, b: LoadedCsr): void => {
  expect([a.n, a.d, a.nnz]).toEqual([b.n, b.d, b.nnz]);
  expect(a.indptr).toEqual(b.indptr);
  expect(a.indices).toEqual(b.indices);
  expect(a.values).toEqual(b.values);
};

describe('AnnData Zarr as a chunked row source', () => {
  test('every matrix of a blosc store, read in blocks of 1, 7, 20 and 53 cells, equals the same matrix read from the .h5ad', async () => {
    for (const matrix of ['X', 'layers/counts', 'raw/X'] as const) {
      const ref = await h5ad(matrix);
      const src = (await openZarrSource(join(F, 'csr-blosc.zarr'), { matrix })) as ZarrCsrSource;
      expect(src.kind).toBe('csr');
      expect([src.n, src.d, src.nnz]).toEqual([ref.n, ref.d, ref.nnz]);
      expect(src.genes).toEqual(ref.genes);
      expect(await src.cellNames()).toEqual(ref.cells);
      expect(src.nnzIn(10, 20)).toBe(ref.indptr[20] - ref.indptr[10]);
      for (const rows of [1, 7, 20, 53]) same(await readAll(src, rows), ref);
      await src.close();
    }
    expect((await h5ad('raw/X')).genes[0]).toBe('g00'); // raw/var's own names, not var's
  });

  test('the default matrix is layers/counts (readH5ad’s rule), and a zlib-compressed store reads the same counts', async () => {
    const ref = await h5ad('layers/counts');
    const blosc = (await openZarrSource(join(F, 'csr-blosc.zarr'))) as ZarrCsrSource;
    expect(blosc.zarr).toEqual({
      matrixSource: 'layers/counts',
      encoding: 'csr',
      available: ['X', 'raw/X', 'layers/counts'],
      zarrFormat: 2,
    });
    const zlib = (await openZarrSource(join(F, 'csr-zlib.zarr'))) as ZarrCsrSource;
    expect(zlib.zarr.matrixSource).toBe('X');
    same(await readAll(zlib, 9), ref);
    expect(await zlib.cellNames(50, 53)).toEqual(['cell050', 'cell051', 'cell052']);
  });

  test('readRows reads only the data and indices chunks covering its entries', async () => {
    const keys: string[] = [];
    const store: ZarrStoreLike = {
      async get(key) {
        keys.push(key);
        try {
          return new Uint8Array(await readFile(join(F, 'csr-blosc.zarr', key)));
        } catch {
          return undefined;
        }
      },
    };
    const ref = await h5ad('layers/counts');
    const src = (await openZarrSource(store)) as ZarrCsrSource;
    keys.length = 0;
    await src.readRows(20, 26);
    const [a, b] = [ref.indptr[20], ref.indptr[26]];
    const want = [];
    for (let c = Math.floor(a / 31); c <= Math.floor((b - 1) / 31); c++)
      want.push(`/layers/counts/data/${c}`, `/layers/counts/indices/${c}`);
    expect(keys.filter((k) => !k.includes('.z')).sort()).toEqual(want.sort());
  });

  test('a dense X is a dense source whose blocks equal the counts, and readZarr keeps it sparse', async () => {
    const ref = await h5ad('layers/counts');
    const dense = toDense(ref);
    const src = (await openZarrSource(join(F, 'dense.zarr'))) as ZarrDenseSource;
    expect(src.kind).toBe('dense');
    for (const rows of [3, 10, 53]) {
      const got: number[] = [];
      for (let s = 0; s < src.n; s += rows) got.push(...(await src.readRows(s, Math.min(src.n, s + rows))).data);
      expect(Float32Array.from(got)).toEqual(dense);
    }
    const whole = await readZarr(join(F, 'dense.zarr'));
    same(whole, ref);
    expect(whole.source).toMatchObject({ format: 'zarr', encoding: 'dense', matrixSource: 'X', looksLikeCounts: true });
    expect(whole.cells).toEqual(ref.cells);
  });

  test('readZarr equals readH5ad for every matrix, with the same names and warnings', async () => {
    for (const matrix of ['X', 'layers/counts', 'raw/X'] as const) {
      const ref = await h5ad(matrix);
      const got = await readZarr(join(F, 'csr-blosc.zarr'), { matrix });
      same(got, ref);
      expect([got.genes, got.cells]).toEqual([ref.genes, ref.cells]);
      expect(got.source.integerValued).toBe(ref.source.integerValued);
      expect(got.source.warnings.length).toBe(ref.source.warnings.length);
    }
  });

  test('a csc X is refused by the source with the fix, and read whole (transposed) by readZarr', async () => {
    const e = await typedError(() => openZarrSource(join(F, 'csc.zarr')), 'FILE_FORMAT');
    expect(e.message).toMatch(/csc_matrix.*adata\.X = adata\.X\.tocsr\(\)/s);
    const got = await readZarr(join(F, 'csc.zarr'));
    same(got, await h5ad('layers/counts'));
    expect(got.source.encoding).toBe('csc');
  });

  test('options and ranges are checked: unknown names, an absent matrix, rows outside [0, n), reads after close', async () => {
    await typedError(() => openZarrSource(join(F, 'csr-zlib.zarr'), { matirx: 'X' } as never), 'UNKNOWN_OPTION');
    const e = await typedError(() => openZarrSource(join(F, 'csr-zlib.zarr'), { matrix: 'layers/spliced' }), 'FILE_FORMAT');
    expect(e.message).toMatch(/it has X\./);
    await typedError(() => openZarrSource(join(F, 'nope.zarr')), 'NOT_A_FILE');
    await typedError(() => openZarrSource(join(F, 'csr.h5ad')), 'NOT_A_FILE');
    await typedError(() => openZarrSource(F), 'FILE_FORMAT');
    const src = (await openZarrSource(join(F, 'csr-zlib.zarr'))) as ZarrCsrSource;
    await typedError(() => src.readRows(50, 54), 'BAD_OPTION');
    await src.close();
    await typedError(() => src.readRows(0, 1), 'BAD_OPTION');
  });

  test('maxBytes bounds a block: a small budget refuses a large block but reads small ones', async () => {
    const src = (await openZarrSource(join(F, 'csr-zlib.zarr'), { maxBytes: 600 })) as ZarrCsrSource;
    expect((await src.readRows(0, 5)).n).toBe(5);
    await typedError(() => src.readRows(0, 53), 'BUFFER_LIMIT');
  });
});

describe('the inputs a browser gives: a URL, a FileList of a picked folder, a directory handle', () => {
  const files = (dir: string, rel = ''): string[] =>
    readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(dir, join(rel, e.name)) : [join(rel, e.name)],
    );

  test('the same store over HTTP (fetch), as File objects with webkitRelativePath, and through a FileSystemDirectoryHandle reads the same blocks', async () => {
    const ref = await h5ad('layers/counts');
    const root = join(F, 'csr-zlib.zarr');
    const server = createServer((req, res) => {
      try {
        res.end(readFileSync(join(F, decodeURIComponent(req.url ?? '').replace(/^\/+/, ''))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const port = (server.address() as AddressInfo).port;
      const overHttp = (await openZarrSource(`http://127.0.0.1:${port}/csr-zlib.zarr`)) as ZarrCsrSource;
      same(await readAll(overHttp, 20), ref);
      expect(overHttp.genes).toEqual(ref.genes);
    } finally {
      server.close();
    }

    const picked = files(root).map((rel) => {
      const f = new File([readFileSync(join(root, rel))], rel.split('/').pop() as string);
      Object.defineProperty(f, 'webkitRelativePath', { value: `csr-zlib.zarr/${rel}` });
      return f;
    });
    const fromFiles = (await openZarrSource(picked)) as ZarrCsrSource;
    expect(fromFiles.name).toBe('csr-zlib.zarr X');
    same(await readAll(fromFiles, 20), ref);

    // A FileSystemDirectoryHandle as showDirectoryPicker() gives one, over the same folder.
    const handle = (dir: string): unknown => ({
      kind: 'directory',
      name: dir.split('/').pop(),
      async getDirectoryHandle(name: string) {
        if (!statSync(join(dir, name)).isDirectory()) throw new Error('TypeMismatchError');
        return handle(join(dir, name));
      },
      async getFileHandle(name: string) {
        const bytes = readFileSync(join(dir, name));
        return { getFile: async () => new File([bytes], name) };
      },
      async *keys() {
        yield* readdirSync(dir);
      },
    });
    const fromHandle = (await openZarrSource(handle(join(F, 'csr-blosc.zarr')) as FileSystemDirectoryHandle)) as ZarrCsrSource;
    expect(fromHandle.zarr.available).toEqual(['X', 'raw/X', 'layers/counts']);
    same(await readAll(fromHandle, 20), ref);
  });
});

describe('Zarr v3', () => {
  test('a v3 store (written here by zarrita: Blosc zstd chunks, no var index) reads the same blocks, with genes numbered', async () => {
    const zarr = await import('zarrita');
    const ref = await h5ad('layers/counts');
    const map = new Map<string, Uint8Array>();
    const root = zarr.root(map);
    await zarr.create(root, { attributes: { 'encoding-type': 'anndata', 'encoding-version': '0.1.0' } });
    await zarr.create(root.resolve('X'), {
      attributes: { 'encoding-type': 'csr_matrix', 'encoding-version': '0.1.0', shape: [ref.n, ref.d] },
    });
    for (const [name, dtype, values] of [
      ['data', 'float32', ref.values],
      ['indices', 'int32', Int32Array.from(ref.indices)],
      ['indptr', 'int32', Int32Array.from(ref.indptr)],
    ] as const) {
      const codecs = [
        { name: 'bytes', configuration: { endian: 'little' } },
        {
          name: 'blosc',
          configuration: { cname: 'zstd', clevel: 3, shuffle: 'shuffle', typesize: values.BYTES_PER_ELEMENT, blocksize: 0 },
        },
      ];
      const arr = await zarr.create(root.resolve(`X/${name}`), {
        shape: [values.length],
        chunkShape: [17],
        dtype,
        codecs,
        fillValue: 0,
      });
      await zarr.set(arr, null, { data: values, shape: [values.length], stride: [1] } as never);
    }
    const src = (await openZarrSource({ get: async (key) => map.get(key) })) as ZarrCsrSource;
    expect(src.zarr.zarrFormat).toBe(3);
    expect(src.genes).toEqual(Array.from({ length: ref.d }, (_, j) => String(j)));
    same(await readAll(src, 8), ref);
  });
});

describe('damaged Zarr stores', () => {
  const copy = (name: string): string => {
    const dir = mkdtempSync(join(tmp, 'store-'));
    cpSync(join(F, name), dir, { recursive: true });
    return dir;
  };

  test('a missing data chunk is refused naming the key, and rows outside it still read', async () => {
    const dir = copy('csr-zlib.zarr');
    unlinkSync(join(dir, 'X/data/3'));
    const src = (await openZarrSource(dir)) as ZarrCsrSource;
    const ref = await h5ad('layers/counts');
    expect((await src.readRows(0, 5)).values).toEqual(ref.values.subarray(0, ref.indptr[5]));
    const e = await typedError(() => readAll(src, 53), 'FILE_FORMAT');
    expect(e.message).toMatch(/X\/data\/3 is missing/);
  });

  test('a corrupt .zarray, an unknown codec, a decreasing indptr and an index ≥ d are each a FileFormatError', async () => {
    let dir = copy('csr-zlib.zarr');
    writeFileSync(join(dir, 'X/indices/.zarray'), '{"chunks": [17], "dtype": "<i4", ');
    expect((await typedError(() => openZarrSource(dir), 'FILE_FORMAT')).message).toMatch(/X\/indices/);

    dir = copy('csr-zlib.zarr');
    const meta = JSON.parse(readFileSync(join(dir, 'X/data/.zarray'), 'utf8'));
    meta.compressor = { id: 'snappy9' };
    writeFileSync(join(dir, 'X/data/.zarray'), JSON.stringify(meta));
    const src = (await openZarrSource(dir)) as ZarrCsrSource;
    expect((await typedError(() => src.readRows(0, 10), 'FILE_FORMAT')).message).toMatch(/"snappy9"/);

    dir = copy('csr-zlib.zarr');
    writeFileSync(
      join(dir, 'X/indptr/0'),
      deflateSync(new Uint8Array(Int32Array.from({ length: 17 }, (_, i) => (i === 5 ? 0 : i * 5)).buffer)),
    );
    expect((await typedError(() => openZarrSource(dir), 'FILE_FORMAT')).message).toMatch(/decreases at row 4/);

    dir = copy('csr-zlib.zarr');
    const idx = new Int32Array(17).fill(3);
    idx[2] = 19;
    writeFileSync(join(dir, 'X/indices/0'), deflateSync(new Uint8Array(idx.buffer)));
    const bad = (await openZarrSource(dir)) as ZarrCsrSource;
    expect((await typedError(() => bad.readRows(0, 3), 'FILE_FORMAT')).message).toMatch(/indices\[2\] = 19 is outside 0\.\.18/);
  });
});

describe('writeZarrCsr', () => {
  test('blocks written in small chunks read back equal, with names, through the source and readZarr', async () => {
    const ref = await h5ad('X');
    const blocks = async function* (): AsyncGenerator<CsrBlock> {
      const src = (await openZarrSource(join(F, 'csr-blosc.zarr'), { matrix: 'X' })) as ZarrCsrSource;
      for (let s = 0; s < src.n; s += 11) yield src.readRows(s, Math.min(src.n, s + 11));
    };
    const path = join(tmp, 'written.zarr');
    const r = await writeZarrCsr(path, {
      n: ref.n,
      d: ref.d,
      blocks: blocks(),
      genes: ref.genes,
      cells: ref.cells,
      chunkEntries: 13,
      chunkRows: 8,
    });
    expect([r.n, r.d, r.nnz]).toEqual([ref.n, ref.d, ref.nnz]);
    const src = (await openZarrSource(path)) as ZarrCsrSource;
    same(await readAll(src, 6), ref);
    expect(await src.cellNames(48, 53)).toEqual(ref.cells.slice(48));
    const whole = await readZarr(path);
    same(whole, ref);
    expect([whole.genes, whole.cells]).toEqual([ref.genes, ref.cells]);
    await typedError(() => writeZarrCsr(path, { n: ref.n, d: ref.d, blocks: [], genes: ref.genes }), 'BAD_OPTION');
    const short = await typedError(
      () => writeZarrCsr(path, { n: ref.n, d: ref.d, blocks: [ref], genes: ref.genes.slice(1), overwrite: true }),
      'SHAPE_MISMATCH',
    );
    expect(short.message).toMatch(/18 names for 19 columns/);
  });
});
