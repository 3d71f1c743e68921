/**
 * Harmony on the 'wasm' backend (wasm/assembly/harmony.ts, src/backends/wasm/harmony.ts) against the
 * float64 reference on seeded data with a known batch shift: f32 cells with f64 sums, compared under
 * test/tolerance.ts §2 (float32 vs float64, as the WebGPU Harmony test does); the same bits on 1, 2
 * and 3 threads and on a repeated run.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEngine, harmony, type Engine } from '../../src/index.js';
import { implementationFor } from '../../src/core/registry.js';
import type { HarmonyBackend, HarmonySetup } from '../../src/harmony/backend.js';
import { normaliseRows, runHarmony } from '../../src/harmony/fit.js';
import { resolveHarmony } from '../../src/harmony/options.js';
import { cellsPerBlock } from '../../src/backends/wasm/harmony.js';
import { F32_OBJ_RTOL, F32_PROB_ATOL, dataScale, expectParamsClose, expectRelClose } from '../tolerance.js';
import { groupMean, norm, shiftedBatches } from '../shared/harmony-data.js';
import { expectHarmonyParity, groupStarts, threeBatchCase, twoBatchSetup } from '../shared/harmony-parity.js';

let engines: Engine[] = [];
beforeAll(async () => {
  engines = await Promise.all([1, 2, 3].map((threads) => createEngine({ backend: 'wasm', threads })));
});
afterAll(() => engines.forEach((e) => e.destroy()));

const rows = (x: ArrayLike<number>, n: number, d: number): number[][] =>
  Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, f) => x[i * d + f]));
const bits = (x: Float32Array | Float64Array): Uint8Array => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);

/** wasm and the reference from the same start: the same rounds; objectives, corrected PCs and R within the float32 policy. */
async function expectMatchesReference(
  data: Float64Array,
  setup: HarmonySetup,
  centroids: Float64Array,
  r: ReturnType<typeof resolveHarmony>,
  engine: Engine,
): Promise<void> {
  const { ref, run } = await expectHarmonyParity('wasm', engine, data, setup, centroids, r);
  expect(run.corrected).toBeInstanceOf(Float32Array);
  expect(run.clusteringIterations).toEqual(ref.clusteringIterations);
}

describe('wasm Harmony equals the float64 reference', () => {
  // 600 cells (3 pool blocks of 256), d = 6 (one SIMD quad and a scalar tail of 2).
  const per = 100;
  const s = shiftedBatches(per, 6, 2);
  const { n, d } = s;
  const K = 6;
  const setup = twoBatchSetup(s, K);
  const centroids = groupStarts(s, K, per);

  test(`n=${n}, d=${d}, K=${K}, 2 outer iterations from the same centroids: objectives, corrected PCs and R`, async () => {
    const r = resolveHarmony({ nClusters: K, maxIter: 2, maxIterClustering: 6, seed: 4, returnR: true }, n);
    await expectMatchesReference(s.data, setup, centroids, r, engines[1]);
  });

  test('three batches tied to the cell types (so the diversity penalty matters), K=5, σ 0.5, θ 1, 2, 3, blocks of 10%: objectives, corrected PCs and R', async () => {
    const t = threeBatchCase(s, centroids);
    await expectHarmonyParity('wasm', engines[2], s.data, t.setup, t.start, t.r);
  });

  test('harmony() on wasm: no fallback warning; the same bits on 1, 2 and 3 threads and on a repeat; the known shift removed', async () => {
    const X = { data: s.data, n, d };
    const opts = { seed: 1, maxIter: 3, returnR: true };
    const runs = [];
    for (const engine of engines) runs.push(await harmony(X, s.batch, { ...opts, engine }));
    runs.push(await harmony(X, s.batch, { ...opts, engine: engines[1] }));
    const a = runs[0];
    expect(a.backend).toBe('wasm');
    expect(a.warnings).toEqual([]);
    for (const b of runs.slice(1)) {
      expect(bits(b.corrected)).toEqual(bits(a.corrected));
      expect(bits(b.R!)).toEqual(bits(a.R!));
      expect(b.objectives).toEqual(a.objectives);
    }
    const other = await harmony(X, s.batch, { ...opts, seed: 2, engine: engines[0] });
    expect(bits(other.corrected)).not.toEqual(bits(a.corrected));
    for (let t = 0; t < 3; t++) {
      const inType = (x: string) => (i: number) => s.type[i] === t && s.batch[i] === x;
      const ma = groupMean(a.corrected, n, d, inType('a'));
      const gap = groupMean(a.corrected, n, d, inType('b')).map((v, f) => v - ma[f]);
      expect(norm(gap)).toBeLessThan(0.15 * norm(s.shift));
    }
  });

  test('cells per pool block: 256 for small sums; for 1M cells × 10 batches × K 100 × 50 PCs, a multiple of 256 that keeps the partials within 64 MiB', () => {
    expect(cellsPerBlock(600, 6 * 2 * 7)).toBe(256);
    const width = 100 * 10 * 51;
    const cpb = cellsPerBlock(1_000_000, width);
    expect(cpb % 256).toBe(0);
    expect(cpb).toBeGreaterThan(256);
    expect(Math.ceil(1_000_000 / cpb) * width * 8).toBeLessThanOrEqual(64 * 1024 * 1024);
  });
});

