/**
 * Subgroups (issue 11): where the adapter offers 'subgroups' the engine's device has them, and the
 * fused k-means pass merges each row's cluster lanes through subgroup shuffles
 * (shaders/common/lane_min_subgroups.wgsl) instead of workgroup memory
 * (shaders/common/lane_min_workgroup.wgsl). Both take the lexicographic minimum of the same
 * (distance, cluster) pairs, so the bits must be the same: checked first on the merge itself
 * (random pairs full of ties, against a host minimum), then on the fused pass for d and k whose
 * plans give 2 to 16 lanes per row, hard and soft, rows staged or not. SwiftShader here offers
 * 'subgroups' with subgroups of 4 invocations (Chromium 156, --enable-unsafe-webgpu: no flag
 * needed), so lanes of 2 and 4 take the shuffle path and 8 and 16 fall back, and the test says so.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { withGpu } from '../../src/gpu/session.js';
import { uploadData } from '../../src/gpu/dataset.js';
import { defineKernel } from '../../src/gpu/kernel.js';
import { bindBuffers } from '../../src/gpu/bind.js';
import type { GpuRunner } from '../../src/gpu/runner.js';
import { KMeansGpuState } from '../../src/backends/webgpu/kmeans.js';
import { HARDWARE_WG } from '../../src/backends/webgpu/kmeans-plan.js';
import { fusedPlan, fusedUsesSubgroups } from '../../src/backends/webgpu/kmeans-kernels.js';
import { makeBlobs } from '../../src/datasets/blobs.js';

const WG = 256;
const N = 300;

let engine: Engine;
let hasSubgroups = false;
beforeAll(async () => {
  engine = await createEngine({ backend: 'webgpu' });
  const adapter = await navigator.gpu.requestAdapter();
  hasSubgroups = !!adapter?.features.has('subgroups');
});
afterAll(() => engine.destroy());

// One workgroup: every invocation merges its (value, index) with its group's, as the fused pass does.
const probe = (sub: boolean) =>
  defineKernel({
    name: sub ? 'test/lane_min+subgroups' : 'test/lane_min',
    modules: [sub ? 'laneMinSubgroups' : 'laneMinWorkgroup'],
    source: `
override WG: u32 = 256u;
override CL: u32 = 1u;
override LV: u32 = 1u;
@group(0) @binding(0) var<storage, read> pairs: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  let fast = lane_min_setup(lid);
  let m = lane_min(lid, MinArg(bitcast<f32>(pairs[2u * lid]), pairs[2u * lid + 1u]), fast);
  out[2u * lid] = bitcast<u32>(m.v);
  out[2u * lid + 1u] = m.i;
  if (lid == 0u) { out[2u * WG] = select(0u, 1u, fast); }
}`,
  });

async function mergeLanes(runner: GpuRunner, sub: boolean, cl: number, pairs: Uint32Array): Promise<{ out: Uint32Array; fast: boolean }> {
  const pipe = probe(sub).pipeline(runner.device, { WG, CL: cl, LV: cl > 1 ? WG : 1 });
  const inBuf = runner.storage('lane pairs', pairs.byteLength);
  runner.write(inBuf, 0, pairs);
  const outBuf = runner.storage('lane minima', (2 * WG + 1) * 4);
  runner.dispatch('lane min', pipe, bindBuffers(runner.device, 'lane min', pipe, [inBuf, outBuf]), 1);
  const out = new Uint32Array((await runner.read([{ buffer: outBuf, offset: 0, size: (2 * WG + 1) * 4 }]))[0]);
  return { out: out.subarray(0, 2 * WG), fast: out[2 * WG] === 1 };
}

describe('subgroups where the adapter offers them', () => {
  test("the engine's device has 'subgroups' exactly when the adapter offers it", async () => {
    await withGpu(engine, async (runner) => {
      expect(runner.device.features.has('subgroups')).toBe(hasSubgroups);
      if (!hasSubgroups) console.warn("subgroups: this adapter does not offer 'subgroups'; the subgroup paths are not exercised here");
    });
  });

  test('the shuffle merge and the workgroup merge give every group the least (value, index), ties to the lower index', async (ctx) => {
    if (!hasSubgroups) ctx.skip(true, "the adapter does not offer 'subgroups'");
    const info = (await navigator.gpu.requestAdapter())!.info;
    await withGpu(engine, async (runner) => {
      // Values from a handful of levels (many ties) and indices shuffled, so the tie rule decides often.
      let seed = 12345;
      const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
      const pairs = new Uint32Array(2 * WG);
      const f = new Float32Array(1);
      for (let t = 0; t < WG; t++) {
        f[0] = Math.floor(rand() * 4) * 0.5;
        pairs[2 * t] = new Uint32Array(f.buffer)[0];
        pairs[2 * t + 1] = Math.floor(rand() * 1000);
      }
      const vals = new Float32Array(pairs.buffer);
      for (const cl of [2, 4, 8, 16]) {
        const plain = await mergeLanes(runner, false, cl, pairs);
        const shuffled = await mergeLanes(runner, true, cl, pairs);
        for (let g = 0; g < WG; g += cl) {
          let best = g;
          for (let l = g + 1; l < g + cl; l++) {
            const v = vals[2 * l];
            const bv = vals[2 * best];
            if (v < bv || (v === bv && pairs[2 * l + 1] < pairs[2 * best + 1])) best = l;
          }
          for (const [name, got] of [
            ['workgroup', plain.out],
            ['subgroups', shuffled.out],
          ] as const) {
            expect([got[2 * g], got[2 * g + 1]], `${name}, CL ${cl}, group ${g / cl}`).toEqual([pairs[2 * best], pairs[2 * best + 1]]);
          }
        }
        expect(plain.fast).toBe(false);
        // The shuffle path runs where a subgroup holds a group of lanes (SwiftShader: 4 invocations, consecutive local ids).
        const fits = cl <= (info.subgroupMinSize ?? 0);
        if (fits) expect(shuffled.fast, `CL ${cl} fits subgroups of ${info.subgroupMinSize}`).toBe(true);
        if (cl > (info.subgroupMaxSize ?? Number.POSITIVE_INFINITY)) expect(shuffled.fast, `CL ${cl}`).toBe(false);
      }
    });
  });

  /**
   * Candidate (d, k, mode, staging) whose plans give 2 to 4 lanes per row on 16 or 32 KiB of
   * workgroup memory; the test runs the first three whose plan on this device picks the subgroup
   * pipeline (plans of 1 lane, or of more lanes than a subgroup holds, build the same pipeline
   * both ways, as asserted).
   */
  const CASES: [d: number, k: number, soft: boolean, stageRows: boolean][] = [
    [3, 64, true, false],
    [17, 7, true, true],
    [17, 64, false, true],
    [64, 7, false, true],
    [17, 64, true, true],
    [130, 7, false, true],
    [3, 64, true, true],
  ];

  test('the fused k-means pass gives the same bits with and without subgroups, hard and soft, rows staged or not', async (ctx) => {
    if (!hasSubgroups) ctx.skip(true, "the adapter does not offer 'subgroups'");
    await withGpu(engine, async (runner) => {
      const chosen = CASES.filter(([d, k, soft, stageRows]) => {
        const plan = fusedPlan(runner.device, d, k, soft, { stageRows, wg: HARDWARE_WG });
        expect(fusedUsesSubgroups(runner.device, plan, false)).toBe(false);
        return fusedUsesSubgroups(runner.device, plan, true);
      }).slice(0, 3);
      // Hard and soft passes both among them.
      expect(new Set(chosen.map((c) => c[2])).size, 'cases using subgroups').toBe(2);
      for (const [d, k, soft, stageRows] of chosen) {
        const plan = fusedPlan(runner.device, d, k, soft, { stageRows, wg: HARDWARE_WG });
        const what = `d ${d}, k ${k}, ${soft ? 'soft' : 'hard'}, ${stageRows ? 'staged' : 'storage'}, ${plan.CL} lanes`;
        const b = makeBlobs(N, d, 7, 300 + d, { std: 1, spread: 6 });
        const data = uploadData(runner, { n: N, d, x: b.data }, new Float64Array(d), { maxChunkRows: 256 }, 'data');
        const centres = new Float64Array(k * d);
        for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) centres[j * d + f] = data.host[Math.floor((j * N) / k) * d + f];
        const runs = [];
        for (const subgroups of [false, true]) {
          const st = new KMeansGpuState(runner, data, k, { stageRows, wg: HARDWARE_WG }, subgroups);
          st.writeCentres(centres);
          if (soft) {
            st.ensureSoft(1 / (4 * d));
            st.encodeSoftStep();
            runs.push({ ...(await st.readStats()), dist: new Float32Array(0), labels: new Uint32Array(0) });
          } else {
            st.encodeHardStep();
            runs.push({ ...(await st.readStats()), ...(await st.readLabelsAndDist()) });
          }
        }
        const [wg, sg] = runs;
        expect(sg.stats, `${what}: statistics`).toEqual(wg.stats);
        expect(sg.changed, `${what}: changed labels`).toBe(wg.changed);
        expect(sg.labels, `${what}: labels`).toEqual(wg.labels);
        expect(sg.dist, `${what}: distances`).toEqual(wg.dist);
        // Not a vacuous comparison: the statistics hold every row's weight.
        let total = 0;
        for (let c = 0; c < k; c++) total += sg.stats[c * (d + 2) + d];
        expect(Math.abs(total - N)).toBeLessThan(1e-3);
      }
    });
  }, 180_000);
});
