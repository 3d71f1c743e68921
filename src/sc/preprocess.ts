/**
 * Single-cell preprocessing, scanpy's standard recipe, on the engine's backend:
 *
 *   QC metrics → cell and gene filters → normalize_total (target 1e4) → log1p → highly variable
 *   genes → scale (unit variance, zero centre, clip at 10) → PCA (randomized SVD).
 *
 * Each stage is also a function of its own (qcMetrics, filterCells/filterGenes, normalizeTotal,
 * highlyVariableGenes, scaleData, pca). On WebGPU, `preprocess` keeps the data on the device from
 * the normalisation to the PCA: the filtered counts are uploaded once, normalised in place, the
 * per-gene statistics come back as small vectors, and the dense scaled HVG matrix is built on the
 * device and multiplied there; only QC metrics, gene statistics, g × l PCA blocks and the outputs
 * are read back.
 */
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { ENGINE_SELECTION, type EngineSelection } from '../engine/engine.js';
import { describeValue } from '../data.js';
import { invalid } from '../errors.js';
import type { CsrMatrix } from '../sparse.js';
import type { Backend } from '../types.js';
import type { Layer, ScGpuCounters, ScOps } from './backend.js';
import { checkCsr, type CsrResult, maskIndices, subsetTrusted } from './matrix.js';
import {
  checkCellFilterOptions,
  filterCells,
  geneFilterOf,
  mitoMaskFor,
  qcFromOps,
  type CellFilterOptions,
  type CellFilterResult,
  type GeneFilterResult,
  type QcMetrics,
  type QcOptions,
} from './qc.js';
import { HVG_OPTIONS, checkHvgOptions, geneMeanVar, hvgSeurat, hvgSeuratV3, type HvgOptions, type HvgResult } from './hvg.js';
import { PCA_OPTIONS, randomizedPca, resolvePca, type PcaOptions, type PcaResult } from './pca.js';
import { onBackend } from './session.js';

// ---------------------------------------------------------------------------------------------
// Normalisation.

export interface NormalizeOptions {
  /** Counts per cell after scaling (default 1e4). */
  targetSum?: number;
  /** Apply log1p (natural log) after scaling (default true). */
  log1p?: boolean;
}

export interface NormalizedCsr extends CsrResult {
  /** Per-cell totals before normalisation. */
  totals: Float64Array;
  backend: Backend;
}

export function resolveNormalize(o: NormalizeOptions | undefined): { targetSum: number; log1p: boolean } {
  const targetSum = o?.targetSum ?? 1e4;
  if (!(typeof targetSum === 'number' && targetSum > 0 && Number.isFinite(targetSum))) {
    throw invalid('BAD_OPTION', `targetSum=${String(targetSum)} must be a positive number (scanpy's target_sum; 1e4 is the usual choice).`);
  }
  const log1p = o?.log1p ?? true;
  if (typeof log1p !== 'boolean') throw invalid('BAD_OPTION', `log1p=${String(log1p)} must be true or false.`);
  return { targetSum, log1p };
}

function csrCopy(m: CsrMatrix): { indptr: Uint32Array; indices: Uint32Array } {
  return { indptr: Uint32Array.from(m.indptr), indices: Uint32Array.from({ length: m.indptr[m.n] }, (_, p) => m.indices[p]) };
}

/**
 * scanpy's normalize_total(target_sum) followed by log1p: each cell's counts are divided by its
 * total / targetSum (cells with no counts stay zero), then log1p. Returns a new CSR matrix
 * (float64 values on the CPU backend, float32 from the GPU) with the same structure.
 */
export const NORMALIZE_OPTIONS = optionNames<NormalizeOptions>({ targetSum: true, log1p: true });
const SCALE_OPTIONS = optionNames<ScaleOptions>({ maxValue: true, genes: true });
const PREPROCESS_OPTIONS = optionNames<PreprocessOptions>({
  qc: true,
  cells: true,
  minCells: true,
  geneFilterCells: true,
  normalize: true,
  hvg: true,
  scale: true,
  pca: true,
  returnNormalized: true,
  returnScaled: true,
  onStage: true,
});

export async function normalizeTotal(counts: CsrMatrix, options: NormalizeOptions & EngineSelection = {}): Promise<NormalizedCsr> {
  checkOptionNames(options, [...NORMALIZE_OPTIONS, ...ENGINE_SELECTION], 'normalizeTotal');
  const { targetSum, log1p } = resolveNormalize(options);
  checkCsr(counts, 'counts', { nonNegative: true });
  return onBackend(options, async (s) => {
    const ops = s.csr(counts);
    const totals = await ops.normalize(targetSum, log1p);
    const values = await ops.readNorm();
    return { n: counts.n, d: counts.d, nnz: counts.indptr[counts.n], ...csrCopy(counts), values, totals, backend: ops.backend };
  });
}

