/**
 * Initial hard labels of a negative-binomial mixture restart: given, random, k-means on log1p(x/s)
 * (each restart of an explicit nInit), or, by default ('auto'), the best of NB_AUTO_STARTS k-means
 * runs on the principal components of the scaled log1p(x/s) (pcaStartLabels).
 */
import { restartRng } from '../core/rng.js';
import { abortCheckpoint } from '../core/yield.js';
import type { Engine } from '../engine/engine.js';
import { kmeansOn } from '../kmeans/api.js';
import { pca } from '../sc/pca.js';
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
  const { data, w } = logMatrix(c, s);
  const km = await kmeansOn(
    engine,
    { data, n: c.n, d: w },
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

/** log1p(x/s) as a dense n × w matrix, on the genes with the largest variance of log1p(x/s) when n·d is large. */
function logMatrix(c: Counts, s: Float64Array): { data: Float64Array; w: number } {
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
  return { data, w };
}

/** Principal components the 'auto' start clusters on (fewer when there are fewer genes). */
export const NB_AUTO_PCS = 50;
/**
 * k-means++ runs of the 'auto' start; the lowest inertia is kept. On pbmc3k (k 9, seeds 0–4) 30
 * runs on the 50 PCs gave the NB fit an ARI spread of 0.039 (10 runs: 0.051), and each run costs
 * milliseconds there: bench/results/2026-12-07-nb-starts-pbmc3k.md.
 */
export const NB_AUTO_STARTS = 30;

/**
 * The default ('auto') start: log1p(x/s), each gene centred and scaled to unit variance (clipped at
 * 10, as Seurat's ScaleData), its leading NB_AUTO_PCS principal components (randomized PCA on the
 * engine; the scaled matrix itself when it has no more columns than that), and the best of
 * NB_AUTO_STARTS k-means++ runs there. Why: k-means on the raw log1p matrix (2000 noisy
 * dimensions) lands in a different partition per seed, and the NB likelihood does not rank those
 * partitions by their agreement with cell types, so more restarts kept by likelihood leave the
 * spread (bench/results/2026-12-07-restarts-pbmc3k.md); on the PCs the lowest inertia is a stable,
 * cheap choice of start.
 */
export async function pcaStartLabels(
  engine: Engine,
  c: Counts,
  s: Float64Array,
  o: Resolved,
  signal: AbortSignal | undefined,
  weights: Float64Array | null,
): Promise<Int32Array> {
  const rng = restartRng(o.seed, 0);
  const { n } = c;
  const { data, w } = logMatrix(c, s);
  const last = { t: 0 };
  for (let g = 0; g < w; g++) {
    await abortCheckpoint(signal, last);
    let m = 0;
    for (let i = 0; i < n; i++) m += data[i * w + g];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (data[i * w + g] - m) ** 2;
    const sd = n > 1 ? Math.sqrt(v / (n - 1)) : 0;
    for (let i = 0; i < n; i++) data[i * w + g] = sd > 0 ? Math.min(10, (data[i * w + g] - m) / sd) : 0;
  }
  const pcSeed = rng.nextU32();
  let x: { data: ArrayLike<number>; n: number; d: number } = { data, n, d: w };
  if (w > NB_AUTO_PCS && n > NB_AUTO_PCS) {
    const p = await pca(x, { nComps: NB_AUTO_PCS, seed: pcSeed, engine, ...(signal ? { signal } : {}) });
    x = { data: Float64Array.from(p.scores), n, d: p.nComps };
  }
  const km = await kmeansOn(engine, x, {
    k: o.k,
    seed: rng.nextU32(),
    nInit: NB_AUTO_STARTS,
    ...(signal ? { signal } : {}),
    ...(weights ? { sampleWeight: weights } : {}),
  });
  return Int32Array.from(km.labels);
}
