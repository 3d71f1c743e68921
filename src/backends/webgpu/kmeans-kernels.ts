/** The k-means family's WGSL kernels and how their pipelines are specialised. */
import fusedWgsl from '../../../shaders/kmeans/fused.wgsl?raw';
import softEStepWgsl from '../../../shaders/kmeans/soft_estep.wgsl?raw';
import kppWgsl from '../../../shaders/kmeans/kpp.wgsl?raw';
import laneMinWgsl from '../../../shaders/common/lane_min.wgsl?raw';
import laneMinWorkgroupWgsl from '../../../shaders/common/lane_min_workgroup.wgsl?raw';
import laneMinSubgroupsWgsl from '../../../shaders/common/lane_min_subgroups.wgsl?raw';
import { provideLibrary } from '../../gpu/compose.js';
import { defineKernel, type Kernel } from '../../gpu/kernel.js';
import { argmaxKernel, reduceKernel } from '../../gpu/shared-kernels.js';
import { type FusedPlan, planFused } from './kmeans-plan.js';

export const WG = 256;
/** Most k-means++ candidates per round (the kernel's MAXL). */
export const KPP_MAX_CANDIDATES = 16;

provideLibrary('laneMin', laneMinWgsl);
provideLibrary('laneMinWorkgroup', laneMinWorkgroupWgsl);
provideLibrary('laneMinSubgroups', laneMinSubgroupsWgsl);

const kpp = { name: 'kmeans/kpp', source: kppWgsl, modules: ['grid', 'sampleWeight', 'sqdist', 'workgroupSum'] } as const;

export const sources = {
  fused: defineKernel({ name: 'kmeans/fused', source: fusedWgsl, modules: ['grid', 'sampleWeight', 'laneMinWorkgroup'] }),
  /** The same kernel whose lanes merge through subgroup shuffles (a device with 'subgroups'; the same bits). */
  fusedSubgroups: defineKernel({
    name: 'kmeans/fused+subgroups',
    source: fusedWgsl,
    modules: ['grid', 'sampleWeight', 'laneMinSubgroups'],
  }),
  softEStep: defineKernel({ name: 'kmeans/soft_estep', source: softEStepWgsl, modules: ['grid', 'chunk', 'sqdist', 'logsumexp'] }),
  kppCandidates: defineKernel({ ...kpp, entryPoint: 'candidates' }),
  kppCommit: defineKernel({ ...kpp, entryPoint: 'commit' }),
  reduce: reduceKernel,
  argmax: argmaxKernel,
} satisfies Record<string, Kernel>;

export interface KMeansPipelines {
  /** One pass per chunk: hard E-step and statistics (fused.wgsl, SOFT = false). */
  fusedHard: GPUComputePipeline;
  /** One pass per chunk: soft E-step and statistics (fused.wgsl, SOFT = true). */
  fusedSoft: GPUComputePipeline;
  /** Responsibilities of the final centroids (returnResponsibilities). */
  softEStep: GPUComputePipeline;
  distances: GPUComputePipeline;
  kppCandidates: GPUComputePipeline;
  kppCommit: GPUComputePipeline;
  reduce: GPUComputePipeline;
  argmax: GPUComputePipeline;
}

/** The fused kernel's override constants for one plan. */
export function fusedConstants(d: number, k: number, soft: boolean, p: FusedPlan): Record<string, number> {
  const flag = (b: boolean): number => (b ? 1 : 0);
  return {
    D: d,
    K: k,
    WG,
    SOFT: flag(soft),
    TR: p.TR,
    CL: p.CL,
    KT: p.KT,
    STAGE_X: flag(p.STAGE_X),
    STAGE_C: flag(p.STAGE_C),
    WG_ACC: flag(p.WG_ACC),
    XS: p.XS,
    CS: p.CS,
    ACC: p.ACC,
    LV: p.LV,
    RT: p.RT,
  };
}

/** The fused kernel's plan on this device (`stageRows`: whether rows go through workgroup memory). */
export function fusedPlan(device: GPUDevice, d: number, k: number, soft: boolean, stageRows: boolean): FusedPlan {
  return planFused(d, k, soft, device.limits.maxComputeWorkgroupStorageSize, WG, stageRows);
}

/**
 * Whether the fused pass of this plan merges its lanes through subgroups: when `subgroups` is
 * allowed, the device has the feature, a row has lanes to merge (CL > 1) and the adapter's
 * subgroups can hold them (CL ≤ its largest subgroup size, when it says). The kernel still checks
 * the subgroups it gets and merges through workgroup memory otherwise; both give the same bits.
 */
export function fusedUsesSubgroups(device: GPUDevice, plan: FusedPlan, subgroups: boolean): boolean {
  if (!subgroups || !device.features.has('subgroups') || plan.CL <= 1) return false;
  // adapterInfo is missing on older Dawn builds; without it the kernel's own check decides.
  const most = (device.adapterInfo as GPUAdapterInfo | undefined)?.subgroupMaxSize;
  return typeof most !== 'number' || most <= 0 || plan.CL <= most;
}

/**
 * Pipelines for one (d, k); created lazily and cached per device. `subgroups` false keeps the
 * fused pass off subgroups even where the device has them (tests compare the two paths' bits).
 */
export function kmeansPipelines(device: GPUDevice, d: number, k: number, stageRows = true, subgroups = true): KMeansPipelines {
  const dk = { D: d, K: k, WG };
  const fused = (soft: boolean) => {
    const plan = fusedPlan(device, d, k, soft, stageRows);
    const source = fusedUsesSubgroups(device, plan, subgroups) ? sources.fusedSubgroups : sources.fused;
    return source.pipeline(device, fusedConstants(d, k, soft, plan));
  };
  return {
    get fusedHard() {
      return fused(false);
    },
    get fusedSoft() {
      return fused(true);
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
