/**
 * Statistics of a minibatch given parameters: src/shard/session.ts's block-level session calls
 * (the same ones the shard statistics make, through the registry, so the one-pass fits run on
 * 'reference', 'wasm' and 'webgpu'), fed a batch's rows and its sample weights.
 */
import { columnStats, type Dataset } from '../data.js';
import type { Engine } from '../engine/engine.js';
import type { CentroidStats } from '../kmeans/backend.js';
import type { GmmParams, GmmStats } from '../gmm/model.js';
import type { CovarianceType } from '../types.js';
import type { Counts } from '../nbmm/counts.js';
import type { SizeGrid } from '../nbmm/grid.js';
import type { NbParams, NbStats } from '../nbmm/model.js';
import type { Rng } from '../core/rng.js';
import {
  gmmSessionEstep,
  gmmSessionEvaluate,
  kmeansSessionFinal,
  kmeansSessionSeeds,
  kmeansSessionStats,
  nbSessionEstep,
  nbSessionEvaluate,
} from '../shard/session.js';
import type { Batch } from './batches.js';

export function batchDataset(b: Batch): Dataset {
  const { mean, variance } = columnStats(b.x, b.n, b.d);
  return { n: b.n, d: b.d, x: b.x, mean, variance };
}

/** Hard assignments of a batch to `centres` (data coordinates): per-centre Σ w x, Σ w and Σ w‖x − c‖²; with `labels`, the labels too. */
export function kmeansBlockStats(
  engine: Engine,
  b: Batch,
  centres: Float64Array,
  k: number,
  labels = false,
): Promise<CentroidStats & { labels?: ArrayLike<number> }> {
  return kmeansSessionStats(engine, batchDataset(b), centres, k, b.w, labels);
}

/** Labels and inertia of a batch at `centres` (the final pass of computeLabels). */
export async function kmeansBlockLabels(
  engine: Engine,
  b: Batch,
  centres: Float64Array,
  k: number,
): Promise<{ labels: ArrayLike<number>; inertia: number }> {
  const f = await kmeansSessionFinal(engine, batchDataset(b), centres, k, b.w);
  return { labels: f.labels, inertia: f.inertia };
}

/** GMM E-step of a batch at `p`: the weighted statistics (second moments about the backend's shift). */
export function gmmBlockStats(engine: Engine, b: Batch, p: GmmParams, type: CovarianceType): Promise<GmmStats> {
  return gmmSessionEstep(engine, batchDataset(b), p, b.w, type);
}

/** Labels and per-row log p(x) of a batch at `p`. */
export function gmmBlockEvaluate(engine: Engine, b: Batch, p: GmmParams, type: CovarianceType) {
  return gmmSessionEvaluate(engine, batchDataset(b), p, b.w, type);
}

/** NB mixture E-step of a block of counts with size factors `sf` on the fit's grid. */
export function nbBlockStats(
  engine: Engine,
  c: Counts,
  sf: Float64Array,
  grid: SizeGrid,
  p: NbParams,
  w: Float64Array | null,
): Promise<NbStats> {
  return nbSessionEstep(engine, c, sf, grid, p, w);
}

/** Labels and Σ w log p of a block of counts at `p`. */
export function nbBlockEvaluate(engine: Engine, c: Counts, sf: Float64Array, grid: SizeGrid, p: NbParams, w: Float64Array | null) {
  return nbSessionEvaluate(engine, c, sf, grid, p, w);
}

/** k-means++ seeds (data coordinates) drawn from a batch by the backend's greedy k-means++ (probability ∝ w·D²). */
export function kmeansBlockSeeds(engine: Engine, b: Batch, k: number, rng: Rng, signal?: AbortSignal): Promise<Float64Array> {
  return kmeansSessionSeeds(engine, batchDataset(b), k, rng, b.w, signal);
}
