/** Harmony's WGSL kernels (shaders/harmony, composed with shaders/common) and their pipelines. */
import distancesWgsl from '../../../shaders/harmony/distances.wgsl?raw';
import blockSumsWgsl from '../../../shaders/harmony/block_sums.wgsl?raw';
import blockAssignWgsl from '../../../shaders/harmony/block_assign.wgsl?raw';
import weightedSumsWgsl from '../../../shaders/harmony/weighted_sums.wgsl?raw';
import objectiveWgsl from '../../../shaders/harmony/objective.wgsl?raw';
import correctWgsl from '../../../shaders/harmony/correct.wgsl?raw';
import { defineKernel, type Kernel } from '../../gpu/kernel.js';
import { reduceKernel } from '../../gpu/shared-kernels.js';

/** Threads per workgroup of every Harmony kernel (one thread per cell in most). */
export const WG = 64;
export const REDUCE_WG = 256;

const distances = { name: 'harmony/distances', source: distancesWgsl, modules: ['grid'] } as const;

export const harmonySources = {
  distances: defineKernel({ ...distances, entryPoint: 'distances' }),
  softAssign: defineKernel({ ...distances, entryPoint: 'soft_assign' }),
  blockSums: defineKernel({ name: 'harmony/block_sums', source: blockSumsWgsl, modules: ['grid', 'kahan', 'workgroupSum'] }),
  blockAssign: defineKernel({ name: 'harmony/block_assign', source: blockAssignWgsl, modules: ['grid'] }),
  weightedSums: defineKernel({ name: 'harmony/weighted_sums', source: weightedSumsWgsl, modules: ['grid', 'kahan'] }),
  objective: defineKernel({ name: 'harmony/objective', source: objectiveWgsl, modules: ['grid'] }),
  correct: defineKernel({ name: 'harmony/correct', source: correctWgsl, modules: ['grid'] }),
  reduce: reduceKernel,
} satisfies Record<string, Kernel>;

export interface HarmonyPipelines {
  distances: GPUComputePipeline;
  softAssign: GPUComputePipeline;
  remove: GPUComputePipeline;
  add: GPUComputePipeline;
  blockAssign: GPUComputePipeline;
  /** G = 1: centroid sums over zcos. */
  centroidSums: GPUComputePipeline;
  /** G = B: per-batch sums over z. */
  moeSums: GPUComputePipeline;
  objective: GPUComputePipeline;
  correct: GPUComputePipeline;
  reduce: GPUComputePipeline;
}

/** Pipelines for d PCs, K clusters and B batches (cached per device). */
export function harmonyPipelines(device: GPUDevice, D: number, K: number, B: number): HarmonyPipelines {
  const s = harmonySources;
  return {
    distances: s.distances.pipeline(device, { WG, D, K }),
    softAssign: s.softAssign.pipeline(device, { WG, D, K }),
    remove: s.blockSums.pipeline(device, { WG, K, B, SIGN: -1 }),
    add: s.blockSums.pipeline(device, { WG, K, B, SIGN: 1 }),
    blockAssign: s.blockAssign.pipeline(device, { WG, K, B }),
    centroidSums: s.weightedSums.pipeline(device, { WG, D, K, G: 1 }),
    moeSums: s.weightedSums.pipeline(device, { WG, D, K, G: B }),
    objective: s.objective.pipeline(device, { WG, K }),
    correct: s.correct.pipeline(device, { WG, D, K, B }),
    reduce: s.reduce.pipeline(device, { WG: REDUCE_WG }),
  };
}
