/**
 * Per-cell quality control of a cell-major count matrix (scanpy's calculate_qc_metrics): total
 * counts, genes detected and the mitochondrial share, on the engine's backend; cell filters by
 * fixed thresholds or by median absolute deviations (scater's isOutlier); the gene filter
 * (min_cells); and row/column subsetting. The sums run on the GPU when the engine has one; the
 * thresholds, MADs and subsetting are O(n + nnz) bookkeeping on the host on both backends.
 */
import { withGpu } from '../gpu/session.js';
import { invalid } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { Backend } from '../types.js';
import { CpuCsrOps, gpuCsrOps, type CsrLike, type ScOps } from './gpu/ops.js';

export type { CsrLike } from './gpu/ops.js';

/** A CSR matrix produced here (subsets, normalised values). */
export interface CsrOut {
  n: number;
  d: number;
  nnz: number;
  indptr: Uint32Array;
  indices: Uint32Array;
  values: Float32Array | Float64Array;
}

/** Validate a CSR matrix: shape, monotone indptr, column indices in range and unique within a row, finite values. O(nnz). */
export function checkCsr(m: CsrLike, what = 'counts'): void {
  if (!m || typeof m !== 'object')
    throw invalid('SHAPE_MISMATCH', `${what} must be a CSR matrix { n, d, indptr, indices, values } (cells as rows).`);
  const { n, d, indptr, indices, values } = m;
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 0 || d < 1) {
    throw invalid('SHAPE_MISMATCH', `${what} has n=${String(n)}, d=${String(d)}: pass integers n >= 0 (cells) and d >= 1 (genes).`);
  }
  if (!indptr || indptr.length !== n + 1)
    throw invalid(
      'SHAPE_MISMATCH',
      `${what}.indptr has ${indptr?.length} entries but n + 1 = ${n + 1}. Pass one offset per cell plus one.`,
    );
  const nnz = indptr[n];
  if (indptr[0] !== 0 || !(nnz >= 0) || !indices || !values || indices.length < nnz || values.length < nnz) {
    throw invalid(
      'SHAPE_MISMATCH',
      `${what}: indptr must start at 0 and end at nnz, with indices and values of at least nnz = ${nnz} entries.`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (!(indptr[i + 1] >= indptr[i]))
      throw invalid('SHAPE_MISMATCH', `${what}.indptr decreases at cell ${i}. Pass non-decreasing row offsets.`);
  }
  const seen = new Int32Array(d).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const g = indices[p];
      if (!(Number.isInteger(g) && g >= 0 && g < d))
        throw invalid('SHAPE_MISMATCH', `${what}.indices[${p}] = ${g} is not a gene index in [0, ${d}).`);
      if (seen[g] === i) {
        throw invalid(
          'SHAPE_MISMATCH',
          `${what} stores gene ${g} twice in cell ${i}. Sum duplicate entries first (canonicalize() from the single-cell loaders does).`,
        );
      }
      seen[g] = i;
      if (!Number.isFinite(values[p]))
        throw invalid('NON_FINITE', `${what} has a non-finite value (${values[p]}) at entry ${p}. Fix or drop it before preprocessing.`);
    }
  }
}

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

