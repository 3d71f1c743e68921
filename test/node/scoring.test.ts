/**
 * One shape of scoring for every model: predict / predictProba / scoreSamples(model, X, options)
 * on a fit's result — or on its JSON — give what the fit's own methods give, bit for bit.
 */
import { describe, expect, test } from 'vitest';
import { gaussianMixture, kmeans, makeBlobs, negativeBinomialMixture, predict, predictProba, scoreSamples } from '../../src/index.js';
import { simulateNbMixture, toCsr } from '../nbmm-sim.js';

const blobs = makeBlobs(240, 4, 3, 21, { std: 2 });
const X = Array.from({ length: blobs.n }, (_, i) => Array.from(blobs.data.subarray(i * 4, i * 4 + 4)));
const head = X.slice(0, 12);

describe('scoring new data, one shape for every model', () => {
  for (const covariance of ['full', 'diag', 'spherical', 'tied'] as const) {
    test(`a ${covariance} Gaussian mixture read back from JSON scores X with the bits of the fit's own methods`, async () => {
      const g = await gaussianMixture(X, { nInit: 1, k: 3, covariance, seed: 4, backend: 'reference' });
      const plain = JSON.parse(JSON.stringify(g));
      expect(await predictProba(plain, head, { backend: 'reference' })).toEqual(await g.predictProba(head));
      expect(await scoreSamples(plain, head, { backend: 'reference' })).toEqual(await g.scoreSamples(head));
      expect(await predict(plain, head, { backend: 'reference' })).toEqual(await g.predict(head));
    });
  }

  test('a negative-binomial mixture scores new cells through the same three functions', async () => {
    const sim = simulateNbMixture(90, 12, 3, 5);
    const csr = toCsr(sim.counts, sim.n, sim.d);
    const r = await negativeBinomialMixture(csr, { nInit: 1, k: 3, seed: 2, maxIter: 10, backend: 'reference' });
    const proba = await predictProba(r, csr);
    expect(proba).toHaveLength(90);
    proba.forEach((row) => expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12));
    // The labels of the training cells at the final parameters are the fit's labels.
    expect(await predict(r, csr)).toEqual(r.labels);
    const lp = await scoreSamples(JSON.parse(JSON.stringify(r)), csr);
    // Σ log p(x_i) at the final parameters is the fit's log-likelihood.
    expect(lp.reduce((a, b) => a + b, 0)).toBeCloseTo(r.logLikelihood, 6);
  });

  test('k-means results predict the nearest centroid, and asking them for probabilities is a typed error', async () => {
    const km = await kmeans(X, { k: 3, seed: 1, backend: 'reference' });
    expect(await predict(km, X, { backend: 'reference' })).toEqual(km.labels);
    await expect(predictProba(km, head)).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringMatching(/probabilistic model/),
    });
    await expect(scoreSamples({ centroids: km.centroids }, head)).rejects.toMatchObject({ code: 'BAD_OPTION' });
  });
});
