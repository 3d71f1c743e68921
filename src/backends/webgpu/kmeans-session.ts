/**
 * The WebGPU implementation of the k-means contract (kmeans/backend.ts): a session over data
 * uploaded once and centred on its column means (the statistics, rows and centroids the model
 * sees are in those centred coordinates), E-steps and statistics in kernels (kmeans.ts).
 */
import type { KMeansBackend, KMeansSession, KMeansSetup } from '../../kmeans/backend.js';
import { locateRow, passBytes, uploadData } from '../../gpu/dataset.js';
import { addTraffic, type IterationTraffic, markTraffic, summariseCounters } from '../../gpu/runner.js';
import { withGpu } from '../../gpu/session.js';
import { applyCentroidsGpu, KMeansGpuState } from './kmeans.js';
import { kmeansPlusPlusGpu } from './kmeans-seed.js';

function gpuSession(st: KMeansGpuState, setup: KMeansSetup): KMeansSession {
  const { runner, data, k, d, J } = st;
  const soft = !!setup.soft;
  const weights = setup.weights;
  const iterCounters: IterationTraffic = { iters: 0, dispatches: 0, bytesRead: 0, gpuNs: 0, dataBytes: 0 };
  // GPU work of the EM loops (E-steps and the M-step's relocations), as the per-iteration counters report.
  const counted = async <T>(fn: () => Promise<T>, iteration = false): Promise<T> => {
    const before = markTraffic(runner);
    try {
      return await fn();
    } finally {
      addTraffic(iterCounters, runner, before, iteration);
    }
  };
  const weightedSum = (dist: Float32Array): number => {
    let s = 0;
    for (let i = 0; i < dist.length; i++) s += (weights ? weights[i] : 1) * dist[i];
    return s;
  };
  const objectiveOf = (stats: Float64Array): number => {
    let objective = 0;
    for (let j = 0; j < k; j++) objective += stats[j * J + d + 1];
    return objective;
  };
  return {
    origin: data.mean,
    row: (i) => data.host.subarray(i * d, i * d + d),
    plusPlus: (rng) => kmeansPlusPlusGpu(st, rng, weights),
    setCentres: (c) => st.writeCentres(c),
    step: () =>
      counted(async () => {
        if (soft) st.encodeSoftStep();
        else st.encodeHardStep();
        const { stats, changed } = await st.readStats();
        const sums = new Float64Array(k * d);
        const counts = new Float64Array(k);
        for (let j = 0; j < k; j++) {
          for (let f = 0; f < d; f++) sums[j * d + f] = stats[j * J + f];
          counts[j] = stats[j * J + d];
        }
        return soft ? { sums, counts, objective: objectiveOf(stats) } : { sums, counts, objective: objectiveOf(stats), changed };
      }, true),
    farthest: (m) => counted(() => st.topRows(soft ? 'mind' : 'dist', m)),
    labelsOf: (rows) =>
      counted(async () => {
        const reqs = rows.map((r) => {
          const { chunk, local } = locateRow(data, r);
          return { buffer: st.rows[chunk.index].labels, offset: local * 4, size: 4 };
        });
        return new Uint32Array((await runner.read(reqs)).map((b) => new Uint32Array(b)[0]));
      }),
    async final(fresh, wantResp) {
      if (soft) {
        // Objective, responsibilities and hard labels at the final centroids.
        st.encodeSoftStep();
        const objective = objectiveOf((await st.readStats()).stats);
        const resp = wantResp ? await st.readRowMatrix(st.pipes.softEStep, 'soft E-step') : undefined;
        st.encodeHardStep();
        const { labels, dist } = await st.readLabelsAndDist();
        return { labels, inertia: weightedSum(dist), objective, ...(resp ? { resp } : {}) };
      }
      // Labels consistent with the final centroids (the statistics are discarded).
      if (fresh) st.encodeHardStep();
      const { labels, dist } = await st.readLabelsAndDist();
      return { labels, inertia: weightedSum(dist) };
    },
    counters: () => summariseCounters(runner, iterCounters, data.chunks.length, passBytes(data)),
  };
}

export const webgpuKMeans: KMeansBackend = {
  session: (engine, ds, setup, fn) =>
    withGpu(engine, async (runner, chunking) => {
      const rowWidth = setup.soft ? setup.k : 1;
      const data = uploadData(runner, ds, ds.mean, { ...chunking, rowWidth, f16: !!setup.f16 }, 'data', setup.weights ?? undefined);
      const st = new KMeansGpuState(runner, data, setup.k);
      if (setup.soft) st.ensureSoft(setup.soft.beta);
      return fn(gpuSession(st, setup));
    }),
  apply: (engine, x, c, k, what) =>
    withGpu(engine, async (runner, chunking) => {
      const out = await applyCentroidsGpu(runner, x, c, k, what, chunking);
      return what === 'predict' ? out.labels! : out.distances!;
    }),
};
