/**
 * The one k-means M-step (hard and soft), host float64 over the weighted statistics any backend
 * returns: empty clusters relocated (scikit-learn's rule), new centroids = weighted means, and the
 * squared shift. It works in the session's coordinates, so each backend keeps its exact bits.
 */
import type { Rng } from '../core/rng.js';
import type { EmptyClusterPolicy } from '../types.js';
import type { CentroidStats, KMeansSession } from './backend.js';

/** Soft clusters whose total responsibility falls below this are treated as empty. */
export const SOFT_EMPTY_MASS = 1e-10;

export interface MStepContext {
  n: number;
  d: number;
  soft: boolean;
  policy: EmptyClusterPolicy;
  weights: Float64Array | null;
  rng: Rng;
}

/** Update `centres` in place from `stats`; returns the squared shift and the number of relocated clusters. */
export async function centroidMStep(
  session: KMeansSession,
  stats: CentroidStats,
  centres: Float64Array,
  ctx: MStepContext,
): Promise<{ shift: number; relocated: number }> {
  const { d, soft, weights } = ctx;
  const k = stats.counts.length;
  const { sums, counts } = stats;
  const empty: number[] = [];
  for (let j = 0; j < k; j++) if (soft ? counts[j] < SOFT_EMPTY_MASS : counts[j] === 0) empty.push(j);
  if (empty.length > 0) {
    const rows = ctx.policy === 'farthest' ? await session.farthest(empty.length) : ctx.rng.sample(ctx.n, empty.length);
    // Hard: the sample leaves its old cluster, as scikit-learn does; soft clusters keep their mass.
    const old = soft ? null : await session.labelsOf(rows);
    empty.forEach((j, t) => {
      const x = session.row(rows[t]);
      const w = weights ? weights[rows[t]] : 1;
      if (old) {
        for (let f = 0; f < d; f++) sums[old[t] * d + f] -= w * x[f];
        counts[old[t]] -= w;
      }
      for (let f = 0; f < d; f++) sums[j * d + f] = w * x[f];
      counts[j] = w;
    });
  }
  let shift = 0;
  for (let j = 0; j < k; j++) {
    for (let f = 0; f < d; f++) {
      const v = counts[j] > 0 ? sums[j * d + f] / counts[j] : centres[j * d + f];
      const t = v - centres[j * d + f];
      shift += t * t;
      centres[j * d + f] = v;
    }
  }
  return { shift, relocated: empty.length };
}