// ---------------------------------------------------------------------------------------------
// Scaling.

export interface ScaleOptions {
  /** Clip scaled values to [−maxValue, maxValue] (default 10; null: no clip). */
  maxValue?: number | null;
  /** Genes (columns) to keep, in this order (default all). */
  genes?: ArrayLike<number>;
}

export interface ScaleStats {
  /** Selected genes. */
  genes: Uint32Array;
  /** Mean and standard deviation (ddof 1; 0 replaced by 1) of each gene before scaling. */
  mean: Float64Array;
  std: Float64Array;
  maxValue: number;
  /** Column means and variances (ddof 1) of the scaled, clipped matrix. */
  scaledMean: Float64Array;
  scaledVariance: Float64Array;
}

export interface ScaledMatrix extends ScaleStats {
  n: number;
  d: number;
  /** Row-major n × genes.length. */
  data: Float32Array | Float64Array;
  backend: Backend;
}

function resolveGenes(genes: ArrayLike<number> | undefined, d: number): Uint32Array {
  if (!genes) return Uint32Array.from({ length: d }, (_, g) => g);
  // Checked before the Uint32Array conversion, which would read NaN, 'a' or 1.5 as column 0 or 1.
  const len = typeof genes === 'object' && typeof genes.length === 'number' ? genes.length : -1;
  if (len < 0) throw invalid('BAD_OPTION', `genes must be an array of column indices; got ${typeof genes}.`);
  const out = new Uint32Array(len);
  const seen = new Uint8Array(d);
  for (let i = 0; i < len; i++) {
    const g = genes[i];
    if (!(Number.isInteger(g) && g >= 0 && g < d) || seen[g])
      throw invalid('BAD_OPTION', `genes must be distinct column indices in [0, ${d}); got ${String(g)} at position ${i}.`);
    seen[g] = 1;
    out[i] = g;
  }
  if (out.length === 0) throw invalid('BAD_OPTION', 'genes is empty: select at least one gene to scale.');
  return out;
}

/** Per-gene scaling parameters and the moments of the scaled matrix, from the 'norm' layer. */
export async function scaleStats(ops: ScOps, layer: Layer, genes: Uint32Array, maxValue: number): Promise<ScaleStats> {
  if (ops.n < 2) throw invalid('BAD_OPTION', 'Scaling needs at least 2 cells.');
  const plain = await geneMeanVar(ops, layer, 'identity');
  const divisorAll = Float64Array.from(plain.variance, (v) => (v > 0 ? Math.sqrt(v) : 1));
  const scaled = await geneMeanVar(ops, layer, 'scale', { centre: plain.mean, divisor: divisorAll, maxValue });
  const pick = (a: Float64Array) => Float64Array.from(genes, (g) => a[g]);
  return {
    genes,
    mean: pick(plain.mean),
    std: pick(divisorAll),
    maxValue,
    scaledMean: pick(scaled.mean),
    scaledVariance: pick(scaled.variance),
  };
}

export function resolveMaxValue(v: number | null | undefined): number {
  if (v === null) return Infinity;
  const m = v ?? 10;
  if (!(typeof m === 'number' && m > 0)) throw invalid('BAD_OPTION', `maxValue=${String(v)} must be a positive number or null.`);
  return m;
}

/**
 * scanpy's scale(zero_center=True, max_value): (x − mean) / std per gene (std with ddof 1, 0 → 1),
 * clipped to ±maxValue, as a dense row-major matrix of the selected genes. `data` is usually
 * log1p-normalised values.
 */
export async function scaleData(data: CsrMatrix, options: ScaleOptions & EngineSelection = {}): Promise<ScaledMatrix> {
  checkOptionNames(options, [...SCALE_OPTIONS, ...ENGINE_SELECTION], 'scaleData');
  const maxValue = resolveMaxValue(options.maxValue);
  checkCsr(data, 'data');
  const genes = resolveGenes(options.genes, data.d);
  return onBackend(options, async (session) => {
    const ops = session.csr(data);
    const s = await scaleStats(ops, 'raw', genes, maxValue);
    const dense = await ops.dense('raw', genes, s.mean, s.std, maxValue, s.scaledMean, 1);
    return { n: data.n, d: genes.length, data: await dense.read(), ...s, backend: ops.backend };
  });
}

// ---------------------------------------------------------------------------------------------
// The pipeline.

export type Stage = 'qc' | 'filter' | 'normalize' | 'hvg' | 'scale' | 'pca';
export const STAGES: Stage[] = ['qc', 'filter', 'normalize', 'hvg', 'scale', 'pca'];

