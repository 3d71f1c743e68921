/**
 * Harmony on a backend against the float64 reference from the same start (test/tolerance.ts §2,
 * float32 against float64), shared by the wasm (node) and WebGPU (browser) tests: the setups
 * and starts both use, and the comparison of objectives, corrected PCs and R.
 */
import { expect } from 'vitest';
import { implementationFor, type EngineInstance } from '../../src/core/registry.js';
import type { HarmonyBackend, HarmonySetup } from '../../src/harmony/backend.js';
import { runHarmony, type HarmonyRun } from '../../src/harmony/fit.js';
import { resolveHarmony } from '../../src/harmony/options.js';
import { F32_OBJ_RTOL, F32_PROB_ATOL, dataScale, expectParamsClose, expectRelClose } from '../tolerance.js';
import type { ShiftedBatches } from './harmony-data.js';

const rows = (x: ArrayLike<number>, n: number, d: number): number[][] =>
  Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, f) => x[i * d + f]));

/** Two batches 'a'/'b', equal shares, σ 0.1 and θ 2 for every cluster. */
export function twoBatchSetup(s: ShiftedBatches, K: number): HarmonySetup {
  return {
    n: s.n,
    d: s.d,
    K,
    B: 2,
    batch: Uint32Array.from(s.batch, (b) => (b === 'a' ? 0 : 1)),
    sigma: new Float64Array(K).fill(0.1),
    theta: new Float64Array(2).fill(2),
    prB: Float64Array.from([0.5, 0.5]),
  };
}

/** Fixed starting centroids: the first row of each of the first K groups of `per` cells, so both backends start alike. */
export function groupStarts(s: ShiftedBatches, K: number, per: number): Float64Array {
  const d = s.d;
  const centroids = new Float64Array(K * d);
  for (let k = 0; k < K; k++) centroids.set(s.data.subarray(k * per * d, k * per * d + d), k * d);
  return centroids;
}

/**
 * Three batches tied to the cell types (so the diversity penalty matters): mostly batch = type, a
 * quarter of the cells in the next batch; K 5, σ 0.5, θ 1, 2, 3, blocks of 10%, λ 0.5.
 */
export function threeBatchCase(s: ShiftedBatches, centroids: Float64Array) {
  const { n, d } = s;
  const B = 3;
  const K = 5;
  const batch = Uint32Array.from({ length: n }, (_, i) => (s.type[i] + (i % 4 === 0 ? 1 : 0)) % B);
  const counts = [0, 0, 0];
  for (const b of batch) counts[b]++;
  const setup: HarmonySetup = {
    n,
    d,
    K,
    B,
    batch,
    sigma: new Float64Array(K).fill(0.5),
    theta: Float64Array.from([1, 2, 3]),
    prB: Float64Array.from(counts, (c) => c / n),
  };
  const r = resolveHarmony({ nClusters: K, maxIter: 2, maxIterClustering: 5, blockSize: 0.1, lambda: 0.5, seed: 9, returnR: true }, n);
  return { setup, start: centroids.subarray(0, K * d), r };
}

/**
 * `backend` on `engine` and the reference from the same start: objectives, corrected PCs and R
 * within the float32 policy. Returns both runs for further checks.
 */
export async function expectHarmonyParity(
  backend: 'wasm' | 'webgpu',
  engine: EngineInstance,
  data: Float64Array,
  setup: HarmonySetup,
  centroids: Float64Array,
  r: ReturnType<typeof resolveHarmony>,
): Promise<{ ref: HarmonyRun; run: HarmonyRun }> {
  const { n, d, K } = setup;
  const ref = await runHarmony(
    implementationFor<HarmonyBackend>('harmony', 'reference'),
    { backend: 'reference', instance: null },
    data,
    setup,
    centroids,
    r,
    {},
  );
  const run = await runHarmony(implementationFor<HarmonyBackend>('harmony', backend), engine, data, setup, centroids, r, {});
  run.objectives.forEach((o, i) => expectRelClose(o, ref.objectives[i], F32_OBJ_RTOL, `objective ${i}`));
  expectParamsClose(rows(run.corrected, n, d), rows(ref.corrected, n, d), dataScale(data, n, d));
  let worst = 0;
  for (let t = 0; t < n * K; t++) worst = Math.max(worst, Math.abs(run.R![t] - ref.R![t]));
  expect(worst).toBeLessThanOrEqual(F32_PROB_ATOL);
  return { ref, run };
}
