/**
 * selectResolution(pcs, options): the number of clusters for graph clustering, chosen through
 * Leiden's resolution by chooseR (Patterson-Cross, Levine & Menon 2021, BMC Bioinformatics 22:39).
 * For each resolution: Leiden on Seurat's SNN graph of all cells; Leiden at the same resolution on
 * B subsamples of 80% of the cells, each with its own graph rebuilt from its cells; each cell's
 * silhouette with the co-clustering distance (cocluster.ts); the median over clusters of the
 * per-cluster means, with a 95% BCa interval (bca.ts). The choice: the highest resolution whose
 * median reaches the highest lower bound. README.md "Choosing the Leiden resolution" says when to
 * use it; bench/results/2026-12-07-select-leiden.md measures it.
 */
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { Rng } from '../core/rng.js';
import { toDataset, type DataInput, isArrayLike } from '../data.js';
import { ENGINE_SELECTION, engineFor, type Engine, type EngineSelection } from '../engine/engine.js';
import { invalid, throwIfAborted } from '../errors.js';
import { knn } from '../graph/knn.js';
import { snnGraph } from '../graph/snn.js';
import type { WeightedGraph } from '../graph/types.js';
import { leiden } from '../leiden/leiden.js';
import type { LeidenOptions, LeidenResult } from '../leiden/types.js';
import { bcaMedian } from './bca.js';
import { clusterMeans, coclusterSilhouettes, type SubsampleLabels } from './cocluster.js';
import { chooseResolution, type ResolutionCriterion, type ResolutionRow } from './resolution-choice.js';
import { silhouetteOfRowsAsync, subsampleRows } from './silhouette.js';

export { chooseResolution, RESOLUTION_CRITERIA } from './resolution-choice.js';
export type { ResolutionCriterion, ResolutionRow } from './resolution-choice.js';

/** The default grid (the one bench/leiden-ari.ts scans): coarse partitions up to past Seurat's usual 0.4–1.2. */
export const DEFAULT_RESOLUTIONS: readonly number[] = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.2, 1.5, 2, 3];
/** chooseR's bootstrap of the median: 25,000 replicates, 95%. */
const CI_REPLICATES = 25_000;
const CI_LEVEL = 0.95;

export interface SelectResolutionOptions {
  /** Candidate resolutions (default DEFAULT_RESOLUTIONS), each > 0 and listed once; rows come back ascending. */
  resolutions?: number[];
  /** 'cocluster' (chooseR, default) or 'silhouette' (highest mean silhouette on the PCs). */
  criterion?: ResolutionCriterion;
  /** Leading columns the graph is built on (default 20; all when the data have fewer). */
  dims?: number;
  /** Neighbours per cell of the kNN graph (default 19: Seurat's k.param 20 counts the cell itself). */
  neighbors?: number;
  /** SNN edges below this Jaccard weight are removed (default 1/15, Seurat's prune.SNN). */
  pruneSnn?: number;
  /** Subsamples (default 20; chooseR's 100 at five times the cost). */
  nBoot?: number;
  /** Share of the cells in each subsample (default 0.8, chooseR's). */
  fraction?: number;
  /** Cells the silhouettes are measured on: all when n ≤ sampleSize (default 5000), else a seeded subsample. */
  sampleSize?: number;
  /** Seeds the subsamples, the Leiden runs and the bootstrap (default 0). Same seed, same result. */
  seed?: number;
  /** Passed to every leiden() call: objective, nIterations, algorithm (resolution and seed are set here). */
  leiden?: Pick<LeidenOptions, 'objective' | 'nIterations' | 'algorithm'>;
  /** Called after each resolution with its row and its partition of all cells (for live curves, or scoring every row). */
  onResolution?: (row: ResolutionRow, partition: LeidenResult) => void;
  signal?: AbortSignal;
}

export interface SelectResolutionResult {
  criterion: ResolutionCriterion;
  rows: ResolutionRow[];
  bestResolution: number;
  /** Communities at bestResolution. */
  bestK: number;
  /** The highest lower bound of the co-clustering medians (the chooseR threshold; NaN when no row has one). */
  threshold: number;
  /** The Leiden partition of all cells at bestResolution (leiden()'s result, not refitted). */
  best: LeidenResult;
  /** The graph the partitions were found on: n cells, dims columns, edges (each once). */
  graph: { n: number; dims: number; neighbors: number; pruneSnn: number; edges: number };
  nBoot: number;
  fraction: number;
  seed: number;
}

