/**
 * The last pass of a streamed fit: labels and the objective at the final parameters, per block, on
 * the backend's session (what the in-memory fits read from `final` / `evaluate`).
 */
import type { Engine } from '../engine/engine.js';
import { sizeFactors } from '../nbmm/counts.js';
import { blockCounts, blockDataset, type ShardBlock } from './block.js';
import { gmmParams } from './gmm.js';
import { gridOf, nbParams } from './nbmm.js';
import { flatRows } from './params.js';
import { gmmSessionEvaluate, kmeansSessionFinal, nbSessionEvaluate } from './session.js';
import type { GmmShardParams, KMeansShardParams, NbShardParams, ShardModel, ShardParams } from './types.js';

export interface BlockEvaluation {
  labels: ArrayLike<number>;
  /** Hard k-means: inertia; soft: its objective; mixtures: Σ log p. */
  objective: number;
  /** Soft k-means: the inertia at the argmax labels. */
  inertia?: number;
}

export async function evaluateBlock(
  engine: Engine,
  block: ShardBlock,
  model: ShardModel,
  params: ShardParams,
  o: { beta?: number; regCovar?: number },
): Promise<BlockEvaluation> {
  if (model === 'gmm') {
    const ds = blockDataset(block);
    const ev = await gmmSessionEvaluate(engine, ds, gmmParams(params as GmmShardParams, o.regCovar ?? 1e-6, ds.d), null);
    let ll = 0;
    for (let i = 0; i < ds.n; i++) ll += ev.logProb[i];
    return { labels: ev.labels, objective: ll };
  }
  if (model === 'nbmm') {
    const c = blockCounts(block);
    const np = params as NbShardParams;
    const g = np.globals;
    const s = sizeFactors(c, g.sizeFactorMode, g.sizeFactorMode === 'library' ? g.libraryMean : undefined).s;
    const ev = await nbSessionEvaluate(engine, c, s, gridOf(g), nbParams(np, c.d), null);
    return { labels: ev.labels, objective: ev.loglik };
  }
  const ds = blockDataset(block);
  const c = flatRows((params as KMeansShardParams).centroids, 'params.centroids', undefined, ds.d);
  const soft = model === 'softkmeans' ? { beta: o.beta! } : null;
  const f = await kmeansSessionFinal(engine, ds, c, c.length / ds.d, null, soft);
  return soft ? { labels: f.labels, objective: f.objective!, inertia: f.inertia } : { labels: f.labels, objective: f.inertia };
}
