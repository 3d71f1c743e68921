/**
 * The benchmark harness on WebGPU (headless Chromium; SwiftShader without a GPU): the `ci` preset
 * through the same runner `npm run bench` uses in its page. The results must match the schema,
 * every objective must agree with the float64 CPU reference within the float32 policy of
 * test/tolerance.ts, and the GPU counters must be the O(k·d) traffic the design promises.
 * Nothing here asserts a time.
 */
import { expect, test } from 'vitest';
import { createEngine } from '../../src/index.js';
import { assembleResult } from '../../bench/report.js';
import { runPreset } from '../../bench/runner/run.js';
import { validateBenchResult } from '../../bench/schema.js';
import { F32_OBJ_RTOL } from '../tolerance.js';

test('bench ci preset on WebGPU: schema, agreement with the CPU reference, O(k·d) readback', async () => {
  // As the bench page does: GPU timestamps where the adapter has them.
  const engine = await createEngine({ backend: 'webgpu', timestamps: true });
  const timestampQuery = (await navigator.gpu.requestAdapter())?.features.has('timestamp-query') ?? null;
  const cpu = await createEngine({ backend: 'reference' });
  try {
    const run = await runPreset({ preset: 'ci' }, { engine, cpu, peers: {}, real: {}, log: () => {} });
    const result = assembleResult({
      preset: 'ci',
      frontEnd: 'browser',
      engine: { requested: 'webgpu', backend: engine.backend, adapter: engine.adapter, software: true, fallbackReason: null },
      userAgent: navigator.userAgent,
      node: 'n/a',
      platform: 'browser',
      cpus: null,
      timestampQuery,
      refCapFlops: run.refCapFlops,
      repeatsOverride: null,
      notes: run.notes,
      durationMs: run.durationMs,
      cases: run.cases,
    });
    expect(validateBenchResult(JSON.parse(JSON.stringify(result)))).toEqual([]);
    // Timestamp timing when the adapter offers it, wall clock (with the reason) otherwise.
    expect(result.timing).toBe(timestampQuery ? 'timestamp' : 'wall');
    expect(result.timingReason).toMatch(timestampQuery ? /timestamps: true/ : /wall clock/);
    for (const c of result.cases) {
      expect(c.status === 'error' ? `${c.id}: ${c.error ?? c.impls.find((i) => i.status === 'error')?.note}` : 'ok').toBe('ok');
      if (c.status === 'skipped') continue; // the NB mixture, until src/index.ts exports it
      const ref = c.impls.find((i) => i.impl === 'cpu-reference')!;
      expect(ref.status, c.id).toBe('ok');
      // float32 on the GPU against float64, same start and iterations (sweeps: the largest difference over k).
      expect(c.referenceRelDiff!, c.id).toBeLessThanOrEqual(F32_OBJ_RTOL);
      if (c.model !== 'select-k') expect(c.sameIterationsAsReference, c.id).toBe(true);
      if (c.model === 'select-k') continue;
      const g = c.impls[0].gpu!;
      expect(g.sameAcrossRepeats, c.id).toBe(true);
      expect(g.timing, c.id).toBe(timestampQuery ? 'timestamp' : 'wall');
      if (timestampQuery) {
        const t = c.impls[0].gpuMsPerIter!;
        expect(Number.isFinite(t.median) && t.median >= 0, c.id).toBe(true);
      } else expect(c.impls[0].gpuMsPerIter, c.id).toBeUndefined();
      if (c.model === 'kmeans' || c.model === 'soft-kmeans') {
        const k = c.params.k as number;
        const d = c.data.d;
        // One readback per iteration: k × (d + 2) float32 statistics and a 4-byte changed-label counter.
        expect(g.bytesReadPerIter, c.id).toBe(k * (d + 2) * 4 + 4);
        // One fused pass over the data (one chunk) and one reduction.
        expect(g.dispatchesPerIter, c.id).toBe(2);
        expect(g.dataPassesPerIter, c.id).toBe(1);
        expect(g.dataBytesPerIter, c.id).toBe(c.data.n * (d + 1) * 4);
      }
    }
    // The peers are not loaded here (CommonJS: the GPU project's Vite would re-optimise and reload
    // mid-test); test/node/bench.test.ts runs them. They are listed as skipped, with the reason.
    const km = result.cases.find((c) => c.model === 'kmeans')!;
    expect(km.impls.filter((i) => i.impl === 'ml-kmeans' || i.impl === 'skmeans').map((i) => i.status)).toEqual(['skipped', 'skipped']);
  } finally {
    engine.destroy();
    cpu.destroy();
  }
});
