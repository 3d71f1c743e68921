/**
 * The one-pass fits on a float32 backend against the float64 reference: the block statistics the
 * mini-batch step reads (through the backend's 'kmeans' session, origin included), and whole
 * one-pass fits of mini-batch k-means, stepwise GMM and stepwise NB landing where the reference does.
 */
import { describe, expect, it } from 'vitest';
import { createEngine, makeBlobs, type Engine } from '../../src/index.js';
import { kmeansBlockStats } from '../../src/online/block-stats.js';
import { miniBatchKMeans, onlineGmm, onlineNb } from '../../src/online/index.js';
import { simulateNbMixture } from '../nbmm-sim.js';
import { F32_OBJ_RTOL, F32_PARAM_ATOL, F32_PARAM_RTOL } from '../tolerance.js';

export function onlineSuite(name: string, engineOf: () => Promise<Engine>): void {
  describe(`one-pass fits on ${name}`, () => {
    const blobs = makeBlobs(1200, 4, 3, 5, { std: 1 });
    const data = { data: Float32Array.from(blobs.data), n: blobs.n, d: blobs.d };

    it('a batch gives the reference per-centre counts and, to float32 rounding, its sums and inertia', async () => {
      const engine = await engineOf();
      const ref = await createEngine({ backend: 'reference' });
      const b = { n: 300, d: 4, x: Float64Array.from(data.data.subarray(0, 1200)), w: null };
      const centres = Float64Array.from(blobs.centres, (v, t) => v + 0.3 * ((t % 3) - 1));
      const got = await kmeansBlockStats(engine, b, centres, 3);
      const want = await kmeansBlockStats(ref, b, centres, 3);
      expect(Array.from(got.counts)).toEqual(Array.from(want.counts));
      for (let t = 0; t < want.sums.length; t++)
        expect(Math.abs(got.sums[t] - want.sums[t])).toBeLessThanOrEqual(300 * (F32_PARAM_ATOL + F32_PARAM_RTOL * Math.abs(want.sums[t])));
      expect(Math.abs(got.objective / want.objective - 1)).toBeLessThan(F32_OBJ_RTOL);
    });

    it('miniBatchKMeans, onlineGmm and onlineNb end within 1e-3 (relative) of the reference objective', async () => {
      const engine = await engineOf();
      const o = { k: 3, batchSize: 200, seed: 1 };
      const a = await miniBatchKMeans(data, { ...o, maxIter: 3, maxNoImprovement: null, engine });
      const ar = await miniBatchKMeans(data, { ...o, maxIter: 3, maxNoImprovement: null, backend: 'reference' });
      expect(Math.abs(a.inertia / ar.inertia - 1)).toBeLessThan(1e-3);
      const g = await onlineGmm(data, { ...o, covariance: 'diag', engine });
      const gr = await onlineGmm(data, { ...o, covariance: 'diag', backend: 'reference' });
      expect(Math.abs(g.lowerBound! - gr.lowerBound!)).toBeLessThan(1e-3 * Math.abs(gr.lowerBound!));
      const sim = simulateNbMixture(600, 12, 3, 2);
      const counts = { data: sim.counts, n: sim.n, d: sim.d };
      const nb = await onlineNb(counts, { ...o, init: 'random', engine });
      const nbr = await onlineNb(counts, { ...o, init: 'random', backend: 'reference' });
      expect(Math.abs(nb.lowerBound! - nbr.lowerBound!)).toBeLessThan(1e-3 * Math.abs(nbr.lowerBound!));
    });
  });
}
