/**
 * `emgpu sc`'s graph clustering and batch integration, through the library's public functions the
 * way the demo runs them (demo/graph.ts, demo/worker.ts): Harmony on all the PCs by a batch column
 * (with the median iLISI before and after), and Leiden on Seurat's SNN graph of the leading PCs, at
 * one resolution or at the one selectResolution chooses. The result is a FitOutcome like the
 * mixtures' (a hard partition: every max_posterior is 1, as k-means').
 */
import { Rng } from '../core/rng.js';
import type { Engine } from '../engine/engine.js';
import { EmgpuError } from '../errors.js';
import { knn } from '../graph/knn.js';
import { snnGraph } from '../graph/snn.js';
import { harmony } from '../harmony/api.js';
import { lisi } from '../harmony/lisi.js';
import { leiden } from '../leiden/leiden.js';
import type { LeidenResult } from '../leiden/types.js';
import type { ResolutionRow } from '../select/resolution-choice.js';
import { selectResolution } from '../select/resolution.js';
import type { FitOutcome } from './fit.js';
import type { ScIntegrateArgs, ScLeidenArgs } from './sc-graph-args.js';

export interface Pcs {
  data: Float64Array;
  n: number;
  d: number;
}

/** Seurat's prune.SNN (snnGraph's and selectResolution's default). */
const PRUNE_SNN = 1 / 15;
/** LISI is exact O(n²·d) on the host (both iLISI: 7.5 s for 5000 cells × 50 PCs, 2 s for 2000, on 2 cores): above this many cells, a seeded subsample. */
export const LISI_CELLS = 2000;
/** The batch of a cell whose batch column is empty (the demo's name for it). */
export const NO_BATCH = '(none)';

/** How selectResolution chose Leiden's resolution (the summary's `selection` of a leiden model). */
export interface LeidenSelection {
  criterion: string;
  bestK: number;
  bestResolution: number;
  resolutions: number[];
  /** The chooseR threshold: the highest lower bound of the co-clustering medians (NaN for 'silhouette'). */
  threshold: number;
  nBoot: number;
  rows: ResolutionRow[];
}

/** The first `dims` columns of the PCs (the graph's input, as selectResolution takes them). */
export function leadingPcs(pcs: Pcs, dims: number): Pcs {
  const out = new Float64Array(pcs.n * dims);
  for (let i = 0; i < pcs.n; i++) out.set(pcs.data.subarray(i * pcs.d, i * pcs.d + dims), i * dims);
  return { data: out, n: pcs.n, d: dims };
}

function sizes(labels: Int32Array, k: number): number[] {
  const s = new Array<number>(k).fill(0);
  for (const l of labels) s[l]++;
  return s;
}

function outcome(
  r: LeidenResult,
  graph: { dims: number; neighbors: number; edges: number; knnBackend: string },
  engine: Engine,
  seed: number,
  ms: { graph: number; total: number },
): FitOutcome {
  return {
    model: 'leiden',
    k: r.nCommunities,
    labels: Array.from(r.labels),
    maxPosterior: new Float64Array(r.labels.length).fill(1),
    clusterSizes: sizes(r.labels, r.nCommunities),
    objective: { name: 'quality', value: r.quality },
    nIter: r.iterations,
    converged: true,
    stopReason: 'passes',
    restarts: [],
    backend: engine.backend,
    adapter: engine.adapter,
    seed,
    timings: { totalMs: ms.total, initMs: ms.graph, perIterMs: (ms.total - ms.graph) / Math.max(1, r.iterations) },
    warnings: [],
    extra: {
      resolution: r.resolution,
      modularity: r.modularity,
      graphPcs: graph.dims,
      neighbors: graph.neighbors,
      pruneSnn: PRUNE_SNN,
      edges: graph.edges,
      knnBackend: graph.knnBackend,
    },
  };
}

/** Leiden on the SNN graph of the leading PCs: at `o.resolution`, or (`o.resolution` unset) at selectResolution's choice. */
export async function fitLeiden(
  pcs: Pcs,
  o: ScLeidenArgs,
  seed: number,
  engine: Engine,
  status: (s: string) => void = () => {},
): Promise<{ fit: FitOutcome; selection?: LeidenSelection; selectMs?: number }> {
  const dims = Math.min(o.graphPcs, pcs.d);
  const t0 = performance.now();
  if (o.resolution === undefined) {
    // selectResolution clusters subsamples of 80% of the cells, each needing its neighbours.
    const sub = Math.floor(0.8 * pcs.n);
    if (o.neighbors > sub - 1)
      throw new EmgpuError(
        'K_TOO_LARGE',
        `--neighbors ${o.neighbors}: --select clusters subsamples of ${sub} of the ${pcs.n} kept cells, too few for ${o.neighbors} neighbours each. Pass --neighbors ${Math.max(1, sub - 2)} or fewer.`,
      );
    const r = await selectResolution(pcs, {
      engine,
      dims,
      neighbors: o.neighbors,
      seed,
      ...(o.criterion ? { criterion: o.criterion } : {}),
      ...(o.resolutions ? { resolutions: o.resolutions } : {}),
      onResolution: (row) => status(`leiden: resolution ${row.resolution}, ${row.k} clusters`),
    });
    const selectMs = performance.now() - t0;
    const row = r.rows.find((x) => x.resolution === r.bestResolution)!;
    const graph = { dims: r.graph.dims, neighbors: r.graph.neighbors, edges: r.graph.edges, knnBackend: engine.backend };
    return {
      fit: outcome(r.best, graph, engine, seed, { graph: 0, total: row.timeMs }),
      selection: {
        criterion: r.criterion,
        bestK: r.bestK,
        bestResolution: r.bestResolution,
        resolutions: r.rows.map((x) => x.resolution),
        threshold: r.threshold,
        nBoot: r.nBoot,
        rows: r.rows,
      },
      selectMs,
    };
  }
  if (o.neighbors > pcs.n - 1)
    throw new EmgpuError(
      'K_TOO_LARGE',
      `--neighbors ${o.neighbors}: only ${pcs.n} cells were kept, so each has ${pcs.n - 1} others. Pass --neighbors ${Math.max(1, pcs.n - 1)} or fewer.`,
    );
  status(`leiden: kNN graph of ${dims} PCs, ${o.neighbors} neighbours`);
  const nn = await knn(leadingPcs(pcs, dims), { k: o.neighbors, metric: 'euclidean', engine });
  const g = snnGraph(nn, { pruneSnn: PRUNE_SNN });
  const tg = performance.now();
  status(`leiden: resolution ${o.resolution}`);
  const r = await leiden(g, { resolution: o.resolution, seed });
  const graph = { dims, neighbors: o.neighbors, edges: g.indptr[pcs.n] / 2, knnBackend: nn.backend };
  return { fit: outcome(r, graph, engine, seed, { graph: tg - t0, total: performance.now() - t0 }) };
}