export interface StageEvent {
  stage: Stage;
  /** Stages finished, this one included. */
  done: number;
  total: number;
  /** Wall time of this stage. */
  ms: number;
}

export interface PreprocessOptions {
  /** Mitochondrial genes: names + prefixes, or a mask. */
  qc?: QcOptions;
  /** Cell filters (default { minGenes: 200 }, scanpy's tutorial; pass {} for none). */
  cells?: CellFilterOptions;
  /** Gene filter: minimum cells with a positive count (default 3; 0 for none). */
  minCells?: number;
  /**
   * Which cells the gene filter counts. 'lower-bounds' (default): the cells that pass the
   * minimum filters (minGenes, minCounts), before the upper, mitochondrial and MAD filters: the
   * order of scanpy's tutorial (filter_cells(min_genes) → filter_genes(min_cells) → the other QC
   * cuts), and on pbmc3k the 13,714 genes of both the scanpy and the Seurat tutorials.
   * 'kept': only the cells that pass every filter.
   */
  geneFilterCells?: 'lower-bounds' | 'kept';
  normalize?: NormalizeOptions;
  hvg?: HvgOptions;
  scale?: { maxValue?: number | null };
  pca?: PcaOptions;
  /** Return the normalised (log1p) CSR matrix of kept cells × kept genes (default true). */
  returnNormalized?: boolean;
  /** Return the dense scaled HVG matrix (default false). */
  returnScaled?: boolean;
  onStage?: (e: StageEvent) => void;
}

export interface PreprocessResult {
  backend: Backend;
  qc: QcMetrics;
  cellFilter: CellFilterResult;
  geneFilter: GeneFilterResult;
  /** Original indices of the kept cells and genes. */
  cells: Uint32Array;
  genes: Uint32Array;
  /** Per kept cell: total counts over the kept genes (each cell was divided by total / targetSum). */
  totals: Float64Array;
  normalized?: CsrResult;
  /** HVG statistics over the kept genes; `hvg.genes` indexes the kept genes. */
  hvg: HvgResult;
  /** Original gene indices of the highly variable genes (the PCA's features, in order). */
  hvgGenes: Uint32Array;
  scale: ScaleStats;
  scaled?: { n: number; d: number; data: Float32Array | Float64Array };
  pca: PcaResult;
  timings: Record<Stage, number> & { totalMs: number };
  gpu?: ScGpuCounters;
}

/**
 * The stage options `preprocess` and `preprocessStream` share, checked and resolved once (O(1), before
 * any data is read): the nested stages' option names, normalisation, the HVG flavour, the scale clip,
 * and the gene filter's rule.
 */
export function resolveStageOptions(options: PreprocessOptions, fn: string) {
  // The stages' own options, by the same names as the stage functions take (qc: mitoMaskFor, cells: filterCells).
  const nested = { normalize: NORMALIZE_OPTIONS, hvg: HVG_OPTIONS, pca: PCA_OPTIONS, scale: ['maxValue'] } as const;
  for (const [key, names] of Object.entries(nested)) {
    const v = (options as Record<string, unknown>)[key];
    if (v !== undefined) checkOptionNames(v, names, `${fn} ${key}`);
  }
  const norm = resolveNormalize(options.normalize);
  const hvgOpts = options.hvg ?? {};
  const flavor = checkHvgOptions(hvgOpts);
  const maxValue = resolveMaxValue(options.scale?.maxValue);
  // The cell and gene filters' thresholds too: a negative or NaN one would filter nothing or everything after a full pass.
  if (options.cells != null) checkCellFilterOptions(options.cells, `${fn} cells`);
  const minCells = options.minCells ?? 3;
  if (typeof minCells !== 'number' || !(minCells >= 0) || !Number.isFinite(minCells))
    throw invalid(
      'BAD_OPTION',
      `${fn}: minCells=${describeValue(minCells)} must be a finite number ≥ 0 (cells a gene must be detected in; 0 for no gene filter).`,
    );
  for (const key of ['returnNormalized', 'returnScaled'] as const) {
    const v = (options as Record<string, unknown>)[key];
    if (v !== undefined && typeof v !== 'boolean') throw invalid('BAD_OPTION', `${fn}: ${key}=${describeValue(v)} must be true or false.`);
  }
  const geneFilterCells = options.geneFilterCells ?? 'lower-bounds';
  if (geneFilterCells !== 'lower-bounds' && geneFilterCells !== 'kept') {
    throw invalid('BAD_OPTION', `geneFilterCells='${String(geneFilterCells)}' is not one of 'lower-bounds', 'kept'. Pass one of those.`);
  }
  return { norm, hvgOpts, flavor, maxValue, minCells, geneFilterCells };
}

