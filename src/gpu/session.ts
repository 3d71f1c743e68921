/**
 * What a WebGPU engine holds (its device and chunking limits), and how a backend implementation
 * runs work on it: `withGpu` gives a fresh runner inside validation and out-of-memory error scopes
 * and frees the runner's buffers afterwards. Every WebGPU implementation of a model contract goes
 * through here, so the engine façade needs to know no model.
 */
import type { EngineInstance } from '../core/registry.js';
import { EmgpuError } from '../errors.js';
import type { ChunkingOptions } from './dataset.js';
import type { GpuContext } from './device.js';
import { GpuRunner, withErrorScopes } from './runner.js';

export interface GpuEngineState {
  ctx: GpuContext;
  /** Cap on rows per GPU chunk (tests force small chunks). */
  maxChunkRows?: number;
  /** Cap on workgroups per dispatch dimension (tests force split dispatches). */
  groupsPerDimCap?: number;
  /** Time compute passes with timestamp queries when the device has them. */
  timestamps: boolean;
}

/** The WebGPU state of an engine, or a typed error when the engine is not a WebGPU one. */
export function gpuState(engine: EngineInstance): GpuEngineState {
  const s = engine.instance as GpuEngineState | null;
  if (!s?.ctx) {
    throw new EmgpuError(
      'NO_IMPLEMENTATION',
      `Engine backend '${engine.backend}' has no GPU. Create it with createEngine({ backend: 'webgpu' }).`,
    );
  }
  if (s.ctx.lost) throw s.ctx.lost;
  return s;
}

/** Run `fn` with a fresh runner on the engine's device, inside error scopes; its buffers are freed after. */
export async function withGpu<T>(engine: EngineInstance, fn: (runner: GpuRunner, chunking: ChunkingOptions) => Promise<T>): Promise<T> {
  const s = gpuState(engine);
  const runner = new GpuRunner(s.ctx, s.groupsPerDimCap, s.timestamps);
  const chunking: ChunkingOptions = {};
  if (s.maxChunkRows !== undefined) chunking.maxChunkRows = s.maxChunkRows;
  try {
    return await withErrorScopes(s.ctx, () => fn(runner, chunking));
  } finally {
    runner.destroy();
  }
}
