/** The single-cell preprocessing kernels (shaders/sc) and how their pipelines are specialised. */
import qcRowsWgsl from '../../../shaders/sc/qc_rows.wgsl?raw';
import normalizeWgsl from '../../../shaders/sc/normalize_log1p.wgsl?raw';
import geneStatsWgsl from '../../../shaders/sc/gene_stats.wgsl?raw';
import densifyWgsl from '../../../shaders/sc/densify.wgsl?raw';
import matmulXqWgsl from '../../../shaders/sc/matmul_xq.wgsl?raw';
import matmulXtyWgsl from '../../../shaders/sc/matmul_xty.wgsl?raw';
import reduceWgsl from '../../../shaders/common/reduce.wgsl?raw';
import { computePipeline, type KernelSource } from '../../gpu/pipelines.js';

/** Threads per workgroup of the one-thread-per-row / per-gene kernels. */
export const ROW_WG = 64;
/** Workgroup size of common/reduce. */
export const REDUCE_WG = 256;
/** Output tile edge of the matrix-multiply kernels (16×16 threads, 4×4 each). */
export const MM_TILE = 64;
/** Largest finite float32: "no clip" for the clamp-based kernels. */
export const F32_MAX = 3.4028234663852886e38;

export const scSources = {
  qcRows: { name: 'sc/qc_rows', code: qcRowsWgsl },
  normalize: { name: 'sc/normalize_log1p', code: normalizeWgsl },
  geneStats: { name: 'sc/gene_stats', code: geneStatsWgsl },
  densify: { name: 'sc/densify', code: densifyWgsl },
  matmulXq: { name: 'sc/matmul_xq', code: matmulXqWgsl },
  matmulXty: { name: 'sc/matmul_xty', code: matmulXtyWgsl },
  reduce: { name: 'common/reduce', code: reduceWgsl },
} satisfies Record<string, KernelSource>;

export type GeneTransformCode = 0 | 1 | 2;

export const scPipelines = {
  qcRows: (device: GPUDevice) => computePipeline(device, scSources.qcRows, { WG: ROW_WG }),
  normalize: (device: GPUDevice, log: boolean) => computePipeline(device, scSources.normalize, { WG: ROW_WG, LOG: log ? 1 : 0 }),
  geneStats: (device: GPUDevice, mode: GeneTransformCode, maxValue: number) =>
    computePipeline(device, scSources.geneStats, { WG: ROW_WG, MODE: mode, MAXV: clampMax(maxValue) }),
  densifyFill: (device: GPUDevice) => computePipeline(device, scSources.densify, { WG: ROW_WG }, 'fill'),
  densifyScatter: (device: GPUDevice, maxValue: number) => computePipeline(device, scSources.densify, { WG: ROW_WG, MAXV: clampMax(maxValue) }, 'scatter'),
  matmulXq: (device: GPUDevice, k: number, n: number) => computePipeline(device, scSources.matmulXq, { K: k, N: n }),
  matmulXty: (device: GPUDevice, k: number, n: number) => computePipeline(device, scSources.matmulXty, { K: k, N: n }),
  reduce: (device: GPUDevice) => computePipeline(device, scSources.reduce, { WG: REDUCE_WG }),
};

/** A clip bound as a finite float32 (Infinity → the largest float32). */
export function clampMax(v: number): number {
  return Number.isFinite(v) ? Math.min(v, F32_MAX) : F32_MAX;
}

/** A bind group of plain buffers at bindings 0, 1, 2, … */
export function bindAll(device: GPUDevice, label: string, pipeline: GPUComputePipeline, buffers: GPUBuffer[]): GPUBindGroup {
  return device.createBindGroup({
    label: `emgpu ${label}`,
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
}

/** Tiles of MM_TILE covering `size`. */
export function tiles(size: number): number {
  return Math.ceil(size / MM_TILE);
}
