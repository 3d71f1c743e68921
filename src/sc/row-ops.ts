/**
 * The per-row CSR loops that the float64 reference backend and the streamed pipeline share, so a
 * streamed pass and the in-memory reference compute the same bits from the same code: QC sums and
 * normalize_total (+ log1p). Rows are read in order, each row's entries in stored order.
 */

/** CSR rows: the in-memory matrix or one streamed block. */
interface Rows {
  n: number;
  indptr: ArrayLike<number>;
  indices: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** Per row i: Σ counts, stored entries > 0, Σ counts in `mask`ed genes, written at `offset + i`. */
export function rowQcInto(
  rows: Rows,
  mask: Uint8Array,
  out: { total: Float64Array; detected: Float64Array; masked: Float64Array },
  offset = 0,
): void {
  const { indptr, indices, values } = rows;
  for (let i = 0; i < rows.n; i++) {
    let t = 0;
    let m = 0;
    let det = 0;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const x = values[p];
      t += x;
      if (x > 0) det++;
      if (mask[indices[p]]) m += x;
    }
    out.total[offset + i] = t;
    out.detected[offset + i] = det;
    out.masked[offset + i] = m;
  }
}

/** Normalised (and log1p) values of the rows into `out` (CSR order); returns the row totals. */
export function normalizeRowsInto(rows: Omit<Rows, 'indices'>, targetSum: number, log1p: boolean, out: Float64Array): Float64Array {
  const totals = new Float64Array(rows.n);
  const { indptr, values } = rows;
  for (let i = 0; i < rows.n; i++) {
    let t = 0;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) t += values[p];
    totals[i] = t;
    const div = t === 0 ? 1 : t / targetSum;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const y = values[p] / div;
      out[p] = log1p ? Math.log1p(y) : y;
    }
  }
  return totals;
}
