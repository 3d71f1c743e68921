/**
 * The WebAssembly kernels in a browser page (the gpu project's headless Chromium): the module
 * loads through Vite's `?url` asset and fetch, workers start from a Blob URL, and — whether the
 * page is cross-origin isolated or not — results equal the single-threaded ones bit for bit.
 */
import { expect, inject, test } from 'vitest';
import { createEngine, gaussianMixture, kmeans } from '../../src/index.js';
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

test("'auto' runs on 'wasm' here (no hardware adapter); without isolation every result warns that it ran on one thread, and why", async () => {
  const auto = await createEngine({ backend: 'auto' });
  expect(auto.backend).toBe('wasm');
  expect(auto.fallbackReason).toMatch(/software|adapter|WebGPU/);
  auto.destroy();
  const engine = await createEngine({ backend: 'wasm', threads: 2 });
  try {
    const x = makeBlobs(600, 3, 3, 5).data;
    const X = { data: x, n: 600, d: 3 };
    const km = await kmeans(X, { k: 3, seed: 1, engine });
    const gm = await gaussianMixture(X, { nInit: 1, k: 3, seed: 1, covariance: 'diag', engine });
    if (globalThis.crossOriginIsolated) {
      expect(engine.notice).toBeNull();
      expect(engine.adapter).toMatch(/2 threads\)$/);
      for (const r of [km, gm]) expect(r.warnings.join(' ')).not.toMatch(/one thread/);
    } else {
      expect(engine.notice).toMatch(
        /^The 'wasm' backend is running on one thread: .*cross-origin isolated.*COOP: same-origin and COEP: require-corp/,
      );
      expect(engine.adapter).toMatch(/1 thread;/);
      for (const r of [km, gm]) expect(r.warnings).toContain(engine.notice);
    }
  } finally {
    engine.destroy();
  }
});
