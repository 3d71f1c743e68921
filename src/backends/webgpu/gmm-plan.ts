/**
 * The parameter tiling of the fused GMM kernel (shaders/gmm/fused.wgsl) for one (d, k, covariance
 * type) and the device's workgroup memory (maxComputeWorkgroupStorageSize): the means, the
 * log-density constants and the precision factors go through workgroup memory KT components at a
 * time, and for full and tied covariances JW columns of the Cholesky factor at a time (JW < D only
 * when one component's D² factor exceeds the budget; then KT = 1 and the tile loops over column
 * blocks, the partial quadratic forms kept in the row's responsibility scratch). When not even one
 * column fits, parameters are read from storage (STAGE = false). Staging changes where values are
 * read from, never the arithmetic: every plan gives the same bits.
 */
import type { CovarianceType } from '../../types.js';

export interface GmmPlan {
  /** Whether parameters are staged in workgroup memory at all. */
  STAGE: boolean;
  /** Components per tile. */
  KT: number;
  /** Columns of the precision factor per tile (D: the whole factor; full and tied only). */
  JW: number;
  /** Words of the kernel's workgroup array `ps` (1 when not staged). */
  PS: number;
}

/** Words kept free of the budget (alignment padding of the workgroup variable). */
export const GMM_SLACK = 16;

/** Words of precision factor in one tile of kt components and jw columns. */
function precWords(type: CovarianceType, d: number, kt: number, jw: number): number {
  if (type === 'full') return kt * d * jw;
  if (type === 'tied') return d * jw;
  return type === 'diag' ? kt * d : kt;
}

/** Words of one tile: KT means (KT·D), KT constants, then the precision tile. */
export function gmmTileWords(type: CovarianceType, d: number, kt: number, jw: number): number {
  return kt * d + kt + precWords(type, d, kt, jw);
}

/** The plan for d features, k components and `budgetBytes` of workgroup memory. */
export function planGmm(type: CovarianceType, d: number, k: number, budgetBytes: number): GmmPlan {
  const words = Math.floor(budgetBytes / 4) - GMM_SLACK;
  const square = type === 'full' || type === 'tied';
  // Whole factors: as many components as fit.
  let kt = 0;
  while (kt < k && gmmTileWords(type, d, kt + 1, d) <= words) kt++;
  if (kt >= 1) return { STAGE: true, KT: kt, JW: d, PS: gmmTileWords(type, d, kt, d) };
  // One component, column blocks of the factor.
  if (square) {
    const jw = Math.floor((words - d - 1) / d);
    if (jw >= 1) return { STAGE: true, KT: 1, JW: jw, PS: gmmTileWords(type, d, 1, jw) };
  }
  return { STAGE: false, KT: k, JW: d, PS: 1 };
}
