/** The k-means family's WGSL kernels and how their pipelines are specialised. */
import assignWgsl from '../../../shaders/kmeans/assign.wgsl?raw';
import accumulateWgsl from '../../../shaders/kmeans/accumulate.wgsl?raw';
import softEStepWgsl from '../../../shaders/kmeans/soft_estep.wgsl?raw';
import kppWgsl from '../../../shaders/kmeans/kpp.wgsl?raw';
import { defineKernel, type Kernel } from '../../gpu/kernel.js';
import { argmaxKernel, reduceKernel } from '../../gpu/shared-kernels.js';

export const WG = 256;
/** Workgroup size of the column-owner accumulation (one thread per statistic column). */
export const COLUMN_WG = 64;
/** Most k-means++ candidates per round (the kernel's MAXL). */
export const KPP_MAX_CANDIDATES = 16;

const accumulate = { name: 'kmeans/accumulate', source: accumulateWgsl, modules: ['grid', 'sampleWeight'] } as const;
const kpp = { name: 'kmeans/kpp', source: kppWgsl, modules: ['grid', 'sampleWeight', 'sqdist', 'workgroupSum'] } as const;

export const sources = {
  assign: defineKernel({ name: 'kmeans/assign', source: assignWgsl, modules: ['grid', 'chunk', 'sqdist'] }),
  accumulate: defineKernel(accumulate),
  hardColumns: defineKernel({ ...accumulate, entryPoint: 'hard_columns' }),
  softEStep: defineKernel({ name: 'kmeans/soft_estep', source: softEStepWgsl, modules: ['grid', 'chunk', 'sqdist', 'logsumexp'] }),
  kppCandidates: defineKernel({ ...kpp, entryPoint: 'candidates' }),
  kppCommit: defineKernel({ ...kpp, entryPoint: 'commit' }),
  reduce: reduceKernel,
  argmax: argmaxKernel,
} satisfies Record<string, Kernel>;

export interface KMeansPipelines {
  assign: GPUComputePipeline;
  /** Hard accumulation: the column-owner kernel when K×(D+2) floats fit workgroup memory, else the general one. */
  accumulateHard: GPUComputePipeline;
  /** Whether accumulateHard is the column-owner kernel. */
  readonly hardColumns: boolean;
  accumulateSoft: GPUComputePipeline;
  softEStep: GPUComputePipeline;
  distances: GPUComputePipeline;
  kppCandidates: GPUComputePipeline;
  kppCommit: GPUComputePipeline;
  reduce: GPUComputePipeline;
  argmax: GPUComputePipeline;
}

/** Pipelines for one (d, k); created lazily and cached per device. */
export function kmeansPipelines(device: GPUDevice, d: number, k: number): KMeansPipelines {
  const dk = { D: d, K: k, WG };
  const hardColumns = k * (d + 2) * 4 <= device.limits.maxComputeWorkgroupStorageSize;
  return {
    get assign() {
      return sources.assign.pipeline(device, dk);
    },
    hardColumns,
    get accumulateHard() {
      return hardColumns
        ? sources.hardColumns.pipeline(device, { D: d, K: k, HARD: 1, ACC: k * (d + 2), CWG: COLUMN_WG })
        : sources.accumulate.pipeline(device, { ...dk, HARD: 1 });
    },
    get accumulateSoft() {
      return sources.accumulate.pipeline(device, { ...dk, HARD: 0 });
    },
    get softEStep() {
      return sources.softEStep.pipeline(device, { ...dk, MODE: 0 });
    },
    get distances() {
      return sources.softEStep.pipeline(device, { ...dk, MODE: 1 });
    },
    get kppCandidates() {
      return sources.kppCandidates.pipeline(device, { D: d, WG });
    },
    get kppCommit() {
      return sources.kppCommit.pipeline(device, { D: d, WG });
    },
    get reduce() {
      return sources.reduce.pipeline(device, { WG });
    },
    get argmax() {
      return sources.argmax.pipeline(device, { WG });
    },
  };
}
