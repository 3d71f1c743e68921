/**
 * knn on WebGPU (shaders/graph/knn.wgsl) against the float64 reference: the same indices and
 * distances, bit for bit (knn-exact.ts refines the f32 candidates), in one chunk and in many
 * (maxChunkRows forces the chunked path: query chunk × reference chunk dispatches merging into one
 * list per row), with split dispatch grids, for euclidean and cosine (a row of zeros included),
 * inside a validation error scope of the device.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEngine, knn, type Engine, type KnnMetric } from '../../src/index.js';
import type { GpuEngineState } from '../../src/gpu/session.js';
import { toDataset } from '../../src/data.js';
import { prepareSearch } from '../../src/graph/knn-exact.js';
import { referenceKnn } from '../../src/backends/reference/knn.js';
import { knnTileRows, webgpuKnn } from '../../src/backends/webgpu/knn.js';

/** Seeded clustered rows (a small LCG: the test needs no statistical quality), duplicates included. */
function data(n: number, d: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let f = 0; f < d; f++) x[i * d + f] = (i % 4) * 3 + u() + u() - 1;
  for (let i = 0; i < n; i += 29) x.copyWithin(i * d, ((i * 7 + 3) % n) * d, ((i * 7 + 3) % n) * d + d);
  return x;
}

let plain: Engine;
let chunked: Engine;
beforeAll(async () => {
  plain = await createEngine({ backend: 'webgpu' });
  // 200 rows in chunks of 48 (5 chunks, the last short), 1 workgroup per grid dimension: (1, 2) grids.
  chunked = await createEngine({ backend: 'webgpu', maxChunkRows: 48, maxWorkgroupsPerDimension: 1 });
});
afterAll(() => {
  plain.destroy();
  chunked.destroy();
});

describe('knn on WebGPU', () => {
  test.each([
    ['euclidean', 10, 7],
    ['cosine', 6, 4],
  ] as const)('equals the reference bit for bit, one chunk or five (%s, d = %i, k = %i)', async (metric: KnnMetric, d, k) => {
    const n = 200;
    const x = data(n, d, 3 + d);
    if (metric === 'cosine') x.fill(0, 5 * d, 6 * d);
    const ref = await knn({ data: x, n, d }, { k, metric, backend: 'reference' });
    for (const engine of [plain, chunked]) {
      const device = (engine.instance as GpuEngineState).ctx.device;
      device.pushErrorScope('validation');
      const r = await knn({ data: x, n, d }, { k, metric, engine });
      expect(await device.popErrorScope()).toBeNull();
      expect(r.backend).toBe('webgpu');
      expect(Array.from(r.indices)).toEqual(Array.from(ref.indices));
      expect(Array.from(r.distances)).toEqual(Array.from(ref.distances));
    }
  });
});

describe('the WebGPU candidate kernel itself', () => {
  test('rows too wide for one row of workgroup memory are read from storage (STAGE = false), same bits as the reference', async () => {
    const device = (plain.instance as GpuEngineState).ctx.device;
    const d = device.limits.maxComputeWorkgroupStorageSize / 4 + 8;
    expect(knnTileRows(d, device.limits.maxComputeWorkgroupStorageSize)).toBeLessThan(1);
    const n = 40;
    const x = data(n, d, 5);
    const ref = await knn({ data: x, n, d }, { k: 3, backend: 'reference' });
    const r = await knn({ data: x, n, d }, { k: 3, engine: plain });
    expect(Array.from(r.indices)).toEqual(Array.from(ref.indices));
    expect(Array.from(r.distances)).toEqual(Array.from(ref.distances));
    const prep = prepareSearch(toDataset({ data: x, n, d }), 'euclidean', 11);
    const got = await webgpuKnn.candidates(plain, prep.search, {});
    const want = await referenceKnn.candidates(plain, prep.search, {});
    expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
  });

  test('finds the float64 candidates (same rows, f32 squared distances within d·ε₃₂) in one chunk and in five', async () => {
    const n = 200;
    const d = 10;
    const prep = prepareSearch(toDataset({ data: data(n, d, 21), n, d }), 'euclidean', 16);
    const want = await referenceKnn.candidates(plain, prep.search, {});
    for (const engine of [plain, chunked]) {
      const got = await webgpuKnn.candidates(engine, prep.search, {});
      expect(got.unitRoundoff).toBe(2 ** -24);
      let same = 0;
      for (let t = 0; t < n * 16; t++) {
        if (got.indices[t] === want.indices[t]) same++;
        expect(Math.abs(got.sq[t] - want.sq[t])).toBeLessThanOrEqual(1e-5 * (want.sq[t] + 1e-3));
      }
      // Only f32 near-ties may swap neighbours; a kernel bug changes far more.
      expect(same).toBeGreaterThanOrEqual(0.99 * n * 16);
    }
  });
});
