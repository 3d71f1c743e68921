/** The negative-binomial mixture's WGSL kernels, how they are composed with common code, and their pipelines. */
import lgammaWgsl from '../../../shaders/common/lgamma.wgsl?raw';
import reduceWgsl from '../../../shaders/common/reduce.wgsl?raw';
import zeroTableWgsl from '../../../shaders/nbmm/zero_table.wgsl?raw';
import estepWgsl from '../../../shaders/nbmm/estep.wgsl?raw';
import rowStatsWgsl from '../../../shaders/nbmm/rowstats.wgsl?raw';
import geneStatsWgsl from '../../../shaders/nbmm/genestats.wgsl?raw';
import specialEvalWgsl from '../../../shaders/nbmm/special_eval.wgsl?raw';
import { computePipeline, type KernelSource } from '../../gpu/pipelines.js';
import type { GpuRunner } from '../../gpu/runner.js';

/** Threads per workgroup of the nbmm kernels (reduce uses REDUCE_WG). */
export const WG = 64;
export const REDUCE_WG = 256;

/**
 * The one place where kernels are composed: a common library (functions and constants only, no
 * bindings or entry points) is prepended to a kernel's source. Specialisation stays with `override`.
 */
export function withCommon(common: string, kernel: string): string {
  return `${common}\n${kernel}`;
}

export const sources = {
  zeroTable: { name: 'nbmm/zero_table', code: withCommon(lgammaWgsl, zeroTableWgsl) },
  estep: { name: 'nbmm/estep', code: withCommon(lgammaWgsl, estepWgsl) },
  rowStats: { name: 'nbmm/rowstats', code: rowStatsWgsl },
  geneStats: { name: 'nbmm/genestats', code: geneStatsWgsl },
  reduce: { name: 'common/reduce', code: reduceWgsl },
  specialEval: { name: 'nbmm/special_eval', code: withCommon(lgammaWgsl, specialEvalWgsl) },
} satisfies Record<string, KernelSource>;

export interface NbPipelines {
  zeroTable: GPUComputePipeline;
  estep: GPUComputePipeline;
  rowStats: GPUComputePipeline;
  geneStats: GPUComputePipeline;
  reduce: GPUComputePipeline;
}

/** Pipelines for one (K, D, J), cached per device. */
export function nbPipelines(device: GPUDevice, K: number, D: number, J: number): NbPipelines {
  return {
    zeroTable: computePipeline(device, sources.zeroTable, { K, D, J, WG }),
    estep: computePipeline(device, sources.estep, { K, D, J, WG }),
    rowStats: computePipeline(device, sources.rowStats, { K, J, WG }),
    geneStats: computePipeline(device, sources.geneStats, { K, D, J, WG }),
    reduce: computePipeline(device, sources.reduce, { WG: REDUCE_WG }),
  };
}

/** A bind group whose entries are plain buffers at bindings 0, 1, 2, …. */
export function bindAll(device: GPUDevice, label: string, pipeline: GPUComputePipeline, buffers: GPUBuffer[]): GPUBindGroup {
  return device.createBindGroup({
    label: `emgpu ${label}`,
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
}

export type SpecialFunction = 'lgamma' | 'ln' | 'log1p' | 'lrising';
const MODES: Record<SpecialFunction, number> = { lgamma: 0, ln: 1, log1p: 2, lrising: 3 };

/**
 * Evaluate one of the float32 special functions of common/lgamma.wgsl on the GPU at the points `a`
 * (and `b`, the second argument of lrising). For testing the WGSL against the float64 reference.
 */
export async function evalSpecialGpu(runner: GpuRunner, fn: SpecialFunction, a: Float32Array, b?: Float32Array): Promise<Float32Array> {
  const n = a.length;
  const pipe = computePipeline(runner.device, sources.specialEval, { MODE: MODES[fn], WG });
  const bufA = runner.storage('special-function arguments', n * 4);
  const bufB = runner.storage('special-function second arguments', n * 4);
  const out = runner.storage('special-function values', n * 4);
  const shape = runner.uniform('special-function shape', new Uint32Array([n, 0, 0, 0]));
  runner.write(bufA, 0, a);
  runner.write(bufB, 0, b ?? new Float32Array(n));
  runner.dispatch(
    'special functions',
    pipe,
    bindAll(runner.device, 'special functions', pipe, [bufA, bufB, out, shape]),
    Math.ceil(n / WG),
  );
  const [res] = await runner.read([{ buffer: out, offset: 0, size: n * 4 }]);
  return new Float32Array(res);
}
