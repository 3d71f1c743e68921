/**
 * The rows of selectResolution and the rules that choose one, separate from the fitting so that a
 * table can be re-read by the other criterion without clustering again.
 */
import { invalid } from '../errors.js';

/** 'cocluster': chooseR's rule on the co-clustering silhouettes; 'silhouette': the highest mean silhouette on the PCs. */
export type ResolutionCriterion = 'cocluster' | 'silhouette';
export const RESOLUTION_CRITERIA: readonly ResolutionCriterion[] = ['cocluster', 'silhouette'];

export interface ResolutionRow {
  resolution: number;
  /** Communities of the partition of all cells. */
  k: number;
  /** Median over clusters of the mean co-clustering silhouette (chooseR's score); NaN with one community. */
  cocluster: number;
  /** Its 95% BCa bootstrap interval. */
  coclusterLow: number;
  coclusterHigh: number;
  /** Mean silhouette on the PCs (Euclidean) of the scored cells; NaN with one community. */
  silhouette: number;
  /** leiden()'s quality at this resolution, and the plain modularity (γ = 1). */
  quality: number;
  modularity: number;
  /** Leiden on all cells and on the subsamples at this resolution, and its scores (the shared graphs excluded). */
  timeMs: number;
}

/**
 * The row a criterion picks. 'cocluster' (chooseR): threshold = the highest coclusterLow, the choice
 * the highest resolution whose cocluster median reaches it. 'silhouette': the highest silhouette,
 * ties to the higher resolution. Rows whose score is NaN (one community) are never chosen; when
 * every row is NaN, the first row (lowest resolution) is returned and threshold is NaN.
 */
export function chooseResolution(rows: ResolutionRow[], criterion: ResolutionCriterion): { index: number; threshold: number } {
  if (!Array.isArray(rows) || rows.length === 0 || rows.some((r) => !r || typeof r !== 'object' || typeof r.resolution !== 'number'))
    throw invalid('BAD_OPTION', 'chooseResolution: rows must be the non-empty rows of a selectResolution result.');
  if (!RESOLUTION_CRITERIA.includes(criterion))
    throw invalid('BAD_OPTION', `chooseResolution: criterion='${String(criterion)}' is not known. Use 'cocluster' or 'silhouette'.`);
  for (const r of rows)
    for (const key of ['cocluster', 'coclusterLow', 'silhouette'] as const)
      if (typeof r[key] !== 'number' || r[key] === Infinity || r[key] === -Infinity)
        throw invalid(
          'NON_FINITE',
          `chooseResolution: ${key} at resolution ${r.resolution} is ${String(r[key])}; pass finite numbers (NaN where none).`,
        );
  // Highest resolution last: ties and near-ties go to the finer partition.
  const order = rows.map((_, i) => i).sort((a, b) => rows[a].resolution - rows[b].resolution);
  if (criterion === 'silhouette') {
    let pick = -1;
    for (const i of order) if (!Number.isNaN(rows[i].silhouette) && (pick < 0 || rows[i].silhouette >= rows[pick].silhouette)) pick = i;
    return { index: pick < 0 ? order[0] : pick, threshold: Number.NaN };
  }
  let threshold = -Infinity;
  for (const r of rows) if (!Number.isNaN(r.coclusterLow)) threshold = Math.max(threshold, r.coclusterLow);
  if (threshold === -Infinity) return { index: order[0], threshold: Number.NaN };
  let pick = order[0];
  for (const i of order) if (!Number.isNaN(rows[i].cocluster) && rows[i].cocluster >= threshold) pick = i;
  return { index: pick, threshold };
}
