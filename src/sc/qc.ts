/**
 * Per-cell quality control of a cell-major count matrix (scanpy's calculate_qc_metrics): total
 * counts, genes detected and the mitochondrial share, on the engine's backend; cell filters by
 * fixed thresholds or by median absolute deviations (scater's isOutlier); the gene filter
 * (min_cells); and row/column subsetting. The sums run on the GPU when the engine has one; the
 * thresholds, MADs and subsetting are O(n + nnz) bookkeeping on the host on both backends.
 */
import type { EngineSelection } from '../engine/engine.js';
import { describeValue, finiteError, isArrayLike } from '../data.js';
import { invalid } from '../errors.js';
import type { CsrMatrix } from '../sparse.js';
import type { Backend } from '../types.js';
import type { ScOps } from './backend.js';
import { MAX_DIMENSION } from '../io/memory.js';
import { checkCsr, checkMask } from './matrix.js';
import { onBackend } from './session.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { ENGINE_SELECTION } from '../engine/engine.js';

// ---------------------------------------------------------------------------------------------
// QC metrics.

export interface QcOptions {
  /** Gene symbols (one per column), to find mitochondrial genes by prefix. */
  geneNames?: ArrayLike<string>;
  /** Symbol prefixes of mitochondrial genes (default ['MT-', 'mt-']). */
  mitoPrefixes?: string[];
  /** Explicit mitochondrial gene mask (one per gene; overrides geneNames). */
  mitoMask?: ArrayLike<boolean | number>;
}

export interface QcMetrics {
  n: number;
  d: number;
  /** Σ counts per cell. */
  totalCounts: Float64Array;
  /** Genes with a positive count per cell (scanpy's n_genes_by_counts). */
  nGenes: Float64Array;
  /** Σ counts in mitochondrial genes per cell. */
  mitoCounts: Float64Array;
  /** 100 · mitoCounts / totalCounts (0 for an empty cell), scanpy's pct_counts_mt. */
  pctMito: Float64Array;
  /** Genes counted as mitochondrial. */
  mitoGenes: number;
  backend: Backend;
}

const QC_OPTIONS = optionNames<QcOptions>({ geneNames: true, mitoPrefixes: true, mitoMask: true });
const OUTLIER_OPTIONS = optionNames<OutlierOptions>({ nmads: true, type: true, constant: true, log1p: true });
const MAD_OPTIONS = optionNames<MadFilterOptions>({ nmads: true, pctMitoNmads: true, constant: true });
export const CELL_FILTER_OPTIONS = optionNames<CellFilterOptions>({
  minCounts: true,
  maxCounts: true,
  minGenes: true,
  maxGenes: true,
  maxPctMito: true,
  mad: true,
});
const GENE_FILTER_OPTIONS = optionNames<GeneFilterOptions>({ minCells: true, minCounts: true, cells: true });
export { QC_OPTIONS };

export function mitoMaskFor(d: number, o: QcOptions = {}): Uint8Array {
  checkOptionNames(o, [...QC_OPTIONS, ...ENGINE_SELECTION], 'mitoMaskFor');
  if (!(Number.isInteger(d) && d >= 0 && d <= MAX_DIMENSION))
    throw invalid('BAD_OPTION', `mitoMaskFor: d=${describeValue(d)} must be a gene count, an integer in [0, ${MAX_DIMENSION}].`);
  const mask = new Uint8Array(d);
  for (const key of ['mitoMask', 'geneNames', 'mitoPrefixes'] as const) {
    const v = o[key];
    if (v !== undefined && !isArrayLike(v)) throw invalid('BAD_OPTION', `${key} must be an array; got ${describeValue(v)}.`);
  }
  if (o.mitoMask) {
    if (o.mitoMask.length !== d)
      throw invalid('SHAPE_MISMATCH', `mitoMask has ${o.mitoMask.length} entries for ${d} genes. Pass one per gene.`);
    // 0/1 or booleans only: a mask of strings, 2s or NaN read by truthiness would flag the wrong genes.
    checkMask(o.mitoMask, d, 'mitoMask');
    for (let g = 0; g < d; g++) mask[g] = o.mitoMask[g] ? 1 : 0;
    return mask;
  }
  if (o.geneNames) {
    if (o.geneNames.length !== d)
      throw invalid('SHAPE_MISMATCH', `geneNames has ${o.geneNames.length} entries for ${d} genes. Pass one per gene.`);
    for (let g = 0; g < d; g++)
      if (typeof o.geneNames[g] !== 'string')
        throw invalid(
          'BAD_OPTION',
          `geneNames[${g}] is ${describeValue(o.geneNames[g])}, not a string. Pass gene names (strings), one per gene.`,
        );
    const prefixes = o.mitoPrefixes ?? ['MT-', 'mt-'];
    const list: unknown[] = Array.from(prefixes);
    if (!list.every((p) => typeof p === 'string')) throw invalid('BAD_OPTION', 'mitoPrefixes must be strings, e.g. ["MT-", "mt-"].');
    for (let g = 0; g < d; g++) mask[g] = (list as string[]).some((p) => String(o.geneNames![g]).startsWith(p)) ? 1 : 0;
  }
  return mask;
}

