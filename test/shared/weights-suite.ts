/**
 * sampleWeight on every model, with scikit-learn's meaning: a row of integer weight w gives the
 * same fit as w copies of it, and weight 0 the same fit as dropping the row. Fits start from given
 * parameters (initial centroids, mixture parameters or labels) so both sides start alike; the
 * comparisons allow for the different order of the sums (float64 round-off on the reference,
 * float32 on WebGPU).
 */
import { describe, expect, test } from 'vitest';
import {
  gaussianMixture,
  kmeans,
  negativeBinomialMixture,
  softKMeans,
  type CovarianceType,
  type Engine,
  type GaussianMixturePrior,
  type NegativeBinomialMixtureResult,
} from '../../src/index.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { simulateNbMixture } from '../nbmm-sim.js';
import { F32_OBJ_RTOL, dataScale, expectParamsClose, expectRelClose } from '../tolerance.js';

const rows = (x: Float64Array, n: number, d: number): number[][] =>
  Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * d, (i + 1) * d)));

/** Each row i repeated w[i] times, in order; `first[i]` is the index of its first copy (−1 when w[i] = 0). */
function replicate<T>(items: T[], w: number[]): { out: T[]; first: number[] } {
  const out: T[] = [];
  const first = items.map((item, i) => {
    const at = w[i] > 0 ? out.length : -1;
    for (let c = 0; c < w[i]; c++) out.push(item);
    return at;
  });
  return { out, first };
}

/** The resolved normal prior a MAP fit echoes (mean and flattened scale). */
const echo = (r: { prior?: GaussianMixturePrior }): { mean: number[]; scale: number[] } =>
  r.prior?.normal as { mean: number[]; scale: number[] };

function expectClose(a: ArrayLike<number> | number, b: ArrayLike<number> | number, rtol: number, what: string): void {
  const x = typeof a === 'number' ? [a] : Array.from(a);
  const y = typeof b === 'number' ? [b] : Array.from(b);
  expect(x.length, what).toBe(y.length);
  const scale = Math.max(1e-12, ...y.map(Math.abs));
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i]), `${what}[${i}]`).toBeLessThanOrEqual(rtol * scale);
}

