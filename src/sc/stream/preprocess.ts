/**
 * `preprocessStream`: `preprocess` (../preprocess.ts) in passes over a CsrSource, for data larger
 * than memory. The same stages, options and rules, in this order of passes:
 *
 *   qc              per-cell metrics                                  → cell filter (host)
 *   genes           per-gene counts over the counted cells           → gene filter (host)
 *   hvg:*           seurat_v3: raw mean, raw variance, (loess on the host) clipped variance;
 *                   seurat: mean and variance of expm1(norm)          (2 or 3 passes)
 *   scale:*         per-gene mean/variance of the normalised values, then of the scaled ones (4)
 *   pca-gram-i      nIter + 1 passes of X_cᵀX_cQ, pca-project one pass (./pca.ts)
 *
 * Normalisation, log1p, scaling and clipping are applied to each chunk as it is read and never
 * stored; the filters are a row/column view of the source (src/stream/subset.ts). What is kept:
 * O(n) per-cell numbers, O(d) per-gene numbers, the n × nComps float32 scores, one chunk and one
 * tile. With the defaults (seurat_v3, nIter 7) that is 2 + 3 + 4 + 9 = 18 passes.
 *
 * QC, filters, HVG and scale statistics are host float64 in row order (the reference backend's
 * arithmetic: equal to the in-memory reference pipeline); the PCA's products run tile by tile on
 * the engine's 'sc' backend. `source` in the result is the kept cells × HVG raw counts, a view for
 * the NB mixture's streamed fit.
 */
import { checkOptionNames, optionNames } from '../../core/known-options.js';
import type { EngineSelection } from '../../engine/engine.js';
import { invalid } from '../../errors.js';
import { subsetSource } from '../../stream/subset.js';
import type { CsrSource, PassOptions } from '../../stream/types.js';
import type { Backend } from '../../types.js';
import { hvgSeurat, hvgSeuratV3, type HvgResult } from '../hvg.js';
import { checkScShape, maskIndices } from '../matrix.js';
import { randomizedPca, resolvePca, type PcaResult } from '../pca.js';
import { resolveStageOptions, scaleStats, STAGES, type PreprocessOptions, type ScaleStats, type Stage } from '../preprocess.js';
import { filterCells, mitoMaskFor, type CellFilterResult, type GeneFilterResult, type QcMetrics } from '../qc.js';
import { onBackend } from '../session.js';
import { StreamOps } from './ops.js';
import { PassLog, type PassRecord } from './passes.js';
import { streamDense } from './pca.js';
import { genePass, qcPass } from './qc.js';

/** Rows per PCA tile by default: 4096 × 2000 genes is 32 MiB as float32 (64 MiB on the float64 reference). */
export const DEFAULT_TILE_ROWS = 4096;

export interface PreprocessStreamOptions
  extends Omit<PreprocessOptions, 'returnNormalized' | 'returnScaled'>,
    PassOptions,
    EngineSelection {
  /** Rows per PCA tile, the unit of the backend's dense products and of their sums (default 4096). */
  tileRows?: number;
}

export interface PreprocessStreamResult {
  backend: Backend;
  qc: QcMetrics;
  cellFilter: CellFilterResult;
  geneFilter: GeneFilterResult;
  /** Source indices of the kept cells and genes. */
  cells: Uint32Array;
  genes: Uint32Array;
  /** Per kept cell: total counts over the kept genes. */
  totals: Float64Array;
  /** Per kept cell: totals / targetSum, what each cell was divided by (1 for an empty cell). */
  sizeFactors: Float64Array;
  /** HVG statistics over the kept genes; `hvg.genes` indexes the kept genes. */
  hvg: HvgResult;
  /** Source indices of the highly variable genes (the PCA's features, in order). */
  hvgGenes: Uint32Array;
  /** Their names, when the source has gene names. */
  hvgNames?: string[];
  scale: ScaleStats;
  /** Scores are float32, n × nComps. */
  pca: PcaResult;
  timings: Record<Stage, number> & { totalMs: number };
  /** Every pass over the data, in order. */
  passes: PassRecord[];
  /** Kept cells × HVG raw counts: the NB mixture's input, read on demand. */
  source: CsrSource;
}

export const PREPROCESS_STREAM_OPTIONS = optionNames<PreprocessStreamOptions>({
  qc: true,
  cells: true,
  minCells: true,
  geneFilterCells: true,
  normalize: true,
  hvg: true,
  scale: true,
  pca: true,
  onStage: true,
  chunkRows: true,
  chunkBytes: true,
  signal: true,
  onProgress: true,
  tileRows: true,
  engine: true,
  backend: true,
});

function checkSource(source: CsrSource): void {
  const s = source as Partial<CsrSource> | null;
  if (!s || typeof s !== 'object' || s.kind !== 'csr' || typeof s.readRows !== 'function')
    throw invalid('BAD_OPTION', 'preprocessStream: source must be a CsrSource (kind "csr"). Wrap a matrix in memory with csrSource(m).');
  // Bounded before the per-cell and per-gene arrays are allocated (a source may declare n = 1e12).
  checkScShape(s.n as number, s.d as number, `preprocessStream: source ${String(s.name ?? '')}`.trimEnd(), true);
}

