/**
 * The WebAssembly kernels in a browser page (the gpu project's headless Chromium): the module
 * loads through Vite's `?url` asset and fetch, workers start from a Blob URL, and — whether the
 * page is cross-origin isolated or not — results equal the single-threaded ones bit for bit.
 */
import { expect, inject, test } from 'vitest';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { pickCentroids } from '../helpers/wasm-oracle.js';
import { loadWasmRuntime } from '../../src/backends/wasm/runtime.js';
import { BLOCK_ROWS, createPool } from '../../src/backends/wasm/pool.js';
import { kmeansAssignStats, kmeansBuffers, putRows } from '../../src/backends/wasm/ops.js';

const N = 3 * BLOCK_ROWS + 7;
const D = 6;
const K = 5;

async function step(threads: number, x: Float64Array, c: Float64Array) {
  const rt = await loadWasmRuntime();
  const pool = await createPool(rt, { threads });
  try {
    const st = await kmeansAssignStats(pool, putRows(rt, x, N, D), kmeansBuffers(rt, N), c, K);
    return { st, threads: pool.threads, note: pool.note, shared: rt.shared };
  } finally {
    pool.close();
  }
}

test('the WebAssembly kernels run in the browser, on workers when the page is isolated, with the same bits', async () => {
  const x = makeBlobs(N, D, K, 3).data;
  const c = pickCentroids(x, N, D, K, 4);
  const one = await step(1, x, c);
  expect(one.st.counts.reduce((a, b) => a + b, 0)).toBe(N);
  const two = await step(2, x, c);
  // The isolated project must really be isolated, or this test would prove nothing about workers.
  if (inject('isolatedPage')) expect(globalThis.crossOriginIsolated).toBe(true);
  if (globalThis.crossOriginIsolated) {
    expect(two.threads).toBe(2);
  } else {
    // Without isolation there is no shared memory: one thread, and the pool says why.
    expect(two.shared).toBe(false);
    expect(two.threads).toBe(1);
    expect(two.note).toMatch(/cross-origin isolated/);
  }
  expect(Array.from(two.st.sums)).toEqual(Array.from(one.st.sums));
  expect(two.st.inertia).toBe(one.st.inertia);
});