/** Metrics from an ops backend (shared by qcMetrics and the pipeline). */
export async function qcFromOps(ops: ScOps, mask: Uint8Array): Promise<QcMetrics> {
  const r = await ops.rowQc(mask);
  const pctMito = new Float64Array(ops.n);
  for (let i = 0; i < ops.n; i++) pctMito[i] = r.total[i] > 0 ? (100 * r.masked[i]) / r.total[i] : 0;
  let mitoGenes = 0;
  for (let g = 0; g < mask.length; g++) mitoGenes += mask[g];
  return { n: ops.n, d: ops.d, totalCounts: r.total, nGenes: r.detected, mitoCounts: r.masked, pctMito, mitoGenes, backend: ops.backend };
}

/** Per-cell QC metrics on the backend of `options.engine` (or `options.backend`). */
export async function qcMetrics(counts: CsrMatrix, options: QcOptions & EngineSelection = {}): Promise<QcMetrics> {
  checkOptionNames(options, [...QC_OPTIONS, ...ENGINE_SELECTION], 'qcMetrics');
  checkCsr(counts, 'counts', { nonNegative: true });
  const mask = mitoMaskFor(counts.d, options);
  return onBackend(options, (s) => qcFromOps(s.csr(counts), mask));
}

// ---------------------------------------------------------------------------------------------
// Cell filters.

export interface OutlierOptions {
  /** MADs from the median (default 3, scater's isOutlier). */
  nmads?: number;
  /** Which side(s) flag an outlier (default 'both'). */
  type?: 'both' | 'lower' | 'higher';
  /** Take log1p of the values first (default false). */
  log1p?: boolean;
  /** MAD scale constant (default 1.4826, R's mad(): consistent with σ for normal data). */
  constant?: number;
}

export interface OutlierResult {
  outlier: Uint8Array;
  median: number;
  mad: number;
  /** Values below lower or above upper are outliers (on the log1p scale when log1p). */
  lower: number;
  upper: number;
}

function median(values: Float64Array): number {
  if (values.length === 0) return NaN;
  const s = Float64Array.from(values).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

/** scater's isOutlier: |x − median| beyond nmads · constant · median(|x − median|). */
export function isOutlier(values: ArrayLike<number>, o: OutlierOptions = {}): OutlierResult {
  checkOptionNames(o, OUTLIER_OPTIONS, 'isOutlier');
  const nmads = o.nmads ?? 3;
  const constant = o.constant ?? 1.4826;
  const type = o.type ?? 'both';
  if (!(typeof nmads === 'number' && nmads >= 0 && Number.isFinite(nmads)))
    throw invalid('BAD_OPTION', `isOutlier: nmads=${describeValue(nmads)} must be a finite number >= 0 (3 is scater's default).`);
  if (!(typeof constant === 'number' && constant > 0 && Number.isFinite(constant)))
    throw invalid('BAD_OPTION', `isOutlier: constant=${describeValue(constant)} must be a finite number > 0 (1.4826 for normal data).`);
  if (type !== 'both' && type !== 'lower' && type !== 'higher')
    throw invalid('BAD_OPTION', `isOutlier: type=${describeValue(type)} is not one of 'both', 'lower', 'higher'.`);
  if (o.log1p !== undefined && typeof o.log1p !== 'boolean') throw invalid('BAD_OPTION', 'isOutlier: log1p must be true or false.');
  if (!isArrayLike(values)) throw invalid('SHAPE_MISMATCH', 'isOutlier: values must be an array of numbers.');
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    // NaN is a missing metric (e.g. pctMito of an empty cell) and never an outlier; other non-numbers are errors.
    if (typeof v !== 'number') throw finiteError(v, 'isOutlier values', `index ${i}`);
    // log1p of a value below 0 is a different scale (or NaN below −1): a count-like metric is never negative.
    if (o.log1p && v < 0)
      throw invalid(
        'BAD_OPTION',
        `isOutlier: values[${i}] = ${v} is negative, but log1p: true takes counts (values ≥ 0). Pass log1p: false, or fix that value.`,
      );
  }
  if (values.length === 0) throw invalid('EMPTY_DATA', 'isOutlier: values is empty. Pass at least one value.');
  const x = Float64Array.from(values, (v) => (o.log1p ? Math.log1p(v) : v));
  // The median and MAD are of the values present: a NaN (missing) takes no part, as in R's median(na.rm = TRUE).
  const present = x.filter((v) => !Number.isNaN(v));
  const med = median(present);
  const dev = Float64Array.from(present, (v) => Math.abs(v - med));
  const mad = constant * median(dev);
  const lower = type === 'higher' ? -Infinity : med - nmads * mad;
  const upper = type === 'lower' ? Infinity : med + nmads * mad;
  const outlier = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) outlier[i] = x[i] < lower || x[i] > upper ? 1 : 0;
  return { outlier, median: med, mad, lower, upper };
}