describe('wasm Harmony on many cells', () => {
  // 150,000 cells: blocks of 5% (7,500 cells) run in several hmUpdateR calls of at most 65,536
  // cells each (the event loop gets a turn between them); a skipped or repeated block would leave
  // R and the corrected PCs away from the reference's.
  test('n=150000, d=4, K=4, R updated over several kernel calls: corrected PCs and R equal the reference within the float32 tolerances', async () => {
    const s = shiftedBatches(25_000, 4, 3);
    const K = 4;
    const r = resolveHarmony({ nClusters: K, maxIter: 1, maxIterClustering: 2, seed: 2, returnR: true }, s.n);
    await expectMatchesReference(s.data, twoBatchSetup(s, K), groupStarts(s, K, 25_000), r, engines[1]);
  }, 60_000);
});

describe('wasm Harmony against harmonypy', () => {
  test('from the same initial centroids and block order as harmonypy (fixture): the same clustering rounds; objectives, corrected PCs and R within the float32 tolerances', async () => {
    const fx = JSON.parse(readFileSync(new URL('../fixtures/harmony/harmonypy.json', import.meta.url), 'utf8'));
    const { n, d, K } = fx as { n: number; d: number; K: number };
    const x = Float64Array.from(fx.x as number[]);
    const setup: HarmonySetup = {
      n,
      d,
      K,
      B: 2,
      batch: Uint32Array.from(fx.batch as string[], (b) => (b === 'a' ? 0 : 1)),
      sigma: new Float64Array(K).fill(0.1),
      theta: new Float64Array(2).fill(2),
      prB: Float64Array.from([0.5, 0.5]),
    };
    const zc = normaliseRows(x, n, d);
    const centroids = new Float64Array(K * d);
    (fx.init as number[]).forEach((i, k) => centroids.set(zc.subarray(i * d, i * d + d), k * d));
    const r = resolveHarmony({ nClusters: K, returnR: true }, n);
    const run = await runHarmony(implementationFor<HarmonyBackend>('harmony', 'wasm'), engines[1], x, setup, centroids, r, {
      blockOrder: (c, m) => Uint32Array.from({ length: m }, (_, i) => (i * fx.A + c * fx.C) % m),
    });
    expect(run.clusteringIterations).toEqual(fx.kmeansRounds);
    expect(run.objectives.length).toBe(fx.objectives.length);
    run.objectives.forEach((o, i) => expectRelClose(o, fx.objectives[i], F32_OBJ_RTOL, `objective ${i}`));
    expectParamsClose(rows(run.corrected, n, d), rows(fx.corrected as number[], n, d), dataScale(x, n, d));
    let worst = 0;
    (fx.R as number[]).forEach((v, t) => {
      worst = Math.max(worst, Math.abs(run.R![t] - v));
    });
    expect(worst).toBeLessThanOrEqual(F32_PROB_ATOL);
  });
});
