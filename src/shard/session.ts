/**
 * One backend session per block of rows, in data coordinates: the E-steps and evaluations that
 * both the shard statistics (./gmm.ts, ./nbmm.ts, ./evaluate.ts, ./stream-posterior.ts) and the
 * online fits (src/online/block-stats.ts) ask of a block. Each opens a session through the
 * registry on the block alone (so it runs on 'reference', 'wasm' and 'webgpu'), with optional
 * per-row weights (the online fits' sample weights; the shard fits pass null), and maps k-means'
 * origin-shifted centres and sums back to data coordinates.
 */
import { implementationFor } from '../core/registry.js';
import type { Rng } from '../core/rng.js';
import type { Dataset } from '../data.js';
import type { Engine } from '../engine/engine.js';
import type { GmmBackend } from '../gmm/backend.js';
import type { GmmParams, GmmStats } from '../gmm/model.js';
import type { CentroidStats, KMeansBackend } from '../kmeans/backend.js';
import type { NbBackend, NbEvaluation } from '../nbmm/backend.js';
import type { Counts } from '../nbmm/counts.js';
import type { SizeGrid } from '../nbmm/grid.js';
import type { NbParams, NbStats } from '../nbmm/model.js';
import type { CovarianceType } from '../types.js';

type Weights = Float64Array | null;

/** Centres in a session's coordinates (data − origin), or as given when the session has no origin. */
export function toSession(c: Float64Array, origin: Float64Array | null, k: number, d: number): Float64Array {
  if (!origin) return c;
  const out = new Float64Array(k * d);
  for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) out[j * d + f] = c[j * d + f] - origin[f];
  return out;
}

/** Hard assignments to `centres`: per-centre Σ w x (data coordinates), Σ w and Σ w‖x − c‖²; with `labels`, the labels too. */
export async function kmeansSessionStats(
  engine: Engine,
  ds: Dataset,
  centres: Float64Array,
  k: number,
  weights: Weights,
  labels = false,
): Promise<CentroidStats & { labels?: ArrayLike<number> }> {
  const d = ds.d;
  return implementationFor<KMeansBackend>('kmeans', engine.backend).session(engine, ds, { k, soft: null, weights }, async (s) => {
    s.setCentres(toSession(centres, s.origin, k, d));
    const st = await s.step();
    const sums = st.sums.slice();
    if (s.origin) for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) sums[j * d + f] += st.counts[j] * s.origin[f];
    const out: CentroidStats & { labels?: ArrayLike<number> } = { sums, counts: st.counts.slice(), objective: st.objective };
    if (labels) out.labels = (await s.final(false, false)).labels;
    return out;
  });
}

/** Labels at `centres` and their (soft: objective and) inertia. */
export async function kmeansSessionFinal(
  engine: Engine,
  ds: Dataset,
  centres: Float64Array,
  k: number,
  weights: Weights,
  soft: { beta: number } | null = null,
): Promise<{ labels: ArrayLike<number>; inertia: number; objective?: number }> {
  return implementationFor<KMeansBackend>('kmeans', engine.backend).session(engine, ds, { k, soft, weights }, async (s) => {
    s.setCentres(toSession(centres, s.origin, k, ds.d));
    const f = await s.final(true, false);
    return soft ? { labels: f.labels, inertia: f.inertia, objective: f.objective! } : { labels: f.labels, inertia: f.inertia };
  });
}

/** k-means++ seeds (data coordinates) by the backend's greedy k-means++ (probability ∝ w·D²). */
export async function kmeansSessionSeeds(
  engine: Engine,
  ds: Dataset,
  k: number,
  rng: Rng,
  weights: Weights,
  signal?: AbortSignal,
): Promise<Float64Array> {
  return implementationFor<KMeansBackend>('kmeans', engine.backend).session(engine, ds, { k, soft: null, weights }, async (s) => {
    const c = await s.plusPlus(rng, signal);
    if (s.origin) for (let j = 0; j < k; j++) for (let f = 0; f < ds.d; f++) c[j * ds.d + f] += s.origin[f];
    return c;
  });
}

/** GMM E-step at `p`: the weighted statistics (second moments about the backend's shift). */
export function gmmSessionEstep(
  engine: Engine,
  ds: Dataset,
  p: GmmParams,
  weights: Weights,
  type: CovarianceType = p.type,
): Promise<GmmStats> {
  return implementationFor<GmmBackend>('gmm', engine.backend).session(engine, ds, { k: p.k, type, weights }, (s) => s.estep(p));
}

/** GMM labels and per-row log p(x) at `p`. */
export function gmmSessionEvaluate(engine: Engine, ds: Dataset, p: GmmParams, weights: Weights, type: CovarianceType = p.type) {
  return implementationFor<GmmBackend>('gmm', engine.backend).session(engine, ds, { k: p.k, type, weights }, (s) => s.evaluate(p, {}));
}

/** NB mixture E-step of counts with size factors `sf` on `grid`. */
export function nbSessionEstep(
  engine: Engine,
  c: Counts,
  sf: Float64Array,
  grid: SizeGrid,
  p: NbParams,
  weights: Weights,
): Promise<NbStats> {
  return implementationFor<NbBackend>('nbmm', engine.backend).open(engine, c, sf, grid, { k: p.k, weights }, (s) => s.estep(p));
}

/** NB mixture labels and Σ w log p at `p` (with `resp`, the n × k responsibilities too). */
export function nbSessionEvaluate(
  engine: Engine,
  c: Counts,
  sf: Float64Array,
  grid: SizeGrid,
  p: NbParams,
  weights: Weights,
  what: { resp?: boolean } = {},
): Promise<NbEvaluation> {
  return implementationFor<NbBackend>('nbmm', engine.backend).open(engine, c, sf, grid, { k: p.k, weights }, (s) => s.evaluate(p, what));
}
