/** WebGPU Gaussian mixtures against the float64 CPU reference on seeded data. */
import { describe, test, expect, beforeAll } from 'vitest';
import { createEngine, type Engine, type CovarianceType, gaussianMixture } from '../../src/index.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { F32_OBJ_RTOL, F32_PROB_ATOL, dataScale, expectParamsClose, expectRelClose } from '../tolerance.js';
import { expectNonDecreasing } from '../shared/gmm-suite.js';

let gpu: Engine;
let cpu: Engine;
let chunked: Engine;
beforeAll(async () => {
  gpu = await createEngine({ backend: 'webgpu' });
  cpu = await createEngine({ backend: 'reference' });
  chunked = await createEngine({ backend: 'webgpu', maxChunkRows: 300 });
});

const flat = (v: unknown): number[] => (Array.isArray(v) ? (v as unknown[]).flatMap(flat) : [v as number]);
const types: CovarianceType[] = ['full', 'diag', 'spherical', 'tied'];
const shapes: [n: number, d: number, k: number][] = [
  [800, 1, 3],
  [1000, 6, 4],
  [700, 13, 3],
];

describe('WebGPU Gaussian mixtures equal the CPU reference', () => {
  for (const [n, d, k] of shapes) {
    for (const covariance of types) {
      test(`n=${n}, d=${d}, k=${k}, ${covariance}: lower bounds, parameters, responsibilities and labels`, async () => {
        const b = makeBlobs(n, d, k, 40 + d, { std: 1.5, spread: 4, offset: 50 });
        const X = { data: b.data, n, d };
        const opts = { k, covariance, init: 'random' as const, seed: 3, maxIter: 15, tol: 0 };
        const g = await gaussianMixture(X, { nInit: 1, ...opts, engine: gpu });
        const c = await gaussianMixture(X, { nInit: 1, ...opts, engine: cpu });
        expect(g.nIter).toBe(15);
        g.history.forEach((h, i) => expectRelClose(h.objective, c.history[i].objective, F32_OBJ_RTOL, `lower bound ${i + 1}`));
        expectNonDecreasing(
          g.history.map((h) => h.objective),
          F32_OBJ_RTOL,
        );
        const scale = dataScale(b.data, n, d);
        expectParamsClose(g.means, c.means, scale);
        expectParamsClose([flat(g.covariances)], [flat(c.covariances)], scale * scale);
        expectParamsClose([g.weights], [c.weights], 1);
        expect(g.labels).toEqual(c.labels);
        const pg = await g.predictProba(X);
        const pc = await c.predictProba(X);
        let worst = 0;
        pg.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - pc[i][j])))));
        expect(worst).toBeLessThanOrEqual(F32_PROB_ATOL);
        // maxChunkRows 300 is rounded down to whole 256-row segments: the chunked path agrees too.
        const h = await gaussianMixture(X, { nInit: 1, ...opts, engine: chunked });
        expect(h.gpu!.chunks).toBe(Math.ceil(n / 256));
        expectRelClose(h.lowerBound, g.lowerBound, F32_OBJ_RTOL, 'chunked lower bound');
        expect(h.labels).toEqual(g.labels);
      });
    }
  }

  test('a degenerate component (20 copies of one point) stays finite on both backends', async () => {
    const b = makeBlobs(200, 3, 2, 5);
    const data = new Float64Array((200 + 20) * 3);
    data.set(b.data);
    for (let i = 200; i < 220; i++) data.set([30, 30, 30], i * 3);
    const X = { data, n: 220, d: 3 };
    for (const covariance of types) {
      const opts = { k: 3, covariance, init: 'kmeans' as const, seed: 1 };
      const g = await gaussianMixture(X, { nInit: 1, ...opts, engine: gpu });
      const c = await gaussianMixture(X, { nInit: 1, ...opts, engine: cpu });
      expect(flat(g.covariances).every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(g.logLikelihood)).toBe(true);
      expect(g.labels).toEqual(c.labels);
      expectRelClose(g.logLikelihood, c.logLikelihood, 1e-4, `${covariance} log-likelihood`);
    }
  });

  test('each iteration reads back k×(d+2+m) floats, dispatches one fused pass per chunk + one reduction, and reads the data once', async () => {
    const n = 5000;
    const d = 8;
    const k = 5;
    const b = makeBlobs(n, d, k, 9);
    const full = await gaussianMixture(
      { data: b.data, n, d },
      { nInit: 1, k, covariance: 'full', init: 'random', maxIter: 5, tol: 0, engine: gpu },
    );
    expect(full.gpu!.bytesReadPerIter).toBe(k * (d + 2 + (d * (d + 1)) / 2) * 4);
    expect(full.gpu!.dispatchesPerIter).toBe(full.gpu!.chunks + 1);
    expect(full.gpu!.dispatchesPerIter).toBeLessThanOrEqual(2);
    expect(full.gpu!.dataPassesPerIter).toBe(1);
    expect(full.gpu!.dataBytesPerIter).toBe(n * (d + 1) * 4);
    const diag = await gaussianMixture(
      { data: b.data, n, d },
      { nInit: 1, k, covariance: 'diag', init: 'random', maxIter: 5, tol: 0, engine: gpu },
    );
    expect(diag.gpu!.bytesReadPerIter).toBe(k * (d + 2 + d) * 4);
    expect(diag.gpu!.dispatchesPerIter).toBe(diag.gpu!.chunks + 1);
    expect(diag.gpu!.dataPassesPerIter).toBe(1);
    const chunkedFull = await gaussianMixture(
      { data: b.data, n, d },
      { nInit: 1, k, covariance: 'full', init: 'random', maxIter: 5, tol: 0, engine: chunked },
    );
    expect(chunkedFull.gpu!.chunks).toBe(Math.ceil(n / 256));
    expect(chunkedFull.gpu!.dispatchesPerIter).toBe(chunkedFull.gpu!.chunks + 1);
    expect(chunkedFull.gpu!.dataPassesPerIter).toBe(1);
    // Chunks of whole segments: the same bits as one chunk.
    expect(chunkedFull.means).toEqual(full.means);
    expect(chunkedFull.lowerBound).toBe(full.lowerBound);
  });
});
