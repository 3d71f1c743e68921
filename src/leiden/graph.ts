/**
 * The working graph of leiden(): the caller's symmetric CSR checked and copied into float64 rows
 * without the diagonal (self-loops kept apart, as aggregation makes them), plus each vertex's
 * weight in the objective's penalty term (degree for modularity, size for CPM); and the
 * aggregation of a graph by a partition into its community graph. Both are written as steps
 * (generators yielding every few thousand rows) so leiden() can yield to the event loop between them.
 */
import { checkGraphSteps, ROWS_PER_STEP } from '../graph/check-graph.js';
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
  /** Stored weights are the caller's times this power of two (1 unless they were huge; see workGraph). */
  scale?: number;
}

/** Rows (or communities) between the steps of a phase, where leiden() may yield (./pause.ts). */
const STEP = ROWS_PER_STEP;

/** Validate a WeightedGraph (graph/check-graph.ts) and copy it, as steps (./pause.ts drain). */
export function* workGraph(g: WeightedGraph, cpm: boolean): Generator<void, WorkGraph, void> {
  yield* checkGraphSteps(g, 'leiden');
  const { n, indptr, indices, values } = g;
  let off = 0;
  let loops = false;
  const self = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i % STEP === STEP - 1) yield;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      if (indices[p] === i) {
        self[i] = values[p];
        loops = true;
      } else off++;
    }
  }
  const out = new Int32Array(n + 1);
  const cols = new Int32Array(off);
  const ws = new Float64Array(off);
  for (let i = 0, q = 0; i < n; i++) {
    if (i % STEP === STEP - 1) yield;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      if (indices[p] === i) continue;
      cols[q] = indices[p];
      ws[q++] = values[p];
    }
    out[i + 1] = q;
  }
  // Degrees are squared in the objective (K_c²/2m): with weights so large that Σw·Σw would
  // overflow, work in weights times 2^-e (exact; modularity is scale-free, CPM's γ is scaled too).
  let maxW = 0;
  for (let p = 0; p < off; p++) if (ws[p] > maxW) maxW = ws[p];
  for (let i = 0; i < n; i++) if (self[i] > maxW) maxW = self[i];
  let scale = 1;
  if (maxW * (off + 2 * n) > 2 ** 500) {
    scale = 2 ** -Math.ceil(Math.log2(maxW));
    for (let p = 0; p < off; p++) ws[p] *= scale;
    for (let i = 0; i < n; i++) self[i] *= scale;
  }
  const nodeW = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (cpm) nodeW[i] = 1;
    else {
      let s = 2 * self[i];
      for (let p = out[i]; p < out[i + 1]; p++) s += ws[p];
      nodeW[i] = s;
    }
  }
  return { n, indptr: out, indices: cols, weights: ws, self, nodeW, loops, scale };
}

/**
 * The graph whose vertices are the communities of `labels` (0..c−1): edge weights between
 * communities summed, weight inside a community (edges once, plus self-loops) as its self-loop,
 * penalty weights summed.
 */
export function* aggregate(g: WorkGraph, labels: Int32Array, c: number): Generator<void, WorkGraph, void> {
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
    if (k % STEP === STEP - 1) yield;
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
