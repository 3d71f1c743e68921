/** The single-cell preprocessing kernels (shaders/sc) and how their pipelines are specialised. */
import qcRowsWgsl from '../../../../shaders/sc/qc_rows.wgsl?raw';
import normalizeWgsl from '../../../../shaders/sc/normalize_log1p.wgsl?raw';
import geneStatsWgsl from '../../../../shaders/sc/gene_stats.wgsl?raw';
import densifyWgsl from '../../../../shaders/sc/densify.wgsl?raw';
import matmulXqWgsl from '../../../../shaders/sc/matmul_xq.wgsl?raw';
import matmulXtyWgsl from '../../../../shaders/sc/matmul_xty.wgsl?raw';
import reduceWgsl from '../../../../shaders/common/reduce.wgsl?raw';
import { computePipeline, type KernelSource } from '../../../gpu/pipelines.js';

/** Threads per workgroup of the one-thread-per-row / per-gene kernels. */
export const ROW_WG = 64;
/** Workgroup size of common/reduce. */
export const REDUCE_WG = 256;
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
  geneStats: (device: GPUDevice) => computePipeline(device, scSources.geneStats, { WG: ROW_WG }),
  densifyFill: (device: GPUDevice) => computePipeline(device, scSources.densify, { WG: ROW_WG }, 'fill'),
  densifyScatter: (device: GPUDevice) => computePipeline(device, scSources.densify, { WG: ROW_WG }, 'scatter'),
  /** Tile width TN for N output columns: 32 for narrow products (less padding), else 64. */
  matmulXq: (device: GPUDevice, n: number) => computePipeline(device, scSources.matmulXq, { TN: tileWidth(n) }),
  matmulXty: (device: GPUDevice, n: number) => computePipeline(device, scSources.matmulXty, { TN: tileWidth(n) }),
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

/** Output tile width (columns) of the matrix-multiply kernels for N columns. */
export function tileWidth(n: number): 32 | 64 {
  return n <= 32 ? 32 : 64;
}

/** Workgroups of matmul_xq for `rows` × N: tiles of (4096 / TN) rows × TN columns. */
export function xqGroups(rows: number, n: number): number {
  const tn = tileWidth(n);
  return Math.ceil(rows / (4096 / tn)) * Math.ceil(n / tn);
}

/** Workgroups of matmul_xty for `segments` × K × N: tiles of (4096 / TN) × TN per segment. */
export function xtyGroups(segments: number, k: number, n: number): number {
  const tn = tileWidth(n);
  return segments * Math.ceil(k / (4096 / tn)) * Math.ceil(n / tn);
}
