/**
 * The tiling of the fused k-means kernel (shaders/kmeans/fused.wgsl) for one (d, k) and the
 * device's workgroup memory: which operands are staged in workgroup memory and how large the
 * tiles are. Priorities, in order: the K×(D+2) statistics (they are touched once per row), then
 * the centroids (all of them when they fit: loaded once per workgroup), then as many rows per
 * tile as fit (their loads are the kernel's one pass over the data). What does not fit is read
 * from (or accumulated in) storage memory instead, so any d and k run, only more slowly.
 */
import { BufferLimitError } from '../../errors.js';
import { fusedWorkgroupSize } from '../../gpu/software.js';

export interface FusedPlan {
  /** Threads per workgroup. */
  WG: number;
  /** Rows per tile and cluster lanes per row (TR·CL ≤ WG threads busy). */
  TR: number;
  CL: number;
  /** Centroids per workgroup-memory tile (K when all fit, or when not staged). */
  KT: number;
  STAGE_X: boolean;
  STAGE_C: boolean;
  WG_ACC: boolean;
  /** Sizes in words of the kernel's override-sized workgroup arrays (1 when unused). */
  XS: number;
  CS: number;
  ACC: number;
  LV: number;
  RT: number;
}

/**
 * How the fused pass is laid out on an adapter: whether rows go through workgroup memory, and
 * the threads per workgroup. Neither changes the arithmetic (every statistic keeps one owner that
 * adds rows in order), so every layout gives the same bits; tests compare them.
 */
export interface FusedLayout {
  stageRows: boolean;
  wg: number;
}

/** Threads per workgroup of the fused pass on a hardware adapter. */
export const HARDWARE_WG = 256;

/**
 * The layout for an adapter: on hardware, rows staged and 256 threads; on a software adapter,
 * rows read from storage (its workgroup memory is ordinary memory reached through slower per-lane
 * gathers, and staging made the pass ~3× slower there) and gpu/software.ts's workgroup size.
 */
export function fusedLayout(software: boolean): FusedLayout {
  return { stageRows: !software, wg: fusedWorkgroupSize(software, HARDWARE_WG) };
}

/** Words kept free of the budget for the alignment padding of the kernel's 11 workgroup variables. */
export const SLACK = 48;

const pow2floor = (v: number): number => 2 ** Math.floor(Math.log2(Math.max(1, v)));
const pow2ceil = (v: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, v)));

/** Words of workgroup memory a plan uses (the kernel's arrays plus its one atomic). */
export function planWords(p: FusedPlan): number {
  return p.XS + p.CS + p.ACC + 3 * p.TR + 2 * p.LV + p.RT + 1;
}

/**
 * The plan for d features, k clusters, hard or soft, with `budgetBytes` of workgroup memory
 * (the device's maxComputeWorkgroupStorageSize) and `wg` threads per workgroup. `stageRows`
 * false reads rows straight from storage (see fusedLayout). Staging changes where values are
 * read from, never the arithmetic: the bits agree.
 */
export function planFused(d: number, k: number, soft: boolean, budgetBytes: number, wg = HARDWARE_WG, stageRows = true): FusedPlan {
  // Less SLACK words (the compiler pads each workgroup variable to its alignment), the atomic,
  // and up to five one-word placeholders of unused arrays.
  const words = Math.floor(budgetBytes / 4) - SLACK - 6;
  const J = d + 2;
  const WG_ACC = k * J <= Math.floor(words / 3);
  const ACC = WG_ACC ? k * J : 1;
  const perRowBase = 3 + (soft ? k : 0);
  for (const stageC of [true, false]) {
    let rem = words - ACC - 2 * wg; // lane minima (LV) reserved; given back when CL = 1
    const half = Math.floor(rem / 2);
    const KT = !stageC ? k : k * d <= half ? k : Math.floor(half / d);
    if (stageC && KT < 1) continue;
    const CS = stageC ? KT * d : 1;
    rem -= CS;
    for (const stageX of stageRows ? [true, false] : [false]) {
      const TR = Math.min(wg, Math.floor(rem / (perRowBase + (stageX ? d : 0))));
      if (TR < 1) continue;
      let CL = Math.min(pow2floor(wg / TR), pow2ceil(Math.min(k, KT)));
      if (CL < 1) CL = 1;
      return {
        WG: wg,
        TR,
        CL,
        KT,
        STAGE_X: stageX,
        STAGE_C: stageC,
        WG_ACC,
        XS: stageX ? TR * d : 1,
        CS,
        ACC,
        LV: CL > 1 ? wg : 1,
        RT: soft ? TR * k : 1,
      };
    }
  }
  throw new BufferLimitError(
    `Soft k-means with k = ${k} needs more workgroup memory per row than this device has (${budgetBytes} bytes). Use fewer clusters, or backend: "cpu".`,
  );
}
