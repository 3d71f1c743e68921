// The single-cell loaders in headless Chromium: read10x streams the Cell Ranger 3 fixture fetched
// as Blobs through the browser's DecompressionStream; read10xH5 reads the .h5 version through
// h5wasm (in memory on the main thread, WORKERFS-mounted in a worker), and all agree exactly.
import { describe, expect, test } from 'vitest';
import { read10x } from '../../src/io/10x.js';
import { read10xH5 } from '../../src/io/10x-h5.js';
import { loadH5wasm } from '../../src/io/h5.js';
import { readH5adFromFile } from '../../src/io/h5ad.js';
import { rowSums } from '../../src/io/csr.js';
import { FileFormatError } from '../../src/errors.js';
import type { LoadedCsr, LoadProgress, SingleCellData } from '../../src/io/types.js';

import { commands } from 'vitest/browser';
// Vite serves files under the project root; ?url gives each fixture's served address. Its dev
// server (sirv) sends every *.gz with "Content-Encoding: gzip", so fetch() hands back the
// decompressed text. To give the loader the file's own gzip bytes, the test reads them through
// vitest's file command and fetches them as a data: URL.
import matrixUrl from '../fixtures/sc/3.0.0/filtered_feature_bc_matrix/matrix.mtx.gz?url';
import h5Url from '../fixtures/sc/3.0.0/filtered_feature_bc_matrix.h5?url';

const FIXTURE_DIR = 'test/fixtures/sc/3.0.0/filtered_feature_bc_matrix';

/** A fixture's bytes exactly as on disk, as a Blob. */
async function originalBlob(name: string): Promise<Blob> {
  const b64 = await commands.readFile(`${FIXTURE_DIR}/${name}`, 'base64');
  return fetchBlob(`data:application/octet-stream;base64,${b64}`);
}

async function fetchBlob(url: string): Promise<Blob> {
  const r = await fetch(new URL(url, location.href));
  expect(r.ok, `fetch ${r.url}: ${r.status}`).toBe(true);
  return r.blob();
}

async function isGzip(b: Blob): Promise<boolean> {
  const h = new Uint8Array(await b.slice(0, 2).arrayBuffer());
  return h[0] === 0x1f && h[1] === 0x8b;
}

/** Entries of a gzipped MatrixMarket file by a plain decompress-and-split pass: [gene, cell, value]. */
async function lineSplitEntries(blob: Blob): Promise<number[][]> {
  const t = await new Response(blob.stream().pipeThrough(new DecompressionStream('gzip'))).text();
  return t
    .split('\n')
    .filter((l) => l && !l.startsWith('%'))
    .slice(1)
    .map((l) => l.split(' ').map(Number));
}

function expectSameCsr(a: LoadedCsr, b: LoadedCsr): void {
  expect([a.n, a.d, a.nnz]).toEqual([b.n, b.d, b.nnz]);
  for (const key of ['indptr', 'indices', 'values'] as const) {
    const x = a[key];
    const y = b[key];
    expect(x.length, key).toBe(y.length);
    let diff = -1;
    for (let k = 0; k < x.length && diff < 0; k++) if (x[k] !== y[k]) diff = k;
    expect(diff, `${key}: first difference`).toBe(-1);
  }
}

function inWorker(kind: '10x-h5' | 'h5ad', blob: Blob): Promise<SingleCellData> {
  const w = new Worker(new URL('./sc-io.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<SingleCellData>((resolve, reject) => {
    w.onmessage = (e: MessageEvent<{ ok: boolean; data?: SingleCellData; error?: string }>) => {
      w.terminate();
      if (e.data.ok) resolve(e.data.data!);
      else reject(new Error(e.data.error));
    };
    w.onerror = (e) => {
      w.terminate();
      reject(new Error(`worker error: ${e.message}`));
    };
    w.postMessage({ kind, blob });
  });
}