/** QC → filter → normalise → log1p → HVG → scale → PCA in passes over `source` (see the file's head). */
export async function preprocessStream(source: CsrSource, options: PreprocessStreamOptions = {}): Promise<PreprocessStreamResult> {
  checkOptionNames(options, PREPROCESS_STREAM_OPTIONS, 'preprocessStream');
  const { norm, hvgOpts, flavor, maxValue, minCells, geneFilterCells } = resolveStageOptions(options, 'preprocessStream');
  const tileRows = options.tileRows ?? DEFAULT_TILE_ROWS;
  if (!(Number.isInteger(tileRows) && tileRows >= 1))
    throw invalid(
      'BAD_OPTION',
      `tileRows=${String(tileRows)} must be a whole number ≥ 1 (rows per PCA tile; default ${DEFAULT_TILE_ROWS}).`,
    );
  checkSource(source);
  const mask = mitoMaskFor(source.d, options.qc);
  const cellOpts = options.cells ?? { minGenes: 200 };
  const engine: EngineSelection = {
    ...(options.engine ? { engine: options.engine } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
  };
  const backend = await onBackend(engine, async (s) => s.backend);
  const log = new PassLog({
    ...(options.chunkRows !== undefined ? { chunkRows: options.chunkRows } : {}),
    ...(options.chunkBytes !== undefined ? { chunkBytes: options.chunkBytes } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });

  const t0 = performance.now();
  const timings = { qc: 0, filter: 0, normalize: 0, hvg: 0, scale: 0, pca: 0, totalMs: 0 };
  let done = 0;
  let last = t0;
  const finish = (stage: Stage) => {
    const now = performance.now();
    timings[stage] = now - last;
    last = now;
    done++;
    options.onStage?.({ stage, done, total: STAGES.length, ms: timings[stage] });
  };

  const qc = await qcPass(source, mask, log);
  finish('qc');

  const cellFilter = filterCells(qc, cellOpts);
  const counted =
    geneFilterCells === 'kept' ? cellFilter.keep : filterCells(qc, { minGenes: cellOpts.minGenes, minCounts: cellOpts.minCounts }).keep;
  const { filter: geneFilter, entries: entriesAll } = await genePass(source, counted, cellFilter.keep, { minCells }, log);
  if (cellFilter.nKept < 2)
    throw invalid('BAD_OPTION', `Only ${cellFilter.nKept} cells pass the QC filters; at least 2 are needed. Loosen the cell filters.`);
  if (geneFilter.nKept < 1) throw invalid('BAD_OPTION', `No gene is detected in at least ${minCells} cells. Lower minCells.`);
  const cells = maskIndices(cellFilter.keep, source.n);
  const genes = maskIndices(geneFilter.keep, source.d);
  const entries = Float64Array.from(genes, (g) => entriesAll[g]);
  let kept = subsetSource(source, { rows: cells, cols: genes });
  finish('filter');
  // Normalisation has no pass of its own: each later pass normalises its chunks as it reads them.
  finish('normalize');

  // The first pass over the kept cells also records their totals and entries per row (exact chunk plans after it).
  const totals = new Float64Array(cells.length);
  const rowNnz = new Uint32Array(cells.length);
  const ops = new StreamOps(kept, entries, backend, norm, log);
  ops.stage = 'hvg';
  ops.taps = { totals, rowNnz: { mask: new Uint8Array(genes.length).fill(1), out: rowNnz } };
  ops.afterPass = () => {
    kept = subsetSource(source, { rows: cells, cols: genes, rowNnz });
    ops.source = kept;
  };
  const hvg = flavor === 'seurat_v3' ? await hvgSeuratV3(ops, hvgOpts) : await hvgSeurat(ops, 'norm', hvgOpts);
  if (hvg.genes.length === 0)
    throw invalid('BAD_OPTION', 'No highly variable gene was selected. Relax the HVG cut-offs or pass nTopGenes.');
  const hvgGenes = Uint32Array.from(hvg.genes, (g) => genes[g]);
  finish('hvg');

  // The first scale pass records each kept cell's entries in the HVG columns: the NB source's exact row index.
  const hvgMask = new Uint8Array(genes.length);
  for (const g of hvg.genes) hvgMask[g] = 1;
  const hvgRowNnz = new Uint32Array(cells.length);
  ops.stage = 'scale';
  ops.taps = { rowNnz: { mask: hvgMask, out: hvgRowNnz } };
  const scale = await scaleStats(ops, 'norm', hvg.genes, maxValue);
  finish('scale');

  const r = resolvePca(options.pca, cells.length, hvg.genes.length);
  let totalVariance = 0;
  for (const v of scale.scaledVariance) totalVariance += v;
  const dense = streamDense({ source: kept, hvg: hvg.genes, scale, norm, tileRows, l: r.l, engine, log });
  const pca: PcaResult = await randomizedPca(dense, r, totalVariance, backend);
  finish('pca');
  timings.totalMs = performance.now() - t0;

  const sizeFactors = Float64Array.from(totals, (t) => (t === 0 ? 1 : t / norm.targetSum));
  const nbSource = subsetSource(source, {
    rows: cells,
    cols: hvgGenes,
    rowNnz: hvgRowNnz,
    name: `${source.name} (kept cells × HVG)`,
  });
  return {
    backend,
    qc,
    cellFilter,
    geneFilter,
    cells,
    genes,
    totals,
    sizeFactors,
    hvg,
    hvgGenes,
    ...(source.genes ? { hvgNames: Array.from(hvgGenes, (g) => source.genes![g]) } : {}),
    scale,
    pca,
    timings,
    passes: log.records,
    source: nbSource,
  };
}
