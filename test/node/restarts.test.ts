/**
 * The mixtures' robust default (GMM: several k-means starts, the best likelihood kept; NB: one run
 * from k-means on the PCs of the scaled log1p(x/s)) and the spread
 * of the restarts' objectives that every result reports (`restartSpread`), on the float64
 * reference backend.
 */
import { describe, expect, test } from 'vitest';
import { adjustedRandIndex, createEngine, gaussianMixture, kmeans, makeBlobs, negativeBinomialMixture } from '../../src/index.js';
import { sizeFactors, toCounts } from '../../src/nbmm/counts.js';
import { pcaStartLabels } from '../../src/nbmm/init.js';
import { plannedRestarts } from '../../src/cli/fit.js';
import { GMM_N_INIT } from '../../src/gmm/options.js';
import { NB_N_INIT, resolve } from '../../src/nbmm/options.js';
import type { RestartSpread, RestartSummary } from '../../src/index.js';
import { simulateNbMixture } from '../nbmm-sim.js';

const blobs = makeBlobs(150, 2, 4, 3, { std: 2.5 });
const X = { data: blobs.data, n: blobs.n, d: blobs.d };
const sim = simulateNbMixture(120, 10, 3, 4);
const counts = { data: sim.counts, n: sim.n, d: sim.d };
const backend = 'reference' as const;

/** The spread as its definition reads: objectives in restart order, the kept one, |best − worst|. */
function expectSpread(s: RestartSpread, restarts: RestartSummary[], maximize: boolean): void {
  const objs = restarts.map((r) => r.objective);
  expect(s.objectives).toEqual(objs);
  const best = maximize ? Math.max(...objs) : Math.min(...objs);
  const worst = maximize ? Math.min(...objs) : Math.max(...objs);
  expect(s.best).toBe(best);
  expect(s.worst).toBe(worst);
  expect(s.bestRestart).toBe(objs.indexOf(best));
  expect(s.spread).toBe(Math.abs(best - worst));
}

describe('the default number of restarts', () => {
  test('a Gaussian mixture runs GMM_N_INIT = 10 k-means starts and keeps the highest lower bound', async () => {
    expect(GMM_N_INIT).toBe(10);
    const r = await gaussianMixture(X, { k: 4, covariance: 'diag', seed: 2, maxIter: 30, backend });
    expect(r.restarts).toHaveLength(10);
    expectSpread(r.restartSpread, r.restarts, true);
    expect(r.restartSpread.best).toBe(r.lowerBound);
    // Restart 0 of the default is the whole of nInit: 1 with the same seed: the default is never worse.
    const one = await gaussianMixture(X, { k: 4, covariance: 'diag', seed: 2, maxIter: 30, nInit: 1, backend });
    expect(one.restarts).toEqual(r.restarts.slice(0, 1));
    expect(r.lowerBound).toBeGreaterThanOrEqual(one.lowerBound);
  });
  test("the NB mixture's 'auto' runs one EM from the PCA start; an explicit nInit runs that many k-means starts; given labels run once; 'random' keeps 10", async () => {
    expect(NB_N_INIT).toBe(1);
    const r = await negativeBinomialMixture(counts, { k: 3, seed: 1, maxIter: 10, backend });
    expect(r.restarts).toHaveLength(1);
    expectSpread(r.restartSpread, r.restarts, true);
    expect(r.restartSpread.best).toBe(r.logLikelihood);
    const auto = await negativeBinomialMixture(counts, { k: 3, seed: 1, maxIter: 10, nInit: 'auto', backend });
    expect(auto.logLikelihood).toBe(r.logLikelihood);
    // 'auto' is EM from the PCA start's labels (here d = 10 ≤ 50: k-means on the scaled log1p(x/s) itself).
    const c = toCounts(counts);
    const o = resolve(c, { k: 3, seed: 1 });
    expect(o.pcaStart).toBe(true);
    const start = await pcaStartLabels(await createEngine({ backend }), c, sizeFactors(c, undefined).s, o, undefined, null);
    const fromStart = await negativeBinomialMixture(counts, { k: 3, init: start, maxIter: 10, backend });
    expect(r.labels).toEqual(fromStart.labels);
    expect(r.logLikelihood).toBe(fromStart.logLikelihood);
    expect(adjustedRandIndex(sim.truth, r.labels)).toBeGreaterThan(0.9);
    const three = await negativeBinomialMixture(counts, { k: 3, seed: 1, maxIter: 10, nInit: 3, backend });
    expect(three.restarts).toHaveLength(3);
    const given = await negativeBinomialMixture(counts, { k: 3, init: sim.truth, maxIter: 5, backend });
    expect(given.restarts).toHaveLength(1);
    const random = await negativeBinomialMixture(counts, { k: 3, init: 'random', seed: 1, maxIter: 3, backend });
    expect(random.restarts).toHaveLength(10);
  });
  test('an explicit nInit: 1 runs one start, with a spread of 0', async () => {
    const g = await gaussianMixture(X, { k: 4, nInit: 1, seed: 2, maxIter: 20, backend });
    expect(g.restartSpread).toEqual({ objectives: [g.lowerBound], bestRestart: 0, best: g.lowerBound, worst: g.lowerBound, spread: 0 });
    const nb = await negativeBinomialMixture(counts, { k: 3, nInit: 1, seed: 1, maxIter: 5, backend });
    expect(nb.restartSpread.spread).toBe(0);
    expect(nb.restartSpread.objectives).toEqual([nb.logLikelihood]);
  });
});

test('k-means reports the spread of its inertias, the lowest kept', async () => {
  const r = await kmeans(X, { k: 6, nInit: 6, init: 'random', seed: 4, backend });
  expectSpread(r.restartSpread, r.restarts, false);
  expect(r.restartSpread.best).toBe(r.inertia);
  // Random starts with k above the true 4 end in different local optima here: the spread shows it.
  expect(r.restartSpread.spread).toBeGreaterThan(0);
});

test('the spread survives JSON', async () => {
  const r = await gaussianMixture(X, { k: 3, nInit: 3, seed: 1, maxIter: 10, backend });
  expect(JSON.parse(JSON.stringify(r)).restartSpread).toEqual(r.restartSpread);
});

test("the CLI's progress bar expects the mixtures' default restarts, and --n-init when given", () => {
  expect(plannedRestarts({ k: 3 }, 'gmm')).toBe(GMM_N_INIT);
  expect(plannedRestarts({ k: 3, nInit: 'auto' }, 'nb')).toBe(NB_N_INIT);
  expect(plannedRestarts({ k: 3, nInit: 2 }, 'gmm')).toBe(2);
  expect(plannedRestarts({ k: 3 }, 'kmeans')).toBe(1);
  expect(plannedRestarts({ k: 3, init: 'random' }, 'kmeans')).toBe(10);
});
