/** The Gaussian mixture's WGSL kernels (composed with shaders/common) and their pipelines. */
import estepWgsl from '../../../shaders/gmm/estep.wgsl?raw';
import accumulateWgsl from '../../../shaders/gmm/accumulate.wgsl?raw';
import fusedWgsl from '../../../shaders/gmm/fused.wgsl?raw';
import gmmQuadWgsl from '../../../shaders/common/gmm_quad.wgsl?raw';
import gmmStatsWgsl from '../../../shaders/common/gmm_stats.wgsl?raw';
import { provideLibrary } from '../../gpu/compose.js';
import type { CovarianceType } from '../../types.js';
import { defineKernel, type Kernel } from '../../gpu/kernel.js';
import { reduceKernel } from '../../gpu/shared-kernels.js';
import { planGmm, type GmmPlan } from './gmm-plan.js';

/** Threads per workgroup of every GMM kernel (the fused pass: on hardware adapters; gpu/software.ts). */
export const WG = 256;
const COV_CODE: Record<CovarianceType, number> = { full: 0, tied: 1, diag: 2, spherical: 3 };

// The GMM-only common libraries live with the GMM (compose.ts), so other models' bundles leave them out.
provideLibrary('gmmQuad', gmmQuadWgsl);
provideLibrary('gmmStats', gmmStatsWgsl);

/** The GMM kernels composed for float32 rows (common/x_f32) or half-precision rows (common/x_f16, opt-in storage). */
function gmmKernels(f16: boolean) {
  const x = f16 ? 'xF16' : 'xF32';
  const tag = f16 ? '+f16' : '';
  return {
    estep: defineKernel({ name: `gmm/estep${tag}`, source: estepWgsl, modules: ['grid', x, 'logsumexp', 'gmmQuad'] }),
    fused: defineKernel({ name: `gmm/fused${tag}`, source: fusedWgsl, modules: ['grid', x, 'logsumexp', 'gmmQuad', 'gmmStats'] }),
    accumulate: defineKernel({ name: `gmm/accumulate${tag}`, source: accumulateWgsl, modules: ['grid', x, 'gmmStats'] }),
  };
}

export const sources = {
  ...gmmKernels(false),
  reduce: reduceKernel,
} satisfies Record<string, Kernel>;

/** The same kernels on rows stored in half precision (gpu/dataset.ts ChunkingOptions.f16). */
export const f16Sources = gmmKernels(true) satisfies Record<string, Kernel>;

export interface GmmPipelines {
  /** Labels, log p and responsibilities for evaluate(). */
  estep: GPUComputePipeline;
  /** Statistics of given responsibilities (initialisation). */
  accumulate: GPUComputePipeline;
  /** One EM iteration's pass over a chunk: E-step and statistics (fused.wgsl). */
  fused: GPUComputePipeline;
  reduce: GPUComputePipeline;
}

/** The fused kernel's parameter tiling on this device (`budgetBytes`: workgroup memory, the device's limit unless given). */
export function gmmPlan(device: GPUDevice, d: number, k: number, type: CovarianceType, budgetBytes?: number): GmmPlan {
  return planGmm(type, d, k, budgetBytes ?? device.limits.maxComputeWorkgroupStorageSize);
}

/**
 * Pipelines for d features, k components, m moment pairs and one covariance type (cached per
 * device); `budgetBytes` caps the fused kernel's workgroup memory below the device's limit (tests);
 * `f16`: the data chunks hold half-precision rows, so every kernel that reads them is composed with common/x_f16;
 * `fusedWg`: the fused pass's threads per workgroup (gpu/software.ts; the same bits at any size).
 */
export function gmmPipelines(
  device: GPUDevice,
  d: number,
  k: number,
  m: number,
  type: CovarianceType,
  budgetBytes?: number,
  f16 = false,
  fusedWg = WG,
): GmmPipelines {
  const plan = gmmPlan(device, d, k, type, budgetBytes);
  const tiles = { STAGE: plan.STAGE ? 1 : 0, KT: plan.KT, JW: plan.JW, PS: plan.PS };
  const src = f16 ? f16Sources : sources;
  return {
    estep: src.estep.pipeline(device, { D: d, K: k, COV: COV_CODE[type], WG }),
    accumulate: src.accumulate.pipeline(device, { D: d, K: k, M: m, WG }),
    fused: src.fused.pipeline(device, { D: d, K: k, M: m, COV: COV_CODE[type], WG: fusedWg, ...tiles }),
    reduce: sources.reduce.pipeline(device, { WG }),
  };
}
