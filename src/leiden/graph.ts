/**
 * The working graph of leiden(): the caller's symmetric CSR checked and copied into float64 rows
 * without the diagonal (self-loops kept apart, as aggregation makes them), plus each vertex's
 * weight in the objective's penalty term (degree for modularity, size for CPM); and the
 * aggregation of a graph by a partition into its community graph.
 */
import { invalid } from '../errors.js';
import type { WeightedGraph } from '../graph/types.js';

export interface WorkGraph {
  n: number;
  indptr: Int32Array;
  indices: Int32Array;
  weights: Float64Array;
  /** Weight of each vertex's self-loop, counted once (the internal weight of an aggregated vertex). */
  self: Float64Array;
  /** Penalty weight: strength (off-diagonal sum + 2·self) for modularity, number of original vertices for CPM. */
  nodeW: Float64Array;
  /** The caller's graph stores a diagonal entry (leidenalg's CPM then counts n(n + 1)/2 possible pairs). */
  loops?: boolean;
}

/** Validate a WeightedGraph (square, symmetric, finite non-negative weights, sorted columns) and copy it. */
export function workGraph(g: WeightedGraph, cpm: boolean): WorkGraph {
  if (g === null || typeof g !== 'object' || !g.indptr || !g.indices || !g.values) {
    throw invalid(
      'BAD_OPTION',
      'leiden: the graph must be a CSR object { n, d, indptr, indices, values }. Build it with the graph helpers (e.g. an SNN graph).',
    );
  }
  const { n, d, indptr, indices, values } = g;
  if (!Number.isInteger(n) || n < 0 || n !== d) {
    throw invalid(
      'SHAPE_MISMATCH',
      `leiden: the graph is ${n} × ${d}; an adjacency matrix must be square (n === d). Pass the vertex-by-vertex weight matrix.`,
    );
  }
  if (indptr.length !== n + 1 || indptr[0] !== 0 || indices.length !== values.length || indptr[n] !== indices.length) {
    throw invalid(
      'SHAPE_MISMATCH',
      `leiden: indptr has ${indptr.length} entries for n = ${n} (needs n + 1, from 0 to nnz = ${indices.length}). Pass a well-formed CSR matrix.`,
    );
  }
  const nnz = indices.length;
  let off = 0;
  let loops = false;
  const self = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = indptr[i];
    const b = indptr[i + 1];
    if (b < a) throw invalid('SHAPE_MISMATCH', `leiden: indptr decreases at row ${i}. Pass a well-formed CSR matrix.`);
    for (let p = a; p < b; p++) {
      const j = indices[p];
      const w = values[p];
      if (!Number.isInteger(j) || j < 0 || j >= n || (p > a && j <= indices[p - 1])) {
        throw invalid(
          'SHAPE_MISMATCH',
          `leiden: row ${i} has column ${j} out of range or out of order (columns must be strictly ascending in [0, ${n})). Sort each row's columns.`,
        );
      }
      if (!Number.isFinite(w))
        throw invalid('NON_FINITE', `leiden: edge (${i}, ${j}) has weight ${w}. Weights must be finite; drop or fix that edge.`);
      if (w < 0)
        throw invalid(
          'BAD_OPTION',
          `leiden: edge (${i}, ${j}) has negative weight ${w}. Modularity and CPM need weights ≥ 0; shift or drop negative edges.`,
        );
      if (j === i) {
        self[i] = w;
        loops = true;
      } else off++;
    }
  }
  const out = new Int32Array(n + 1);
  const cols = new Int32Array(off);
  const ws = new Float64Array(off);
  for (let i = 0, q = 0; i < n; i++) {
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      if (indices[p] === i) continue;
      cols[q] = indices[p];
      ws[q++] = values[p];
    }
    out[i + 1] = q;
  }
  checkSymmetric(n, out, cols, ws, nnz);
  const nodeW = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (cpm) nodeW[i] = 1;
    else {
      let s = 2 * self[i];
      for (let p = out[i]; p < out[i + 1]; p++) s += ws[p];
      nodeW[i] = s;
    }
  }
  return { n, indptr: out, indices: cols, weights: ws, self, nodeW, loops };
}

