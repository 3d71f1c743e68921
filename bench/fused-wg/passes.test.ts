/**
 * One fused k-means pass (shaders/kmeans/fused.wgsl, hard and soft) with 256 and with 32 threads
 * per workgroup, rows read from storage (the software adapters' layout, kmeans-plan.ts
 * fusedLayout), alternating in one page: the measurement behind gpu/software.ts's SOFTWARE_WG.
 * Each sample encodes the pass and the reduction and reads the k×(d+2) statistics back (what an
 * EM iteration does on the GPU), after one warm-up; the two layouts must give the same bits.
 * Not part of npm test (about a minute on SwiftShader): the gpu project only collects test/gpu/,
 * so run it from there, e.g.
 *   cp bench/fused-wg/passes.test.ts test/gpu/tmp-fused-wg.test.ts
 *   npx vitest run --project gpu test/gpu/tmp-fused-wg.test.ts; rm test/gpu/tmp-fused-wg.test.ts
 * Figures: bench/results/2026-12-07-swiftshader-fused-wg.md.
 */
import { expect, test } from 'vitest';
import { createEngine, makeBlobs } from '../../src/index.js';
import { withGpu } from '../../src/gpu/session.js';
import { uploadData } from '../../src/gpu/dataset.js';
import { KMeansGpuState } from '../../src/backends/webgpu/kmeans.js';
import { HARDWARE_WG } from '../../src/backends/webgpu/kmeans-plan.js';
import { SOFTWARE_WG } from '../../src/gpu/software.js';

const CASES: [n: number, d: number, k: number, soft: boolean][] = [
  [10000, 16, 8, false],
  [10000, 50, 32, false],
  [100000, 16, 8, false],
  [20000, 50, 20, true],
];
const SAMPLES = 15;

test('fused k-means pass: 256 against 32 threads per workgroup', async () => {
  const engine = await createEngine({ backend: 'webgpu' });
  const lines = [
    `adapter: ${engine.adapter}`,
    '| pass | 256 threads: median (min) ms | 32 threads: median (min) ms | 32 ÷ 256 |',
    '|---|---|---|---|',
  ];
  for (const [n, d, k, soft] of CASES) {
    const b = makeBlobs(n, d, k, 5, { std: 1, spread: 6 });
    await withGpu(engine, async (runner) => {
      const data = uploadData(runner, { n, d, x: b.data }, new Float64Array(d), {}, 'data');
      const centres = new Float64Array(k * d);
      for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) centres[j * d + f] = data.host[Math.floor((j * n) / k) * d + f];
      const states = [HARDWARE_WG, SOFTWARE_WG].map((wg) => {
        const st = new KMeansGpuState(runner, data, k, { stageRows: false, wg });
        st.writeCentres(centres);
        st.ensureSoft(1 / (4 * d));
        return st;
      });
      const times: number[][] = [[], []];
      const stats: Float64Array[] = [];
      for (let s = -1; s < SAMPLES; s++) {
        for (let v = 0; v < 2; v++) {
          const st = states[v];
          const t0 = performance.now();
          if (soft) st.encodeSoftStep();
          else st.encodeHardStep();
          const got = await st.readStats();
          if (s >= 0) times[v].push(performance.now() - t0);
          else stats[v] = got.stats;
        }
      }
      expect(stats[1]).toEqual(stats[0]);
      const med = (t: number[]) => [...t].sort((a, c) => a - c)[t.length >> 1];
      const min = (t: number[]) => Math.min(...t);
      const [a, c] = times;
      lines.push(
        `| ${soft ? 'soft' : 'hard'} n ${n}, d ${d}, k ${k} | ${med(a).toFixed(1)} (${min(a).toFixed(1)}) | ${med(c).toFixed(1)} (${min(c).toFixed(1)}) | ${(med(c) / med(a)).toFixed(2)}× |`,
      );
    });
  }
  console.log(`\n${lines.join('\n')}`);
  engine.destroy();
}, 600_000);
