/**
 * Shard statistics (map → sum → M-step) and the streamed fits built on them, on the float64
 * reference: hand-solved k-means statistics, one sharded iteration against one in-memory iteration
 * of each model, streamed fits against in-memory fits from the same start (one chunk: the same
 * bits; several: the F64 policy, and the same bits every run), and typed errors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answer, SourceCache } from '../../src/cli/worker-ops.js';
import {
  createEngine,
  csrSource,
  denseSource,
  finishGlobals,
  gaussianMixture,
  gmmStream,
  kmeans,
  kmeansStream,
  mStep,
  nbStream,
  negativeBinomialMixture,
  shardGlobals,
  shardStatistics,
  softKMeans,
  softKMeansStream,
  sumStatistics,
} from '../../src/index.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { sizeFactors, toCounts } from '../../src/nbmm/counts.js';
import { paramsFromLabels } from '../../src/nbmm/model.js';
import { fromExactJson, toExactJson } from '../../src/shard/json.js';
import type { CovarianceType } from '../../src/types.js';
import { simulateNbMixture, toCsr } from '../nbmm-sim.js';
import { F64_RTOL, NB_ORDER_PARAM_RTOL } from '../tolerance.js';

const backend = 'reference';
const rows = (x: ArrayLike<number>, k: number, d: number) =>
  Array.from({ length: k }, (_, j) => Array.from({ length: d }, (_, f) => x[j * d + f]));
const blobs = makeBlobs(240, 3, 3, 7, { std: 1.5 });
const start = rows(blobs.data, 3, 3).map((r, j) => r.map((v) => v + j * 0.1));
const close = (a: unknown, b: unknown, rtol = F64_RTOL) => {
  const x = ([] as number[]).concat(a as number[]).flat(3);
  const y = ([] as number[]).concat(b as number[]).flat(3);
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(y[i])));
};

describe('shard statistics', () => {
  it('k-means statistics of a tiny matrix are the hand-solved sums, counts, inertia and farthest rows', async () => {
    const block = { n: 5, d: 2, data: Float64Array.of(0, 0, 0, 2, 10, 0, 10, 2, 10, 4) };
    const st = await shardStatistics(block, {
      model: 'kmeans',
      params: {
        centroids: [
          [0, 1],
          [10, 1],
          [50, 50],
        ],
      },
      rowOffset: 100,
      backend,
    });
    if (st.kind !== 'kmeans') throw new Error('kind');
    expect(st.sums).toEqual([0, 2, 30, 6, 0, 0]);
    expect(st.counts).toEqual([2, 3, 0]);
    expect(st.objective).toBe(1 + 1 + 1 + 1 + 9);
    expect(st.changed).toBe(5);
    // Cluster 2 is empty: the farthest row (global index 104, 9 from its centroid) travels along.
    expect(st.farthest).toEqual([{ row: 104, dist: 9, label: 1, x: [10, 4] }]);
    // With the previous centroids, only row 1 changes label.
    const again = await shardStatistics(block, {
      model: 'kmeans',
      params: {
        centroids: [
          [0, 1],
          [10, 1],
          [50, 50],
        ],
        previous: [
          [0, 0],
          [10, 1],
          [0, 3],
        ],
      },
      backend,
    });
    expect(again.kind === 'kmeans' && again.changed).toBe(1);
    const m = await mStep(
      'kmeans',
      st,
      {
        centroids: [
          [0, 1],
          [10, 1],
          [50, 50],
        ],
      },
      { tolScaled: 0 },
    );
    // The empty cluster takes row 104; it leaves cluster 1 (whose mean becomes (10, 1)).
    expect(m.params).toEqual({
      centroids: [
        [0, 1],
        [10, 1],
        [10, 4],
      ],
    });
  });

  it('statistics survive exact JSON (non-finite numbers and −0 included)', () => {
    const v = { a: [0.1 + 0.2, -0, Number.NaN, Number.NEGATIVE_INFINITY, 1e-310], b: Float64Array.of(Math.PI) };
    const back = fromExactJson<{ a: number[]; b: number[] }>(toExactJson(v));
    expect(Object.is(back.a[1], -0)).toBe(true);
    expect(back.a).toEqual([0.1 + 0.2, -0, Number.NaN, Number.NEGATIVE_INFINITY, 1e-310]);
    expect(back.b).toEqual([Math.PI]);
  });

  it('sum-then-M-step over three shards is one in-memory k-means, soft k-means, GMM and NB iteration', async () => {
    const { data, n, d } = blobs;
    const cuts = [0, 70, 150, n];
    const blocks = cuts.slice(1).map((e, t) => ({ n: e - cuts[t], d, data: data.slice(cuts[t] * d, e * d), start: cuts[t] }));
    const g = finishGlobals(sumStatistics(await Promise.all(blocks.map((b) => shardGlobals(b, { model: 'kmeans' })))));
    const tolScaled = 'tolScaled' in g ? g.tolScaled : Number.NaN;
    for (const model of ['kmeans', 'softkmeans'] as const) {
      const opts = model === 'softkmeans' ? { beta: 0.5 } : {};
      const list = await Promise.all(
        blocks.map((b) => shardStatistics(b, { model, params: { centroids: start }, rowOffset: b.start, backend, ...opts })),
      );
      const out = await mStep(model, sumStatistics(list), { centroids: start }, { tolScaled, iter: 1 });
      const ref =
        model === 'kmeans'
          ? await kmeans({ data, n, d }, { k: 3, init: start, maxIter: 1, backend })
          : await softKMeans({ data, n, d }, { k: 3, init: start, maxIter: 1, beta: 0.5, backend });
      close((out.params as { centroids: number[][] }).centroids, ref.centroids);
      close(out.objective, ref.history[0].objective);
      close(out.shift, ref.history[0].shift);
    }
    for (const covariance of ['full', 'tied', 'diag', 'spherical'] as CovarianceType[]) {
      const init = await gaussianMixture({ data, n, d }, { k: 3, covariance, init: 'k-means++', maxIter: 1, nInit: 1, backend });
      const p0 = { weights: init.weights, means: init.means, covariances: init.covariances } as never;
      const params = { covariance, ...(p0 as object) } as never;
      const list = await Promise.all(blocks.map((b) => shardStatistics(b, { model: 'gmm', params, backend })));
      const out = await mStep('gmm', sumStatistics(list), params);
      const ref = await gaussianMixture({ data, n, d }, { k: 3, covariance, init: p0, maxIter: 1, backend });
      const p = out.params as { means: number[][]; covariances: unknown; weights: number[] };
      close(p.means, ref.means);
      close(p.covariances as number[], ref.covariances as number[]);
      close(p.weights, ref.weights);
      close(out.objective, ref.history[0].objective);
    }
    // NB: the first pass gives the globals; one sharded iteration = one in-memory iteration.
    const sim = simulateNbMixture(150, 12, 3, 5);
    const csr = toCsr(sim.counts, 150, 12);
    const nbCuts = [0, 40, 110, 150];
    const src = csrSource(csr);
    const nbBlocks = await Promise.all(nbCuts.slice(1).map((e, t) => src.readRows(nbCuts[t], e)));
    const globals = finishGlobals(
      sumStatistics(await Promise.all(nbBlocks.map((b, t) => shardGlobals(b, { model: 'nbmm', rowOffset: nbCuts[t] })))),
    );
    const c = toCounts(csr);
    const labels = Int32Array.from(sim.truth);
    const p = paramsFromLabels(c, sizeFactors(c, 'library').s, labels, 3, { kind: 'per-gene' });
    const p0 = { weights: Array.from(p.weights), means: rows(p.means, 3, 12), dispersion: Array.from(p.phi), globals } as never;
    const list = await Promise.all(nbBlocks.map((b) => shardStatistics(b, { model: 'nbmm', params: p0, backend })));
    const out = await mStep('nbmm', sumStatistics(list), p0);
    const ref = await negativeBinomialMixture(csr, { k: 3, init: labels, maxIter: 1, backend });
    close((out.params as { means: number[][] }).means, ref.means, NB_ORDER_PARAM_RTOL);
    close((out.params as { dispersion: number[] }).dispersion, ref.dispersion, NB_ORDER_PARAM_RTOL);
    close(out.objective, ref.history[0].objective);
  });

  it('bad requests are typed errors: unknown model, parameters of the wrong shape, rows out of range', async () => {
    const block = { n: 2, d: 2, data: Float64Array.of(0, 0, 1, 1) };
    await expect(shardStatistics(block, { model: 'kmedoids' as never, params: { centroids: [[0, 0]] }, backend })).rejects.toMatchObject({
      code: 'BAD_OPTION',
    });
    await expect(shardStatistics(block, { model: 'kmeans', params: { centroids: [[0, 0, 0]] }, backend })).rejects.toMatchObject({
      code: 'SHAPE_MISMATCH',
    });
    await expect(
      shardStatistics(block, { model: 'gmm', params: { covariance: 'diag', weights: [1], means: [[0, 0]], covariances: [[1]] }, backend }),
    ).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
    await expect(denseSource(block.data, 2, 2).readRows(1, 3)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    // The worker names the file and its row count.
    const dir = mkdtempSync(join(tmpdir(), 'emgpu-shard-'));
    writeFileSync(join(dir, 'x.csv'), 'a,b\n0,0\n1,1\n');
    const cache = new SourceCache();
    const req = {
      op: 'statistics',
      model: 'kmeans',
      params: { centroids: [[0, 0]] },
      shard: { file: join(dir, 'x.csv'), start: 1, end: 3 },
    };
    await expect(answer(req, () => createEngine({ backend }), cache)).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringContaining("x.csv's 2 rows"),
    });
    await expect(answer({ ...req, op: 'nope' }, () => createEngine({ backend }), cache)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(kmeansStream(denseSource(block.data, 2, 2), { backend })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await cache.close();
    expect(() => sumStatistics([])).toThrow(expect.objectContaining({ code: 'EMPTY_DATA' }));
    await expect(
      shardStatistics(block, { model: 'kmeans', params: { centroids: [[0, 0]] }, backend, bogus: 1 } as never),
    ).rejects.toMatchObject({
      code: 'UNKNOWN_OPTION',
    });
  });
});

describe('streamed fits', () => {
  const { data, n, d } = blobs;
  it('k-means and soft k-means: one chunk gives the in-memory bits; three chunks the F64 policy and the same bits every run', async () => {
    const ref = await kmeans({ data, n, d }, { k: 3, init: start, backend });
    const one = await kmeansStream(denseSource(data, n, d), { init: { centroids: start }, backend });
    expect(one.params.centroids).toEqual(ref.centroids);
    expect(one.history.map((h) => [h.objective, h.shift, h.changed])).toEqual(ref.history.map((h) => [h.objective, h.shift, h.changed]));
    expect(one.stopReason).toBe(ref.stopReason);
    expect(one.objective).toBe(ref.inertia);
    expect(Array.from(one.labels!)).toEqual(ref.labels);
    const a = await kmeansStream(denseSource(data, n, d), { init: { centroids: start }, chunkRows: 100, backend });
    const b = await kmeansStream(denseSource(data, n, d), { init: { centroids: start }, chunkRows: 100, backend });
    expect(a.params).toEqual(b.params);
    expect(a.nIter).toBe(ref.nIter);
    close(a.params.centroids, ref.centroids);
    close(a.objective, ref.inertia);
    const soft = await softKMeans({ data, n, d }, { k: 3, init: start, beta: 0.5, backend });
    const s1 = await softKMeansStream(denseSource(data, n, d), { init: { centroids: start }, beta: 0.5, backend });
    expect(s1.params.centroids).toEqual(soft.centroids);
    expect(s1.history.map((h) => h.objective)).toEqual(soft.history.map((h) => h.objective));
    const s3 = await softKMeansStream(denseSource(data, n, d), { init: { centroids: start }, beta: 0.5, chunkRows: 90, backend });
    close(s3.params.centroids, soft.centroids);
  });

  it('GMM (four covariance types) and the NB mixture: one chunk gives the in-memory bits; several the F64 policy', async () => {
    for (const covariance of ['full', 'tied', 'diag', 'spherical'] as CovarianceType[]) {
      const init = await gaussianMixture({ data, n, d }, { k: 3, covariance, init: 'k-means++', maxIter: 1, nInit: 1, backend });
      const p0 = { weights: init.weights, means: init.means, covariances: init.covariances } as never;
      const params = { covariance, ...(p0 as object) } as never;
      const ref = await gaussianMixture({ data, n, d }, { k: 3, covariance, init: p0, backend });
      const one = await gmmStream(denseSource(data, n, d), { init: params, covariance, backend });
      expect(one.params.means).toEqual(ref.means);
      expect(one.params.covariances).toEqual(ref.covariances);
      expect(one.history.map((h) => h.objective)).toEqual(ref.history.map((h) => h.objective));
      const many = await gmmStream(denseSource(data, n, d), { init: params, covariance, chunkRows: 64, backend });
      expect(many.nIter).toBe(ref.nIter);
      close(many.params.means, ref.means);
      close(many.params.covariances as number[], ref.covariances as number[]);
      close(many.objective, ref.logLikelihood);
    }
    const sim = simulateNbMixture(150, 12, 3, 5);
    const csr = toCsr(sim.counts, 150, 12);
    const c = toCounts(csr);
    const labels = Int32Array.from(sim.truth, (t, i) => (i % 7 === 0 ? (t + 1) % 3 : t));
    const p = paramsFromLabels(c, sizeFactors(c, 'library').s, labels, 3, { kind: 'per-gene' });
    const init = { weights: Array.from(p.weights), means: rows(p.means, 3, 12), dispersion: Array.from(p.phi) };
    const ref = await negativeBinomialMixture(csr, { k: 3, init: labels, backend });
    const one = await nbStream(csrSource(csr), { init, backend });
    expect(one.params.means).toEqual(ref.means);
    expect(one.params.dispersion).toEqual(ref.dispersion);
    expect(one.history.map((h) => h.objective)).toEqual(ref.history.map((h) => h.objective));
    expect(one.objective).toBe(ref.logLikelihood);
    const many = await nbStream(csrSource(csr), { init, chunkRows: 40, backend });
    expect(many.nIter).toBe(ref.nIter);
    close(many.params.means, ref.means, NB_ORDER_PARAM_RTOL);
    close(many.params.dispersion, ref.dispersion, NB_ORDER_PARAM_RTOL);
    close(many.objective, ref.logLikelihood);
  });

  it('seeds on a sample of rows, reports progress per pass and stops on abort between chunks', async () => {
    const passes = new Set<string>();
    const fit = await kmeansStream(denseSource(data, n, d), {
      k: 3,
      sampleRows: 60,
      chunkRows: 50,
      backend,
      onProgress: (p) => passes.add(p.pass),
    });
    expect(fit.init).toEqual({ sampleRows: 60 });
    expect([...passes].slice(0, 3)).toEqual(['globals', 'init-sample', 'em-iteration-1']);
    expect(passes.has('labels')).toBe(true);
    expect(fit.passes).toBe(passes.size);
    const ac = new AbortController();
    const run = kmeansStream(denseSource(data, n, d), {
      init: { centroids: start },
      chunkRows: 10,
      backend,
      signal: ac.signal,
      onProgress: (p) => p.pass === 'em-iteration-1' && p.chunksDone === 3 && ac.abort(),
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });
});
