/**
 * The fused k-means pass (shaders/kmeans/fused.wgsl) for d and k below, at and above its tiles
 * (d = 1, 3, 17, 64, 130; k = 1, 7, 64, 200): one E-step with statistics, through the GPU state
 * directly, against float64 on the host over the same float32 data and centroids. Labels must be
 * the float64 argmin wherever the two nearest distances are not a near-tie; the statistics must be
 * the float64 sums of what the kernel assigned (labels, distances; the soft responsibilities of
 * the separate soft E-step kernel, whose chain is the same). The statistics are bit-identical
 * between one chunk and chunks of one segment (256 rows), with rows staged in workgroup memory or
 * read from storage, with the hardware and the software adapters' workgroup sizes (256, 32), and
 * across repeated runs. End-to-end fits at those sizes, and the counters
 * (≤ 2 dispatches, one pass over the data per iteration), close the file.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { createEngine, type Engine, kmeans, softKMeans } from '../../src/index.js';
import { withGpu } from '../../src/gpu/session.js';
import { uploadData, type ChunkingOptions } from '../../src/gpu/dataset.js';
import type { GpuRunner } from '../../src/gpu/runner.js';
import { KMeansGpuState } from '../../src/backends/webgpu/kmeans.js';
import { fusedPlan } from '../../src/backends/webgpu/kmeans-kernels.js';
import { type FusedLayout, HARDWARE_WG } from '../../src/backends/webgpu/kmeans-plan.js';
import { SOFTWARE_WG } from '../../src/gpu/software.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { F32_OBJ_RTOL, F32_PROB_ATOL, dataScale, expectParamsClose, expectRelClose } from '../tolerance.js';

const N = 300;
/** Every d and every k of the list, each pair below / at / above the tiles somewhere (not the whole cross product: SwiftShader compiles a pipeline per pair). */
const PAIRS: [d: number, k: number][] = [
  [1, 1],
  [1, 200],
  [3, 7],
  [3, 64],
  [17, 7],
  [17, 200],
  [64, 1],
  [64, 64],
  [130, 7],
  [130, 200],
];

let engine: Engine;
let cpu: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'webgpu' });
  cpu = await createEngine({ backend: 'reference' });
});
afterAll(() => {
  engine.destroy();
  cpu.destroy();
});

interface Pass {
  hard: Float64Array;
  soft: Float64Array;
  labels: Uint32Array;
  dist: Float32Array;
  resp: Float32Array;
  host: Float32Array;
  centres: Float64Array;
  chunks: number;
  /** Whether this run staged rows in workgroup memory (the plan may not, when d is too wide). */
  staged: boolean;
}

/** β ≈ 1/(4d): β·‖x − c‖² stays O(10), where float32 responsibilities keep F32_PROB_ATOL. */
const betaFor = (d: number): number => 1 / (4 * d);

async function fusedPass(
  runner: GpuRunner,
  d: number,
  k: number,
  x: Float64Array,
  chunking: ChunkingOptions,
  layout: FusedLayout,
): Promise<Pass> {
  const mean = new Float64Array(d);
  const data = uploadData(runner, { n: N, d, x }, mean, chunking, 'data');
  const st = new KMeansGpuState(runner, data, k, layout);
  // Centres: k distinct rows spread over the data.
  const centres = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    const r = Math.floor((j * N) / k);
    for (let f = 0; f < d; f++) centres[j * d + f] = data.host[r * d + f];
  }
  st.writeCentres(centres);
  st.encodeHardStep();
  const hard = (await st.readStats()).stats;
  const { labels, dist } = await st.readLabelsAndDist();
  st.ensureSoft(betaFor(d));
  st.encodeSoftStep();
  const soft = (await st.readStats()).stats;
  const resp = await st.readRowMatrix(st.pipes.softEStep, 'soft E-step');
  const staged = fusedPlan(runner.device, d, k, false, layout).STAGE_X;
  return { hard, soft, labels, dist, resp, host: data.host, centres, chunks: data.chunks.length, staged };
}

