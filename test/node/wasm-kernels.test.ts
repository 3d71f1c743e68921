import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeBlobs } from '../../src/datasets/blobs.js';
import {
  columnMeans,
  expectAllClose,
  kmeansPlusPlus64,
  labelStats,
  pickCentroids,
  sampleWeights,
  seedingRng,
  softStats,
  sqDist64,
  uniforms,
} from '../helpers/wasm-oracle.js';
import { dataScale, expectRelClose, F32_OBJ_RTOL, F32_PARAM_ATOL, F32_PARAM_RTOL, F32_PROB_ATOL } from '../tolerance.js';
import { loadWasmRuntime, type WasmRuntime } from '../../src/backends/wasm/runtime.js';
import { createPool, type WasmPool } from '../../src/backends/wasm/pool.js';
import {
  distances,
  gmmDiagEStep,
  kmeansAssignStats,
  kmeansBuffers,
  kmeansPlusPlus,
  kmeansPredict,
  putRows,
  softKMeansEStep,
} from '../../src/backends/wasm/ops.js';

// 9000 rows: two full blocks of 4096 and a partial one.
const N = 9000;
const DS = [1, 3, 4, 17, 64];
const KS = [1, 7, 64];

let rt: WasmRuntime;
let pool: WasmPool;
beforeAll(async () => {
  rt = await loadWasmRuntime();
  pool = await createPool(rt, { threads: 1 });
});
afterAll(() => pool.close());

function dataset(d: number, weighted: boolean) {
  const b = makeBlobs(N, d, 8, 100 + d, { spread: 6 });
  return { x: b.data, w: weighted ? sampleWeights(N, 7 + d) : undefined, scale: dataScale(b.data, N, d) };
}

/** Means (sums / mass) against the f64 ones under the parameter policy; empty clusters skipped. */
function expectMeansClose(
  sums: Float64Array,
  mass: Float64Array,
  refSums: Float64Array,
  refMass: Float64Array,
  d: number,
  scale: number,
  what: string,
) {
  const k = mass.length;
  for (let j = 0; j < k; j++) {
    if (refMass[j] < 1e-3) continue;
    const a = Array.from({ length: d }, (_, f) => sums[j * d + f] / mass[j]);
    const e = Array.from({ length: d }, (_, f) => refSums[j * d + f] / refMass[j]);
    expectAllClose(a, e, F32_PARAM_ATOL * scale, F32_PARAM_RTOL, `${what} mean of component ${j}`);
  }
}