const KNOWN = [
  ...optionNames<SelectResolutionOptions>({
    resolutions: true,
    criterion: true,
    dims: true,
    neighbors: true,
    pruneSnn: true,
    nBoot: true,
    fraction: true,
    sampleSize: true,
    seed: true,
    leiden: true,
    onResolution: true,
    signal: true,
  }),
  ...ENGINE_SELECTION,
];
const LEIDEN_PASSED = ['objective', 'nIterations', 'algorithm'];

function int(v: unknown, name: string, lo: number, hi: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < lo || v > hi)
    throw invalid('BAD_OPTION', `selectResolution: ${name}=${String(v)} is not an integer in [${lo}, ${hi}]. Pass one.`);
  return v;
}

function checkResolutions(v: unknown, cpm: boolean): number[] {
  if (v === undefined) {
    if (cpm)
      throw invalid(
        'BAD_OPTION',
        "selectResolution: the default resolutions are for modularity. With leiden.objective 'cpm' pass resolutions (edge densities).",
      );
    return [...DEFAULT_RESOLUTIONS];
  }
  if (!isArrayLike(v) || typeof v === 'string' || v.length === 0)
    throw invalid('BAD_OPTION', 'selectResolution: resolutions must be a non-empty array of numbers > 0, e.g. [0.2, 0.5, 1].');
  const out = Array.from(v as ArrayLike<unknown>, (r, i) => {
    if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0)
      throw invalid('BAD_OPTION', `selectResolution: resolutions[${i}]=${String(r)} is not a finite number > 0. Fix that entry.`);
    return r;
  }).sort((a, b) => a - b);
  for (let i = 1; i < out.length; i++)
    if (out[i] === out[i - 1])
      throw invalid('BAD_OPTION', `selectResolution: resolution ${out[i]} is listed twice. Pass each candidate once.`);
  return out;
}

function checkLeiden(o: unknown): Pick<LeidenOptions, 'objective' | 'nIterations' | 'algorithm'> {
  if (o === undefined) return {};
  if (o === null || typeof o !== 'object' || Array.isArray(o))
    throw invalid('BAD_OPTION', `selectResolution: leiden must be an object of leiden() options; got ${o === null ? 'null' : typeof o}.`);
  checkOptionNames(o, LEIDEN_PASSED, 'selectResolution leiden');
  return o as Pick<LeidenOptions, 'objective' | 'nIterations' | 'algorithm'>;
}

/** The first `dims` columns of row-major x (n × d), as a new array. */
function leading(x: Float64Array, n: number, d: number, dims: number, rows?: number[]): Float64Array {
  const ids = rows ?? null;
  const m = ids ? ids.length : n;
  const out = new Float64Array(m * dims);
  for (let i = 0; i < m; i++) {
    const r = ids ? ids[i] : i;
    for (let t = 0; t < dims; t++) out[i * dims + t] = x[r * d + t];
  }
  return out;
}

async function graphOf(
  x: Float64Array,
  n: number,
  dims: number,
  k: number,
  prune: number,
  engine: Engine,
  signal?: AbortSignal,
): Promise<WeightedGraph> {
  const nn = await knn({ data: x, n, d: dims }, { k, metric: 'euclidean', engine, ...(signal ? { signal } : {}) });
  return snnGraph(nn, { pruneSnn: prune });
}