/** Float64 Σ m·x, Σ m, Σ m·score per cluster (m: membership), and Σ |·| (the error scale). */
function hostStats(p: Pass, d: number, k: number, member: (i: number, c: number) => number, score: (i: number) => number) {
  const J = d + 2;
  const sum = new Float64Array(k * J);
  const abs = new Float64Array(k * J);
  for (let i = 0; i < N; i++) {
    for (let c = 0; c < k; c++) {
      const m = member(i, c);
      if (m === 0) continue;
      for (let f = 0; f < J; f++) {
        const v = m * (f < d ? p.host[i * d + f] : f === d ? 1 : score(i));
        sum[c * J + f] += v;
        abs[c * J + f] += Math.abs(v);
      }
    }
  }
  return { sum, abs };
}

/** Each statistic within 2e-5 of its sum of absolute terms (segment sums of ≤ 256 float32 terms, Kahan across segments). */
function expectStatsClose(got: Float64Array, ref: { sum: Float64Array; abs: Float64Array }, what: string): void {
  for (let t = 0; t < got.length; t++) {
    const bound = F32_OBJ_RTOL * ref.abs[t] + 1e-30;
    if (!(Math.abs(got[t] - ref.sum[t]) <= bound)) throw new Error(`${what} statistic ${t}: ${got[t]} vs ${ref.sum[t]}`);
  }
}

describe('the fused k-means pass equals float64 on the host, for d and k around its tiles', () => {
  for (const [d, k] of PAIRS) {
    test(`d = ${d}, k = ${k}: labels, distances, statistics; bit-identical across chunkings, staging, workgroup sizes and runs`, async () => {
      const b = makeBlobs(N, d, 7, 100 + d, { std: 1, spread: 6 });
      await withGpu(engine, async (runner) => {
        const staged = { stageRows: true, wg: HARDWARE_WG };
        const whole = await fusedPass(runner, d, k, b.data, {}, staged);
        const chunked = await fusedPass(runner, d, k, b.data, { maxChunkRows: 256 }, staged);
        const storage = await fusedPass(runner, d, k, b.data, {}, { stageRows: false, wg: HARDWARE_WG });
        const narrow = await fusedPass(runner, d, k, b.data, {}, { stageRows: false, wg: SOFTWARE_WG });
        const again = await fusedPass(runner, d, k, b.data, {}, staged);
        expect(chunked.chunks, `k=${k}`).toBe(2);
        expect(storage.staged).toBe(false);
        for (const other of [chunked, storage, narrow, again]) {
          expect(other.hard, `k=${k} hard`).toEqual(whole.hard);
          expect(other.soft, `k=${k} soft`).toEqual(whole.soft);
          expect(other.labels, `k=${k} labels`).toEqual(whole.labels);
        }
        const p = whole;
        const BETA = betaFor(d);
        // Float64 distances from the same float32 values.
        const dist64 = new Float64Array(N * k);
        for (let i = 0; i < N; i++)
          for (let c = 0; c < k; c++) {
            let s = 0;
            for (let f = 0; f < d; f++) s += (p.host[i * d + f] - Math.fround(p.centres[c * d + f])) ** 2;
            dist64[i * k + c] = s;
          }
        for (let i = 0; i < N; i++) {
          const row = Array.from(dist64.subarray(i * k, i * k + k));
          const best = Math.min(...row);
          const sorted = [...row].sort((a, c) => a - c);
          const gap = k > 1 ? (sorted[1] - sorted[0]) / Math.max(sorted[1], 1e-30) : 1;
          if (gap > 1e-4) expect(p.labels[i], `k=${k} row ${i}`).toBe(row.indexOf(best));
          // A sum of d positive float32 terms: relative error ≤ (d + 2)·2⁻²⁴ ≤ F32_OBJ_RTOL.
          expect(Math.abs(p.dist[i] - row[p.labels[i]])).toBeLessThanOrEqual(F32_OBJ_RTOL * row[p.labels[i]]);
          // Soft responsibilities against float64.
          const a = row.map((s) => -BETA * s);
          const amax = Math.max(...a);
          const lse = amax + Math.log(a.reduce((z, v) => z + Math.exp(v - amax), 0));
          for (let c = 0; c < k; c++) expect(Math.abs(p.resp[i * k + c] - Math.exp(a[c] - lse))).toBeLessThanOrEqual(F32_PROB_ATOL);
        }
        expectStatsClose(
          p.hard,
          hostStats(
            p,
            d,
            k,
            (i, c) => (p.labels[i] === c ? 1 : 0),
            (i) => p.dist[i],
          ),
          `k=${k} hard`,
        );
        // Soft scores −lse/β from the kernel's own responsibilities' chain: recomputed in float64 from float32 distances.
        const score = (i: number): number => {
          const a = Array.from(dist64.subarray(i * k, i * k + k), (s) => -BETA * s);
          const amax = Math.max(...a);
          return -(amax + Math.log(a.reduce((z, v) => z + Math.exp(v - amax), 0))) / BETA;
        };
        const softRef = hostStats(p, d, k, (i, c) => p.resp[i * k + c], score);
        // Responsibilities are float32 (F32_PROB_ATOL absolute), so the soft sums carry that error times Σ|x|.
        for (let t = 0; t < p.soft.length; t++) {
          const bound = F32_OBJ_RTOL * softRef.abs[t] + 1e-30;
          const c = Math.floor(t / (d + 2));
          const f = t % (d + 2);
          if (f === d + 1) continue; // the score column: compared as the objective below
          if (!(Math.abs(p.soft[t] - softRef.sum[t]) <= bound))
            throw new Error(`k=${k} soft statistic (${c}, ${f}): ${p.soft[t]} vs ${softRef.sum[t]}`);
        }
        // The objective Σ_i score_i: scores may take both signs, so the bound is relative to Σ|score_i|.
        let obj = 0;
        let obj64 = 0;
        let objAbs = 0;
        for (let c = 0; c < k; c++) obj += p.soft[c * (d + 2) + d + 1];
        for (let i = 0; i < N; i++) {
          obj64 += score(i);
          objAbs += Math.abs(score(i));
        }
        expect(Math.abs(obj - obj64), `k=${k} soft objective ${obj} vs ${obj64}`).toBeLessThanOrEqual(F32_OBJ_RTOL * objAbs);
      });
    }, 60_000);
  }
});

