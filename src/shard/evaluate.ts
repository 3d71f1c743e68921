/**
 * The last pass of a streamed fit: labels and the objective at the final parameters, per block, on
 * the backend's session (what the in-memory fits read from `final` / `evaluate`).
 */
import { implementationFor } from '../core/registry.js';
import type { Engine } from '../engine/engine.js';
import type { GmmBackend } from '../gmm/backend.js';
import type { KMeansBackend } from '../kmeans/backend.js';
import type { NbBackend } from '../nbmm/backend.js';
import { sizeFactors } from '../nbmm/counts.js';
import { blockCounts, blockDataset, type ShardBlock } from './block.js';
import { gmmParams } from './gmm.js';
import { gridOf, nbParams } from './nbmm.js';
import { flatRows } from './params.js';
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
    const p = gmmParams(params as GmmShardParams, o.regCovar ?? 1e-6, ds.d);
    const ev = await implementationFor<GmmBackend>('gmm', engine.backend).session(
      engine,
      ds,
      { k: p.k, type: p.type, weights: null },
      (s) => s.evaluate(p, {}),
    );
    let ll = 0;
    for (let i = 0; i < ds.n; i++) ll += ev.logProb[i];
    return { labels: ev.labels, objective: ll };
  }
  if (model === 'nbmm') {
    const c = blockCounts(block);
    const np = params as NbShardParams;
    const p = nbParams(np, c.d);
    const g = np.globals;
    const s = sizeFactors(c, g.sizeFactorMode, g.sizeFactorMode === 'library' ? g.libraryMean : undefined).s;
    const ev = await implementationFor<NbBackend>('nbmm', engine.backend).open(engine, c, s, gridOf(g), { k: p.k, weights: null }, (sess) =>
      sess.evaluate(p, {}),
    );
    return { labels: ev.labels, objective: ev.loglik };
  }
  const ds = blockDataset(block);
  const c = flatRows((params as KMeansShardParams).centroids, 'params.centroids', undefined, ds.d);
  const k = c.length / ds.d;
  const soft = model === 'softkmeans' ? { beta: o.beta! } : null;
  return implementationFor<KMeansBackend>('kmeans', engine.backend).session(engine, ds, { k, soft, weights: null }, async (s) => {
    const origin = s.origin;
    s.setCentres(origin ? c.map((v, t) => v - origin[t % ds.d]) : c);
    const f = await s.final(true, false);
    return soft ? { labels: f.labels, objective: f.objective!, inertia: f.inertia } : { labels: f.labels, objective: f.inertia };
  });
}