/** Choose Leiden's resolution (and so the number of clusters) on PCs by chooseR's co-clustering stability. */
export async function selectResolution(
  data: DataInput,
  options: SelectResolutionOptions & EngineSelection = {},
): Promise<SelectResolutionResult> {
  checkOptionNames(options, KNOWN, 'selectResolution');
  const lo = checkLeiden(options.leiden);
  const resolutions = checkResolutions(options.resolutions, lo.objective === 'cpm');
  const criterion = options.criterion ?? 'cocluster';
  if (options.onResolution !== undefined && typeof options.onResolution !== 'function')
    throw invalid(
      'BAD_OPTION',
      `selectResolution: onResolution must be a function (row, partition) => void; got ${typeof options.onResolution}.`,
    );
  if (criterion !== 'cocluster' && criterion !== 'silhouette')
    throw invalid('BAD_OPTION', `selectResolution: criterion='${String(criterion)}' is not known. Use 'cocluster' or 'silhouette'.`);
  const ds = toDataset(data, 'selectResolution data');
  const { n, d } = ds;
  const dims = Math.min(int(options.dims, 'dims', 1, Number.MAX_SAFE_INTEGER, 20), d);
  const neighbors = int(options.neighbors, 'neighbors', 1, Number.MAX_SAFE_INTEGER, 19);
  const nBoot = int(options.nBoot, 'nBoot', 1, 1000, 20);
  const sampleSize = int(options.sampleSize, 'sampleSize', 2, 100_000, 5000);
  const seed = int(options.seed, 'seed', 0, Number.MAX_SAFE_INTEGER, 0);
  const fraction = options.fraction ?? 0.8;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1))
    throw invalid('BAD_OPTION', `selectResolution: fraction=${String(fraction)} is not in (0, 1). Pass e.g. 0.8 (chooseR's).`);
  const prune = options.pruneSnn ?? 1 / 15;
  if (typeof prune !== 'number' || !(prune >= 0 && prune <= 1))
    throw invalid('BAD_OPTION', `selectResolution: pruneSnn=${String(prune)} is not in [0, 1]. Pass e.g. 1 / 15 (Seurat's).`);
  const sub = Math.floor(fraction * n);
  if (sub - 1 < neighbors)
    throw invalid(
      'K_TOO_LARGE',
      `selectResolution: a subsample holds ${sub} of the ${n} cells, too few for ${neighbors} neighbours each. Pass neighbors < ${Math.max(1, sub - 1)}, a larger fraction, or more cells.`,
    );
  const engine = await engineFor(options);
  const { signal } = options;
  const x = leading(ds.x, n, d, dims);
  const graph = await graphOf(x, n, dims, neighbors, prune, engine, signal);
  const scored = subsampleRows(n, sampleSize, seed);
  const m = scored.length;
  const position = new Int32Array(n).fill(-1);
  scored.forEach((r, e) => {
    position[r] = e;
  });

  // Every subsample's graph is built once and clustered at every resolution (common random numbers).
  const perRes: SubsampleLabels[][] = resolutions.map(() => []);
  const ms = new Float64Array(resolutions.length);
  for (let b = 0; b < nBoot; b++) {
    throwIfAborted(signal);
    const rows = new Rng(seed, 0x7e00 + b).sample(n, sub).sort((p, q) => p - q);
    const g = await graphOf(leading(ds.x, n, d, dims, rows), sub, dims, neighbors, prune, engine, signal);
    const leidenSeed = new Rng(seed, 0x7f00 + b).nextU32();
    const kept = rows.map((r, p) => [position[r], p]).filter(([e]) => e >= 0);
    const cells = Int32Array.from(kept, ([e]) => e);
    for (let j = 0; j < resolutions.length; j++) {
      const t0 = performance.now();
      const r = await leiden(g, { ...lo, resolution: resolutions[j], seed: leidenSeed, ...(signal ? { signal } : {}) });
      ms[j] += performance.now() - t0;
      perRes[j].push({ cells, labels: Int32Array.from(kept, ([, p]) => r.labels[p]) });
    }
  }

  const rows: ResolutionRow[] = [];
  const fits: LeidenResult[] = [];
  for (let j = 0; j < resolutions.length; j++) {
    const t0 = performance.now();
    const full = await leiden(graph, { ...lo, resolution: resolutions[j], seed, ...(signal ? { signal } : {}) });
    const ref = Int32Array.from(scored, (r) => full.labels[r]);
    let cocluster = Number.NaN;
    let low = Number.NaN;
    let high = Number.NaN;
    let silhouette = Number.NaN;
    if (new Set(ref).size > 1) {
      const s = await coclusterSilhouettes(m, compact(ref), perRes[j], signal);
      const ci = bcaMedian(clusterMeans(s, compact(ref)), { replicates: CI_REPLICATES, level: CI_LEVEL, seed });
      ({ median: cocluster, low, high } = ci);
      silhouette = await silhouetteOfRowsAsync(x, dims, full.labels, scored, signal);
    }
    fits.push(full);
    const row: ResolutionRow = {
      resolution: resolutions[j],
      k: full.nCommunities,
      cocluster,
      coclusterLow: low,
      coclusterHigh: high,
      silhouette,
      quality: full.quality,
      modularity: full.modularity,
      timeMs: ms[j] + performance.now() - t0,
    };
    rows.push(row);
    options.onResolution?.(row, full);
  }
  const { index, threshold } = chooseResolution(rows, criterion);
  const best = fits[index];
  return {
    criterion,
    rows,
    bestResolution: rows[index].resolution,
    bestK: best.nCommunities,
    threshold,
    best,
    graph: { n, dims, neighbors, pruneSnn: prune, edges: graph.indptr[n] / 2 },
    nBoot,
    fraction,
    seed,
  };
}

/** Labels renumbered 0..c−1 in order of first appearance (a subsample of the cells may miss a community). */
function compact(labels: Int32Array): Int32Array {
  const map = new Map<number, number>();
  return labels.map((l) => {
    let v = map.get(l);
    if (v === undefined) {
      v = map.size;
      map.set(l, v);
    }
    return v;
  });
}
