/**
 * WebGPU against the float64 CPU reference on seeded data, plus what only the GPU path has:
 * chunking, split dispatches, bounded readbacks, device loss. Tolerances: test/tolerance.ts.
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { createEngine, DeviceLostError, type Engine, kmeans, predict, softKMeans, transform } from '../../src/index.js';
import { Rng } from '../../src/core/rng.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { F32_OBJ_RTOL, F32_PROB_ATOL, dataScale, expectParamsClose, expectRelClose, permutationBetween } from '../tolerance.js';

let gpu: Engine;
let cpu: Engine;
beforeAll(async () => {
  gpu = await createEngine({ backend: 'webgpu' });
  cpu = await createEngine({ backend: 'reference' });
  expect(gpu.backend).toBe('webgpu');
});

function randomRows(data: Float64Array, n: number, d: number, k: number, seed: number): number[][] {
  return new Rng(seed, 7).sample(n, k).map((i) => Array.from(data.subarray(i * d, i * d + d)));
}

const shapes: [n: number, d: number, k: number, note: string][] = [
  [1200, 2, 3, 'd = 2'],
  [1000, 1, 4, 'd = 1'],
  [2000, 7, 5, 'd = 7, not a multiple of 4'],
  [1500, 33, 8, 'd = 33'],
  [600, 16, 1, 'k = 1'],
  [24, 5, 24, 'k = n'],
  [3000, 50, 20, 'd = 50, k = 20'],
];

describe('WebGPU k-means equals the CPU reference on seeded Gaussian blobs', () => {
  for (const [n, d, k, note] of shapes) {
    test(`n=${n}, d=${d}, k=${k} (${note}): same labels, inertia within the float32 policy`, async () => {
      const b = makeBlobs(n, d, k, n + d + k, { std: 1, spread: 8, offset: 100 });
      const init = randomRows(b.data, n, d, k, 1);
      const X = { data: b.data, n, d };
      const g = await kmeans(X, { k, init, engine: gpu });
      const c = await kmeans(X, { k, init, engine: cpu });
      permutationBetween(g.labels, c.labels, k);
      expect(g.labels).toEqual(c.labels);
      expectRelClose(g.inertia, c.inertia, F32_OBJ_RTOL, 'inertia');
      expect(g.nIter).toBe(c.nIter);
      expectParamsClose(g.centroids, c.centroids, dataScale(b.data, n, d));
      g.history.forEach((h, i) => expectRelClose(h.objective, c.history[i].objective, F32_OBJ_RTOL, `objective of iteration ${i + 1}`));
    });
  }

  test('when k×(d+2) statistics exceed workgroup memory, the general accumulation kernel agrees too', async () => {
    const limits = (await navigator.gpu.requestAdapter())!.limits;
    const d = 30;
    const k = Math.floor(limits.maxComputeWorkgroupStorageSize / 4 / (d + 2)) + 1;
    const n = 6 * k;
    const b = makeBlobs(n, d, k, 31, { std: 0.2, spread: 20 });
    const init = randomRows(b.data, n, d, k, 2);
    const g = await kmeans({ data: b.data, n, d }, { k, init, maxIter: 5, engine: gpu });
    const c = await kmeans({ data: b.data, n, d }, { k, init, maxIter: 5, engine: cpu });
    expect(g.labels).toEqual(c.labels);
    expectRelClose(g.inertia, c.inertia, F32_OBJ_RTOL, 'inertia');
  });

  test('GPU k-means++ finds the planted clusters, as the CPU k-means++ does', async () => {
    const b = makeBlobs(4000, 12, 6, 5, { std: 0.5, spread: 10 });
    const X = { data: b.data, n: b.n, d: b.d };
    const g = await kmeans(X, { k: 6, seed: 2, nInit: 3, engine: gpu });
    const c = await kmeans(X, { k: 6, seed: 2, nInit: 3, engine: cpu });
    permutationBetween(g.labels, b.truth, 6);
    permutationBetween(c.labels, b.truth, 6);
    expectRelClose(g.inertia, c.inertia, F32_OBJ_RTOL, 'inertia');
  });

  test('soft k-means: objective, centroids and responsibilities match the reference', async () => {
    const b = makeBlobs(1500, 6, 4, 9, { std: 2, spread: 3 });
    const X = { data: b.data, n: b.n, d: b.d };
    const init = randomRows(b.data, b.n, b.d, 4, 3);
    const opts = { k: 4, init, beta: 0.2, returnResponsibilities: true, maxIter: 50 };
    const g = await softKMeans(X, { ...opts, engine: gpu });
    const c = await softKMeans(X, { ...opts, engine: cpu });
    expect(g.nIter).toBe(c.nIter);
    expectRelClose(g.objective, c.objective, F32_OBJ_RTOL, 'soft objective');
    expectParamsClose(g.centroids, c.centroids, dataScale(b.data, b.n, b.d));
    let worst = 0;
    g.responsibilities!.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - c.responsibilities![i]))));
    expect(worst).toBeLessThanOrEqual(F32_PROB_ATOL);
    expect(g.labels).toEqual(c.labels);
  });

  test('predict and transform on new data match the reference', async () => {
    const b = makeBlobs(2500, 9, 7, 21);
    const model = await kmeans({ data: b.data, n: b.n, d: b.d }, { k: 7, seed: 1, engine: cpu });
    const fresh = makeBlobs(700, 9, 7, 22);
    const Xn = { data: fresh.data, n: fresh.n, d: fresh.d };
    expect(await predict(model, Xn, { engine: gpu })).toEqual(await predict(model, Xn, { engine: cpu }));
    const tg = await transform(model, Xn, { engine: gpu });
    const tc = await transform(model, Xn, { engine: cpu });
    tg.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - tc[i][j])).toBeLessThanOrEqual(1e-4 * (1 + tc[i][j]))));
  });
});

describe('the chunked GPU path', () => {
  const b = makeBlobs(3000, 5, 4, 77, { std: 1.5, spread: 5 });
  const X = { data: b.data, n: b.n, d: b.d };

  test('chunks of whole segments give bit-identical results to one chunk', async () => {
    const chunked = await createEngine({ backend: 'webgpu', maxChunkRows: 512 });
    const whole = await kmeans(X, { k: 4, seed: 4, nInit: 2, engine: gpu });
    const parts = await kmeans(X, { k: 4, seed: 4, nInit: 2, engine: chunked });
    expect(parts.gpu!.chunks).toBe(6);
    expect(whole.gpu!.chunks).toBe(1);
    expect(parts.labels).toEqual(whole.labels);
    expect(parts.centroids).toEqual(whole.centroids);
    expect(parts.inertia).toBe(whole.inertia);
    const softWhole = await softKMeans(X, { k: 4, seed: 4, beta: 0.3, returnResponsibilities: true, engine: gpu });
    const softParts = await softKMeans(X, { k: 4, seed: 4, beta: 0.3, returnResponsibilities: true, engine: chunked });
    expect(softParts.responsibilities).toEqual(softWhole.responsibilities);
    expect(softParts.objective).toBe(softWhole.objective);
    chunked.destroy();
  });

  test('tiny ragged chunks (37 rows) agree with the reference', async () => {
    const tiny = await createEngine({ backend: 'webgpu', maxChunkRows: 37 });
    const init = randomRows(b.data, b.n, b.d, 4, 8);
    const g = await kmeans(X, { k: 4, init, engine: tiny });
    const c = await kmeans(X, { k: 4, init, engine: cpu });
    expect(g.gpu!.chunks).toBe(Math.ceil(3000 / 37));
    expect(g.labels).toEqual(c.labels);
    expectRelClose(g.inertia, c.inertia, F32_OBJ_RTOL, 'inertia');
    const pp = await kmeans(X, { k: 4, seed: 9, engine: tiny });
    const ppWhole = await kmeans(X, { k: 4, seed: 9, engine: gpu });
    permutationBetween(pp.labels, ppWhole.labels, 4);
    expect(await predict(g, X, { engine: tiny })).toEqual(g.labels);
    tiny.destroy();
  });

  test('split dispatches (at most 4 workgroups per dimension, 12 needed) give the same result', async () => {
    const split = await createEngine({ backend: 'webgpu', maxWorkgroupsPerDimension: 4 });
    const a = await kmeans(X, { k: 4, seed: 4, nInit: 2, engine: split });
    const ref = await kmeans(X, { k: 4, seed: 4, nInit: 2, engine: gpu });
    expect(a.labels).toEqual(ref.labels);
    expect(a.centroids).toEqual(ref.centroids);
    split.destroy();
  });
});

describe('GPU traffic per iteration', () => {
  test('each iteration reads back O(k·d) bytes and issues a fixed number of dispatches', async () => {
    const n = 20_000;
    const d = 10;
    const k = 8;
    const b = makeBlobs(n, d, k, 3);
    const r = await kmeans({ data: b.data, n, d }, { k, seed: 1, init: 'random', nInit: 1, maxIter: 20, engine: gpu });
    // One readback of k×(d+2) float statistics plus the 4-byte changed count; never O(n).
    expect(r.gpu!.bytesReadPerIter).toBe(k * (d + 2) * 4 + 4);
    // One fused pass (E-step + statistics) per chunk, then one reduction: x is read once.
    expect(r.gpu!.dispatchesPerIter).toBe(r.gpu!.chunks + 1);
    expect(r.gpu!.dataPassesPerIter).toBe(1);
    expect(r.gpu!.dataBytesPerIter).toBe(n * (d + 1) * 4);
    expect(r.gpu!.peakAllocatedBytes).toBeGreaterThanOrEqual(n * d * 4);
  });
});

describe('device loss', () => {
  test('a lost device fails the next fit with DeviceLostError', async () => {
    const adapter = await navigator.gpu.requestAdapter();
    const device = await adapter!.requestDevice();
    const engine = await createEngine({ backend: 'webgpu', device });
    const ok = await kmeans([[0], [1], [10], [11]], { k: 2, init: [[0], [1]], engine });
    expect(ok.inertia).toBeCloseTo(1, 5);
    device.destroy();
    await device.lost;
    const err = await kmeans([[0], [1]], { k: 1, engine }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceLostError);
    expect((err as Error).message).toMatch(/device was lost.*createEngine/);
  });
});
