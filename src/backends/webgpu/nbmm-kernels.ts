/** The negative-binomial mixture's WGSL kernels (composed with shaders/common) and their pipelines. */
import zeroTableWgsl from '../../../shaders/nbmm/zero_table.wgsl?raw';
import fusedWgsl from '../../../shaders/nbmm/fused.wgsl?raw';
import rowStatsWgsl from '../../../shaders/nbmm/rowstats.wgsl?raw';
import statsOutWgsl from '../../../shaders/nbmm/stats_out.wgsl?raw';
import specialEvalWgsl from '../../../shaders/nbmm/special_eval.wgsl?raw';
import mstepWgsl from '../../../shaders/nbmm/mstep.wgsl?raw';
import lgammaWgsl from '../../../shaders/common/lgamma.wgsl?raw';
import polygammaWgsl from '../../../shaders/common/polygamma.wgsl?raw';
import { provideLibrary } from '../../gpu/compose.js';
import { defineKernel, type Kernel } from '../../gpu/kernel.js';
import { bindBuffers } from '../../gpu/bind.js';
import type { GpuRunner } from '../../gpu/runner.js';

/** Threads per workgroup of the nbmm kernels. */
export const WG = 64;
/** Threads of the one workgroup that solves a shared φ (mstep.wgsl shared_phi). */
export const SHARED_PHI_WG = 256;

// lgamma and polygamma are the NB mixture's alone (compose.ts): provided here, so other models' bundles leave it out.
provideLibrary('lgamma', lgammaWgsl);
provideLibrary('polygamma', polygammaWgsl);

export const sources = {
  zeroTable: defineKernel({ name: 'nbmm/zero_table', source: zeroTableWgsl, modules: ['grid', 'workgroupSum', 'lgamma'] }),
  /** The one pass over the counts: E-step and, in the EM loop, the per-gene statistics (SCATTER). */
  fused: defineKernel({ name: 'nbmm/fused', source: fusedWgsl, modules: ['grid', 'chunk', 'logsumexp', 'lgamma', 'fixed64'] }),
  rowStats: defineKernel({ name: 'nbmm/rowstats', source: rowStatsWgsl, modules: ['grid', 'chunk', 'fixed64'] }),
  /** The exact totals of the row and gene statistics to float32. */
  statsOut: defineKernel({ name: 'nbmm/stats_out', source: statsOutWgsl, modules: ['grid', 'kahan', 'fixed64'] }),
  /** The device M-step (the WebGPU default; deviceMStep: false opts out), set up by nbmm-mstep.ts. */
  mstep: defineKernel({ name: 'nbmm/mstep', source: mstepWgsl, modules: ['grid', 'kahan', 'workgroupSum', 'lgamma', 'polygamma'] }),
  /** Its shared-φ Newton, one workgroup of SHARED_PHI_WG, after `mstep` wrote the means. */
  mstepShared: defineKernel({
    name: 'nbmm/mstep',
    source: mstepWgsl,
    modules: ['grid', 'kahan', 'workgroupSum', 'lgamma', 'polygamma'],
    entryPoint: 'shared_phi',
  }),
  specialEval: defineKernel({ name: 'nbmm/special_eval', source: specialEvalWgsl, modules: ['grid', 'lgamma', 'polygamma'] }),
} satisfies Record<string, Kernel>;

export interface NbPipelines {
  zeroTable: GPUComputePipeline;
  /** E-step and gene statistics in one pass (the EM loop). */
  fused: GPUComputePipeline;
  /** The E-step alone (scoring: labels, log p, responsibilities). */
  estep: GPUComputePipeline;
  rowStats: GPUComputePipeline;
  statsOut: GPUComputePipeline;
}

/** Pipelines for one (K, D, J), cached per device. */
export function nbPipelines(device: GPUDevice, K: number, D: number, J: number): NbPipelines {
  return {
    zeroTable: sources.zeroTable.pipeline(device, { K, D, J, WG }),
    fused: sources.fused.pipeline(device, { K, D, J, WG, SCATTER: 1 }),
    estep: sources.fused.pipeline(device, { K, D, J, WG, SCATTER: 0 }),
    rowStats: sources.rowStats.pipeline(device, { K, D, J, WG }),
    statsOut: sources.statsOut.pipeline(device, { K, D, J, WG }),
  };
}

export type SpecialFunction = 'lgamma' | 'ln' | 'log1p' | 'lrising' | 'lrising3' | 'lrising3D1' | 'lrising3D2';
const MODES: Record<SpecialFunction, number> = { lgamma: 0, ln: 1, log1p: 2, lrising: 3, lrising3: 4, lrising3D1: 5, lrising3D2: 6 };

/**
 * Evaluate one of the float32 special functions of common/lgamma.wgsl (or common/polygamma.wgsl) on the GPU at the points `a`
 * (and `b`, the second argument of lrising). For testing the WGSL against the float64 reference.
 */
export async function evalSpecialGpu(runner: GpuRunner, fn: SpecialFunction, a: Float32Array, b?: Float32Array): Promise<Float32Array> {
  const n = a.length;
  const pipe = sources.specialEval.pipeline(runner.device, { MODE: MODES[fn], WG });
  const bufA = runner.storage('special-function arguments', n * 4);
  const bufB = runner.storage('special-function second arguments', n * 4);
  const out = runner.storage('special-function values', n * 4);
  const shape = runner.uniform('special-function shape', new Uint32Array([n, 0, 0, 0]));
  runner.write(bufA, 0, a);
  runner.write(bufB, 0, b ?? new Float32Array(n));
  runner.dispatch(
    'special functions',
    pipe,
    bindBuffers(runner.device, 'special functions', pipe, [bufA, bufB, out, shape]),
    Math.ceil(n / WG),
  );
  const [res] = await runner.read([{ buffer: out, offset: 0, size: n * 4 }]);
  return new Float32Array(res);
}
