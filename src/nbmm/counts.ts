/**
 * The count-data boundary of the negative-binomial mixture: dense or CSR input → a validated,
 * private CSR copy (explicit zeros dropped), size factors, and the per-gene count histograms the
 * dispersion update needs. The caller's arrays are only read.
 */
import { toFloat64, checkK, finiteError, finiteNumber, type DataInput } from '../data.js';
import { invalid } from '../errors.js';
import type { CsrMatrix } from '../sparse.js';
import type { CountsInput, SizeFactorsOption } from './types.js';

/** Validated counts, cells as rows. */
export interface Counts {
  n: number;
  d: number;
  indptr: Uint32Array;
  indices: Uint32Array;
  /** Positive integer counts (stored as float64; exact up to 2^53). */
  values: Float64Array;
  /** Total count per cell. */
  totals: Float64Array;
}

function isCsr(x: unknown): x is CsrMatrix {
  return typeof x === 'object' && x !== null && 'indptr' in x && 'indices' in x && 'values' in x;
}

function arrayLike(v: unknown, name: string): ArrayLike<number> {
  if (v == null || typeof (v as ArrayLike<number>).length !== 'number' || typeof v === 'string') {
    throw invalid(
      'SHAPE_MISMATCH',
      `CSR ${name} is not an array. Pass indptr, indices and values as arrays (e.g. Int32Array, Float32Array, number[]).`,
    );
  }
  return v as ArrayLike<number>;
}

/**
 * The largest count accepted: 2^32. The likelihood's log Γ(x + r) − log Γ(x + 1) cancels two
 * numbers near x·log x, so its error is about ε·x·log x: 1e-5 at 2^32, but hundreds at 1e16,
 * which made a count of 1e20 give a positive log-likelihood (and beyond 2^53 float64 does not
 * even hold every integer). UMI counts are orders of magnitude below the bound.
 */
export const COUNT_MAX = 2 ** 32;

function badCount(v: unknown, i: number, g: number): Error {
  if (typeof v !== 'number') return finiteError(v, 'counts', `cell ${i}, gene ${g}`);
  if (v > COUNT_MAX && Number.isFinite(v)) {
    return invalid(
      'OUT_OF_RANGE',
      `counts contain ${v} at cell ${i}, gene ${g}, above 2^32 (${COUNT_MAX}), beyond which the negative-binomial likelihood loses its precision in float64. ` +
        'Pass raw counts (UMI counts are far below this); if these are not counts, use gaussianMixture() instead.',
    );
  }
  if (!Number.isFinite(v)) {
    return invalid(
      'NON_FINITE',
      `counts contain ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'} at cell ${i}, gene ${g}. ` +
        'A negative-binomial mixture needs finite non-negative integer counts: remove or fix the non-finite entries.',
    );
  }
  if (v < 0) {
    return invalid(
      'BAD_OPTION',
      `counts contain a negative value (${v}) at cell ${i}, gene ${g}; a negative-binomial mixture needs non-negative integer counts. ` +
        'Pass raw UMI counts, not normalised or scaled data.',
    );
  }
  return invalid(
    'BAD_OPTION',
    `counts contain a non-integer value (${v}) at cell ${i}, gene ${g}; a negative-binomial mixture needs non-negative integer counts. ` +
      'Pass raw UMI counts, not normalised, log-transformed or scaled data (round expected counts first if that is what you have).',
  );
}