describe('fits at the tile sizes agree with the reference and make one pass over the data per iteration', () => {
  const cases: [n: number, d: number, k: number][] = [[600, 17, 64]];
  for (const [n, d, k] of cases) {
    test(`n=${n}, d=${d}, k=${k}: hard and soft k-means, chunks of 256 rows`, async () => {
      const chunked = await createEngine({ backend: 'webgpu', maxChunkRows: 256 });
      try {
        const b = makeBlobs(n, d, k, n + d + k, { std: 0.05, spread: 10 });
        const X = { data: b.data, n, d };
        const init = Array.from({ length: k }, (_, j) => Array.from(b.data.subarray(j * d, j * d + d)));
        const opts = { k, init, maxIter: 4, tol: 0 };
        const g = await kmeans(X, { ...opts, engine: chunked });
        const c = await kmeans(X, { ...opts, engine: cpu });
        expect(g.labels).toEqual(c.labels);
        expectRelClose(g.inertia, c.inertia, F32_OBJ_RTOL, 'inertia');
        expectParamsClose(g.centroids, c.centroids, dataScale(b.data, n, d));
        const chunks = Math.ceil(n / 256);
        expect(g.gpu!.chunks).toBe(chunks);
        expect(g.gpu!.dataPassesPerIter).toBe(1);
        expect(g.gpu!.dataBytesPerIter).toBe(n * (d + 1) * 4);
        // One dispatch per chunk and one reduction (relocating an empty cluster would add argmax rounds: none here).
        expect(g.gpu!.dispatchesPerIter).toBe(chunks + 1);
        const whole = await kmeans(X, { ...opts, engine });
        expect(whole.gpu!.dispatchesPerIter).toBeLessThanOrEqual(2);
        expect(whole.centroids).toEqual(g.centroids);
        const sg = await softKMeans(X, { ...opts, beta: 0.5, engine: chunked });
        const sc = await softKMeans(X, { ...opts, beta: 0.5, engine: cpu });
        expectRelClose(sg.objective, sc.objective, F32_OBJ_RTOL, 'soft objective');
        expect(sg.gpu!.dataPassesPerIter).toBe(1);
        expect(sg.gpu!.dispatchesPerIter).toBe(chunks + 1);
      } finally {
        chunked.destroy();
      }
    }, 60_000);
  }
});
