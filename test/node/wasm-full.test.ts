import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeBlobs } from '../../src/datasets/blobs.js';
import {
  cholesky64,
  columnMeans,
  expectAllClose,
  mahalanobis64,
  packedMoments,
  pickCentroids,
  precisionFactor,
  sampleWeights,
  softStats,
  spdMatrix,
} from '../helpers/wasm-oracle.js';
import { dataScale, expectRelClose, F32_OBJ_RTOL, F32_PARAM_ATOL, F32_PARAM_RTOL, F32_PROB_ATOL } from '../tolerance.js';
import { loadWasmRuntime, type WasmRuntime } from '../../src/backends/wasm/runtime.js';
import { createPool, type WasmPool } from '../../src/backends/wasm/pool.js';
import { gmmFullEStep, putRows } from '../../src/backends/wasm/ops.js';

const N = 9000;

let rt: WasmRuntime;
let pool: WasmPool;
beforeAll(async () => {
  rt = await loadWasmRuntime();
  pool = await createPool(rt, { threads: 1 });
});
afterAll(() => pool.close());

describe.each([1, 3, 4, 17, 64])('the full/tied Gaussian WebAssembly E-step at d = %i', (d) => {
  test.each([
    ['full', 1, false],
    ['full', 7, true],
    ['tied', 7, false],
  ] as const)('%s covariance, k = %i, matches float64 (weights: %s)', async (type, k, weighted) => {
    const x = makeBlobs(N, d, 8, 200 + d, { spread: 3 }).data;
    const w = weighted ? sampleWeights(N, d) : undefined;
    const scale = dataScale(x, N, d);
    const means = pickCentroids(x, N, d, k, 9 * k + d);
    const blocks = type === 'full' ? k : 1;
    const chol = Array.from({ length: blocks }, (_, b) => cholesky64(spdMatrix(d, 40 + b + d), d));
    const precChol = new Float64Array(blocks * d * d);
    chol.forEach((l, b) => precChol.set(precisionFactor(l, d), b * d * d));
    const logDetPrecChol = Float64Array.from({ length: k }, (_, j) => {
      const l = chol[type === 'full' ? j : 0];
      let s = 0;
      for (let f = 0; f < d; f++) s -= Math.log(l[f * d + f]);
      return s;
    });
    const weights = Float64Array.from({ length: k }, (_, j) => (1 + (j % 2)) / (k + Math.floor(k / 2)));
    const mark = rt.arena.mark();
    const rows = putRows(rt, x, N, d, { shift: columnMeans(x, N, d), weights: w });
    const got = await gmmFullEStep(pool, rows, { k, type, weights, means, precChol, logDetPrecChol }, means, { resp: true, logp: true });
    const half = 0.5 * d * Math.log(2 * Math.PI);
    const v = new Float64Array(d);
    const ref = softStats(
      x,
      N,
      d,
      k,
      (i, j) => {
        for (let f = 0; f < d; f++) v[f] = x[i * d + f] - means[j * d + f];
        return Math.log(weights[j]) + logDetPrecChol[j] - half - 0.5 * mahalanobis64(chol[type === 'full' ? j : 0], d, v);
      },
      null,
      w,
    );
    const refS2 = packedMoments(x, N, d, k, ref.resp, means, w);
    expectRelClose(got.sumLse, ref.sumLse, F32_OBJ_RTOL, 'Σ log p');
    expectAllClose(got.resp!, ref.resp, F32_PROB_ATOL, 0, 'responsibility');
    expectAllClose(got.nk, ref.nk, F32_PROB_ATOL * N, 0, 'N_k');
    const m = (d * (d + 1)) / 2;
    for (let j = 0; j < k; j++) {
      if (ref.nk[j] < 1e-3) continue;
      const mean = (s: ArrayLike<number>, nk: number, off: number, len: number) => Array.from({ length: len }, (_, t) => s[off + t] / nk);
      expectAllClose(
        mean(got.sx, got.nk[j], j * d, d),
        mean(ref.sx, ref.nk[j], j * d, d),
        F32_PARAM_ATOL * scale,
        F32_PARAM_RTOL,
        `mean ${j}`,
      );
      expectAllClose(
        mean(got.s2!, got.nk[j], j * m, m),
        mean(refS2, ref.nk[j], j * m, m),
        F32_PARAM_ATOL * scale * scale,
        F32_PARAM_RTOL,
        `moments ${j}`,
      );
    }
    expect(got.logp!.length).toBe(N);
    rt.arena.release(mark);
  });
});
