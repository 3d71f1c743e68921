/**
 * Sample weights in the k-means kernels, through the GPU path directly (uploadData with weights,
 * the kernels' state, one E-step and accumulation): the per-cluster statistics Σ w·x, Σ w and
 * Σ w·score of the hard and soft steps, and the k-means++ candidate potentials Σ w·D², against
 * float64 sums on the host over the same float32 data, labels, distances and responsibilities.
 * Weights of one must give the statistics of no weights to the bit. Chunks of 256 rows (4 chunks)
 * so the weights of every chunk sit at their own offset. End-to-end sampleWeight tests through
 * the public API live with the models.
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { withGpu } from '../../src/gpu/session.js';
import { uploadData } from '../../src/gpu/dataset.js';
import { bindBuffers } from '../../src/gpu/bind.js';
import type { GpuRunner } from '../../src/gpu/runner.js';
import type { ChunkingOptions } from '../../src/gpu/dataset.js';
import { KMeansGpuState } from '../../src/backends/webgpu/kmeans.js';
import { Rng } from '../../src/core/rng.js';
import { makeBlobs } from '../../src/datasets/blobs.js';

const N = 1000;
const D = 3;
const K = 4;
const BETA = 0.5;
const blobs = makeBlobs(N, D, K, 7, { offset: 50 });
const mean = new Float64Array(D);
for (let i = 0; i < N; i++) for (let f = 0; f < D; f++) mean[f] += blobs.data[i * D + f] / N;

interface GpuStats {
  host: Float32Array;
  hard: { stats: Float64Array; labels: Uint32Array; dist: Float32Array };
  soft: { stats: Float64Array; resp: Float32Array; score: Float32Array };
  /** Per-segment potentials of two candidates: first round (Σ w·D²) and later round (Σ w·min(closest, D²)). */
  kpp: { first: Float32Array; later: Float32Array; closest: Float32Array };
  chunks: number;
}

async function gpuStats(runner: GpuRunner, chunking: ChunkingOptions, weights?: ArrayLike<number>): Promise<GpuStats> {
  const data = uploadData(runner, { n: N, d: D, x: blobs.data }, mean, chunking, 'weighted data', weights);
  const st = new KMeansGpuState(runner, data, K);
  const centres = new Float64Array(K * D);
  [3, 250, 500, 999].forEach((r, j) => centres.set(data.host.subarray(r * D, r * D + D), j * D));
  st.writeCentres(centres);

  st.encodeHardStep();
  const hardStats = (await st.readStats()).stats;
  const hard = { stats: hardStats, ...(await st.readLabelsAndDist()) };

  // k-means++ potentials of candidate rows 10 and 600; `closest` is the hard step's distance.
  const device = runner.device;
  const cands = runner.storage('candidates', 16 * D * 4);
  runner.write(cands, 0, new Float32Array([...data.host.subarray(10 * D, 11 * D), ...data.host.subarray(600 * D, 601 * D)]));
  const partials = runner.storage('candidate partials', data.totalSegments * 2 * 4);
  const step = runner.uniform('candidate step', new Uint32Array([2, 0, 1, 0]));
  const potentials = async (first: boolean): Promise<Float32Array> => {
    runner.write(step, 0, new Uint32Array([2, 0, first ? 1 : 0, 0]));
    for (const c of data.chunks) {
      const g = bindBuffers(device, 'candidates', st.pipes.kppCandidates, [c.x, st.rows[c.index].dist, cands, partials, c.uniform, step]);
      runner.dispatch('k-means++ candidates', st.pipes.kppCandidates, g, c.segments);
    }
    const [p] = await runner.read([{ buffer: partials, offset: 0, size: data.totalSegments * 2 * 4 }]);
    return new Float32Array(p);
  };
  const kpp = { first: await potentials(true), later: await potentials(false), closest: hard.dist };

  st.ensureSoft(BETA);
  st.encodeSoftStep();
  const softStats = (await st.readStats()).stats;
  const resp = await st.readRowMatrix(st.pipes.softEStep, 'soft E-step');
  const soft = { stats: softStats, resp, score: (await st.readLabelsAndDist()).dist };
  return { host: data.host, hard, soft, kpp, chunks: data.chunks.length };
}