export function mitoMaskFor(d: number, o: QcOptions = {}): Uint8Array {
  const mask = new Uint8Array(d);
  if (o.mitoMask) {
    if (o.mitoMask.length !== d)
      throw invalid('SHAPE_MISMATCH', `mitoMask has ${o.mitoMask.length} entries for ${d} genes. Pass one per gene.`);
    for (let g = 0; g < d; g++) mask[g] = o.mitoMask[g] ? 1 : 0;
    return mask;
  }
  if (o.geneNames) {
    if (o.geneNames.length !== d)
      throw invalid('SHAPE_MISMATCH', `geneNames has ${o.geneNames.length} entries for ${d} genes. Pass one per gene.`);
    const prefixes = o.mitoPrefixes ?? ['MT-', 'mt-'];
    for (let g = 0; g < d; g++) mask[g] = prefixes.some((p) => String(o.geneNames![g]).startsWith(p)) ? 1 : 0;
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

/** Per-cell QC metrics on the engine's backend. */
export async function qcMetrics(engine: Engine, counts: CsrLike, options: QcOptions = {}): Promise<QcMetrics> {
  checkCsr(counts);
  const mask = mitoMaskFor(counts.d, options);
  return engine.backend === 'webgpu' // merge: sc helper replaces this
    ? withGpu(engine, (runner, chunking) => qcFromOps(gpuCsrOps(runner, counts, chunking), mask))
    : (() => qcFromOps(new CpuCsrOps(counts), mask))();
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
  const nmads = o.nmads ?? 3;
  const constant = o.constant ?? 1.4826;
  const type = o.type ?? 'both';
  const x = Float64Array.from(values, (v) => (o.log1p ? Math.log1p(v) : v));
  const med = median(x);
  const dev = Float64Array.from(x, (v) => Math.abs(v - med));
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

/** Which cells pass the thresholds (all given rules; a cell must pass every one). */
export function filterCells(
  metrics: Pick<QcMetrics, 'n' | 'totalCounts' | 'nGenes' | 'pctMito'>,
  o: CellFilterOptions = {},
): CellFilterResult {
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
  const num = (v: unknown, name: string) => {
    if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v)))
      throw invalid('BAD_OPTION', `${name}=${String(v)} must be a number.`);
    return v as number | undefined;
  };
  const minCounts = num(o.minCounts, 'minCounts');
  const maxCounts = num(o.maxCounts, 'maxCounts');
  const minGenes = num(o.minGenes, 'minGenes');
  const maxGenes = num(o.maxGenes, 'maxGenes');
  const maxPctMito = num(o.maxPctMito, 'maxPctMito');
  if (minCounts !== undefined) rule('minCounts', (i) => metrics.totalCounts[i] < minCounts);
  if (maxCounts !== undefined) rule('maxCounts', (i) => metrics.totalCounts[i] > maxCounts);
  if (minGenes !== undefined) rule('minGenes', (i) => metrics.nGenes[i] < minGenes);
  if (maxGenes !== undefined) rule('maxGenes', (i) => metrics.nGenes[i] > maxGenes);
  if (maxPctMito !== undefined) rule('maxPctMito', (i) => metrics.pctMito[i] > maxPctMito);
  let mad: CellFilterResult['mad'];
  if (o.mad) {
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
export function filterGenes(counts: CsrLike, o: GeneFilterOptions = {}): GeneFilterResult {
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

/** Indices i with mask[i] set (all when mask is null). */
export function maskIndices(mask: ArrayLike<number> | null, size: number): Uint32Array {
  if (!mask) return Uint32Array.from({ length: size }, (_, i) => i);
  let c = 0;
  for (let i = 0; i < size; i++) if (mask[i]) c++;
  const out = new Uint32Array(c);
  for (let i = 0, j = 0; i < size; i++) if (mask[i]) out[j++] = i;
  return out;
}

/**
 * The submatrix of kept cells (rows) and genes (columns), genes renumbered in order; values keep
 * their float32/float64 type. Column order within a row is preserved.
 */
export function subsetCsr(m: CsrLike, rows: ArrayLike<number> | null, cols: ArrayLike<number> | null): CsrOut {
  const { n, d, indptr, indices, values } = m;
  const colmap = new Int32Array(d);
  let dOut = d;
  if (cols) {
    dOut = 0;
    for (let g = 0; g < d; g++) colmap[g] = cols[g] ? dOut++ : -1;
  } else {
    for (let g = 0; g < d; g++) colmap[g] = g;
  }
  let nOut = 0;
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    if (rows && !rows[i]) continue;
    nOut++;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) if (colmap[indices[p]] >= 0) nnz++;
  }
  const outPtr = new Uint32Array(nOut + 1);
  const outIdx = new Uint32Array(nnz);
  const outVal = values instanceof Float32Array ? new Float32Array(nnz) : new Float64Array(nnz);
  let r = 0;
  let q = 0;
  for (let i = 0; i < n; i++) {
    if (rows && !rows[i]) continue;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const c = colmap[indices[p]];
      if (c < 0) continue;
      outIdx[q] = c;
      outVal[q] = values[p];
      q++;
    }
    outPtr[++r] = q;
  }
  return { n: nOut, d: dOut, nnz, indptr: outPtr, indices: outIdx, values: outVal };
}