/**
 * QC → filter → normalize → log1p → HVG → scale → PCA on the backend of `options.engine` (or
 * `options.backend`), with per-stage outputs, timings and progress events.
 */
export async function preprocess(counts: CsrMatrix, options: PreprocessOptions & EngineSelection = {}): Promise<PreprocessResult> {
  checkOptionNames(options, [...PREPROCESS_OPTIONS, ...ENGINE_SELECTION], 'preprocess');
  // Options first (O(1)), then the matrix (O(nnz)): a misspelt flavor is refused at once, whatever the matrix's size.
  const { norm, hvgOpts, flavor, maxValue, minCells, geneFilterCells } = resolveStageOptions(options, 'preprocess');
  checkCsr(counts, 'counts', { nonNegative: true });
  const mask = mitoMaskFor(counts.d, options.qc);
  const cellOpts = options.cells ?? { minGenes: 200 };
  const returnNormalized = options.returnNormalized ?? true;

  const body = async (makeOps: (m: CsrMatrix) => ScOps): Promise<PreprocessResult> => {
    const t0 = performance.now();
    const timings = { qc: 0, filter: 0, normalize: 0, hvg: 0, scale: 0, pca: 0, totalMs: 0 };
    let done = 0;
    let last = performance.now();
    const finish = (stage: Stage) => {
      const now = performance.now();
      timings[stage] = now - last;
      last = now;
      done++;
      options.onStage?.({ stage, done, total: STAGES.length, ms: timings[stage] });
    };

    const rawOps = makeOps(counts);
    const qc = await qcFromOps(rawOps, mask);
    rawOps.release();
    finish('qc');

    const cellFilter = filterCells(qc, cellOpts);
    const countedCells =
      geneFilterCells === 'kept' ? cellFilter.keep : filterCells(qc, { minGenes: cellOpts.minGenes, minCounts: cellOpts.minCounts }).keep;
    const geneFilter = geneFilterOf(counts, { minCells, cells: countedCells });
    if (cellFilter.nKept < 2)
      throw invalid('BAD_OPTION', `Only ${cellFilter.nKept} cells pass the QC filters; at least 2 are needed. Loosen the cell filters.`);
    if (geneFilter.nKept < 1) throw invalid('BAD_OPTION', `No gene is detected in at least ${minCells} cells. Lower minCells.`);
    const filtered = subsetTrusted(counts, cellFilter.keep, geneFilter.keep);
    const cells = maskIndices(cellFilter.keep, counts.n);
    const genes = maskIndices(geneFilter.keep, counts.d);
    finish('filter');

    const ops = makeOps(filtered);
    const totals = await ops.normalize(norm.targetSum, norm.log1p);
    const normalized = returnNormalized ? { ...filtered, values: await ops.readNorm() } : undefined;
    finish('normalize');

    const hvg = flavor === 'seurat_v3' ? await hvgSeuratV3(ops, hvgOpts) : await hvgSeurat(ops, 'norm', hvgOpts);
    if (hvg.genes.length === 0)
      throw invalid('BAD_OPTION', 'No highly variable gene was selected. Relax the HVG cut-offs or pass nTopGenes.');
    const hvgGenes = Uint32Array.from(hvg.genes, (g) => genes[g]);
    finish('hvg');

    const scale = await scaleStats(ops, 'norm', hvg.genes, maxValue);
    const r = resolvePca(options.pca, filtered.n, hvg.genes.length);
    const dense = await ops.dense('norm', hvg.genes, scale.mean, scale.std, maxValue, scale.scaledMean, r.l);
    const scaled = options.returnScaled ? { n: filtered.n, d: hvg.genes.length, data: await dense.read() } : undefined;
    // The CSR copy is no longer needed: give its device memory to the PCA.
    ops.release();
    finish('scale');

    let totalVariance = 0;
    for (const v of scale.scaledVariance) totalVariance += v;
    const pcaResult = await randomizedPca(dense, r, totalVariance, ops.backend);
    const gpu = ops.counters();
    if (gpu) pcaResult.gpu = gpu;
    finish('pca');
    timings.totalMs = performance.now() - t0;

    return {
      backend: ops.backend,
      qc,
      cellFilter,
      geneFilter,
      cells,
      genes,
      totals,
      ...(normalized ? { normalized } : {}),
      hvg,
      hvgGenes,
      scale,
      ...(scaled ? { scaled } : {}),
      pca: pcaResult,
      timings,
      ...(gpu ? { gpu } : {}),
    };
  };

  return onBackend(options, (s) => body((m) => s.csr(m)));
}