describe.each(DS)('WebAssembly kernels at d = %i', (d) => {
  describe.each(KS)('and k = %i', (k) => {
    test.each([false, true])(
      'k-means assignment picks a nearest centroid and its statistics match float64 (weights: %s)',
      async (weighted) => {
        const { x, w, scale } = dataset(d, weighted);
        const c = pickCentroids(x, N, d, k, 11 * k + d);
        const mark = rt.arena.mark();
        const rows = putRows(rt, x, N, d, { shift: columnMeans(x, N, d), weights: w });
        const bufs = kmeansBuffers(rt, N);
        const st = await kmeansAssignStats(pool, rows, bufs, c, k);
        const labels = new Int32Array(rt.memory.buffer, bufs.labels, N).slice();
        const dist = new Float32Array(rt.memory.buffer, bufs.dist, N).slice();
        for (let i = 0; i < N; i++) {
          let best = Infinity;
          for (let j = 0; j < k; j++) best = Math.min(best, sqDist64(x, i, c, j, d));
          const mine = sqDist64(x, i, c, labels[i], d);
          // Nearest up to float32 round-off of the distance (about d·ε₃₂ of the squared scale).
          const slack = F32_OBJ_RTOL * (best + d);
          if (!(mine - best <= slack)) throw new Error(`row ${i}: label ${labels[i]} at ${mine}, nearest at ${best}`);
          if (!(Math.abs(dist[i] - mine) <= slack)) throw new Error(`row ${i}: distance ${dist[i]} vs ${mine}`);
        }
        const ref = labelStats(x, N, d, c, k, labels, w);
        expect(Array.from(st.counts)).toEqual(Array.from(ref.counts));
        expectRelClose(st.inertia, ref.inertia, F32_OBJ_RTOL, 'inertia');
        expectMeansClose(st.sums, st.counts, ref.sums, ref.counts, d, scale, 'cluster');
        expect(st.changed).toBe(N);
        const again = await kmeansAssignStats(pool, rows, bufs, c, k);
        expect(again.changed).toBe(0);
        expect(again.inertia).toBe(st.inertia);
        rt.arena.release(mark);
      },
    );

    test('on integer data, where float32 is exact, labels and distances equal float64 exactly, ties going to the lower index', async () => {
      // Coordinates in {0, 1, 2, 3} and duplicated centroids: many exact ties, no round-off.
      const u = uniforms(1000 + 10 * d + k);
      const x = Float64Array.from({ length: N * d }, () => Math.floor(u() * 4));
      const c = Float64Array.from({ length: k * d }, () => Math.floor(u() * 4));
      if (k > 2) c.copyWithin((k - 1) * d, 0, d);
      const mark = rt.arena.mark();
      const rows = putRows(rt, x, N, d);
      const pred = await kmeansPredict(pool, rows, c, k);
      const labels = new Int32Array(N);
      const dist = new Float64Array(N);
      for (let i = 0; i < N; i++) {
        let best = Infinity;
        for (let j = 0; j < k; j++) {
          const s = sqDist64(x, i, c, j, d);
          if (s < best) {
            best = s;
            labels[i] = j;
          }
        }
        dist[i] = best;
      }
      expect(pred.labels).toEqual(labels);
      expect(Float64Array.from(pred.dist)).toEqual(dist);
      if (k > 2) expect(pred.labels.includes(k - 1)).toBe(false);
      rt.arena.release(mark);
    });

    test('predict and the distance table agree bit for bit with the assignment, and with float64', async () => {
      const { x } = dataset(d, false);
      const c = pickCentroids(x, N, d, k, 5 * k + d);
      const mark = rt.arena.mark();
      const rows = putRows(rt, x, N, d, { shift: columnMeans(x, N, d) });
      const bufs = kmeansBuffers(rt, N);
      await kmeansAssignStats(pool, rows, bufs, c, k);
      const labels = new Int32Array(rt.memory.buffer, bufs.labels, N).slice();
      const dist = new Float32Array(rt.memory.buffer, bufs.dist, N).slice();
      const pred = await kmeansPredict(pool, rows, c, k);
      expect(pred.labels).toEqual(labels);
      expect(pred.dist).toEqual(dist);
      const sq = await distances(pool, rows, c, k, false);
      const eu = await distances(pool, rows, c, k, true);
      for (let i = 0; i < N; i++) {
        expect(sq[i * k + labels[i]]).toBe(dist[i]);
        for (let j = 0; j < k; j++) {
          const ref = Math.sqrt(sqDist64(x, i, c, j, d));
          const bound = F32_OBJ_RTOL * (ref + Math.sqrt(d));
          if (!(Math.abs(eu[i * k + j] - ref) <= bound)) throw new Error(`transform [${i}][${j}]: ${eu[i * k + j]} vs ${ref}`);
        }
      }
      rt.arena.release(mark);
    });

    test('k-means++ seeding picks the rows the float64 algorithm picks from the same draws', async () => {
      const { x } = dataset(d, false);
      const mark = rt.arena.mark();
      const rows = putRows(rt, x, N, d, { shift: columnMeans(x, N, d) });
      const got = await kmeansPlusPlus(pool, rows, k, seedingRng(k * 31 + d));
      // Well-separated blobs: candidates' potentials differ far beyond float32 round-off.
      expect(got).toEqual(kmeansPlusPlus64(x, N, d, k, seedingRng(k * 31 + d)));
      rt.arena.release(mark);
    });

    test.each([false, true])('soft k-means responsibilities and statistics match float64 (weights: %s)', async (weighted) => {
      const { x, w, scale } = dataset(d, weighted);
      const c = pickCentroids(x, N, d, k, 3 * k + d);
      const beta = 0.5 / d;
      const mark = rt.arena.mark();
      const rows = putRows(rt, x, N, d, { shift: columnMeans(x, N, d), weights: w });
      const got = await softKMeansEStep(pool, rows, c, k, beta, { resp: true, logp: true, minDist: true });
      const ref = softStats(x, N, d, k, (i, j) => -beta * sqDist64(x, i, c, j, d), null, w);
      expectRelClose(got.sumLse, ref.sumLse, F32_OBJ_RTOL, 'Σ lse');
      expectAllClose(got.resp!, ref.resp, F32_PROB_ATOL, 0, 'responsibility');
      expectAllClose(got.nk, ref.nk, F32_PROB_ATOL * N, 0, 'Σ r');
      expectMeansClose(got.sx, got.nk, ref.sx, ref.nk, d, scale, 'soft');
      expectAllClose(got.logp!, ref.logp, F32_OBJ_RTOL * d * beta, F32_OBJ_RTOL, 'lse per row');
      for (let i = 0; i < N; i++) {
        let best = Infinity;
        for (let j = 0; j < k; j++) best = Math.min(best, sqDist64(x, i, c, j, d));
        if (!(Math.abs(got.minDist![i] - best) <= F32_OBJ_RTOL * (best + d)))
          throw new Error(`row ${i}: min distance ${got.minDist![i]} vs ${best}`);
      }
      rt.arena.release(mark);
    });

    test.each([
      ['diag', false],
      ['diag', true],
      ['spherical', true],
    ] as const)('the Gaussian (%s) E-step matches float64 (weights: %s)', async (type, weighted) => {
      const { x, w, scale } = dataset(d, weighted);
      const means = pickCentroids(x, N, d, k, 17 * k + d);
      const sig = (j: number, f: number) => 0.7 + 0.8 * (((j * 7 + f * 3) % 11) / 10);
      const precChol =
        type === 'diag'
          ? Float64Array.from({ length: k * d }, (_, t) => 1 / sig(Math.floor(t / d), t % d))
          : Float64Array.from({ length: k }, (_, j) => 1 / sig(j, 0));
      const logDetPrecChol = Float64Array.from({ length: k }, (_, j) => {
        let s = 0;
        for (let f = 0; f < d; f++) s += Math.log(type === 'diag' ? precChol[j * d + f] : precChol[j]);
        return s;
      });
      const raw = Float64Array.from({ length: k }, (_, j) => 1 + (j % 3));
      const total = raw.reduce((a, b) => a + b, 0);
      const weights = raw.map((v) => v / total);
      // A dropped component (k > 1): it must get no responsibility at all.
      const active = Uint8Array.from({ length: k }, (_, j) => (k > 1 && j === k - 1 ? 0 : 1));
      const mark = rt.arena.mark();
      const rows = putRows(rt, x, N, d, { shift: columnMeans(x, N, d), weights: w });
      const got = await gmmDiagEStep(pool, rows, { k, weights, means, precChol, logDetPrecChol, active }, means, {
        resp: true,
        logp: true,
      });
      const half = 0.5 * d * Math.log(2 * Math.PI);
      const ref = softStats(
        x,
        N,
        d,
        k,
        (i, j) => {
          if (!active[j]) return -Infinity;
          let q = 0;
          for (let f = 0; f < d; f++) q += ((x[i * d + f] - means[j * d + f]) * (type === 'diag' ? precChol[j * d + f] : precChol[j])) ** 2;
          return Math.log(weights[j]) + logDetPrecChol[j] - half - 0.5 * q;
        },
        means,
        w,
      );
      expectRelClose(got.sumLse, ref.sumLse, F32_OBJ_RTOL, 'Σ log p');
      expectAllClose(got.resp!, ref.resp, F32_PROB_ATOL, 0, 'responsibility');
      expectAllClose(got.nk, ref.nk, F32_PROB_ATOL * N, 0, 'N_k');
      expectMeansClose(got.sx, got.nk, ref.sx, ref.nk, d, scale, 'component');
      expectMeansClose(got.s2!, got.nk, ref.s2, ref.nk, d, scale * scale, 'second moment');
      if (k > 1) expect(got.nk[k - 1]).toBe(0);
      rt.arena.release(mark);
    });
  });
});