describe('single-cell loaders in the browser', () => {
  let mtx: SingleCellData;

  test('read10x on Blobs: the browser DecompressionStream path gives the fixture’s CSR', async () => {
    const [matrix, features, barcodes] = await Promise.all(['matrix.mtx.gz', 'features.tsv.gz', 'barcodes.tsv.gz'].map(originalBlob));
    // The bytes arrive compressed (the server does not gunzip them), so the loader's DecompressionStream does.
    expect(await isGzip(matrix)).toBe(true);
    expect(matrix.size).toBe(73946);
    const progress: LoadProgress[] = [];
    mtx = await read10x({ matrix, features, barcodes }, { onProgress: (p) => progress.push(p) });
    expect([mtx.n, mtx.d, mtx.nnz]).toEqual([1107, 507, 23866]);
    expect(mtx.source).toMatchObject({ format: '10x-mtx', field: 'integer', looksLikeCounts: true, cellOrdered: true });
    expect(mtx.source.bytesRead).toBe(matrix.size + features.size + barcodes.size);
    expect(progress[progress.length - 1].phase).toBe('done');
    expect(mtx.cells[0]).toBe('AAACCCAAGGAGAGTA-1');
    expect(mtx.genes.slice(0, 2)).toEqual(['CH507-9B2.2', 'CH507-9B2.1']);
    // Independent: totals per cell from a decompress-and-split pass.
    const entries = await lineSplitEntries(matrix);
    const want = new Float64Array(mtx.n);
    for (const [, c, v] of entries) want[c - 1] += v;
    expect(Array.from(rowSums(mtx))).toEqual(Array.from(want));
    for (let i = 0; i < mtx.n; i++) {
      for (let k = mtx.indptr[i] + 1; k < mtx.indptr[i + 1]; k++) expect(mtx.indices[k] > mtx.indices[k - 1]).toBe(true);
    }
  });

  test('a truncated .mtx.gz fails in Chromium too, with the fix', async () => {
    const matrix = await originalBlob('matrix.mtx.gz');
    let caught: unknown;
    try {
      await read10x({ matrix: matrix.slice(0, 40000) });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FileFormatError);
    expect((caught as Error).message).toMatch(/gzip decompression failed after .* compressed bytes.*truncated or corrupt/);
  });

  test('served with Content-Encoding: gzip, the browser gunzips; read10x takes the plain text, same CSR', async () => {
    const matrix = await fetchBlob(matrixUrl);
    expect(await isGzip(matrix)).toBe(false);
    const plain = await read10x({ matrix });
    expectSameCsr(plain, mtx);
  });

  test('read10xH5 on the main thread (h5wasm, in memory) equals read10x', async () => {
    const h = await read10xH5(await fetchBlob(h5Url));
    expect(h.source).toMatchObject({ format: '10x-h5', h5Layout: 'v3', mounted: false });
    expectSameCsr(h, mtx);
    expect(h.genes).toEqual(mtx.genes);
    expect(h.cells).toEqual(mtx.cells);
  });

  test('in a worker the .h5 Blob is mounted with WORKERFS, not copied; same matrix', async () => {
    const h = await inWorker('10x-h5', await fetchBlob(h5Url));
    expect(h.source.mounted).toBe(true);
    expectSameCsr(h, mtx);
    expect(h.cells).toEqual(mtx.cells);
  });

  test('readH5adFromFile in a worker mounts the File (an .h5ad written here with h5wasm)', async () => {
    const { h5, FS } = await loadH5wasm();
    const f = new h5.File('/made.h5ad', 'w');
    const x = f.create_group('X');
    x.create_attribute('encoding-type', 'csr_matrix');
    x.create_attribute('shape', new Int32Array([2, 3]));
    x.create_dataset({ name: 'indptr', data: new Int32Array([0, 2, 3]) });
    x.create_dataset({ name: 'indices', data: new Int32Array([0, 2, 1]) });
    x.create_dataset({ name: 'data', data: new Float32Array([4, 1, 9]) });
    const obs = f.create_group('obs');
    obs.create_attribute('_index', '_index');
    obs.create_dataset({ name: '_index', data: ['a', 'b'] });
    const ct = obs.create_group('type');
    ct.create_attribute('encoding-type', 'categorical');
    ct.create_dataset({ name: 'categories', data: ['B', 'T'] });
    ct.create_dataset({ name: 'codes', data: new Int8Array([1, 0]) });
    const v = f.create_group('var');
    v.create_attribute('_index', '_index');
    v.create_dataset({ name: '_index', data: ['g1', 'g2', 'g3'] });
    f.close();
    const bytes = (FS as unknown as { readFile(p: string): Uint8Array }).readFile('/made.h5ad');
    FS.unlink('/made.h5ad');
    const file = new File([bytes as Uint8Array<ArrayBuffer>], 'made.h5ad');
    const inW = await inWorker('h5ad', file);
    expect(inW.source).toMatchObject({ format: 'h5ad', mounted: true, matrixSource: 'X', looksLikeCounts: true });
    expect([inW.n, inW.d, inW.nnz]).toEqual([2, 3, 3]);
    expect(Array.from(inW.indices)).toEqual([0, 2, 1]);
    expect(Array.from(inW.values)).toEqual([4, 1, 9]);
    expect(inW.cells).toEqual(['a', 'b']);
    expect(inW.genes).toEqual(['g1', 'g2', 'g3']);
    expect(inW.obs).toEqual({ type: ['T', 'B'] });
    // On the main thread: read into memory instead.
    const main = await readH5adFromFile(file);
    expect(main.source.mounted).toBe(false);
    expectSameCsr(main, inW);
  });
});
