/**
 * The 'wasm' implementation of the UMAP layout contract (umap/backend.ts): the plan's CSR and the
 * positions (float32, ping-ponged) live in the runtime's memory for the whole layout, and each
 * epoch is one pool run of wasm/assembly/umap.ts `umapEpoch` over blocks of VERTS_PER_BLOCK
 * vertices. Every vertex reads only the epoch's start and writes only its own row (the scheme of
 * umap/plan.ts), so 1, 2 or 64 threads give the same bits. Float32 arithmetic as on WebGPU:
 * compared with the float64 reference by test/tolerance.ts §5.
 */
import { AbortError } from '../../errors.js';
import type { EngineInstance } from '../../core/registry.js';
import type { LayoutHooks, UmapBackend } from '../../umap/backend.js';
import type { LayoutPlan } from '../../umap/plan.js';
import { BLOCK_ROWS } from './pool.js';
import { f32View, putF32, type BlockKernel, type WasmRuntime } from './runtime.js';
import { wasmState } from './state.js';

/** The kernel (wasm/assembly/umap.ts); named here so runtime.ts's list of block kernels stays as it is. */
const UMAP_EPOCH = 'umapEpoch' as BlockKernel;

/** Vertices per pool block: 20 blocks at 10k cells, so 2–8 threads share an epoch evenly. */
const VERTS_PER_BLOCK = 512;

function putU32(rt: WasmRuntime, src: Uint32Array): number {
  const ptr = rt.arena.i32(Math.max(1, src.length));
  new Uint32Array(rt.memory.buffer, ptr, src.length).set(src);
  return ptr;
}

/** Alpha of epoch e, as the reference computes it; the kernel takes it rounded to float32 (as the GPU's uniform). */
const alphaOf = (plan: LayoutPlan, e: number): number => plan.learningRate * (1 - Math.max(0, e - 1) / plan.nEpochs);

async function layout(engine: EngineInstance, plan: LayoutPlan, init: Float32Array, hooks: LayoutHooks): Promise<Float32Array> {
  const st = wasmState(engine);
  const { rt, pool } = st;
  const { n, nComponents: C } = plan;
  return st.exclusive(async () => {
    const mark = rt.arena.mark();
    try {
      const indptr = putU32(rt, plan.indptr);
      const tail = putU32(rt, plan.tail);
      // The reverse edge's rate beside each edge: the kernel reads rows in order, never another row's edges.
      const rrate = putU32(
        rt,
        Uint32Array.from(plan.reverse, (q) => plan.rate[q]),
      );
      const rate = putU32(rt, plan.rate);
      const pos = [putF32(rt, init), rt.arena.f32(n * C)];
      const scale = BLOCK_ROWS / VERTS_PER_BLOCK;
      const blocks = Math.ceil((n * scale) / BLOCK_ROWS);
      const scratch = rt.arena.alloc(blocks * (rt.exports as unknown as { umapScratchBytes(): number }).umapScratchBytes());
      const run = hooks.signal ? { signal: hooks.signal } : {};
      for (let e = 0; e < plan.nEpochs; e++) {
        if (hooks.signal?.aborted) throw new AbortError(hooks.signal.reason);
        const args = [indptr, tail, rrate, rate, pos[e % 2], pos[1 - (e % 2)], n, C, e, plan.rateBits, plan.key];
        args.push(plan.a, plan.b, plan.negativeRate, Math.fround(alphaOf(plan, e)), scale, BLOCK_ROWS, scratch);
        await pool.run(UMAP_EPOCH, n * scale, 0, 0, args, run);
        hooks.onEpoch?.(e + 1);
      }
      return f32View(rt, pos[plan.nEpochs % 2], n * C).slice();
    } finally {
      rt.arena.release(mark);
    }
  });
}

export const wasmUmap: UmapBackend = { layout };
