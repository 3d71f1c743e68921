// Backed HDF5 sources in headless Chromium: in a Web Worker a File is mounted with WORKERFS and
// read in blocks (same matrix as read10xH5); on the main thread a File is read whole under
// maxBytes and refused above it with the fix (open it from a worker); a path is refused.
import { describe, expect, test } from 'vitest';
import { read10xH5 } from '../../src/io/10x-h5.js';
import { open10xH5Source } from '../../src/io/backed/10x-source.js';
import { openH5adSource } from '../../src/io/backed/h5ad-source.js';
import { EmgpuError } from '../../src/errors.js';
import type { LoadedCsr } from '../../src/io/types.js';
import h5Url from '../fixtures/sc/3.0.0/filtered_feature_bc_matrix.h5?url';

async function fetchBlob(url: string): Promise<Blob> {
  const r = await fetch(new URL(url, location.href));
  expect(r.ok, `fetch ${r.url}: ${r.status}`).toBe(true);
  return r.blob();
}

function expectSameCsr(a: LoadedCsr, b: LoadedCsr): void {
  expect([a.n, a.d, a.nnz]).toEqual([b.n, b.d, b.nnz]);
  for (const key of ['indptr', 'indices', 'values'] as const) {
    let diff = a[key].length === b[key].length ? -1 : -2;
    for (let k = 0; k < a[key].length && diff === -1; k++) if (a[key][k] !== b[key][k]) diff = k;
    expect(diff, `${key}: first difference`).toBe(-1);
  }
}

async function caught(p: () => Promise<unknown>): Promise<EmgpuError> {
  try {
    await p();
  } catch (e) {
    expect(e).toBeInstanceOf(EmgpuError);
    return e as EmgpuError;
  }
  throw new Error('no error');
}

describe('backed HDF5 sources in the browser', () => {
  test('in a Web Worker the File is mounted and read in blocks of 50 cells: the same matrix and names as read10xH5', async () => {
    const blob = await fetchBlob(h5Url);
    const whole = await read10xH5(blob);
    const w = new Worker(new URL('./backed-h5.worker.ts', import.meta.url), { type: 'module' });
    const got = await new Promise<{
      ok: boolean;
      out?: LoadedCsr;
      meta?: { access: string; genes: string[]; cells: string[]; chunks: number };
      error?: string;
    }>((resolve) => {
      w.onmessage = (e) => resolve(e.data);
      w.onerror = (e) => resolve({ ok: false, error: e.message });
      w.postMessage({ blob, chunkRows: 50 });
    });
    w.terminate();
    expect(got.error).toBeUndefined();
    expect(got.meta!.access).toBe('mounted');
    expect(got.meta!.chunks).toBe(Math.ceil(whole.n / 50));
    expectSameCsr(got.out!, whole);
    expect(got.meta!.genes).toEqual(whole.genes);
    expect(got.meta!.cells).toEqual(whole.cells);
  });

  test('on the main thread a File is read whole under maxBytes, refused above it (open it from a worker); a path is refused', async () => {
    const blob = await fetchBlob(h5Url);
    const src = await open10xH5Source(blob);
    expect(src.info.access).toBe('memory');
    expect((await src.readRows(0, 3)).n).toBe(3);
    await src.close();
    const e = await caught(() => open10xH5Source(blob, { maxBytes: 1000 }));
    expect(e.code).toBe('BUFFER_LIMIT');
    expect(e.message).toMatch(/on a browser's main thread a File can only be read whole.*Call open10xH5Source from a Web Worker/);
    const p = await caught(() => openH5adSource('/data/x.h5ad'));
    expect(p.code).toBe('BAD_OPTION');
    expect(p.message).toMatch(/can be opened in Node only/);
  });
});