function fromCsr(m: CsrMatrix): Counts {
  const { n, d } = m;
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 0 || d < 0) {
    throw invalid(
      'SHAPE_MISMATCH',
      `CSR counts have n=${n}, d=${d}; both must be non-negative integers. Pass { indptr, indices, values, n, d } with whole numbers.`,
    );
  }
  if (n === 0 || d === 0) {
    throw invalid(
      'EMPTY_DATA',
      `The counts are empty (n=${n} cells, d=${d} genes); at least 1 cell and 1 gene are required. Check that the data loaded correctly.`,
    );
  }
  const indptr = arrayLike(m.indptr, 'indptr');
  const indices = arrayLike(m.indices, 'indices');
  const values = arrayLike(m.values, 'values');
  if (indptr.length !== n + 1) {
    throw invalid(
      'SHAPE_MISMATCH',
      `CSR indptr has length ${indptr.length} but n + 1 = ${n + 1} (one entry per cell plus one). Pass indptr of a cells × genes matrix (transpose a genes × cells one first).`,
    );
  }
  if (values.length !== indices.length) {
    throw invalid(
      'SHAPE_MISMATCH',
      `CSR values has length ${values.length} but indices has length ${indices.length}; they must match (one value per stored entry).`,
    );
  }
  if (Number(indptr[0]) !== 0) {
    throw invalid('SHAPE_MISMATCH', `CSR indptr[0] is ${indptr[0]}; it must be 0. Pass the indptr array of the matrix as stored.`);
  }
  if (Number(indptr[n]) !== indices.length) {
    throw invalid(
      'SHAPE_MISMATCH',
      `CSR indptr[n] is ${indptr[n]} but there are ${indices.length} stored entries; indptr's last value must equal the number of entries.`,
    );
  }
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    const a = Number(indptr[i]);
    const b = Number(indptr[i + 1]);
    if (!Number.isInteger(b) || b < a) {
      throw invalid(
        'SHAPE_MISMATCH',
        `CSR indptr is not non-decreasing at cell ${i} (indptr[${i}] = ${a}, indptr[${i + 1}] = ${b}). Pass a valid CSR matrix.`,
      );
    }
    let prev = -1;
    for (let p = a; p < b; p++) {
      const g = Number(indices[p]);
      if (!Number.isInteger(g) || g < 0 || g >= d) {
        throw invalid(
          'SHAPE_MISMATCH',
          `CSR index ${indices[p]} at entry ${p} (cell ${i}) is outside the gene range [0, ${d}). Check d and that indices are 0-based.`,
        );
      }
      if (g <= prev) {
        throw invalid(
          'SHAPE_MISMATCH',
          g === prev
            ? `CSR cell ${i} lists gene ${g} twice; duplicate entries are ambiguous. Sum duplicates first (scipy: X.sum_duplicates()).`
            : `CSR indices of cell ${i} are not sorted (gene ${g} after ${prev}). Sort them first (scipy: X.sort_indices()).`,
        );
      }
      prev = g;
      const v: unknown = values[p];
      if (typeof v !== 'number' || !(v >= 0) || !Number.isInteger(v) || v > COUNT_MAX) throw badCount(v, i, g);
      if (v > 0) nnz++;
    }
  }
  const out = alloc(n, d, nnz);
  let t = 0;
  for (let i = 0; i < n; i++) {
    for (let p = Number(indptr[i]); p < Number(indptr[i + 1]); p++) {
      const v = Number(values[p]);
      if (v === 0) continue; // explicit zeros are dropped
      out.indices[t] = Number(indices[p]);
      out.values[t] = v;
      out.totals[i] += v;
      t++;
    }
    out.indptr[i + 1] = t;
  }
  return out;
}

function alloc(n: number, d: number, nnz: number): Counts {
  return {
    n,
    d,
    indptr: new Uint32Array(n + 1),
    indices: new Uint32Array(nnz),
    values: new Float64Array(nnz),
    totals: new Float64Array(n),
  };
}

function fromDense(input: DataInput): Counts {
  const { n, d, x } = toFloat64(input, 'counts');
  let nnz = 0;
  for (let t = 0; t < x.length; t++) {
    const v = x[t];
    if (!(v >= 0) || !Number.isInteger(v) || v > COUNT_MAX) throw badCount(v, Math.floor(t / d), t % d);
    if (v > 0) nnz++;
  }
  const out = alloc(n, d, nnz);
  let t = 0;
  for (let i = 0; i < n; i++) {
    for (let g = 0; g < d; g++) {
      const v = x[i * d + g];
      if (v === 0) continue;
      out.indices[t] = g;
      out.values[t] = v;
      out.totals[i] += v;
      t++;
    }
    out.indptr[i + 1] = t;
  }
  return out;
}

