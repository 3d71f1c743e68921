/** The single-cell preprocessing kernels (shaders/sc) and how their pipelines are specialised. */
import qcRowsWgsl from '../../../../shaders/sc/qc_rows.wgsl?raw';
import normalizeWgsl from '../../../../shaders/sc/normalize_log1p.wgsl?raw';
import geneStatsWgsl from '../../../../shaders/sc/gene_stats.wgsl?raw';
import densifyWgsl from '../../../../shaders/sc/densify.wgsl?raw';
import matmulXqWgsl from '../../../../shaders/sc/matmul_xq.wgsl?raw';
import matmulXtyWgsl from '../../../../shaders/sc/matmul_xty.wgsl?raw';
import { defineKernel, type Kernel } from '../../../gpu/kernel.js';
import { reduceKernel } from '../../../gpu/shared-kernels.js';

/** Threads per workgroup of the one-thread-per-row / per-gene kernels. */
export const ROW_WG = 64;
/** Workgroup size of common/reduce. */
export const REDUCE_WG = 256;
/** Largest finite float32: "no clip" for the clamp-based kernels. */
export const F32_MAX = 3.4028234663852886e38;

const densify = { name: 'sc/densify', source: densifyWgsl, modules: ['grid'] } as const;

export const scSources = {
  qcRows: defineKernel({ name: 'sc/qc_rows', source: qcRowsWgsl, modules: ['grid', 'csrChunk', 'kahan'] }),
  normalize: defineKernel({ name: 'sc/normalize_log1p', source: normalizeWgsl, modules: ['grid', 'csrChunk', 'kahan'] }),
  geneStats: defineKernel({ name: 'sc/gene_stats', source: geneStatsWgsl, modules: ['grid', 'csrChunk', 'kahan'] }),
  densifyFill: defineKernel({ ...densify, entryPoint: 'fill' }),
  densifyScatter: defineKernel({ ...densify, entryPoint: 'scatter' }),
  matmulXq: defineKernel({ name: 'sc/matmul_xq', source: matmulXqWgsl, modules: ['grid', 'chunk', 'matmulTiles'] }),
  matmulXty: defineKernel({ name: 'sc/matmul_xty', source: matmulXtyWgsl, modules: ['grid', 'chunk', 'kahan', 'matmulTiles'] }),
  reduce: reduceKernel,
} satisfies Record<string, Kernel>;

export type GeneTransformCode = 0 | 1 | 2;

export const scPipelines = {
  qcRows: (device: GPUDevice) => scSources.qcRows.pipeline(device, { WG: ROW_WG }),
  normalize: (device: GPUDevice, log: boolean) => scSources.normalize.pipeline(device, { WG: ROW_WG, LOG: log ? 1 : 0 }),
  geneStats: (device: GPUDevice) => scSources.geneStats.pipeline(device, { WG: ROW_WG }),
  densifyFill: (device: GPUDevice) => scSources.densifyFill.pipeline(device, { WG: ROW_WG }),
  densifyScatter: (device: GPUDevice) => scSources.densifyScatter.pipeline(device, { WG: ROW_WG }),
  /** Tile width TN for N output columns: 32 for narrow products (less padding), else 64. */
  matmulXq: (device: GPUDevice, n: number) => scSources.matmulXq.pipeline(device, { TN: tileWidth(n) }),
  matmulXty: (device: GPUDevice, n: number) => scSources.matmulXty.pipeline(device, { TN: tileWidth(n) }),
  reduce: (device: GPUDevice) => scSources.reduce.pipeline(device, { WG: REDUCE_WG }),
};

/** A clip bound as a finite float32 (Infinity → the largest float32). */
export function clampMax(v: number): number {
  return Number.isFinite(v) ? Math.min(v, F32_MAX) : F32_MAX;
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