export interface MadFilterOptions {
  /** MADs on log1p(total counts) and log1p(genes detected), both sides (default 5). */
  nmads?: number;
  /** MADs above the median of pctMito (default 3; null: no MAD rule on mito). */
  pctMitoNmads?: number | null;
  /** MAD constant (default 1.4826). */
  constant?: number;
}

export interface CellFilterOptions {
  minCounts?: number;
  maxCounts?: number;
  minGenes?: number;
  maxGenes?: number;
  /** Keep cells with pctMito ≤ this (percent, 0–100). */
  maxPctMito?: number;
  /** MAD-based outlier removal; true for the defaults. */
  mad?: boolean | MadFilterOptions;
}

export interface CellFilterResult {
  /** 1 = keep. */
  keep: Uint8Array;
  nKept: number;
  /** Cells failing each rule (a cell may fail several). */
  failed: Record<string, number>;
  /** The MAD rules as applied. */
  mad?: { logTotalCounts: OutlierResult; logNGenes: OutlierResult; pctMito?: OutlierResult };
}

/** filterCells' metrics: one number per cell in each column (NaN only as a missing pctMito, as qcMetrics gives for an empty cell). */
function checkMetrics(metrics: Pick<QcMetrics, 'n' | 'totalCounts' | 'nGenes' | 'pctMito'>): void {
  if (!metrics || typeof metrics !== 'object')
    throw invalid('BAD_OPTION', `filterCells: metrics must be qcMetrics()' result; got ${describeValue(metrics)}.`);
  const n = metrics.n;
  if (!(Number.isInteger(n) && n >= 0 && n <= MAX_DIMENSION))
    throw invalid('SHAPE_MISMATCH', `filterCells: metrics.n=${describeValue(n)} must be a cell count (an integer >= 0).`);
  for (const key of ['totalCounts', 'nGenes', 'pctMito'] as const) {
    const a: unknown = metrics[key];
    if (!isArrayLike(a) || a.length !== n)
      throw invalid(
        'SHAPE_MISMATCH',
        `filterCells: metrics.${key} must hold n = ${n} numbers; got ${isArrayLike(a) ? `${a.length}` : describeValue(a)}. Pass qcMetrics()' result unchanged.`,
      );
    for (let i = 0; i < n; i++) {
      const v = a[i];
      if (typeof v !== 'number' || (!Number.isFinite(v) && !(key === 'pctMito' && Number.isNaN(v))))
        throw finiteError(v, `filterCells metrics.${key}`, `cell ${i}`);
    }
  }
}

/**
 * The cell filter's options, checked without the data (preprocess and preprocessStream call it
 * before the first pass): known names, and thresholds that are numbers ≥ 0 (counts, genes and a
 * percentage are never negative, so a negative threshold is a mistake, not a filter).
 */
export function checkCellFilterOptions(o: CellFilterOptions, fn = 'filterCells') {
  checkOptionNames(o, CELL_FILTER_OPTIONS, fn);
  if (o.mad !== undefined && typeof o.mad !== 'boolean' && (typeof o.mad !== 'object' || o.mad === null || Array.isArray(o.mad)))
    throw invalid('BAD_OPTION', `${fn}: mad=${describeValue(o.mad)} must be true, false or { nmads, pctMitoNmads, constant }.`);
  if (typeof o.mad === 'object') checkOptionNames(o.mad, MAD_OPTIONS, `${fn} mad`);
  const num = (v: unknown, name: string) => {
    if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v) || v < 0))
      throw invalid(
        'BAD_OPTION',
        `${fn}: ${name}=${describeValue(v)} must be a number ≥ 0 (counts, genes and percentages are never negative). Leave it out for no limit.`,
      );
    return v as number | undefined;
  };
  return {
    minCounts: num(o.minCounts, 'minCounts'),
    maxCounts: num(o.maxCounts, 'maxCounts'),
    minGenes: num(o.minGenes, 'minGenes'),
    maxGenes: num(o.maxGenes, 'maxGenes'),
    maxPctMito: num(o.maxPctMito, 'maxPctMito'),
  };
}