/** Validate and copy counts (dense or CSR, cells × genes). */
export function toCounts(input: CountsInput): Counts {
  if (isCsr(input)) return fromCsr(input);
  return fromDense(input as DataInput);
}

export function checkCountsK(k: unknown, c: Counts): number {
  return checkK(k, c.n);
}

export interface SizeFactors {
  s: Float64Array;
  mode: 'library' | 'none' | 'given';
  libraryMean: number;
}

function listCells(cells: number[]): string {
  const head = cells.slice(0, 5).join(', ');
  return cells.length > 5 ? `${head}, … (${cells.length} cells)` : head;
}

function meanOf(c: Counts): number {
  let total = 0;
  for (let i = 0; i < c.n; i++) total += c.totals[i];
  return total / c.n;
}

function weightedMeanTotal(c: Counts, weights: Float64Array): number {
  let total = 0;
  let w = 0;
  for (let i = 0; i < c.n; i++) {
    total += weights[i] * c.totals[i];
    w += weights[i];
  }
  return total / w;
}

/**
 * Size factors from the option (validated); `libraryMean` overrides the mean total (scoring new
 * cells with a fitted model). With sample weights the mean total is weighted (Σ w_i·t_i / Σ w_i),
 * as a cell of weight w enters it as w copies would.
 */
export function sizeFactors(
  c: Counts,
  opt: SizeFactorsOption | undefined,
  libraryMean?: number,
  weights: Float64Array | null = null,
): SizeFactors {
  const meanTotal = weights ? weightedMeanTotal(c, weights) : meanOf(c);
  const choice = opt ?? 'library';
  if (choice === 'none') return { s: new Float64Array(c.n).fill(1), mode: 'none', libraryMean: meanTotal };
  if (choice === 'library') {
    const empty: number[] = [];
    for (let i = 0; i < c.n; i++) if (c.totals[i] === 0) empty.push(i);
    if (empty.length > 0) {
      throw invalid(
        'EMPTY_DATA',
        `Cell(s) ${listCells(empty)} have no counts at all, so their library size factor would be 0. ` +
          "Filter out empty cells first (e.g. keep cells with total count > 0, or scanpy's filter_cells(min_counts=1)), or pass sizeFactors: 'none'.",
      );
    }
    const m = libraryMean ?? meanTotal;
    const s = new Float64Array(c.n);
    for (let i = 0; i < c.n; i++) s[i] = c.totals[i] / m;
    return { s, mode: 'library', libraryMean: m };
  }
  if (typeof choice === 'string' || choice == null || typeof (choice as ArrayLike<number>).length !== 'number') {
    throw invalid(
      'BAD_OPTION',
      `sizeFactors='${String(choice)}' is not recognised. Use 'library', 'none' or an array of n positive numbers.`,
    );
  }
  const arr = choice as ArrayLike<number>;
  if (arr.length !== c.n) {
    throw invalid(
      'SHAPE_MISMATCH',
      `sizeFactors has ${arr.length} values but there are ${c.n} cells. Pass one positive size factor per cell.`,
    );
  }
  const s = new Float64Array(c.n);
  for (let i = 0; i < c.n; i++) {
    const v = finiteNumber(arr[i], 'sizeFactors', `index ${i}`);
    if (!(v > 0)) {
      throw invalid(
        'BAD_OPTION',
        `sizeFactors[${i}] = ${arr[i]}; size factors must be finite and > 0. Filter out cells with zero library size, or fix the factors.`,
      );
    }
    s[i] = v;
  }
  return { s, mode: 'given', libraryMean: meanTotal };
}

/**
 * Count histogram of each gene: the distinct positive values v and how many cells have them.
 * The lgamma part of the dispersion objective, Σ_i [log Γ(x_ig + r) − log Γ(r)], depends on
 * gene g's counts only through this histogram (Σ_k r_ik = 1), so it is evaluated per distinct
 * value rather than per cell.
 */
