/** The stages' CSR bookkeeping on the host: validation, row/column subsets, mask → indices. */
import { describeValue, finiteError, isArrayLike } from '../data.js';
import { BufferLimitError, invalid } from '../errors.js';
import { DEFAULT_MAX_BYTES, formatBytes, MAX_DIMENSION } from '../io/memory.js';
import type { CsrMatrix } from '../sparse.js';

/** A CSR matrix the stages return (subsets, normalised values): typed arrays, nnz set, float32 or float64 values. */
export type CsrResult = Required<CsrMatrix<Float32Array | Float64Array, Uint32Array>>;

/** What a stage requires of a matrix's values besides finiteness. */
export interface CsrValueRule {
  /** Counts (or log1p-normalised counts): a negative value is refused (qcMetrics, normalizeTotal, filterGenes, rankGenes). */
  nonNegative?: boolean;
}

/** The largest float32: the 'cpu' and 'webgpu' stages hold values (and per-cell totals) in float32. */
export const F32_MAX = 3.4028234663852886e38;

/**
 * The dimensions the stages can hold, in O(1) and before anything is allocated: indices are 32-bit
 * (MAX_DIMENSION) and one float64 per gene must fit the loaders' default budget (DEFAULT_MAX_BYTES).
 * `perCell`: a streamed pipeline, whose n is only declared, also holds a few numbers per cell, so
 * one float64 per cell must fit that budget too (an in-memory matrix already holds its indptr).
 */
export function checkScShape(n: number, d: number, what: string, perCell = false): void {
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 0 || d < 1) {
    throw invalid('SHAPE_MISMATCH', `${what} has n=${String(n)}, d=${String(d)}: pass integers n >= 0 (cells) and d >= 1 (genes).`);
  }
  if (n > MAX_DIMENSION || d > MAX_DIMENSION || 8 * d > DEFAULT_MAX_BYTES || (perCell && 8 * n > DEFAULT_MAX_BYTES)) {
    const per = perCell ? 'cell and per gene' : 'gene';
    throw new BufferLimitError(
      `${what} declares n=${n.toLocaleString('en-US')} cells and d=${d.toLocaleString('en-US')} genes; the single-cell stages index with ` +
        `32-bit integers (at most ${MAX_DIMENSION.toLocaleString('en-US')}) and hold numbers per ${per}, which would need ` +
        `${formatBytes(8 * (perCell ? Math.max(n, d) : d))}, above the ${formatBytes(DEFAULT_MAX_BYTES)} allowed. Check n and d, and keep only the genes that hold counts.`,
    );
  }
}

/**
 * Validate a CSR matrix: shape, monotone indptr, column indices in range and unique within a row, finite values
 * within float32 (and non-negative when `rule.nonNegative`). The dimensions are bounded first, in O(1) and before
 * anything is allocated: indices are 32-bit (MAX_DIMENSION) and the stages hold a few numbers per gene, so one
 * float64 per gene must fit the loaders' default budget (DEFAULT_MAX_BYTES, the rule the loaders apply to a
 * declared shape). O(nnz) after that.
 */
export function checkCsr(m: CsrMatrix, what = 'counts', rule: CsrValueRule = {}): void {
  if (!m || typeof m !== 'object')
    throw invalid(
      'SHAPE_MISMATCH',
      `${what} must be a CSR matrix { n, d, indptr, indices, values } (cells as rows); got ${describeValue(m)}.`,
    );
  const { n, d, indptr, indices, values } = m;
  checkScShape(n, d, what);
  for (const [name, a] of [
    ['indptr', indptr],
    ['indices', indices],
    ['values', values],
  ] as const) {
    if (!isArrayLike(a)) throw invalid('SHAPE_MISMATCH', `${what}.${name} must be an array of numbers; got ${describeValue(a)}.`);
  }
  if (indptr.length !== n + 1)
    throw invalid('SHAPE_MISMATCH', `${what}.indptr has ${indptr.length} entries but n + 1 = ${n + 1}. Pass one offset per cell plus one.`);
  const nnz = indptr[n];
  if (indptr[0] !== 0 || !(Number.isInteger(nnz) && nnz >= 0) || indices.length < nnz || values.length < nnz) {
    throw invalid(
      'SHAPE_MISMATCH',
      `${what}: indptr must start at 0 and end at nnz, with indices and values of at least nnz = ${nnz} entries.`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (!(indptr[i + 1] >= indptr[i]) || !Number.isInteger(indptr[i + 1]))
      throw invalid(
        'SHAPE_MISMATCH',
        `${what}.indptr decreases (or is not an integer) at cell ${i}. Pass non-decreasing integer row offsets.`,
      );
  }
  const seen = new Int32Array(d).fill(-1);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const g = indices[p];
      if (!(Number.isInteger(g) && g >= 0 && g < d))
        throw invalid('SHAPE_MISMATCH', `${what}.indices[${p}] = ${String(g)} is not a gene index in [0, ${d}).`);
      if (seen[g] === i) {
        throw invalid(
          'SHAPE_MISMATCH',
          `${what} stores gene ${g} twice in cell ${i}. Sum duplicate entries first (canonicalize() from the single-cell loaders does).`,
        );
      }
      seen[g] = i;
      const v = values[p];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw finiteError(v, what, `entry ${p} (cell ${i}, gene ${g})`);
      if (rule.nonNegative && v < 0)
        throw invalid(
          'OUT_OF_RANGE',
          `${what} has a negative value (${v}) at entry ${p} (cell ${i}, gene ${g}); counts are >= 0. Pass raw or normalised counts, not centred data.`,
        );
      total += Math.abs(v);
    }
    if (total > F32_MAX) {
      throw invalid(
        'OUT_OF_RANGE',
        `${what}: cell ${i} has values summing to ${total.toExponential(3)}, beyond float32 (${F32_MAX.toExponential(3)}), in which the stages compute. ` +
          'Single-cell counts are far smaller: check the units, or divide the values by a constant first.',
      );
    }
  }
}

/**
 * A row or column mask (one 0/1 or boolean per cell or gene), or null for all: anything else — a list of indices,
 * NaN, a string — would be read as "keep" and silently select everything.
 */
export function checkMask(mask: unknown, size: number, what: string): void {
  if (mask === null || mask === undefined) return;
  if (!isArrayLike(mask)) throw invalid('BAD_OPTION', `${what} must be a mask (one 0/1 per entry) or null; got ${describeValue(mask)}.`);
  if (mask.length !== size)
    throw invalid(
      'SHAPE_MISMATCH',
      `${what} has ${mask.length} entries for ${size}. Pass one 0/1 per entry (a mask, not a list of indices).`,
    );
  for (let i = 0; i < size; i++) {
    const v = mask[i];
    if (v !== 0 && v !== 1 && v !== true && v !== false)
      throw invalid(
        'BAD_OPTION',
        `${what}[${i}] is ${typeof v === 'number' ? v : describeValue(v)}; a mask holds 0 or 1 (or booleans). Build it with one entry per row or column.`,
      );
  }
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
export function subsetCsr(m: CsrMatrix, rows: ArrayLike<number> | null, cols: ArrayLike<number> | null): CsrResult {
  checkCsr(m, 'subsetCsr matrix');
  checkMask(rows, m.n, 'subsetCsr rows');
  checkMask(cols, m.d, 'subsetCsr cols');
  return subsetTrusted(m, rows, cols);
}

/** subsetCsr on a matrix and masks already validated (the pipeline's own filters). */
export function subsetTrusted(m: CsrMatrix, rows: ArrayLike<number> | null, cols: ArrayLike<number> | null): CsrResult {
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
