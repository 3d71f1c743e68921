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
import { type FusedLayout, type FusedPlan, HARDWARE_WG, planFused } from './kmeans-plan.js';

/** Threads per workgroup of the k-means kernels; the fused pass's can differ (kmeans-plan.ts fusedLayout). */
export const WG = HARDWARE_WG;
/** Most k-means++ candidates per round (the kernel's MAXL). */
export const KPP_MAX_CANDIDATES = 16;

provideLibrary('laneMin', laneMinWgsl);
provideLibrary('laneMinWorkgroup', laneMinWorkgroupWgsl);
provideLibrary('laneMinSubgroups', laneMinSubgroupsWgsl);

const kpp = (f16: boolean) =>
  ({
    name: `kmeans/kpp${f16 ? '+f16' : ''}`,
    source: kppWgsl,
    modules: ['grid', f16 ? 'xF16' : 'xF32', 'sqdist', 'workgroupSum'],
  }) as const;
const softEStep = (f16: boolean) =>
  defineKernel({
    name: `kmeans/soft_estep${f16 ? '+f16' : ''}`,
    source: softEStepWgsl,
    modules: ['grid', f16 ? 'xF16' : 'xF32', 'sqdist', 'logsumexp'],
  });

/** The fused kernel composed for float32 or packed-f16 rows, merging lanes through workgroup memory or subgroups. */
function fusedKernel(f16: boolean, subgroups: boolean): Kernel {
  return defineKernel({
    name: `kmeans/fused${f16 ? '+f16' : ''}${subgroups ? '+subgroups' : ''}`,
    source: fusedWgsl,
    modules: ['grid', f16 ? 'xF16' : 'xF32', subgroups ? 'laneMinSubgroups' : 'laneMinWorkgroup'],
  });
}

export const sources = {
  fused: fusedKernel(false, false),
  /** The same kernel whose lanes merge through subgroup shuffles (a device with 'subgroups'; the same bits). */
  fusedSubgroups: fusedKernel(false, true),
  /** The fused kernel on rows stored in half precision (common/x_f16), without and with subgroups. */
  fusedF16: fusedKernel(true, false),
  fusedF16Subgroups: fusedKernel(true, true),
  softEStep: softEStep(false),
  kppCandidates: defineKernel({ ...kpp(false), entryPoint: 'candidates' }),
  kppCommit: defineKernel({ ...kpp(false), entryPoint: 'commit' }),
  /** The same kernels on half-precision rows. */
  softEStepF16: softEStep(true),
  kppCandidatesF16: defineKernel({ ...kpp(true), entryPoint: 'candidates' }),
  kppCommitF16: defineKernel({ ...kpp(true), entryPoint: 'commit' }),
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
    WG: p.WG,
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

/** The fused kernel's plan on this device for a layout (rows staged or not, threads per workgroup). */
export function fusedPlan(device: GPUDevice, d: number, k: number, soft: boolean, layout: FusedLayout): FusedPlan {
  return planFused(d, k, soft, device.limits.maxComputeWorkgroupStorageSize, layout.wg, layout.stageRows);
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
 * Pipelines for one (d, k); created lazily and cached per device. `layout`: the fused pass's
 * layout (kmeans-plan.ts, fusedLayout). `subgroups` false keeps the
 * fused pass off subgroups even where the device has them (tests compare the two paths' bits);
 * `f16`: the data chunks hold half-precision rows (gpu/dataset.ts): every kernel that reads them is composed with common/x_f16.
 */
export function kmeansPipelines(
  device: GPUDevice,
  d: number,
  k: number,
  layout: FusedLayout,
  subgroups = true,
  f16 = false,
): KMeansPipelines {
  const dk = { D: d, K: k, WG };
  const fused = (soft: boolean) => {
    const plan = fusedPlan(device, d, k, soft, layout);
    const sg = fusedUsesSubgroups(device, plan, subgroups);
    const source = f16 ? (sg ? sources.fusedF16Subgroups : sources.fusedF16) : sg ? sources.fusedSubgroups : sources.fused;
    return source.pipeline(device, fusedConstants(d, k, soft, plan));
  };
  const soft = f16 ? sources.softEStepF16 : sources.softEStep;
  const kppCandidates = f16 ? sources.kppCandidatesF16 : sources.kppCandidates;
  const kppCommit = f16 ? sources.kppCommitF16 : sources.kppCommit;
  return {
    get fusedHard() {
      return fused(false);
    },
    get fusedSoft() {
      return fused(true);
    },
    get softEStep() {
      return soft.pipeline(device, { ...dk, MODE: 0 });
    },
    get distances() {
      return soft.pipeline(device, { ...dk, MODE: 1 });
    },
    get kppCandidates() {
      return kppCandidates.pipeline(device, { D: d, WG });
    },
    get kppCommit() {
      return kppCommit.pipeline(device, { D: d, WG });
    },
    get reduce() {
      return sources.reduce.pipeline(device, { WG });
    },
    get argmax() {
      return sources.argmax.pipeline(device, { WG });
    },
  };
}
