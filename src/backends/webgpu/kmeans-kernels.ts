/** The k-means family's WGSL kernels and how their pipelines are specialised. */
import assignWgsl from '../../../shaders/kmeans/assign.wgsl?raw';
import accumulateWgsl from '../../../shaders/kmeans/accumulate.wgsl?raw';
import softEStepWgsl from '../../../shaders/kmeans/soft_estep.wgsl?raw';
import kppWgsl from '../../../shaders/kmeans/kpp.wgsl?raw';
import reduceWgsl from '../../../shaders/common/reduce.wgsl?raw';
import argmaxWgsl from '../../../shaders/common/argmax.wgsl?raw';
import { computePipeline, type KernelSource } from '../../gpu/pipelines.js';

export const WG = 256;
/** Workgroup size of the column-owner accumulation (one thread per statistic column). */
export const COLUMN_WG = 64;
/** Most k-means++ candidates per round (the kernel's MAXL). */
export const KPP_MAX_CANDIDATES = 16;

export const sources = {
  assign: { name: 'kmeans/assign', code: assignWgsl },
  accumulate: { name: 'kmeans/accumulate', code: accumulateWgsl },
  softEStep: { name: 'kmeans/soft_estep', code: softEStepWgsl },
  kpp: { name: 'kmeans/kpp', code: kppWgsl },
  reduce: { name: 'common/reduce', code: reduceWgsl },
  argmax: { name: 'common/argmax', code: argmaxWgsl },
} satisfies Record<string, KernelSource>;

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
  const cache: Partial<Record<keyof KMeansPipelines, GPUComputePipeline>> = {};
  const hardColumns = k * (d + 2) * 4 <= device.limits.maxComputeWorkgroupStorageSize;
  const get = <K extends Exclude<keyof KMeansPipelines, 'hardColumns'>>(key: K, make: () => GPUComputePipeline): GPUComputePipeline =>
    (cache[key] ??= make());
  return {
    get assign() {
      return get('assign', () => computePipeline(device, sources.assign, dk));
    },
    hardColumns,
    get accumulateHard() {
      return get('accumulateHard', () =>
        hardColumns
          ? computePipeline(device, sources.accumulate, { D: d, K: k, HARD: 1, ACC: k * (d + 2), CWG: COLUMN_WG }, 'hard_columns')
          : computePipeline(device, sources.accumulate, { ...dk, HARD: 1 }),
      );
    },
    get accumulateSoft() {
      return get('accumulateSoft', () => computePipeline(device, sources.accumulate, { ...dk, HARD: 0 }));
    },
    get softEStep() {
      return get('softEStep', () => computePipeline(device, sources.softEStep, { ...dk, MODE: 0 }));
    },
    get distances() {
      return get('distances', () => computePipeline(device, sources.softEStep, { ...dk, MODE: 1 }));
    },
    get kppCandidates() {
      return get('kppCandidates', () => computePipeline(device, sources.kpp, { D: d, WG }, 'candidates'));
    },
    get kppCommit() {
      return get('kppCommit', () => computePipeline(device, sources.kpp, { D: d, WG }, 'commit'));
    },
    get reduce() {
      return get('reduce', () => computePipeline(device, sources.reduce, { WG }));
    },
    get argmax() {
      return get('argmax', () => computePipeline(device, sources.argmax, { WG }));
    },
  };
}

/** A bind group whose entries are plain buffers at bindings 0, 1, 2, … (nulls skipped). */
export function bindBuffers(device: GPUDevice, label: string, pipeline: GPUComputePipeline, buffers: (GPUBuffer | null)[]): GPUBindGroup {
  const entries: GPUBindGroupEntry[] = [];
  buffers.forEach((buffer, binding) => {
    if (buffer) entries.push({ binding, resource: { buffer } });
  });
  return device.createBindGroup({ label: `emgpu ${label}`, layout: pipeline.getBindGroupLayout(0), entries });
}
