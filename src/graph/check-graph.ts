/**
 * The one check of a WeightedGraph handed to leiden() and umap(): a square CSR object with
 * indptr from 0 to nnz, strictly ascending in-range columns, finite non-negative weights, and
 * symmetric (each edge stored in both rows with the same weight). Shapes are checked before
 * anything of size n is allocated, so a tampered n cannot make either hang.
 */
import { invalid } from '../errors.js';
import type { WeightedGraph } from './types.js';

/** Rows between the steps of the check (a caller may yield to the event loop between steps: leiden). */
export const ROWS_PER_STEP = 256;

export function checkGraph(g: WeightedGraph, who: string): void {
  const steps = checkGraphSteps(g, who);
  while (!steps.next().done);
}

/** checkGraph as steps: a generator that yields every ROWS_PER_STEP rows (O(nnz) in all). */
export function* checkGraphSteps(g: WeightedGraph, who: string): Generator<void, void, void> {
  if (g === null || typeof g !== 'object' || !g.indptr || !g.indices || !g.values) {
    throw invalid(
      'BAD_OPTION',
      `${who}: the graph must be a CSR object { n, d, indptr, indices, values }. Build it with the graph helpers (e.g. an SNN graph).`,
    );
  }
  const { n, d, indptr, indices, values } = g;
  if (!Number.isInteger(n) || n < 0 || n !== d) {
    throw invalid(
      'SHAPE_MISMATCH',
      `${who}: the graph is ${n} × ${d}; an adjacency matrix must be square (n === d). Pass the vertex-by-vertex weight matrix.`,
    );
  }
  if (indptr.length !== n + 1 || indptr[0] !== 0 || indices.length !== values.length || indptr[n] !== indices.length) {
    throw invalid(
      'SHAPE_MISMATCH',
      `${who}: indptr has ${indptr.length} entries for n = ${n} (needs n + 1, from 0 to nnz = ${indices.length}). Pass a well-formed CSR matrix.`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
    const a = indptr[i];
    const b = indptr[i + 1];
    if (!(b >= a)) throw invalid('SHAPE_MISMATCH', `${who}: indptr decreases at row ${i}. Pass a well-formed CSR matrix.`);
    for (let p = a; p < b; p++) {
      const j = indices[p];
      const w = values[p];
      if (!Number.isInteger(j) || j < 0 || j >= n || (p > a && j <= indices[p - 1])) {
        throw invalid(
          'SHAPE_MISMATCH',
          `${who}: row ${i} has column ${j} out of range or out of order (columns must be strictly ascending in [0, ${n})). Sort each row's columns.`,
        );
      }
      if (!Number.isFinite(w))
        throw invalid('NON_FINITE', `${who}: edge (${i}, ${j}) has weight ${w}. Weights must be finite; drop or fix that edge.`);
      if (w < 0)
        throw invalid(
          'BAD_OPTION',
          `${who}: edge (${i}, ${j}) has negative weight ${w}. Graph weights must be ≥ 0; shift or drop negative edges.`,
        );
    }
  }
  yield* checkSymmetric(n, indptr, indices, values, who);
}

/** Every (i, j, w) must have its (j, i, w): walk the transpose built by a counting pass (O(nnz)). */
function* checkSymmetric(
  n: number,
  indptr: ArrayLike<number>,
  cols: ArrayLike<number>,
  ws: ArrayLike<number>,
  who: string,
): Generator<void, void, void> {
  const tptr = new Int32Array(n + 1);
  for (let p = 0; p < cols.length; p++) tptr[cols[p] + 1]++;
  for (let i = 0; i < n; i++) tptr[i + 1] += tptr[i];
  const fill = tptr.slice(0, n);
  const trow = new Int32Array(cols.length);
  const tw = new Float64Array(cols.length);
  for (let i = 0; i < n; i++) {
    if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const q = fill[cols[p]]++;
      trow[q] = i;
      tw[q] = ws[p];
    }
  }
  for (let i = 0; i < n; i++) {
    if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
    const ok = tptr[i] === indptr[i] && tptr[i + 1] === indptr[i + 1];
    for (let p = indptr[i]; ok && p < indptr[i + 1]; p++) {
      const a = ws[p];
      const b = tw[p];
      if (trow[p] !== cols[p] || Math.abs(a - b) > 1e-6 * Math.max(Math.abs(a), Math.abs(b))) throw asym(i, cols[p], cols.length, who);
    }
    if (!ok) throw asym(i, -1, cols.length, who);
  }
}

function asym(i: number, j: number, nnz: number, who: string): Error {
  return invalid(
    'BAD_OPTION',
    `${who}: the graph is not symmetric (row ${i}${j >= 0 ? `, column ${j}` : ''}; ${nnz} stored entries): an undirected graph stores each edge in both rows with the same weight. Symmetrise it, e.g. (A + Aᵀ)/2 or max(A, Aᵀ).`,
  );
}
