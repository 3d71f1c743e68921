/**
 * UMAP's layout on WebGPU: the plan's CSR uploaded once, cut into vertex chunks and positions
 * into position chunks that each fit one storage binding (umap-chunks.ts), positions ping-ponged
 * between two sets of chunks; per epoch one dispatch of shaders/umap/layout.wgsl per vertex
 * chunk, all in one submit (the epoch's parameters written before it); the caller's signal and
 * progress checked every EPOCHS_PER_WAIT epochs.
 */
import layoutWgsl from '../../../shaders/umap/layout.wgsl?raw';
import type { EngineInstance } from '../../core/registry.js';
import { AbortError } from '../../errors.js';
import { bindBuffers } from '../../gpu/bind.js';
import { defineKernel } from '../../gpu/kernel.js';
import { gpuState, withGpu } from '../../gpu/session.js';
import type { LayoutHooks, UmapBackend } from '../../umap/backend.js';
import type { LayoutPlan } from '../../umap/plan.js';
import { EDGE_WORDS, layoutChunks, POS_CHUNKS } from './umap-chunks.js';

const WG = 64;
const EPOCHS_PER_WAIT = 20;
const layoutKernel = defineKernel({ name: 'umap/layout', source: layoutWgsl, modules: ['grid'] });

/** Alpha of epoch e, as the CPU twin computes it (then rounded to float32 by the upload). */
const alphaOf = (plan: LayoutPlan, e: number): number => plan.learningRate * (1 - Math.max(0, e - 1) / plan.nEpochs);

async function layout(engine: EngineInstance, plan: LayoutPlan, init: Float32Array, hooks: LayoutHooks): Promise<Float32Array> {
  const cap = gpuState(engine).maxChunkRows;
  return withGpu(engine, async (runner) => {
    const { n, nComponents: C } = plan;
    const lim = runner.device.limits;
    const cut = layoutChunks(plan.indptr, n, C, Math.min(lim.maxStorageBufferBindingSize, lim.maxBufferSize), cap);
    const pipe = layoutKernel.pipeline(runner.device, { C, WG, PC: cut.posChunks });
    // Two sets (A, B) of position chunks; epoch e reads set e % 2 and writes the other.
    const pos = [0, 1].map((s) =>
      Array.from({ length: cut.posChunks }, (_, q) => {
        const rows = Math.min(cut.posRows, n - q * cut.posRows);
        const buf = runner.storage(`umap positions ${'AB'[s]}${q} (${rows}×${C} f32)`, rows * C * 4);
        if (s === 0) runner.write(buf, 0, init.subarray(q * cut.posRows * C, (q * cut.posRows + rows) * C));
        return buf;
      }),
    );
    const words = new ArrayBuffer(32);
    const u32 = new Uint32Array(words);
    const f32 = new Float32Array(words);
    const params = runner.uniform('umap epoch params', u32);
    // Unused position bindings repeat the last chunk (read-only, never indexed).
    const curOf = (s: number) => Array.from({ length: POS_CHUNKS }, (_, q) => pos[s][Math.min(q, cut.posChunks - 1)]);
    const groups = cut.vertexChunks.map((vc) => {
      const indptr = new Uint32Array(vc.rows + 1);
      for (let t = 0; t <= vc.rows; t++) indptr[t] = plan.indptr[vc.v0 + t] - vc.e0;
      const edges = new Uint32Array(Math.max(4, vc.edges * EDGE_WORDS));
      for (let t = 0; t < vc.edges; t++) {
        const p = vc.e0 + t;
        edges[EDGE_WORDS * t] = plan.tail[p];
        edges[EDGE_WORDS * t + 1] = plan.rate[p];
        edges[EDGE_WORDS * t + 2] = plan.rate[plan.reverse[p]];
      }
      const range = `${vc.v0}..${vc.v0 + vc.rows}`;
      const ib = runner.storage(`umap indptr ${range}`, indptr.byteLength);
      runner.write(ib, 0, indptr);
      const eb = runner.storage(`umap edges ${range} (tail, rate, reverse rate)`, edges.byteLength);
      runner.write(eb, 0, edges);
      const chunk = runner.uniform(
        `umap chunk ${range}`,
        new Uint32Array([vc.v0, vc.rows, vc.e0, cut.posRows, vc.v0 - vc.pos * cut.posRows, 0, 0, 0]),
      );
      return [0, 1].map((s) =>
        bindBuffers(runner.device, `umap layout ${range} ${s}`, pipe, [params, chunk, ib, eb, pos[1 - s][vc.pos], ...curOf(s)]),
      );
    });
    u32[0] = n;
    u32[2] = plan.rateBits;
    u32[3] = plan.key;
    f32[4] = plan.a;
    f32[5] = plan.b;
    f32[6] = plan.negativeRate;
    for (let e = 0; e < plan.nEpochs; e++) {
      u32[1] = e;
      f32[7] = alphaOf(plan, e);
      runner.write(params, 0, u32);
      cut.vertexChunks.forEach((vc, t) => runner.dispatch('umap layout epoch', pipe, groups[t][e % 2], Math.ceil(vc.rows / WG)));
      runner.submit();
      if ((e + 1) % EPOCHS_PER_WAIT === 0 || e + 1 === plan.nEpochs) {
        await runner.device.queue.onSubmittedWorkDone();
        runner.checkLost();
        if (hooks.signal?.aborted) throw new AbortError(hooks.signal.reason);
        hooks.onEpoch?.(e + 1);
      }
    }
    const last = pos[plan.nEpochs % 2];
    const parts = await runner.read(
      last.map((buf, q) => ({ buffer: buf, offset: 0, size: Math.min(cut.posRows, n - q * cut.posRows) * C * 4 })),
    );
    const out = new Float32Array(n * C);
    parts.forEach((b, q) => out.set(new Float32Array(b), q * cut.posRows * C));
    return out;
  });
}

export const webgpuUmap: UmapBackend = { layout };
