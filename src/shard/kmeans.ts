/**
 * k-means (hard and soft) split into map → sum → M-step. The statistics of a shard are one E-step
 * of the backend's session on the block (kmeans/backend.ts CentroidStats, in data coordinates);
 * the M-step is kmeans/mstep.ts's, fed the farthest rows every shard sends along when one of its
 * clusters is empty (a cluster empty overall is empty in every shard, so each shard's own top rows
 * contain the overall top rows). Hard k-means counts changed labels by a second E-step at the
 * previous centroids, so a worker keeps no state between iterations.
 */
import { implementationFor } from '../core/registry.js';
import type { Rng } from '../core/rng.js';
import type { Engine } from '../engine/engine.js';
import { invalid } from '../errors.js';
import type { CentroidStats, KMeansBackend, KMeansSession } from '../kmeans/backend.js';
import { centroidConverged } from '../kmeans/model.js';
import { centroidMStep, SOFT_EMPTY_MASS } from '../kmeans/mstep.js';
import type { ShardBlock } from './block.js';
import { blockDataset } from './block.js';
import { flatRows, rowsOf } from './params.js';
import type { FarthestRow, KMeansShardParams, KMeansStatistics, MStepOutput } from './types.js';

function shifted(c: Float64Array, origin: Float64Array | null, d: number, sign: 1 | -1): Float64Array {
  if (!origin) return c;
  return c.map((v, t) => v + sign * origin[t % d]);
}

function sqDist(x: ArrayLike<number>, c: Float64Array, j: number, d: number): number {
  let s = 0;
  for (let f = 0; f < d; f++) {
    const t = x[f] - c[j * d + f];
    s += t * t;
  }
  return s;
}

/**
 * Labels a single-process streamed fit keeps between iterations (4 bytes per row), so hard
 * k-means counts changed labels without the second E-step a stateless worker needs.
 */
export interface LabelTrack {
  /** The block's rows of the fit's label array (a view, updated in place). */
  labels: Int32Array;
  /** No labels yet (the first iteration: every label changes). */
  fresh: boolean;
}

/** Statistics of one block at `params` (soft when `beta` is a number). */
export async function kmeansBlockStatistics(
  engine: Engine,
  block: ShardBlock,
  params: KMeansShardParams,
  beta: number | null,
  rowOffset: number,
  track?: LabelTrack,
): Promise<KMeansStatistics> {
  const ds = blockDataset(block);
  const { n, d } = ds;
  const centres = flatRows(params.centroids, 'params.centroids', undefined, d);
  const k = centres.length / d;
  const previous = params.previous && beta === null && !track ? flatRows(params.previous, 'params.previous', k, d) : null;
  const impl = implementationFor<KMeansBackend>('kmeans', engine.backend);
  const setup = { k, soft: beta === null ? null : { beta }, weights: null };
  return impl.session(engine, ds, setup, async (s: KMeansSession) => {
    const origin = s.origin;
    const here = shifted(centres, origin, d, -1);
    if (previous) {
      s.setCentres(shifted(previous, origin, d, -1));
      await s.step();
    }
    s.setCentres(here);
    const st = await s.step();
    const sums = new Float64Array(st.sums);
    if (origin) for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) sums[j * d + f] += st.counts[j] * origin[f];
    let empty = 0;
    for (let j = 0; j < k; j++) if (beta !== null ? st.counts[j] < SOFT_EMPTY_MASS : st.counts[j] === 0) empty++;
    const farthest: FarthestRow[] = [];
    if (empty > 0) {
      const rows = await s.farthest(Math.min(empty, n));
      const labels = beta === null ? await s.labelsOf(rows) : null;
      rows.forEach((i, t) => {
        const xr = s.row(i);
        let label = labels ? labels[t] : 0;
        let dist = labels ? sqDist(xr, here, label, d) : Number.POSITIVE_INFINITY;
        if (!labels) for (let j = 0; j < k; j++) if (sqDist(xr, here, j, d) < dist) [dist, label] = [sqDist(xr, here, j, d), j];
        const x = Array.from(xr, (v, f) => (origin ? v + origin[f] : v));
        farthest.push({ row: rowOffset + i, dist, label, x });
      });
    }
    const out: KMeansStatistics = {
      kind: 'kmeans',
      soft: beta !== null,
      k,
      d,
      rows: n,
      sums: Array.from(sums),
      counts: Array.from(st.counts),
      objective: st.objective,
      farthest,
    };
    // Every label changes on the first E-step (the in-memory fit counts n there too).
    if (beta === null) out.changed = previous ? st.changed! : n;
    if (beta === null && track) {
      // The last E-step's labels, read in bulk (final without a fresh E-step).
      const now = (await s.final(false, false)).labels;
      let changed = 0;
      for (let i = 0; i < n; i++) if (now[i] !== track.labels[i]) changed++;
      if (!track.fresh) out.changed = changed;
      track.labels.set(now);
    }
    return out;
  });
}