export function weightsSuite(name: string, getEngine: () => Promise<Engine>, f32: boolean): void {
  const rtol = f32 ? 2e-4 : 1e-9;
  const blobs = makeBlobs(90, 3, 3, 21, { std: 1.2 });
  const X = rows(blobs.data, blobs.n, blobs.d);
  // Varies within every blob (blob = i mod 3), so weighted means differ from unweighted ones.
  const weights = X.map((_, i) => 1 + (Math.floor(i / 3) % 3));
  const rep = replicate(X, weights);
  const zeroW = X.map((_, i) => (i % 5 === 2 ? 0 : 1));
  const kept = X.filter((_, i) => zeroW[i] > 0);
  const keptIndex = X.map((_, i) => i).filter((i) => zeroW[i] > 0);
  const init = [X[0], X[1], X[2]];

  describe(`sample weights on ${name}`, () => {
    test('k-means with integer weights equals k-means on the rows replicated that many times', async () => {
      const engine = await getEngine();
      const o = { k: 3, init, tol: 0, engine };
      const a = await kmeans(X, { ...o, sampleWeight: weights });
      const b = await kmeans(rep.out, o);
      expect(a.labels).toEqual(rep.first.map((j) => b.labels[j]));
      expectClose(a.centroids.flat(), b.centroids.flat(), rtol, 'centroids');
      expectClose(a.inertia, b.inertia, rtol, 'inertia');
      expect(a.nIter).toBe(b.nIter);
    });

    test('k-means with a zero weight equals k-means without that row', async () => {
      const engine = await getEngine();
      const o = { k: 3, init, tol: 0, engine };
      const a = await kmeans(X, { ...o, sampleWeight: zeroW });
      const b = await kmeans(kept, o);
      expect(keptIndex.map((i) => a.labels[i])).toEqual(b.labels);
      expectClose(a.centroids.flat(), b.centroids.flat(), rtol, 'centroids');
      expectClose(a.inertia, b.inertia, rtol, 'inertia');
    });

    test('soft k-means with integer weights equals soft k-means on the replicated rows', async () => {
      const engine = await getEngine();
      const o = { k: 3, init, beta: 0.3, tol: 0, maxIter: 25, engine };
      const a = await softKMeans(X, { ...o, sampleWeight: weights });
      const b = await softKMeans(rep.out, o);
      expect(a.labels).toEqual(rep.first.map((j) => b.labels[j]));
      expectClose(a.centroids.flat(), b.centroids.flat(), rtol, 'centroids');
      expectClose(a.objective, b.objective, rtol, 'objective');
      expectClose(a.inertia, b.inertia, rtol, 'inertia');
    });

    test('weighted k-means++ seeding runs and gives a sensible fit', async () => {
      const engine = await getEngine();
      const r = await kmeans(X, { k: 3, seed: 4, sampleWeight: weights, engine });
      expect(new Set(r.labels).size).toBe(3);
      expect(Number.isFinite(r.inertia)).toBe(true);
    });

    for (const covariance of ['full', 'diag', 'spherical', 'tied'] as CovarianceType[]) {
      test(`a '${covariance}' Gaussian mixture with integer weights equals one on the replicated rows, and zero weight drops a row`, async () => {
        const engine = await getEngine();
        const start = await gaussianMixture(X, { nInit: 1, k: 3, covariance, seed: 1, maxIter: 3, engine });
        const init = { weights: start.weights, means: start.means, covariances: start.covariances } as never;
        const o = { k: 3, covariance, init, maxIter: 20, tol: 0, engine };
        const a = await gaussianMixture(X, { nInit: 1, ...o, sampleWeight: weights });
        const b = await gaussianMixture(rep.out, o);
        expect(a.labels).toEqual(rep.first.map((j) => b.labels[j]));
        expectClose(a.weights, b.weights, rtol * 10, 'weights');
        expectClose(a.means.flat(), b.means.flat(), rtol * 10, 'means');
        expectClose((a.covariances as number[]).flat(2), (b.covariances as number[]).flat(2), rtol * 10, 'covariances');
        expectClose(a.lowerBound, b.lowerBound, rtol * 10, 'lower bound');
        expectClose(a.logLikelihood, b.logLikelihood, rtol * 10, 'log-likelihood');
        const z = await gaussianMixture(X, { nInit: 1, ...o, sampleWeight: zeroW });
        const dropped = await gaussianMixture(kept, o);
        expectClose(z.means.flat(), dropped.means.flat(), rtol * 10, 'means (zero weight)');
        expectClose(z.lowerBound, dropped.lowerBound, rtol * 10, 'lower bound (zero weight)');
      });
    }

    test("a Gaussian mixture's MAP prior defaults (column means, cov(X) scale) are weighted as replication implies", async () => {
      const engine = await getEngine();
      for (const covariance of ['full', 'diag'] as CovarianceType[]) {
        const start = await gaussianMixture(X, { nInit: 1, k: 3, covariance, seed: 1, maxIter: 3, engine });
        const init = { weights: start.weights, means: start.means, covariances: start.covariances } as never;
        const o = { k: 3, covariance, init, prior: { normal: true }, maxIter: 20, tol: 0, engine };
        const a = await gaussianMixture(X, { nInit: 1, ...o, sampleWeight: weights });
        const b = await gaussianMixture(rep.out, o);
        const what = `${covariance}: `;
        expect(a.labels, `${what}labels`).toEqual(rep.first.map((j) => b.labels[j]));
        const pa = echo(a);
        const pb = echo(b);
        expectClose(pa.mean, pb.mean, rtol, `${what}prior mean`);
        expectClose(pa.scale, pb.scale, rtol, `${what}prior scale`);
        expectClose(a.means.flat(), b.means.flat(), rtol * 10, `${what}means`);
        expectClose((a.covariances as number[]).flat(2), (b.covariances as number[]).flat(2), rtol * 10, `${what}covariances`);
        expectClose(a.logPosterior!, b.logPosterior!, rtol * 10, `${what}log-posterior`);
        const z = await gaussianMixture(X, { nInit: 1, ...o, sampleWeight: zeroW });
        const dropped = await gaussianMixture(kept, o);
        expectClose(echo(z).scale, echo(dropped).scale, rtol, `${what}prior scale (zero weight)`);
        expectClose(z.means.flat(), dropped.means.flat(), rtol * 10, `${what}means (zero weight)`);
      }
    });

    const sim = simulateNbMixture(60, 12, 3, 5);
    const cells = rows(sim.counts, sim.n, sim.d);
    const cellW = cells.map((_, i) => 1 + (Math.floor(i / 3) % 3));
    const cellRep = replicate(cells, cellW);
    const cellLabels = cells.map((_, i) => i % 3);
    const cellZ = cells.map((_, i) => (i % 7 === 3 ? 0 : 1));
    const keep = cells.map((_, i) => i).filter((i) => cellZ[i] > 0);
    /** NB fits equal within float64 round-off on the reference, the float32 policy (test/tolerance.ts) on WebGPU. */
    const expectNbClose = (a: NegativeBinomialMixtureResult, b: NegativeBinomialMixtureResult, what: string): void => {
      if (f32) {
        expectRelClose(a.logLikelihood, b.logLikelihood, F32_OBJ_RTOL, `${what}log-likelihood`);
        expectParamsClose(a.means, b.means, dataScale(sim.counts, sim.n, sim.d));
        expectParamsClose([a.dispersion], [b.dispersion], 1);
        expectParamsClose([a.weights], [b.weights], 1);
      } else {
        expectClose(a.weights, b.weights, 1e-8, `${what}weights`);
        expectClose(a.means.flat(), b.means.flat(), 1e-8, `${what}means`);
        expectClose(a.dispersion, b.dispersion, 1e-6, `${what}dispersion`);
        expectClose(a.logLikelihood, b.logLikelihood, 1e-9, `${what}log-likelihood`);
      }
    };

    test('a negative-binomial mixture with integer weights equals one on the replicated cells, and zero weight drops a cell', async () => {
      const engine = await getEngine();
      const s = Array.from(sim.s);
      const o = { k: 3, maxIter: 15, tol: 0, engine };
      const a = await negativeBinomialMixture(cells, { nInit: 1, ...o, init: cellLabels, sizeFactors: s, sampleWeight: cellW });
      const b = await negativeBinomialMixture(cellRep.out, {
        nInit: 1,
        ...o,
        init: replicate(cellLabels, cellW).out,
        sizeFactors: replicate(s, cellW).out,
      });
      expect(a.labels).toEqual(cellRep.first.map((j) => b.labels[j]));
      expectNbClose(a, b, '');
      const c = await negativeBinomialMixture(cells, { nInit: 1, ...o, init: cellLabels, sizeFactors: s, sampleWeight: cellZ });
      const dropped = await negativeBinomialMixture(
        keep.map((i) => cells[i]),
        { nInit: 1, ...o, init: keep.map((i) => cellLabels[i]), sizeFactors: keep.map((i) => s[i]) },
      );
      expect(keep.map((i) => c.labels[i])).toEqual(dropped.labels);
      expectNbClose(c, dropped, 'zero weight: ');
    });

    test("'library' size factors divide by the weighted mean library size, as replication implies", async () => {
      const engine = await getEngine();
      const o = { k: 3, maxIter: 15, tol: 0, sizeFactors: 'library' as const, engine };
      const a = await negativeBinomialMixture(cells, { nInit: 1, ...o, init: cellLabels, sampleWeight: cellW });
      const b = await negativeBinomialMixture(cellRep.out, { nInit: 1, ...o, init: replicate(cellLabels, cellW).out });
      expectClose(a.libraryMean, b.libraryMean, 1e-12, 'library mean');
      expectClose(
        a.sizeFactors,
        cellRep.first.map((j) => b.sizeFactors[j]),
        1e-12,
        'size factors',
      );
      expect(a.labels).toEqual(cellRep.first.map((j) => b.labels[j]));
      expectNbClose(a, b, 'library: ');
      const c = await negativeBinomialMixture(cells, { nInit: 1, ...o, init: cellLabels, sampleWeight: cellZ });
      const dropped = await negativeBinomialMixture(
        keep.map((i) => cells[i]),
        { nInit: 1, ...o, init: keep.map((i) => cellLabels[i]) },
      );
      expectClose(c.libraryMean, dropped.libraryMean, 1e-12, 'library mean (zero weight)');
      expectClose(
        keep.map((i) => c.sizeFactors[i]),
        dropped.sizeFactors,
        1e-12,
        'size factors (zero weight)',
      );
      expect(keep.map((i) => c.labels[i])).toEqual(dropped.labels);
      expectNbClose(c, dropped, 'library, zero weight: ');
    });

    test('bad weights are typed errors that say what to pass', async () => {
      const engine = await getEngine();
      const fits = [
        (sampleWeight: number[]) => kmeans(X, { k: 2, engine, sampleWeight }),
        (sampleWeight: number[]) => softKMeans(X, { k: 2, engine, sampleWeight }),
        (sampleWeight: number[]) => gaussianMixture(X, { nInit: 1, k: 2, engine, sampleWeight }),
        (sampleWeight: number[]) =>
          negativeBinomialMixture(rows(simulateNbMixture(20, 4, 2, 1).counts, 20, 4), { nInit: 1, k: 2, engine, sampleWeight }),
      ];
      for (const [i, fit] of fits.entries()) {
        const n = i === 3 ? 20 : X.length;
        await expect(fit([1, 2]), `fit ${i}: wrong length`).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
        await expect(fit(Array.from({ length: n }, (_, j) => (j === 1 ? Number.NaN : 1))), `fit ${i}: NaN`).rejects.toMatchObject({
          code: 'NON_FINITE',
        });
        await expect(fit(Array.from({ length: n }, (_, j) => (j === 1 ? -1 : 1))), `fit ${i}: negative`).rejects.toMatchObject({
          code: 'BAD_OPTION',
        });
        await expect(fit(new Array(n).fill(0)), `fit ${i}: all zero`).rejects.toMatchObject({ code: 'BAD_OPTION' });
      }
    });
  });
}
