import { describe, expect, it } from 'vitest';
import { createEngine, csrSource, denseSource, type Engine, gaussianMixture, makeBlobs, negativeBinomialMixture } from '../../src/index.js';
import { onlineGmm } from '../../src/online/online-gmm.js';
import { onlineNb } from '../../src/online/online-nb.js';
import { simulateNbMixture, toCsr } from '../nbmm-sim.js';
import { onlineSuite } from '../shared/online-suite.js';
import { F64_RTOL } from '../tolerance.js';

const close = (a: unknown, b: unknown, rtol = F64_RTOL): void => {
  const x = [a].flat(3) as number[];
  const y = [b].flat(3) as number[];
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(y[i])));
};

describe('stepwise EM for the Gaussian mixture', () => {
  const blobs = makeBlobs(20000, 5, 4, 3, { std: 1.5 });
  const m = { data: blobs.data, n: blobs.n, d: blobs.d };

  it('with one batch of all rows (η = 1) it is one batch EM iteration from the same start, for every covariance type', async () => {
    const small = makeBlobs(600, 3, 3, 9, { std: 1 });
    const data = { data: small.data, n: small.n, d: small.d };
    for (const covariance of ['full', 'diag', 'spherical', 'tied'] as const) {
      const start = await gaussianMixture(data, { k: 3, covariance, maxIter: 2, nInit: 1, seed: 4, backend: 'reference' });
      const init = { weights: start.weights, means: start.means, covariances: start.covariances };
      const em = await gaussianMixture(data, { k: 3, covariance, init, maxIter: 1, backend: 'reference' });
      const on = await onlineGmm(data, { k: 3, covariance, init, batchSize: small.n, backend: 'reference' });
      expect(on.nSteps).toBe(1);
      close(on.weights, em.weights);
      close(on.means, em.means);
      close(on.covariances, em.covariances);
      // The mean log-likelihood of the batch at the start is the EM iteration's objective.
      close([on.history[0].objective], [em.history[0].objective]);
    }
  });

  it('from a poor start, one pass of 500-row batches ends within 0.005 nats/row of the full EM optimum, two passes within 0.002', async () => {
    const full = await gaussianMixture(m, { k: 4, covariance: 'full', nInit: 3, seed: 0, backend: 'reference' });
    const o = { k: 4, batchSize: 500, init: 'random-from-data' as const, seed: 1, backend: 'reference' as const };
    const one = await onlineGmm(m, o);
    const two = await onlineGmm(m, { ...o, maxIter: 2 });
    expect(one.nSteps).toBe(40);
    // The start is far from the optimum (the first batch's mean log-likelihood at the initial parameters).
    expect(one.history[0].objective).toBeLessThan(full.lowerBound - 0.5);
    expect(full.lowerBound - one.lowerBound!).toBeLessThan(0.005);
    expect(full.lowerBound - two.lowerBound!).toBeLessThan(0.002);
    expect(full.lowerBound - two.lowerBound!).toBeGreaterThan(-1e-9);
  });

  it('from a RowSource (shuffled chunks) one pass lands as close, and the same seed gives the same bits', async () => {
    const full = await gaussianMixture(m, { k: 4, covariance: 'diag', nInit: 3, seed: 0, backend: 'reference' });
    const src = () => denseSource(Float64Array.from(blobs.data as ArrayLike<number>), blobs.n, blobs.d);
    const o = { k: 4, covariance: 'diag' as const, batchSize: 1000, seed: 2, backend: 'reference' as const };
    const a = await onlineGmm(src(), o);
    const b = await onlineGmm(src(), o);
    expect(full.lowerBound - a.lowerBound!).toBeLessThan(0.005);
    expect(a.means).toEqual(b.means);
    expect(a.covariances).toEqual(b.covariances);
    expect(a.history.map((h) => h.objective)).toEqual(b.history.map((h) => h.objective));
  });

  it('refuses unknown option names and steps outside (0.5, 1] with typed errors', async () => {
    await expect(onlineGmm(m, { k: 2, covarianceType: 'diag' } as never)).rejects.toMatchObject({
      code: 'UNKNOWN_OPTION',
      message: expect.stringContaining("'covariance'"),
    });
    await expect(onlineGmm(m, { k: 2, stepDecay: 0.5 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(onlineGmm(m, { k: 2, stepOffset: 0 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(onlineGmm(m, { k: 2, covariance: 'banded' as never })).rejects.toMatchObject({ code: 'BAD_OPTION' });
  });
});

describe('stepwise EM for the negative-binomial mixture', () => {
  const sim = simulateNbMixture(2000, 30, 3, 5, { sizeSpread: 0.4 });
  const counts = { data: sim.counts, n: sim.n, d: sim.d };

  it('with one batch of all cells (η = 1) it is one batch EM iteration from the same labels', async () => {
    const init = sim.truth.map((c, i) => (i % 7 === 0 ? (c + 1) % 3 : c));
    for (const dispersion of ['per-gene', 'shared'] as const) {
      const em = await negativeBinomialMixture(counts, { k: 3, init, maxIter: 1, tol: 0, dispersion, backend: 'reference' });
      const on = await onlineNb(counts, { k: 3, init, batchSize: sim.n, dispersion, backend: 'reference' });
      expect(on.nSteps).toBe(1);
      close(on.weights, em.weights, 1e-9);
      close(on.means, em.means, 1e-9);
      // Newton on log r stops once a step is < 1e-7: rounding of the sums (another row order) can move where it stops.
      close(on.dispersion, em.dispersion, 1e-7);
      close([on.history[0].objective * sim.n], [em.history[0].objective], 1e-9);
    }
  });

  it('one pass of 250-cell batches ends within 0.02 nats/cell of the full EM optimum, in memory and from a CsrSource', async () => {
    const full = await negativeBinomialMixture(counts, { k: 3, nInit: 2, seed: 0, backend: 'reference' });
    const o = { k: 3, batchSize: 250, init: 'random' as const, seed: 3, backend: 'reference' as const };
    const mem = await onlineNb(counts, o);
    expect(mem.history[0].objective).toBeLessThan(full.lowerBound - 1);
    expect(full.lowerBound - mem.lowerBound!).toBeLessThan(0.02);
    const csr = toCsr(sim.counts, sim.n, sim.d);
    const m = { n: sim.n, d: sim.d, indptr: Uint32Array.from(csr.indptr), indices: Uint32Array.from(csr.indices), values: csr.values };
    const a = await onlineNb(csrSource(m), { ...o, init: 'kmeans' });
    const b = await onlineNb(csrSource(m), { ...o, init: 'kmeans' });
    expect(full.lowerBound - a.lowerBound!).toBeLessThan(0.02);
    expect(a.means).toEqual(b.means);
    expect(a.dispersion).toEqual(b.dispersion);
  });

  it('refuses a dense source, labels with a source and unknown names with typed errors', async () => {
    const dense = denseSource(new Float64Array(6), 3, 2);
    await expect(onlineNb(dense as never, { k: 2 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(onlineNb(counts, { k: 2, sizeFactor: 'none' } as never)).rejects.toMatchObject({ code: 'UNKNOWN_OPTION' });
    await expect(onlineNb(counts, { k: 2, sizeFactors: 'given' as never })).rejects.toMatchObject({ code: 'BAD_OPTION' });
  });
});

let wasm: Promise<Engine> | null = null;
onlineSuite('wasm (float32 SIMD, 2 threads)', () => (wasm ??= createEngine({ backend: 'wasm', threads: 2 })));