/** What `emgpu sc --integrate` reports. */
export interface IntegrationSummary {
  method: 'harmony';
  /** Where the batches came from (the column, or COLUMN of FILE). */
  batchSource: string;
  /** The batches in order of first appearance, and the kept cells in each. */
  batches: string[];
  cellsPerBatch: number[];
  /** Kept cells with no batch in the column: they form the batch '(none)'. */
  missing: number;
  pcs: number;
  theta: number;
  iterations: number;
  converged: boolean;
  /** Where the Harmony iterations ran (the k-means start runs on the engine). */
  backend: string;
  /** Median iLISI (the effective number of batches around a cell: higher, better mixed) on the PCs before and after. */
  ilisi?: { before: number; after: number; cells: number; perplexity: number };
  timeMs: number;
}

function median(x: Float64Array): number {
  const s = Float64Array.from(x).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Median iLISI of the PCs before and after (the same cells: all, or LISI_CELLS seeded at random). */
export function iLisi(before: Pcs, after: Pcs, batch: string[], seed: number): IntegrationSummary['ilisi'] {
  const n = before.n;
  const rows = n > LISI_CELLS ? new Rng(seed, 0x11a1).sample(n, LISI_CELLS).sort((a, b) => a - b) : null;
  const m = rows ? rows.length : n;
  // LISI's perplexity (30, the paper's) must stay below the neighbours there are.
  const perplexity = Math.min(30, Math.floor((m - 1) / 3));
  if (perplexity < 2) return undefined;
  const pick = (p: Pcs): Pcs => {
    if (!rows) return p;
    const out = new Float64Array(m * p.d);
    rows.forEach((r, i) => out.set(p.data.subarray(r * p.d, (r + 1) * p.d), i * p.d));
    return { data: out, n: m, d: p.d };
  };
  const labels = rows ? rows.map((r) => batch[r]) : batch;
  return {
    before: median(lisi(pick(before), labels, { perplexity })),
    after: median(lisi(pick(after), labels, { perplexity })),
    cells: m,
    perplexity,
  };
}

/** Harmony on all the PCs by each kept cell's batch (null: no batch); the corrected PCs replace them for every model. */
export async function integratePcs(
  pcs: Pcs,
  batchOfCell: (string | null)[],
  o: ScIntegrateArgs,
  batchSource: string,
  seed: number,
  engine: Engine,
  status: (s: string) => void = () => {},
): Promise<{ pcs: Pcs; summary: IntegrationSummary; warnings: string[] }> {
  const t0 = performance.now();
  const batch = batchOfCell.map((b) => b ?? NO_BATCH);
  const missing = batchOfCell.filter((b) => b === null).length;
  const levels = [...new Set(batch)];
  if (levels.length < 2)
    throw new EmgpuError(
      'BAD_OPTION',
      `--integrate ${o.column}: every kept cell is in one batch ('${levels[0]}'), so there is nothing to integrate. Pass a column naming at least two batches, or drop --integrate.`,
    );
  const theta = o.theta ?? 2;
  const r = await harmony(pcs, batch, {
    engine,
    seed,
    theta,
    onProgress: (p) => status(`integrate: Harmony iteration ${p.iteration}`),
  });
  const corrected: Pcs = { data: Float64Array.from(r.corrected), n: pcs.n, d: pcs.d };
  status('integrate: iLISI before and after');
  const ilisi = iLisi(pcs, corrected, batch, seed);
  const summary: IntegrationSummary = {
    method: 'harmony',
    batchSource,
    batches: r.batches,
    cellsPerBatch: r.batches.map((b) => batch.filter((x) => x === b).length),
    missing,
    pcs: pcs.d,
    theta,
    iterations: r.iterations,
    converged: r.converged,
    backend: r.backend,
    ...(ilisi ? { ilisi } : {}),
    timeMs: performance.now() - t0,
  };
  const warnings =
    missing > 0 ? [`--integrate ${o.column}: ${missing} kept cells have no batch; Harmony treats them as one batch '${NO_BATCH}'.`] : [];
  return { pcs: corrected, summary, warnings };
}