export interface GeneHistograms {
  /** Offsets into value/mult per gene (d + 1). */
  ptr: Uint32Array;
  value: Float64Array;
  mult: Float64Array;
  /** Σ_i x_ig. */
  total: Float64Array;
  /** Largest count per gene. */
  max: Float64Array;
}

/**
 * With sample weights, multiplicities and totals count cell i w_i times. Entries are bucketed by
 * gene (a stable counting sort, so each gene's entries stay in cell order and the sums add in the
 * same order as a per-gene pass over cells), then one reused Map collects a gene's distinct values:
 * per declared gene this costs 24 bytes, not a Map, so genes without counts are nearly free.
 */
export function geneHistograms(c: Counts, weights: Float64Array | null = null): GeneHistograms {
  const { d, n } = c;
  const nnz = c.indptr[n];
  const total = new Float64Array(d);
  const max = new Float64Array(d);
  // Counting sort of entry positions by gene.
  const start = new Uint32Array(d + 1);
  for (let p = 0; p < nnz; p++) start[c.indices[p] + 1]++;
  for (let g = 0; g < d; g++) start[g + 1] += start[g];
  const next = start.slice(0, d);
  const byGene = new Uint32Array(nnz);
  const cellOf = new Uint32Array(nnz);
  for (let i = 0; i < n; i++) {
    for (let p = c.indptr[i]; p < c.indptr[i + 1]; p++) {
      const q = next[c.indices[p]]++;
      byGene[q] = p;
      cellOf[q] = i;
    }
  }
  const ptr = new Uint32Array(d + 1);
  const value: number[] = [];
  const mult: number[] = [];
  const m = new Map<number, number>();
  for (let g = 0; g < d; g++) {
    const a = start[g];
    const b = start[g + 1];
    if (a === b) {
      ptr[g + 1] = ptr[g];
      continue;
    }
    m.clear();
    for (let q = a; q < b; q++) {
      const p = byGene[q];
      const w = weights ? weights[cellOf[q]] : 1;
      const v = c.values[p];
      m.set(v, (m.get(v) ?? 0) + w);
      total[g] += w * v;
      if (v > max[g]) max[g] = v;
    }
    const entries = [...m.entries()].sort((x, y) => x[0] - y[0]);
    for (const [v, w] of entries) {
      value.push(v);
      mult.push(w);
    }
    ptr[g + 1] = ptr[g] + entries.length;
  }
  return { ptr, value: Float64Array.from(value), mult: Float64Array.from(mult), total, max };
}

/** Bytes per gene and component the fit holds (means, sufficient statistics, backend copies). */
const GENE_BYTES_PER_K = 32;
/** Bytes per gene besides (dispersion, histograms, totals, init statistics). */
const GENE_BYTES = 96;
/** The most per-gene working memory a fit may need: 2 GiB, millions of genes at any useful k. */
export const MAX_GENE_BYTES = 2 ** 31;

/**
 * Refuse, before any per-gene array is allocated, a gene count whose working memory (about
 * k·d·32 + d·96 bytes) exceeds MAX_GENE_BYTES: a declared d far beyond the genes that hold counts
 * (e.g. d = 1e9) would otherwise exhaust memory and abort the process.
 */
export function checkGeneMemory(c: Counts, k: number): void {
  const bytes = c.d * (GENE_BYTES_PER_K * k + GENE_BYTES);
  if (bytes <= MAX_GENE_BYTES) return;
  throw invalid(
    'BUFFER_LIMIT',
    `The counts declare d=${c.d.toLocaleString('en-US')} genes; a fit with k=${k} would need about ${(bytes / 1e9).toFixed(1)} GB of per-gene ` +
      `parameters and working arrays, above the ${(MAX_GENE_BYTES / 1e9).toFixed(2)} GB allowed (${c.indices.length.toLocaleString('en-US')} stored counts in all). ` +
      'Keep only the genes that hold counts (columns with a non-zero sum) or the highly variable ones, and check that d is right.',
  );
}
