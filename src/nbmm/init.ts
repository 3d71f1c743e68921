/** Initial hard labels of a negative-binomial mixture restart: given, random, or k-means on log1p(x/s). */
import { restartRng } from '../core/rng.js';
import type { Engine } from '../engine/engine.js';
import { kmeansOn } from '../kmeans/api.js';
import type { Counts } from './counts.js';
import type { Resolved } from './options.js';

/** Most dense entries of the log1p(x/s) matrix k-means initialisation builds; beyond it the most variable genes are used. */
export const KMEANS_INIT_MAX_ENTRIES = 20_000_000;
/**
 * k-means++ runs per initialisation (the lowest inertia is kept). One run often isolates a few
 * outlying cells in a cluster of their own (on the Zeisel subset 7 of 12 single runs did); the best
 * of five avoided that in 10 of 12 seeds there.
 */
export const KMEANS_INIT_RESTARTS = 5;

/** Initial hard labels of one restart. */
export async function initialLabels(
  engine: Engine,
  c: Counts,
  s: Float64Array,
  o: Resolved,
  restart: number,
  signal: AbortSignal | undefined,
  weights: Float64Array | null,
): Promise<Int32Array> {
  if (o.init instanceof Int32Array) return o.init;
  const rng = restartRng(o.seed, restart);
  if (o.init === 'random') {
    const labels = new Int32Array(c.n);
    for (let i = 0; i < c.n; i++) labels[i] = rng.int(o.k);
    return labels;
  }
  // k-means on log1p(x/s), on the genes with the largest variance of log1p(x/s) when n·d is large.
  const { n, d } = c;
  const keep = Math.max(1, Math.min(d, Math.floor(KMEANS_INIT_MAX_ENTRIES / n)));
  let genes: Int32Array;
  if (keep === d) genes = Int32Array.from({ length: d }, (_, g) => g);
  else {
    const sum = new Float64Array(d);
    const sq = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let p = c.indptr[i]; p < c.indptr[i + 1]; p++) {
        const y = Math.log1p(c.values[p] / s[i]);
        sum[c.indices[p]] += y;
        sq[c.indices[p]] += y * y;
      }
    }
    const v = Float64Array.from(sum, (t, g) => sq[g] / n - (t / n) ** 2);
    genes = Int32Array.from(
      Array.from(v.keys())
        .sort((a, b) => v[b] - v[a] || a - b)
        .slice(0, keep),
    ).sort();
  }
  const col = new Int32Array(d).fill(-1);
  genes.forEach((g, j) => (col[g] = j));
  const w = genes.length;
  const data = new Float64Array(n * w);
  for (let i = 0; i < n; i++) {
    for (let p = c.indptr[i]; p < c.indptr[i + 1]; p++) {
      const j = col[c.indices[p]];
      if (j >= 0) data[i * w + j] = Math.log1p(c.values[p] / s[i]);
    }
  }
  const km = await kmeansOn(
    engine,
    { data, n, d: w },
    {
      k: o.k,
      seed: rng.nextU32(),
      nInit: KMEANS_INIT_RESTARTS,
      ...(signal ? { signal } : {}),
      ...(weights ? { sampleWeight: weights } : {}),
    },
  );
  return Int32Array.from(km.labels);
}
