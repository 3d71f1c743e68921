/**
 * Shard statistics and streamed fits on a backend other than the reference: the same blocks and
 * parameters give the reference's statistics and M-step within the float32 policy (WebGPU centres
 * each block on its own column means: the statistics come back in data coordinates), and a
 * streamed fit gives the reference's labels on well-separated data.
 */
import { describe, expect, test } from 'vitest';
import {
  csrSource,
  denseSource,
  type Engine,
  gmmStream,
  kmeansStream,
  mStep,
  nbStream,
  shardGlobals,
  shardStatistics,
  sumStatistics,
  finishGlobals,
  type ShardStatistics,
} from '../../src/index.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { simulateNbMixture, toCsr } from '../nbmm-sim.js';
import { F32_OBJ_RTOL } from './../tolerance.js';

const rows = (x: ArrayLike<number>, k: number, d: number) =>
  Array.from({ length: k }, (_, j) => Array.from({ length: d }, (_, f) => x[j * d + f]));

function expectClose(a: unknown, b: unknown, rtol: number, what: string): void {
  const x = [a].flat(4) as number[];
  const y = [b].flat(4) as number[];
  expect(x.length, what).toBe(y.length);
  const scale = Math.max(1e-12, ...y.map(Math.abs));
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i]), `${what}[${i}]`).toBeLessThanOrEqual(rtol * scale);
}

export function shardSuite(name: string, getEngine: () => Promise<Engine>, f32: boolean): void {
  const rtol = f32 ? 2e-4 : 1e-9;
  const blobs = makeBlobs(120, 3, 3, 5, { std: 1, offset: 40 });
  const { data, n, d } = blobs;
  const start = rows(data, 3, 3);
  const cuts = [0, 30, 80, n];
  const blocks = cuts.slice(1).map((e, t) => ({ n: e - cuts[t], d, data: data.slice(cuts[t] * d, e * d), start: cuts[t] }));
  const both = async (model: 'kmeans' | 'gmm' | 'nbmm', params: never, list = blocks as { n: number; d: number; start: number }[]) => {
    const engine = await getEngine();
    const run = (o: object) => Promise.all(list.map((b) => shardStatistics(b as never, { model, params, rowOffset: b.start, ...o })));
    return { mine: sumStatistics(await run({ engine })), ref: sumStatistics(await run({ backend: 'reference' })) };
  };

  describe(`shard statistics on ${name}`, () => {
    test('k-means statistics and M-step of three blocks agree with the reference', async () => {
      const { mine, ref } = await both('kmeans', { centroids: start } as never);
      const [a, b] = [mine, ref] as Extract<ShardStatistics, { kind: 'kmeans' }>[];
      expect(a.counts).toEqual(b.counts);
      expectClose(a.sums, b.sums, rtol, 'sums');
      expectClose(a.objective, b.objective, f32 ? F32_OBJ_RTOL * 10 : rtol, 'objective');
      const g = finishGlobals(sumStatistics(await Promise.all(blocks.map((x) => shardGlobals(x, { model: 'kmeans' })))));
      const o = { tolScaled: (g as { tolScaled: number }).tolScaled };
      const [pa, pb] = [await mStep('kmeans', a, { centroids: start }, o), await mStep('kmeans', b, { centroids: start }, o)];
      expectClose(
        (pa.params as { centroids: number[][] }).centroids,
        (pb.params as { centroids: number[][] }).centroids,
        rtol,
        'centroids',
      );
    });

    test('GMM (full and diag) statistics give the reference M-step', async () => {
      for (const covariance of ['full', 'diag'] as const) {
        const cov =
          covariance === 'full'
            ? [0, 1, 2].map(() => [
                [1, 0, 0],
                [0, 1, 0],
                [0, 0, 1],
              ])
            : [0, 1, 2].map(() => [1, 1, 1]);
        const params = { covariance, weights: [1 / 3, 1 / 3, 1 / 3], means: start, covariances: cov } as never;
        const { mine, ref } = await both('gmm', params);
        const [pa, pb] = [await mStep('gmm', mine, params), await mStep('gmm', ref, params)];
        expectClose((pa.params as { means: number[][] }).means, (pb.params as { means: number[][] }).means, rtol, `${covariance} means`);
        expectClose(
          (pa.params as { covariances: unknown }).covariances,
          (pb.params as { covariances: unknown }).covariances,
          f32 ? 2e-3 : rtol,
          `${covariance} covariances`,
        );
        expectClose(pa.objective, pb.objective, f32 ? F32_OBJ_RTOL * 10 : rtol, `${covariance} objective`);
      }
    });

    test('streamed k-means, GMM and NB fits give the reference labels', async () => {
      const engine = await getEngine();
      const o = { chunkRows: 50 };
      const km = await kmeansStream(denseSource(data, n, d), { init: { centroids: start }, ...o, engine });
      const kmRef = await kmeansStream(denseSource(data, n, d), { init: { centroids: start }, ...o, backend: 'reference' });
      expect(Array.from(km.labels!)).toEqual(Array.from(kmRef.labels!));
      const gm = await gmmStream(denseSource(data, n, d), { k: 3, covariance: 'diag', sampleRows: 60, ...o, engine });
      const gmRef = await gmmStream(denseSource(data, n, d), { k: 3, covariance: 'diag', sampleRows: 60, ...o, backend: 'reference' });
      expect(Array.from(gm.labels!)).toEqual(Array.from(gmRef.labels!));
      const sim = simulateNbMixture(90, 8, 3, 2, { foldChange: 8 });
      const csr = toCsr(sim.counts, 90, 8);
      const nb = await nbStream(csrSource(csr), { k: 3, sampleRows: 90, ...o, engine, maxIter: 20 });
      const nbRef = await nbStream(csrSource(csr), { k: 3, sampleRows: 90, ...o, backend: 'reference', maxIter: 20 });
      expect(Array.from(nb.labels!)).toEqual(Array.from(nbRef.labels!));
      expectClose(nb.objective, nbRef.objective, f32 ? F32_OBJ_RTOL * 10 : rtol, 'NB log-likelihood');
    });
  });
}
