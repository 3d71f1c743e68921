/**
 * The fused Gaussian-mixture pass (shaders/gmm/fused.wgsl) through the public API at several d
 * and k, every covariance type: against the float64 reference (lower bounds of every iteration,
 * labels, means), bit-identical between one chunk and chunks of one segment and across repeated
 * fits, with one dispatch per chunk plus the reduction and one pass over the data per iteration.
 * Full and tied covariances stop at d = 17 and k = 64: beyond, a few hundred rows estimate a
 * covariance too poorly for float32 to track float64 within the policy, and the K·D² moment
 * outputs make SwiftShader slow.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { createEngine, type CovarianceType, type Engine, gaussianMixture } from '../../src/index.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { F32_OBJ_RTOL, dataScale, expectParamsClose, expectRelClose } from '../tolerance.js';

let gpu: Engine;
let cpu: Engine;
let chunked: Engine;
beforeAll(async () => {
  gpu = await createEngine({ backend: 'webgpu' });
  cpu = await createEngine({ backend: 'reference' });
  chunked = await createEngine({ backend: 'webgpu', maxChunkRows: 256 });
});
afterAll(() => {
  gpu.destroy();
  cpu.destroy();
  chunked.destroy();
});

const cases: [covariance: CovarianceType, d: number, k: number][] = [
  ['diag', 1, 1],
  ['diag', 3, 7],
  ['diag', 17, 7],
  ['diag', 64, 7],
  ['diag', 130, 7],
  ['diag', 3, 64],
  ['spherical', 1, 7],
  ['spherical', 130, 7],
  ['spherical', 3, 64],
  ['full', 1, 7],
  ['full', 3, 1],
  ['full', 17, 7],
  ['full', 3, 64],
  ['tied', 3, 7],
  ['tied', 17, 7],
];

describe('the fused GMM pass equals the reference and reads the data once per iteration', () => {
  for (const [covariance, d, k] of cases) {
    test(`${covariance}, d = ${d}, k = ${k}`, async () => {
      const n = Math.max(600, 20 * k);
      const b = makeBlobs(n, d, k, 7 * d + k, { std: 1, spread: 8, offset: 20 });
      const X = { data: b.data, n, d };
      const opts = { k, covariance, init: 'random' as const, seed: 5, maxIter: 3, tol: 0 };
      const g = await gaussianMixture(X, { nInit: 1, ...opts, engine: gpu });
      const c = await gaussianMixture(X, { nInit: 1, ...opts, engine: cpu });
      g.history.forEach((h, i) => expectRelClose(h.objective, c.history[i].objective, F32_OBJ_RTOL, `lower bound ${i + 1}`));
      expect(g.labels).toEqual(c.labels);
      expectParamsClose(g.means, c.means, dataScale(b.data, n, d));
      expect(g.gpu!.dispatchesPerIter).toBe(2);
      expect(g.gpu!.dataPassesPerIter).toBe(1);
      const h = await gaussianMixture(X, { nInit: 1, ...opts, engine: chunked });
      expect(h.gpu!.chunks).toBe(Math.ceil(n / 256));
      expect(h.gpu!.dispatchesPerIter).toBe(h.gpu!.chunks + 1);
      expect(h.gpu!.dataPassesPerIter).toBe(1);
      expect(h.means).toEqual(g.means);
      expect(h.lowerBound).toBe(g.lowerBound);
      const again = await gaussianMixture(X, { nInit: 1, ...opts, engine: gpu });
      expect(again.means).toEqual(g.means);
      expect(again.covariances).toEqual(g.covariances);
    }, 60_000);
  }
});
