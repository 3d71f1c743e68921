import { describe, expect, test } from 'vitest';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { columnMeans, pickCentroids, sampleWeights, seedingRng } from '../helpers/wasm-oracle.js';
import { loadWasmRuntime } from '../../src/backends/wasm/runtime.js';
import { BLOCK_ROWS, createPool } from '../../src/backends/wasm/pool.js';
import {
  distances,
  gmmDiagEStep,
  gmmFullEStep,
  kmeansAssignStats,
  kmeansBuffers,
  kmeansPlusPlus,
  putRows,
  softKMeansEStep,
} from '../../src/backends/wasm/ops.js';

// More blocks than threads, the last one partial, d not a multiple of 4.
const N = 5 * BLOCK_ROWS + 321;
const D = 13;
const K = 9;

/** Everything the kernels produce on one fixed problem, at a given thread count. */
async function runAll(threads: number, x: Float64Array, w: Float64Array, c: Float64Array) {
  const rt = await loadWasmRuntime();
  const pool = await createPool(rt, { threads });
  try {
    const rows = putRows(rt, x, N, D, { shift: columnMeans(x, N, D), weights: w });
    const bufs = kmeansBuffers(rt, N);
    const hard = await kmeansAssignStats(pool, rows, bufs, c, K);
    const labels = new Int32Array(rt.memory.buffer, bufs.labels, N).slice();
    const dist = new Float32Array(rt.memory.buffer, bufs.dist, N).slice();
    const soft = await softKMeansEStep(pool, rows, c, K, 0.05, { resp: true, minDist: true });
    const prec = new Float64Array(K * D).fill(0.8);
    const gauss = await gmmDiagEStep(
      pool,
      rows,
      {
        k: K,
        weights: new Float64Array(K).fill(1 / K),
        means: c,
        precChol: prec,
        logDetPrecChol: new Float64Array(K).fill(D * Math.log(0.8)),
      },
      c,
      { resp: true, logp: true },
    );
    const table = await distances(pool, rows, c, K, true);
    const seeds = await kmeansPlusPlus(pool, rows, K, seedingRng(2));
    // An identity-like precision factor (upper triangular, off-diagonal 0.1): full covariance.
    const u = new Float64Array(K * D * D);
    for (let j = 0; j < K; j++) for (let a = 0; a < D; a++) for (let b = a; b < D; b++) u[j * D * D + a * D + b] = a === b ? 0.9 : 0.1;
    const full = await gmmFullEStep(
      pool,
      rows,
      {
        k: K,
        type: 'full',
        weights: new Float64Array(K).fill(1 / K),
        means: c,
        precChol: u,
        logDetPrecChol: new Float64Array(K).fill(D * Math.log(0.9)),
      },
      c,
      { resp: true, logp: true },
    );
    return { threads: pool.threads, hard, labels, dist, soft, gauss, table, seeds, full };
  } finally {
    pool.close();
  }
}

/** Field by field: typed arrays byte for byte, numbers with Object.is (−0 and NaN kept honest). */
function expectSameBits(a: Record<string, unknown>, b: Record<string, unknown>, path = ''): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const key of Object.keys(a)) {
    const u = a[key];
    const v = b[key];
    const where = `${path}${key}`;
    if (ArrayBuffer.isView(u) && ArrayBuffer.isView(v)) {
      const same =
        u.byteLength === v.byteLength &&
        Buffer.compare(Buffer.from(u.buffer, u.byteOffset, u.byteLength), Buffer.from(v.buffer, v.byteOffset, v.byteLength)) === 0;
      if (!same) throw new Error(`${where}: the bits differ`);
    } else if (u !== null && typeof u === 'object' && v !== null && typeof v === 'object' && !Array.isArray(u)) {
      expectSameBits(u as Record<string, unknown>, v as Record<string, unknown>, `${where}.`);
    } else if (Array.isArray(u)) {
      expect(v, where).toEqual(u);
    } else if (!Object.is(u, v)) throw new Error(`${where}: ${String(u)} vs ${String(v)}`);
  }
}

describe('the WebAssembly worker pool', () => {
  test('1, 2 and 3 threads give identical bits for every kernel', async () => {
    const x = makeBlobs(N, D, 6, 4).data;
    const w = sampleWeights(N, 9);
    const c = pickCentroids(x, N, D, K, 21);
    const one = await runAll(1, x, w, c);
    expect(one.threads).toBe(1);
    for (const t of [2, 3]) {
      const many = await runAll(t, x, w, c);
      expect(many.threads).toBe(t);
      expectSameBits(many, { ...one, threads: t });
    }
  });

  test("the caller's arrays are never changed", async () => {
    const x = makeBlobs(N, D, 6, 5).data;
    const w = sampleWeights(N, 3);
    const c = pickCentroids(x, N, D, K, 8);
    const copies = [x.slice(), w.slice(), c.slice()];
    await runAll(2, x, w, c);
    expectSameBits({ x, w, c }, { x: copies[0], w: copies[1], c: copies[2] });
  });

  test('without shared memory it runs on one thread and says why', async () => {
    const rt = await loadWasmRuntime({ shared: false });
    expect(rt.shared).toBe(false);
    const pool = await createPool(rt, { threads: 2 });
    expect(pool.threads).toBe(1);
    expect(pool.note).toMatch(/one thread/);
    const x = makeBlobs(100, 3, 2, 1).data;
    const rows = putRows(rt, x, 100, 3);
    const st = await kmeansAssignStats(pool, rows, kmeansBuffers(rt, 100), pickCentroids(x, 100, 3, 2, 1), 2);
    expect(st.counts[0] + st.counts[1]).toBe(100);
  });

  test('a thread count that is not a positive integer is refused with the fix', async () => {
    const rt = await loadWasmRuntime();
    await expect(createPool(rt, { threads: 0 })).rejects.toThrow(/positive integer/);
  });
});
