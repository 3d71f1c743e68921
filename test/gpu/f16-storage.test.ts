/**
 * Half-precision storage of the data (k-means' opt-in `precision: 'f16'`): the rows go to the GPU
 * packed two f16 per word (shaders/common/x_f16.wgsl) and every kernel reads them exactly into
 * float32. So (1) the fused pass, the soft E-step and k-means++ on f16 storage give the bits of
 * the same kernels on float32 storage of the f16-rounded rows (odd d and an odd chunk, so rows
 * straddle words; hard and soft); (2) a fit is within test/tolerance.ts's f16
 * policy of the float64 reference on the unrounded data, with the same labels; (3) its bytes per
 * iteration are the packed rows' (half the values' bytes). No 'shader-f16' is needed:
 * unpack2x16float is core WGSL, so this runs on SwiftShader, which offers no 'shader-f16'.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { createEngine, type Engine, kmeans, softKMeans } from '../../src/index.js';
import { withGpu } from '../../src/gpu/session.js';
import { passBytes, uploadData } from '../../src/gpu/dataset.js';
import { KMeansGpuState } from '../../src/backends/webgpu/kmeans.js';
import { HARDWARE_WG } from '../../src/backends/webgpu/kmeans-plan.js';
import { kmeansPlusPlusGpu } from '../../src/backends/webgpu/kmeans-seed.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { restartRng } from '../../src/core/rng.js';
import { F16_STORAGE_RTOL, F32_OBJ_RTOL, F32_PARAM_ATOL, dataScale, permutationBetween } from '../tolerance.js';

let engine: Engine;
let cpu: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'webgpu', maxChunkRows: 256 });
  cpu = await createEngine({ backend: 'reference' });
});
afterAll(() => {
  engine.destroy();
  cpu.destroy();
});

describe('f16 storage', () => {
  // d odd (rows straddle words) and 301 rows (the second chunk holds an odd number of values).
  // Rows read from storage only: SwiftShader takes about a minute to compile a staged soft pass
  // (test/gpu/kmeans-fused.test.ts covers staging, which changes where x_at's values go, not them).
  const CASES: [d: number, k: number][] = [[3, 7]];
  const N = 301;

  test('kernels on f16 storage give the bits of float32 storage of the rounded rows', async () => {
    await withGpu(engine, async (runner, chunking) => {
      for (const [d, k] of CASES) {
        const b = makeBlobs(N, d, 5, 40 + d, { std: 1, spread: 6 });
        const zero = new Float64Array(d);
        const half = uploadData(runner, { n: N, d, x: b.data }, zero, { ...chunking, rowWidth: k, f16: true }, 'f16 rows');
        expect(half.chunks.map((c) => c.rows)).toEqual([256, 45]);
        // The host copy holds the rounded rows, each within 2⁻¹¹ of the float32 value.
        for (let t = 0; t < N * d; t++)
          expect(Math.abs(half.host[t] - b.data[t])).toBeLessThanOrEqual(F16_STORAGE_RTOL * Math.abs(b.data[t]) + 1e-7);
        const full = uploadData(runner, { n: N, d, x: Float64Array.from(half.host) }, zero, { ...chunking, rowWidth: k }, 'f32 rows');
        expect(full.host).toEqual(half.host);
        // Bytes per pass: packed values and float32 weights.
        expect(passBytes(half)).toBe((Math.ceil((256 * d) / 2) + 256 + Math.ceil((45 * d) / 2) + 45) * 4);
        expect(passBytes(full)).toBe(N * (d + 1) * 4);
        for (const layout of [{ stageRows: false, wg: HARDWARE_WG }]) {
          const runs = [];
          for (const data of [half, full]) {
            const st = new KMeansGpuState(runner, data, k, layout);
            // k-means++ on the GPU (kpp.wgsl), then one hard and one soft pass, and the soft E-step.
            const seeded = await kmeansPlusPlusGpu(st, restartRng(7, 0), null);
            st.writeCentres(seeded);
            st.encodeHardStep();
            const hard = await st.readStats();
            const ld = await st.readLabelsAndDist();
            st.ensureSoft(1 / (4 * d));
            st.encodeSoftStep();
            const soft = (await st.readStats()).stats;
            const resp = await st.readRowMatrix(st.pipes.softEStep, 'soft E-step');
            runs.push({ seeded, hard, ld, soft, resp });
          }
          const [h, f] = runs;
          const what = `d ${d}, k ${k}, ${layout.stageRows ? 'staged' : 'storage'}`;
          expect(h.seeded, `${what}: k-means++ centres`).toEqual(f.seeded);
          expect(h.hard, `${what}: hard statistics`).toEqual(f.hard);
          expect(h.ld.labels, `${what}: labels`).toEqual(f.ld.labels);
          expect(h.ld.dist, `${what}: distances`).toEqual(f.ld.dist);
          expect(h.soft, `${what}: soft statistics`).toEqual(f.soft);
          expect(h.resp, `${what}: responsibilities`).toEqual(f.resp);
          // Not vacuous: every row's weight is in the statistics.
          let w = 0;
          for (let c = 0; c < k; c++) w += h.hard.stats[c * (d + 2) + d];
          expect(w).toBe(N);
        }
      }
    });
  }, 240_000);

  test('a k-means fit on f16 storage is within the f16 policy of float64 on the unrounded data, reading half the bytes', async () => {
    const n = 600;
    const d = 9;
    const k = 4;
    // Data far from the origin and of no particular scale: the fit centres and rescales them.
    const b = makeBlobs(n, d, k, 11, { std: 0.02, spread: 0.3 });
    const x = Array.from({ length: n }, (_, i) => Array.from(b.data.subarray(i * d, i * d + d), (v) => 50 + v));
    const opts = { k, seed: 3, nInit: 1 } as const;
    const half = await kmeans(x, { ...opts, engine, precision: 'f16' });
    const full = await kmeans(x, { ...opts, engine });
    const ref = await kmeans(x, { ...opts, engine: cpu });
    const perm = permutationBetween(half.labels, ref.labels, k);
    // Bound of the policy: E = 2·2⁻¹¹·max|x − x̄|·√d moves a row's distance to its centroid.
    const mean = new Float64Array(d);
    for (const row of x) row.forEach((v, f) => (mean[f] += v / n));
    let maxDev = 0;
    for (const row of x) row.forEach((v, f) => (maxDev = Math.max(maxDev, Math.abs(v - mean[f]))));
    const scale = dataScale(x.flat(), n, d);
    half.centroids.forEach((row, j) =>
      row.forEach((v, f) => {
        const r = ref.centroids[perm[j]][f];
        expect(Math.abs(v - r), `centroid ${j}, ${f}`).toBeLessThanOrEqual(F16_STORAGE_RTOL * maxDev + F32_PARAM_ATOL * scale);
      }),
    );
    const E = 2 * F16_STORAGE_RTOL * maxDev * Math.sqrt(d);
    let bound = 0;
    x.forEach((row, i) => {
      const c = ref.centroids[ref.labels[i]];
      const dist = Math.sqrt(row.reduce((s, v, f) => s + (v - c[f]) ** 2, 0));
      bound += 2 * dist * E + E * E;
    });
    expect(Math.abs(half.inertia - ref.inertia)).toBeLessThanOrEqual(bound + F32_OBJ_RTOL * ref.inertia);
    // Not the float32 fit by another name: rounding moved the inertia.
    expect(half.inertia).not.toBe(full.inertia);
    expect(half.gpu!.dataBytesPerIter).toBe(
      (Math.ceil((256 * d) / 2) + 256 + Math.ceil((256 * d) / 2) + 256 + Math.ceil((88 * d) / 2) + 88) * 4,
    );
    expect(full.gpu!.dataBytesPerIter).toBe(n * (d + 1) * 4);
    expect(half.gpu!.dataPassesPerIter).toBe(1);
    // Soft k-means takes the option too; its responsibilities sum to one.
    const soft = await softKMeans(x, { ...opts, beta: 100, engine, precision: 'f16', returnResponsibilities: true, maxIter: 5 });
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += soft.responsibilities![i * k + c];
      expect(Math.abs(s - 1)).toBeLessThan(1e-5);
    }
  }, 120_000);
});
