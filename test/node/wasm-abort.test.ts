import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { pickCentroids } from '../helpers/wasm-oracle.js';
import { loadWasmRuntime, type WasmRuntime } from '../../src/backends/wasm/runtime.js';
import { BLOCK_ROWS, createPool } from '../../src/backends/wasm/pool.js';
import { kmeansAssignStats, kmeansBuffers, putRows, type WasmRows } from '../../src/backends/wasm/ops.js';
import { AbortError } from '../../src/errors.js';

// A run of many blocks (each several ms), long enough for timers to fall inside it.
const N = 24 * BLOCK_ROWS;
const D = 64;
const K = 64;

let rt: WasmRuntime;
let rows: WasmRows;
let c: Float64Array;
beforeAll(async () => {
  rt = await loadWasmRuntime();
  const x = makeBlobs(N, D, 8, 12).data;
  rows = putRows(rt, x, N, D);
  c = pickCentroids(x, N, D, K, 3);
});

describe('a long WebAssembly run', () => {
  let ticks = 0;
  let timer: ReturnType<typeof setInterval>;
  beforeAll(() => {
    timer = setInterval(() => ticks++, 1);
  });
  afterAll(() => clearInterval(timer));

  test('on one thread yields to the event loop between blocks, so timers run during it', async () => {
    const pool = await createPool(rt, { threads: 1 });
    const before = ticks;
    await kmeansAssignStats(pool, rows, kmeansBuffers(rt, N), c, K);
    expect(ticks).toBeGreaterThan(before);
  });

  test.each([1, 2])('aborted from a timer rejects with AbortError, and the pool stays usable (%i threads)', async (threads) => {
    const pool = await createPool(rt, { threads });
    try {
      const bufs = kmeansBuffers(rt, N);
      const ctl = new AbortController();
      setTimeout(() => ctl.abort('stop'), 0);
      const err = await kmeansAssignStats(pool, rows, bufs, c, K, { signal: ctl.signal }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AbortError);
      expect((err as AbortError).code).toBe('ABORTED');
      // An already aborted signal rejects before any work.
      await expect(kmeansAssignStats(pool, rows, bufs, c, K, { signal: ctl.signal })).rejects.toBeInstanceOf(AbortError);
      // The next run is whole and equals a run on a fresh pool.
      const after = await kmeansAssignStats(pool, rows, kmeansBuffers(rt, N), c, K);
      const fresh = await kmeansAssignStats(await createPool(rt, { threads: 1 }), rows, kmeansBuffers(rt, N), c, K);
      expect(after.inertia).toBe(fresh.inertia);
      expect(Array.from(after.sums)).toEqual(Array.from(fresh.sums));
    } finally {
      pool.close();
    }
  });
});
