/**
 * `snnGraph(knn, { pruneSnn })`: Seurat's shared-nearest-neighbour graph (FindNeighbors with
 * compute.SNN = TRUE; Seurat's ComputeSNN). Each cell's neighbourhood is the cell itself and its
 * k nearest neighbours, so k.param = knn.k + 1 (Seurat's default k.param = 20 is knn(…, { k: 19 })).
 * Cells i and j that share s members of their neighbourhoods are joined with the Jaccard index
 * s / (2·k.param − s), computed in float64 as Seurat does; edges with a weight below pruneSnn
 * are removed (Seurat's `value < prune`). Seurat's matrix also holds the diagonal (always 1);
 * this graph has no self-loops (types.ts WeightedGraph).
 */
import { invalid } from '../errors.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { checkKnn } from './check-knn.js';
import type { KnnResult, WeightedGraph } from './types.js';

export interface SnnOptions {
  /** Edges with a Jaccard weight below this are removed (Seurat's prune.SNN, default 1/15); 0 keeps all. */
  pruneSnn?: number;
}

export const SNN_OPTIONS: readonly string[] = optionNames<SnnOptions>({ pruneSnn: true });

/** Seurat's SNN graph of a kNN result, as a symmetric CSR matrix with float64 weights. */
export function snnGraph(knn: KnnResult, options: SnnOptions = {}): WeightedGraph {
  checkOptionNames(options, SNN_OPTIONS, 'snnGraph');
  checkKnn(knn, 'snnGraph');
  // null is refused, not read as the default (only a missing option means 1/15).
  const prune = options.pruneSnn === undefined ? 1 / 15 : options.pruneSnn;
  if (typeof prune !== 'number' || !Number.isFinite(prune) || prune < 0 || prune > 1)
    throw invalid('BAD_OPTION', `pruneSnn=${String(prune)} is not a number in [0, 1]. Pass e.g. pruneSnn: 1 / 15 (Seurat's default).`);
  const { n, k, indices } = knn;
  const kp = k + 1;
  const member = (i: number, t: number): number => (t === 0 ? i : indices[i * k + t - 1]);
  // Reverse neighbourhoods: the cells whose neighbourhood holds a (CSR over a).
  const revPtr = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) for (let t = 0; t < kp; t++) revPtr[member(i, t) + 1]++;
  for (let a = 0; a < n; a++) revPtr[a + 1] += revPtr[a];
  const rev = new Uint32Array(revPtr[n]);
  const fill = revPtr.slice(0, n);
  for (let i = 0; i < n; i++) for (let t = 0; t < kp; t++) rev[fill[member(i, t)]++] = i;

  const shared = new Int32Array(n);
  const touched = new Int32Array(n);
  const indptr = new Uint32Array(n + 1);
  let colIdx = new Uint32Array(Math.max(16, n * kp * 2));
  let values = new Float64Array(colIdx.length);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    let nt = 0;
    for (let t = 0; t < kp; t++) {
      const a = member(i, t);
      for (let p = revPtr[a]; p < revPtr[a + 1]; p++) {
        const j = rev[p];
        if (shared[j]++ === 0) touched[nt++] = j;
      }
    }
    const cols = touched.subarray(0, nt).sort();
    if (nnz + nt > colIdx.length) {
      const grow = Math.max(colIdx.length * 2, nnz + nt);
      const c2 = new Uint32Array(grow);
      c2.set(colIdx);
      const v2 = new Float64Array(grow);
      v2.set(values);
      colIdx = c2;
      values = v2;
    }
    for (let t = 0; t < nt; t++) {
      const j = cols[t];
      const s = shared[j];
      shared[j] = 0;
      if (j === i) continue;
      const jac = s / (kp + (kp - s));
      if (jac < prune || jac === 0) continue;
      colIdx[nnz] = j;
      values[nnz++] = jac;
    }
    indptr[i + 1] = nnz;
  }
  colIdx = colIdx.slice(0, nnz);
  values = values.slice(0, nnz);
  return { n, d: n, nnz, indptr, indices: colIdx, values };
}
