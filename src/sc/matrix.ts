/** The stages' CSR bookkeeping on the host: validation, row/column subsets, mask → indices. */
import { invalid } from '../errors.js';
import type { CsrMatrix } from '../sparse.js';

/** A CSR matrix the stages return (subsets, normalised values): typed arrays, nnz set, float32 or float64 values. */
export type CsrResult = Required<CsrMatrix<Float32Array | Float64Array, Uint32Array>>;

/** Validate a CSR matrix: shape, monotone indptr, column indices in range and unique within a row, finite values. O(nnz). */
export function checkCsr(m: CsrMatrix, what = 'counts'): void {
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
