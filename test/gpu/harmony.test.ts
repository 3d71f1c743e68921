/** WebGPU Harmony (shaders/harmony) against the float64 reference on seeded data with a known batch shift. */
import { beforeAll, describe, expect, test } from 'vitest';
import { createEngine, harmony, type Engine } from '../../src/index.js';
import { implementationFor } from '../../src/core/registry.js';
import type { HarmonyBackend, HarmonySetup } from '../../src/harmony/backend.js';
import { runHarmony } from '../../src/harmony/fit.js';
import { resolveHarmony } from '../../src/harmony/options.js';
import { F32_OBJ_RTOL, F32_PROB_ATOL, dataScale, expectParamsClose, expectRelClose } from '../tolerance.js';
import { groupMean, norm, shiftedBatches } from '../shared/harmony-data.js';

let gpu: Engine;
beforeAll(async () => {
  gpu = await createEngine({ backend: 'webgpu' });
});

const rows = (x: ArrayLike<number>, n: number, d: number): number[][] =>
  Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, f) => x[i * d + f]));

describe('WebGPU Harmony equals the CPU reference', () => {
  // 300 cells: two 256-row segments of the cell sums, 20 blocks of 15.
  const per = 50;
  const s = shiftedBatches(per, 6, 2);
  const { n, d } = s;
  const K = 6;
  const setup: HarmonySetup = {
    n,
    d,
    K,
    B: 2,
    batch: Uint32Array.from(s.batch, (b) => (b === 'a' ? 0 : 1)),
    sigma: new Float64Array(K).fill(0.1),
    theta: new Float64Array(2).fill(2),
    prB: Float64Array.from([0.5, 0.5]),
  };
  // Fixed starting centroids: one row of each type per batch, so both backends start alike.
  const centroids = new Float64Array(K * d);
  for (let k = 0; k < K; k++) centroids.set(s.data.subarray(k * per * d, k * per * d + d), k * d);

  test(`n=${n}, d=${d}, K=${K}, 2 outer iterations from the same centroids: objectives, corrected PCs and R`, async () => {
    const r = resolveHarmony({ nClusters: K, maxIter: 2, maxIterClustering: 6, seed: 4, returnR: true }, n);
    const ref = implementationFor<HarmonyBackend>('harmony', 'reference');
    const web = implementationFor<HarmonyBackend>('harmony', 'webgpu');
    const c = await runHarmony(ref, { backend: 'reference', instance: null }, s.data, setup, centroids, r, {});
    const g = await runHarmony(web, gpu, s.data, setup, centroids, r, {});
    expect(g.corrected).toBeInstanceOf(Float32Array);
    expect(g.clusteringIterations).toEqual(c.clusteringIterations);
    g.objectives.forEach((o, i) => expectRelClose(o, c.objectives[i], F32_OBJ_RTOL, `objective ${i}`));
    expectParamsClose(rows(g.corrected, n, d), rows(c.corrected, n, d), dataScale(s.data, n, d));
    let worst = 0;
    for (let t = 0; t < n * K; t++) worst = Math.max(worst, Math.abs(g.R![t] - c.R![t]));
    expect(worst).toBeLessThanOrEqual(F32_PROB_ATOL);
  });

  test('three batches tied to the cell types (so the diversity penalty matters), K=5, σ 0.5, blocks of 10%: objectives, corrected PCs and R', async () => {
    const B = 3;
    const K3 = 5;
    // Mostly batch = type, a quarter of the cells in the next batch: clusters are far from the batch mix.
    const batch3 = Uint32Array.from({ length: n }, (_, i) => (s.type[i] + (i % 4 === 0 ? 1 : 0)) % B);
    const counts = [0, 0, 0];
    for (const b of batch3) counts[b]++;
    const setup3: HarmonySetup = {
      ...setup,
      K: K3,
      B,
      batch: batch3,
      sigma: new Float64Array(K3).fill(0.5),
      theta: Float64Array.from([1, 2, 3]),
      prB: Float64Array.from(counts, (c) => c / n),
    };
    const r = resolveHarmony({ nClusters: K3, maxIter: 2, maxIterClustering: 5, blockSize: 0.1, lambda: 0.5, seed: 9, returnR: true }, n);
    const ref = implementationFor<HarmonyBackend>('harmony', 'reference');
    const web = implementationFor<HarmonyBackend>('harmony', 'webgpu');
    const start = centroids.subarray(0, K3 * d);
    const c = await runHarmony(ref, { backend: 'reference', instance: null }, s.data, setup3, start, r, {});
    const g = await runHarmony(web, gpu, s.data, setup3, start, r, {});
    g.objectives.forEach((o, i) => expectRelClose(o, c.objectives[i], F32_OBJ_RTOL, `objective ${i}`));
    expectParamsClose(rows(g.corrected, n, d), rows(c.corrected, n, d), dataScale(s.data, n, d));
    let worst = 0;
    for (let t = 0; t < n * K3; t++) worst = Math.max(worst, Math.abs(g.R![t] - c.R![t]));
    expect(worst).toBeLessThanOrEqual(F32_PROB_ATOL);
  });

  test('harmony() on WebGPU: same seed, same bits; the known shift removed as on the reference', async () => {
    const X = { data: s.data, n, d };
    const a = await harmony(X, s.batch, { engine: gpu, seed: 1, maxIter: 3 });
    const b = await harmony(X, s.batch, { engine: gpu, seed: 1, maxIter: 3 });
    expect(a.backend).toBe('webgpu');
    expect(a.warnings).toEqual([]);
    expect(new Uint8Array(a.corrected.buffer)).toEqual(new Uint8Array(b.corrected.buffer));
    for (let t = 0; t < 3; t++) {
      const inType = (x: string) => (i: number) => s.type[i] === t && s.batch[i] === x;
      const ma = groupMean(a.corrected, n, d, inType('a'));
      const gap = groupMean(a.corrected, n, d, inType('b')).map((v, f) => v - ma[f]);
      expect(norm(gap)).toBeLessThan(0.15 * norm(s.shift));
    }
  });
});
