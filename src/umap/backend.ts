/**
 * The UMAP layout contract: a backend runs the epochs of a LayoutPlan (plan.ts) from an initial
 * embedding and returns the final coordinates. Everything before (kNN, fuzzy graph, a/b, the
 * initialisation) is host code in this folder, shared by every backend.
 * Implementations: src/backends/reference/umap.ts (float64), src/backends/wasm/umap.ts (float32 SIMD kernel on the pool) and
 * src/backends/webgpu/umap.ts (float32, shaders/umap/layout.wgsl).
 */
import type { EngineInstance } from '../core/registry.js';
import type { LayoutPlan } from './plan.js';

export interface LayoutHooks {
  signal?: AbortSignal;
  /** Called after some epochs (every epoch on the CPU, every batch on the GPU). */
  onEpoch?: (epochsDone: number) => void;
}

export interface UmapBackend {
  /** Run plan.nEpochs epochs from `init` (n × nComponents, row-major); returns the final embedding. */
  layout(engine: EngineInstance, plan: LayoutPlan, init: Float32Array, hooks: LayoutHooks): Promise<Float32Array>;
}