const byFarthest = (a: FarthestRow, b: FarthestRow): number => b.dist - a.dist || a.row - b.row;

/** Sum in the given order (float64, elementwise). */
export function sumKMeans(list: KMeansStatistics[]): KMeansStatistics {
  const first = list[0];
  const out: KMeansStatistics = { ...first, sums: first.sums.slice(), counts: first.counts.slice(), farthest: first.farthest.slice() };
  for (const s of list.slice(1)) {
    if (s.k !== first.k || s.d !== first.d || s.soft !== first.soft)
      throw invalid(
        'SHAPE_MISMATCH',
        `Statistics of ${s.k}×${s.d} (${s.soft ? 'soft' : 'hard'}) cannot be summed with ${first.k}×${first.d} (${first.soft ? 'soft' : 'hard'}). Sum statistics of one fit.`,
      );
    for (let t = 0; t < out.sums.length; t++) out.sums[t] += s.sums[t];
    for (let j = 0; j < first.k; j++) out.counts[j] += s.counts[j];
    out.objective += s.objective;
    out.rows += s.rows;
    if (out.changed !== undefined) out.changed += s.changed ?? 0;
    out.farthest.push(...s.farthest);
  }
  if (list.length > 1) out.farthest = out.farthest.sort(byFarthest).slice(0, first.k);
  return out;
}

const NO_RNG = {} as Rng;

/** kmeans/mstep.ts on summed statistics, with the rows the shards sent standing in for the session. */
export async function kmeansMStep(
  summed: KMeansStatistics,
  params: KMeansShardParams,
  opts: { tolScaled: number; iter: number },
): Promise<MStepOutput<KMeansShardParams>> {
  const { k, d, soft } = summed;
  const centres = flatRows(params.centroids, 'params.centroids', k, d);
  const rows = new Map(summed.farthest.map((r) => [r.row, r]));
  const session = {
    farthest: async (m: number) => {
      if (m > summed.farthest.length)
        throw invalid(
          'SHAPE_MISMATCH',
          `${m} clusters are empty but the statistics carry ${summed.farthest.length} farthest rows. Pass statistics summed by sumStatistics from every shard.`,
        );
      return summed.farthest.slice(0, m).map((r) => r.row);
    },
    labelsOf: async (r: number[]) => r.map((i) => rows.get(i)!.label),
    row: (i: number) => rows.get(i)!.x,
  } as unknown as KMeansSession;
  const stats: CentroidStats = {
    sums: Float64Array.from(summed.sums),
    counts: Float64Array.from(summed.counts),
    objective: summed.objective,
  };
  const m = await centroidMStep(session, stats, centres, { n: summed.rows, d, soft, policy: 'farthest', weights: null, rng: NO_RNG });
  const outcome = { objective: summed.objective, shift: m.shift, ...(soft ? {} : { changed: summed.changed! }) };
  const warnings = m.relocated > 0 ? [`${m.relocated} empty cluster(s) were moved to the farthest rows.`] : [];
  return {
    params: { centroids: rowsOf(centres, k, d) },
    ...outcome,
    converged: centroidConverged(outcome, opts.iter, soft, opts.tolScaled),
    warnings,
  };
}
