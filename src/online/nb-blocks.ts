/** Blocks of validated counts (nbmm/counts.ts Counts) for the stepwise NB fit: rows picked in memory, chunks joined. */
import type { Counts } from '../nbmm/counts.js';

/** The cells `rows` of in-memory counts, in that order. */
export function pickCounts(c: Counts, rows: ArrayLike<number>): Counts {
  let nnz = 0;
  for (let t = 0; t < rows.length; t++) nnz += c.indptr[rows[t] + 1] - c.indptr[rows[t]];
  const indptr = new Uint32Array(rows.length + 1);
  const indices = new Uint32Array(nnz);
  const values = new Float64Array(nnz);
  const totals = new Float64Array(rows.length);
  let q = 0;
  for (let t = 0; t < rows.length; t++) {
    const i = rows[t];
    for (let p = c.indptr[i]; p < c.indptr[i + 1]; p++, q++) {
      indices[q] = c.indices[p];
      values[q] = c.values[p];
    }
    indptr[t + 1] = q;
    totals[t] = c.totals[i];
  }
  return { n: rows.length, d: c.d, indptr, indices, values, totals };
}

/** Blocks of cells one after another. */
export function concatCounts(parts: Counts[]): Counts {
  const n = parts.reduce((a, c) => a + c.n, 0);
  const nnz = parts.reduce((a, c) => a + c.indptr[c.n], 0);
  const out: Counts = {
    n,
    d: parts[0].d,
    indptr: new Uint32Array(n + 1),
    indices: new Uint32Array(nnz),
    values: new Float64Array(nnz),
    totals: new Float64Array(n),
  };
  let i0 = 0;
  let p0 = 0;
  for (const c of parts) {
    const m = c.indptr[c.n];
    out.indices.set(c.indices.subarray(0, m), p0);
    out.values.set(c.values.subarray(0, m), p0);
    out.totals.set(c.totals, i0);
    for (let i = 1; i <= c.n; i++) out.indptr[i0 + i] = p0 + c.indptr[i];
    i0 += c.n;
    p0 += m;
  }
  return out;
}