/** Float64 per-cluster Σ w·m·x, Σ w·m, Σ w·m·score (m: membership) and the same sums of absolute values (the error scale). */
function hostStats(host: Float32Array, w: Float32Array, member: (i: number, c: number) => number, score: Float32Array) {
  const J = D + 2;
  const sum = new Float64Array(K * J);
  const abs = new Float64Array(K * J);
  for (let i = 0; i < N; i++) {
    for (let c = 0; c < K; c++) {
      const m = w[i] * member(i, c);
      if (m === 0) continue;
      const vals = [...host.subarray(i * D, i * D + D), 1, score[i]];
      vals.forEach((v, f) => {
        sum[c * J + f] += m * v;
        abs[c * J + f] += Math.abs(m * v);
      });
    }
  }
  return { sum, abs };
}

function expectClose(got: Float64Array, ref: { sum: Float64Array; abs: Float64Array }, rel: number): void {
  for (let t = 0; t < got.length; t++) expect(Math.abs(got[t] - ref.sum[t])).toBeLessThanOrEqual(rel * ref.abs[t] + 1e-6);
}

let engine: Engine;
let weights: Float32Array;
let weighted: GpuStats;
let ones: GpuStats;
let none: GpuStats;

beforeAll(async () => {
  engine = await createEngine({ backend: 'webgpu', maxChunkRows: 300 });
  const rng = new Rng(11, 3);
  // Fractional weights, a few zeros, and one heavy sample.
  weights = Float32Array.from({ length: N }, (_, i) => (i % 17 === 0 ? 0 : i === 5 ? 40 : 3 * rng.uniform()));
  weighted = await withGpu(engine, (runner, chunking) => gpuStats(runner, chunking, weights));
  ones = await withGpu(engine, (runner, chunking) => gpuStats(runner, chunking, new Array<number>(N).fill(1)));
  none = await withGpu(engine, (runner, chunking) => gpuStats(runner, chunking));
});

describe('sample weights in the k-means kernels', () => {
  test('the data are uploaded in several chunks, each carrying its own weights', () => {
    expect(weighted.chunks).toBe(4);
  });

  test('hard accumulation sums w·x, w and w·distance per cluster, as float64 on the host does', () => {
    const { labels, dist } = weighted.hard;
    const ref = hostStats(weighted.host, weights, (i, c) => (labels[i] === c ? 1 : 0), dist);
    expectClose(weighted.hard.stats, ref, 1e-5);
    // The weights matter: the unweighted counts differ.
    expect(none.hard.stats[D]).not.toBeCloseTo(weighted.hard.stats[D], 1);
  });

  test('soft accumulation sums w·r·x, w·r and w·r·score per cluster, as float64 on the host does', () => {
    const { resp, score } = weighted.soft;
    const ref = hostStats(weighted.host, weights, (i, c) => resp[i * K + c], score);
    expectClose(weighted.soft.stats, ref, 1e-5);
  });

  test('k-means++ candidate potentials are Σ w·D² (first round) and Σ w·min(closest, D²) (later rounds)', () => {
    const host = weighted.host;
    for (const [t, row] of [10, 600].entries()) {
      let first = 0;
      let later = 0;
      let scale = 0;
      for (let i = 0; i < N; i++) {
        let s = 0;
        for (let f = 0; f < D; f++) s += (host[i * D + f] - host[row * D + f]) ** 2;
        first += weights[i] * s;
        later += weights[i] * Math.min(weighted.kpp.closest[i], s);
        scale += weights[i] * s;
      }
      const sum = (p: Float32Array) => p.reduce((a, v, j) => (j % 2 === t ? a + v : a), 0);
      expect(Math.abs(sum(weighted.kpp.first) - first)).toBeLessThanOrEqual(1e-5 * scale);
      expect(Math.abs(sum(weighted.kpp.later) - later)).toBeLessThanOrEqual(1e-5 * scale);
    }
  });

  test('weights of one give exactly the statistics of no weights', () => {
    expect(ones.hard.stats).toEqual(none.hard.stats);
    expect(ones.hard.dist).toEqual(none.hard.dist);
    expect(ones.soft.stats).toEqual(none.soft.stats);
    expect(ones.kpp.first).toEqual(none.kpp.first);
    expect(ones.kpp.later).toEqual(none.kpp.later);
  });
});