/** Every (i, j, w) must have its (j, i, w): walk the transpose built by a counting pass (O(nnz)). */
function checkSymmetric(n: number, indptr: Int32Array, cols: Int32Array, ws: Float64Array, nnz: number): void {
  const tptr = new Int32Array(n + 1);
  for (let p = 0; p < cols.length; p++) tptr[cols[p] + 1]++;
  for (let i = 0; i < n; i++) tptr[i + 1] += tptr[i];
  const fill = tptr.slice(0, n);
  const trow = new Int32Array(cols.length);
  const tw = new Float64Array(cols.length);
  for (let i = 0; i < n; i++) {
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const q = fill[cols[p]]++;
      trow[q] = i;
      tw[q] = ws[p];
    }
  }
  for (let i = 0; i < n; i++) {
    const ok = tptr[i] === indptr[i] && tptr[i + 1] === indptr[i + 1];
    for (let p = indptr[i]; ok && p < indptr[i + 1]; p++) {
      const a = ws[p];
      const b = tw[p];
      if (trow[p] !== cols[p] || Math.abs(a - b) > 1e-6 * Math.max(Math.abs(a), Math.abs(b))) {
        throw asym(i, cols[p], nnz);
      }
    }
    if (!ok) throw asym(i, -1, nnz);
  }
}

function asym(i: number, j: number, nnz: number): Error {
  return invalid(
    'BAD_OPTION',
    `leiden: the graph is not symmetric (row ${i}${j >= 0 ? `, column ${j}` : ''}; ${nnz} stored entries): an undirected graph stores each edge in both rows with the same weight. Symmetrise it, e.g. (A + Aᵀ)/2 or max(A, Aᵀ).`,
  );
}

/**
 * The graph whose vertices are the communities of `labels` (0..c−1): edge weights between
 * communities summed, weight inside a community (edges once, plus self-loops) as its self-loop,
 * penalty weights summed.
 */
export function aggregate(g: WorkGraph, labels: Int32Array, c: number): WorkGraph {
  const { n, indptr, indices, weights } = g;
  // Members of each community, by a counting sort.
  const start = new Int32Array(c + 1);
  for (let v = 0; v < n; v++) start[labels[v] + 1]++;
  for (let k = 0; k < c; k++) start[k + 1] += start[k];
  const fill = start.slice(0, c);
  const members = new Int32Array(n);
  for (let v = 0; v < n; v++) members[fill[labels[v]]++] = v;
  const acc = new Float64Array(c);
  const seen = new Int32Array(c).fill(-1);
  const touched = new Int32Array(c);
  const ptr = new Int32Array(c + 1);
  let cols = new Int32Array(Math.max(16, indices.length));
  let ws = new Float64Array(cols.length);
  const self = new Float64Array(c);
  const nodeW = new Float64Array(c);
  let q = 0;
  for (let k = 0; k < c; k++) {
    let nt = 0;
    let inside = 0;
    for (let m = start[k]; m < start[k + 1]; m++) {
      const v = members[m];
      inside += g.self[v];
      nodeW[k] += g.nodeW[v];
      for (let p = indptr[v]; p < indptr[v + 1]; p++) {
        const t = labels[indices[p]];
        if (t === k) {
          inside += 0.5 * weights[p];
          continue;
        }
        if (seen[t] !== k) {
          seen[t] = k;
          acc[t] = 0;
          touched[nt++] = t;
        }
        acc[t] += weights[p];
      }
    }
    self[k] = inside;
    touched.subarray(0, nt).sort();
    if (q + nt > cols.length) {
      const grow = Math.max(cols.length * 2, q + nt);
      const c2 = new Int32Array(grow);
      c2.set(cols);
      const w2 = new Float64Array(grow);
      w2.set(ws);
      cols = c2;
      ws = w2;
    }
    for (let t = 0; t < nt; t++) {
      cols[q] = touched[t];
      ws[q++] = acc[touched[t]];
    }
    ptr[k + 1] = q;
  }
  return { n: c, indptr: ptr, indices: cols.slice(0, q), weights: ws.slice(0, q), self, nodeW };
}
