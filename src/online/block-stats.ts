/**
 * Statistics of a block given parameters, through the registry (so the one-pass fits run on
 * 'reference', 'wasm' and 'webgpu'): a backend session is opened on the block alone and asked for
 * one E-step. Kept minimal on purpose: src/shard (statistics of a shard given parameters) does the
 * same for whole shards; once both are merged these three functions should become its
 * block-level calls. What they duplicate: opening a session on a Dataset / Counts built from rows,
 * and (k-means) mapping a session's origin-shifted sums back to data coordinates.
 */
import { columnStats, type Dataset } from '../data.js';
import { implementationFor } from '../core/registry.js';
import type { Engine } from '../engine/engine.js';
import type { CentroidStats, KMeansBackend } from '../kmeans/backend.js';
import type { GmmBackend } from '../gmm/backend.js';
import type { GmmParams, GmmStats } from '../gmm/model.js';
import type { CovarianceType } from '../types.js';
import type { NbBackend } from '../nbmm/backend.js';
import type { Counts } from '../nbmm/counts.js';
import type { SizeGrid } from '../nbmm/grid.js';
import type { NbParams, NbStats } from '../nbmm/model.js';
import type { Rng } from '../core/rng.js';
import type { Batch } from './batches.js';

export function batchDataset(b: Batch): Dataset {
  const { mean, variance } = columnStats(b.x, b.n, b.d);
  return { n: b.n, d: b.d, x: b.x, mean, variance };
}

const withOrigin = (c: Float64Array, origin: Float64Array | null, k: number, d: number): Float64Array => {
  if (!origin) return c;
  const out = new Float64Array(k * d);
  for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) out[j * d + f] = c[j * d + f] - origin[f];
  return out;
};

/** Hard assignments of a batch to `centres` (data coordinates): per-centre Σ w x, Σ w and Σ w‖x − c‖²; with `labels`, the labels too. */
export async function kmeansBlockStats(
  engine: Engine,
  b: Batch,
  centres: Float64Array,
  k: number,
  labels = false,
): Promise<CentroidStats & { labels?: ArrayLike<number> }> {
  const backend = implementationFor<KMeansBackend>('kmeans', engine.backend);
  const d = b.d;
  return backend.session(engine, batchDataset(b), { k, soft: null, weights: b.w }, async (s) => {
    s.setCentres(withOrigin(centres, s.origin, k, d));
    const st = await s.step();
    const sums = st.sums.slice();
    if (s.origin) for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) sums[j * d + f] += st.counts[j] * s.origin[f];
    const out: CentroidStats & { labels?: ArrayLike<number> } = { sums, counts: st.counts.slice(), objective: st.objective };
    if (labels) out.labels = (await s.final(false, false)).labels;
    return out;
  });
}

/** Labels and inertia of a batch at `centres` (the final pass of computeLabels). */
export async function kmeansBlockLabels(
  engine: Engine,
  b: Batch,
  centres: Float64Array,
  k: number,
): Promise<{ labels: ArrayLike<number>; inertia: number }> {
  const backend = implementationFor<KMeansBackend>('kmeans', engine.backend);
  return backend.session(engine, batchDataset(b), { k, soft: null, weights: b.w }, async (s) => {
    s.setCentres(withOrigin(centres, s.origin, k, b.d));
    const f = await s.final(true, false);
    return { labels: f.labels, inertia: f.inertia };
  });
}

/** GMM E-step of a batch at `p`: the weighted statistics (second moments about the backend's shift). */
export async function gmmBlockStats(engine: Engine, b: Batch, p: GmmParams, type: CovarianceType): Promise<GmmStats> {
  const backend = implementationFor<GmmBackend>('gmm', engine.backend);
  return backend.session(engine, batchDataset(b), { k: p.k, type, weights: b.w }, (s) => s.estep(p));
}

/** Labels and per-row log p(x) of a batch at `p`. */
export async function gmmBlockEvaluate(engine: Engine, b: Batch, p: GmmParams, type: CovarianceType) {
  const backend = implementationFor<GmmBackend>('gmm', engine.backend);
  return backend.session(engine, batchDataset(b), { k: p.k, type, weights: b.w }, (s) => s.evaluate(p, {}));
}

/** NB mixture E-step of a block of counts with size factors `sf` on the fit's grid. */
export async function nbBlockStats(
  engine: Engine,
  c: Counts,
  sf: Float64Array,
  grid: SizeGrid,
  p: NbParams,
  w: Float64Array | null,
): Promise<NbStats> {
  const backend = implementationFor<NbBackend>('nbmm', engine.backend);
  return backend.open(engine, c, sf, grid, { k: p.k, weights: w }, (s) => s.estep(p));
}

/** Labels and Σ w log p of a block of counts at `p`. */
export async function nbBlockEvaluate(engine: Engine, c: Counts, sf: Float64Array, grid: SizeGrid, p: NbParams, w: Float64Array | null) {
  const backend = implementationFor<NbBackend>('nbmm', engine.backend);
  return backend.open(engine, c, sf, grid, { k: p.k, weights: w }, (s) => s.evaluate(p, {}));
}

/** k-means++ seeds (data coordinates) drawn from a batch by the backend's greedy k-means++ (probability ∝ w·D²). */
export async function kmeansBlockSeeds(engine: Engine, b: Batch, k: number, rng: Rng): Promise<Float64Array> {
  const backend = implementationFor<KMeansBackend>('kmeans', engine.backend);
  return backend.session(engine, batchDataset(b), { k, soft: null, weights: b.w }, async (s) => {
    const c = await s.plusPlus(rng);
    if (s.origin) for (let j = 0; j < k; j++) for (let f = 0; f < b.d; f++) c[j * b.d + f] += s.origin[f];
    return c;
  });
}
