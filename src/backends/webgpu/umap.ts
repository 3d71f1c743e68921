/**
 * UMAP's layout on WebGPU: the plan's CSR uploaded once, positions ping-ponged between two
 * buffers, one dispatch of shaders/umap/layout.wgsl per epoch (its parameters written before it,
 * so one submit per epoch), the caller's signal and progress checked every EPOCHS_PER_WAIT epochs.
 */
import layoutWgsl from '../../../shaders/umap/layout.wgsl?raw';
import type { EngineInstance } from '../../core/registry.js';
import { AbortError } from '../../errors.js';
import { bindBuffers } from '../../gpu/bind.js';
import { defineKernel } from '../../gpu/kernel.js';
import { withGpu } from '../../gpu/session.js';
import type { LayoutHooks, UmapBackend } from '../../umap/backend.js';
import type { LayoutPlan } from '../../umap/plan.js';

const WG = 64;
const EPOCHS_PER_WAIT = 20;
const layoutKernel = defineKernel({ name: 'umap/layout', source: layoutWgsl, modules: ['grid'] });

/** Alpha of epoch e, as the CPU twin computes it (then rounded to float32 by the upload). */
const alphaOf = (plan: LayoutPlan, e: number): number => plan.learningRate * (1 - Math.max(0, e - 1) / plan.nEpochs);

async function layout(engine: EngineInstance, plan: LayoutPlan, init: Float32Array, hooks: LayoutHooks): Promise<Float32Array> {
  return withGpu(engine, async (runner) => {
    const { n, nComponents: C } = plan;
    const m = plan.tail.length;
    const pipe = layoutKernel.pipeline(runner.device, { C, WG });
    const upload = (label: string, data: Uint32Array | Float32Array) => {
      const buf = runner.storage(label, data.byteLength);
      runner.write(buf, 0, data);
      return buf;
    };
    const indptr = upload('umap indptr', plan.indptr);
    const tail = upload('umap tails', m ? plan.tail : new Uint32Array(1));
    const reverse = upload('umap reverse edges', m ? plan.reverse : new Uint32Array(1));
    const rate = upload('umap edge rates', m ? plan.rate : new Uint32Array(1));
    const pos = [upload('umap positions A', init), runner.storage('umap positions B', init.byteLength)];
    const words = new ArrayBuffer(32);
    const u32 = new Uint32Array(words);
    const f32 = new Float32Array(words);
    const params = runner.uniform('umap epoch params', u32);
    const groups = [0, 1].map((s) =>
      bindBuffers(runner.device, `umap layout ${s}`, pipe, [params, indptr, tail, reverse, rate, pos[s], pos[1 - s]]),
    );
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
      runner.dispatch('umap layout epoch', pipe, groups[e % 2], Math.ceil(n / WG));
      runner.submit();
      if ((e + 1) % EPOCHS_PER_WAIT === 0 || e + 1 === plan.nEpochs) {
        await runner.device.queue.onSubmittedWorkDone();
        runner.checkLost();
        if (hooks.signal?.aborted) throw new AbortError(hooks.signal.reason);
        hooks.onEpoch?.(e + 1);
      }
    }
    const [out] = await runner.read([{ buffer: pos[plan.nEpochs % 2], offset: 0, size: n * C * 4 }]);
    return new Float32Array(out);
  });
}

export const webgpuUmap: UmapBackend = { layout };