/** Which cells pass the thresholds (all given rules; a cell must pass every one). */
export function filterCells(
  metrics: Pick<QcMetrics, 'n' | 'totalCounts' | 'nGenes' | 'pctMito'>,
  o: CellFilterOptions = {},
): CellFilterResult {
  const t = checkCellFilterOptions(o);
  checkMetrics(metrics);
  const n = metrics.n;
  const keep = new Uint8Array(n).fill(1);
  const failed: Record<string, number> = {};
  const rule = (name: string, bad: (i: number) => boolean) => {
    let c = 0;
    for (let i = 0; i < n; i++) {
      if (bad(i)) {
        keep[i] = 0;
        c++;
      }
    }
    failed[name] = c;
  };
  const { minCounts, maxCounts, minGenes, maxGenes, maxPctMito } = t;
  if (minCounts !== undefined) rule('minCounts', (i) => metrics.totalCounts[i] < minCounts);
  if (maxCounts !== undefined) rule('maxCounts', (i) => metrics.totalCounts[i] > maxCounts);
  if (minGenes !== undefined) rule('minGenes', (i) => metrics.nGenes[i] < minGenes);
  if (maxGenes !== undefined) rule('maxGenes', (i) => metrics.nGenes[i] > maxGenes);
  if (maxPctMito !== undefined) rule('maxPctMito', (i) => metrics.pctMito[i] > maxPctMito);
  let mad: CellFilterResult['mad'];
  if (o.mad) {
    // isOutlier refuses no values; say so here, where the zero cells came from.
    if (n === 0)
      throw invalid(
        'EMPTY_DATA',
        'filterCells: there are no cells (metrics.n = 0), so the MAD filter has no median to measure from. Pass the metrics of at least one cell, or leave mad out.',
      );
    const m = o.mad === true ? {} : o.mad;
    const nmads = m.nmads ?? 5;
    const constant = m.constant ?? 1.4826;
    const logTotalCounts = isOutlier(metrics.totalCounts, { nmads, constant, log1p: true });
    const logNGenes = isOutlier(metrics.nGenes, { nmads, constant, log1p: true });
    rule('madTotalCounts', (i) => logTotalCounts.outlier[i] === 1);
    rule('madNGenes', (i) => logNGenes.outlier[i] === 1);
    mad = { logTotalCounts, logNGenes };
    const mitoN = m.pctMitoNmads === undefined ? 3 : m.pctMitoNmads;
    if (mitoN !== null) {
      const pm = isOutlier(metrics.pctMito, { nmads: mitoN, constant, type: 'higher' });
      rule('madPctMito', (i) => pm.outlier[i] === 1);
      mad.pctMito = pm;
    }
  }
  let nKept = 0;
  for (let i = 0; i < n; i++) nKept += keep[i];
  return { keep, nKept, failed, ...(mad ? { mad } : {}) };
}

export interface GeneFilterOptions {
  /** Keep genes with a positive count in at least this many (kept) cells (default 3, scanpy's tutorial). */
  minCells?: number;
  /** Keep genes with at least this total count (default none). */
  minCounts?: number;
  /** Count only these cells (1 = keep); default all. */
  cells?: ArrayLike<number>;
}

export interface GeneFilterResult {
  keep: Uint8Array;
  nKept: number;
  /** Cells with a positive count, per gene (over the counted cells). */
  nCells: Float64Array;
  totalCounts: Float64Array;
}

/** scanpy's filter_genes(min_cells / min_counts), over the given cells. */
export function filterGenes(counts: CsrMatrix, o: GeneFilterOptions = {}): GeneFilterResult {
  checkOptionNames(o, GENE_FILTER_OPTIONS, 'filterGenes');
  for (const name of ['minCells', 'minCounts'] as const) {
    const v = o[name];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v)))
      throw invalid('BAD_OPTION', `filterGenes: ${name}=${describeValue(v)} must be a finite number.`);
  }
  checkCsr(counts, 'counts', { nonNegative: true });
  checkMask(o.cells, counts.n, 'filterGenes cells');
  return geneFilterOf(counts, o);
}

/** filterGenes on counts and options already validated (the pipeline's). */
export function geneFilterOf(counts: CsrMatrix, o: GeneFilterOptions): GeneFilterResult {
  const { n, d, indptr, indices, values } = counts;
  const minCells = o.minCells ?? 3;
  const nCells = new Float64Array(d);
  const totalCounts = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    if (o.cells && !o.cells[i]) continue;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const x = values[p];
      if (x > 0) nCells[indices[p]]++;
      totalCounts[indices[p]] += x;
    }
  }
  const keep = new Uint8Array(d);
  let nKept = 0;
  for (let g = 0; g < d; g++) {
    keep[g] = nCells[g] >= minCells && (o.minCounts === undefined || totalCounts[g] >= o.minCounts) ? 1 : 0;
    nKept += keep[g];
  }
  return { keep, nKept, nCells, totalCounts };
}
