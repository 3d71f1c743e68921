/**
 * The one sparse matrix type of the library: compressed sparse rows (CSR), **rows = cells (samples),
 * columns = genes (features)**. Row i holds columns `indices[indptr[i] .. indptr[i+1])` with `values`
 * at the same positions, column indices strictly ascending within a row.
 *
 * Functions that read a matrix accept any arrays (typed arrays or number[]); functions that return
 * one narrow the arrays with the type parameters, e.g. the loaders return
 * `CsrMatrix<Float32Array, Uint32Array>` with `nnz` set:
 * - `indptr` a Uint32Array, so nnz must be below 2^32 (4.29e9 non-zeros, about 34 GB as CSR);
 * - `values` a Float32Array: whole numbers are exact up to 2^24 = 16,777,216 (UMI counts are far
 *   below that; a loader that meets a larger integer keeps it, rounded, and says so in its warnings).
 */
export interface CsrMatrix<V extends ArrayLike<number> = ArrayLike<number>, I extends ArrayLike<number> = ArrayLike<number>> {
  /** Rows: cells. */
  n: number;
  /** Columns: genes (features). */
  d: number;
  /** Stored entries (= indptr[n]); set on every matrix the library returns. */
  nnz?: number;
  /** n + 1 row offsets into `indices` / `values`. */
  indptr: I;
  /** Column (gene) index of each stored entry, 0-based, ascending within a row. */
  indices: I;
  /** Value of each stored entry (counts, or whatever the file holds). */
  values: V;
}
