/**
 * GPU faults and leaks (issue 12): a device destroyed in the middle of a fit rejects that fit with
 * DeviceLostError, and a new engine works afterwards; a thousand fits on one engine leave no GPU
 * buffer behind (the device context counts the bytes of every buffer emgpu holds); destroy()
 * releases the device the engine created, and the engine refuses further work.
 */
import { expect, test } from 'vitest';
import {
  createEngine,
  DeviceLostError,
  gaussianMixture,
  kmeans,
  negativeBinomialMixture,
  softKMeans,
  type Engine,
} from '../../src/index.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import type { GpuEngineState } from '../../src/gpu/session.js';
import { F32_OBJ_RTOL, expectRelClose } from '../tolerance.js';

const state = (e: Engine) => e.instance as GpuEngineState;

test('a device destroyed during a fit rejects that fit with DeviceLostError, and a new engine fits afterwards', async () => {
  const adapter = await navigator.gpu.requestAdapter();
  const device = await adapter!.requestDevice();
  const engine = await createEngine({ backend: 'webgpu', device });
  const n = 4000;
  const X = { data: makeBlobs(n, 8, 4, 3).data, n, d: 8 };
  let iterations = 0;
  const err = await kmeans(X, {
    k: 4,
    seed: 1,
    tol: 0,
    maxIter: 500,
    emptyCluster: 'farthest',
    engine,
    onIteration: () => {
      iterations++;
      if (iterations === 2) device.destroy();
    },
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DeviceLostError);
  expect((err as DeviceLostError).code).toBe('DEVICE_LOST');
  // It stopped at the loss, not after running out its 500 iterations.
  expect(iterations).toBeLessThanOrEqual(3);
  const fresh = await createEngine({ backend: 'webgpu' });
  const ref = await createEngine({ backend: 'reference' });
  try {
    const a = await kmeans(X, { k: 4, seed: 1, engine: fresh });
    const b = await kmeans(X, { k: 4, seed: 1, engine: ref });
    expect(a.backend).toBe('webgpu');
    expectRelClose(a.inertia, b.inertia, F32_OBJ_RTOL, 'inertia after a lost device');
  } finally {
    fresh.destroy();
    ref.destroy();
  }
});

test('a thousand fits on one engine leave no GPU buffer behind; destroy() releases the device and refuses more work', async () => {
  const engine = await createEngine({ backend: 'webgpu' });
  const { ctx } = state(engine);
  expect(ctx.liveBytes).toBe(0);
  const n = 48;
  const X = { data: makeBlobs(n, 3, 3, 9).data, n, d: 3 };
  const fits = [
    () => kmeans(X, { k: 3, seed: 1, maxIter: 2, engine }),
    () => softKMeans(X, { k: 3, seed: 1, maxIter: 2, beta: 0.5, engine }),
    () => gaussianMixture(X, { nInit: 1, k: 2, seed: 1, maxIter: 2, covariance: 'diag', engine }),
  ];
  let peak = 0;
  for (let i = 0; i < 1000; i++) {
    const r = await fits[i % fits.length]();
    peak = Math.max(peak, r.gpu!.peakAllocatedBytes);
    // Between calls nothing is held: every buffer a fit made was freed when it returned.
    if (ctx.liveBytes !== 0) expect(ctx.liveBytes, `live GPU bytes after fit ${i}`).toBe(0);
  }
  expect(peak).toBeGreaterThan(0);
  engine.destroy();
  const lost = await ctx.device.lost;
  expect(lost.reason).toBe('destroyed');
  await expect(kmeans(X, { k: 3, engine })).rejects.toMatchObject({ code: 'ENGINE_DESTROYED' });
}, 240_000);

test('an abort during a WebGPU fit lands within one iteration (k-means, GMM, NB mixture), frees its buffers, and the engine fits afterwards', async () => {
  const engine = await createEngine({ backend: 'webgpu' });
  const { ctx } = state(engine);
  const n = 2000;
  const X = { data: makeBlobs(n, 6, 4, 5).data, n, d: 6 };
  // Counts for the NB mixture: rounded |x| · 3, CSR-free dense input as the model accepts it.
  const counts = { data: Float32Array.from(X.data, (v) => Math.round(Math.abs(v) * 3)), n, d: 6 };
  const fits: [string, (o: { signal: AbortSignal; onIteration: () => void }) => Promise<unknown>][] = [
    ['kmeans', (o) => kmeans(X, { k: 4, seed: 1, tol: 0, maxIter: 500, engine, ...o })],
    ['gmm', (o) => gaussianMixture(X, { k: 4, nInit: 1, seed: 1, tol: 0, maxIter: 500, covariance: 'full', engine, ...o })],
    ['nb', (o) => negativeBinomialMixture(counts, { k: 3, nInit: 1, seed: 1, tol: 0, maxIter: 500, engine, ...o })],
  ];
  for (const [name, fit] of fits) {
    const ac = new AbortController();
    let iterations = 0;
    const err = await fit({
      signal: ac.signal,
      onIteration: () => {
        if (++iterations === 1) ac.abort();
      },
    }).catch((e: unknown) => e);
    expect((err as { code?: string }).code, name).toBe('ABORTED');
    // The driver checks the signal before each iteration: the abort after the first stops the second
    // (k-means on blobs converges by its third, so the abort must come early).
    expect(iterations, name).toBe(1);
    expect(ctx.liveBytes, `${name}: live GPU bytes after the abort`).toBe(0);
  }
  const r = await kmeans(X, { k: 4, seed: 1, maxIter: 5, engine });
  expect(r.labels).toHaveLength(n);
  engine.destroy();
}, 240_000);
