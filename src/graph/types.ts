/**
 * Shared shapes of the graph analyses (kNN, SNN and fuzzy graphs, Leiden, UMAP), fixed here so the
 * modules that make a graph and the ones that read it agree without importing each other.
 */
import type { CsrMatrix } from '../sparse.js';

/** Distance used by the neighbour search. 'cosine' is 1 − cos(x, y) (rows of zeros are at distance 1). */
export type KnnMetric = 'euclidean' | 'cosine';

/**
 * Exact k nearest neighbours of every row of the data among the other rows (the row itself is
 * excluded), nearest first; ties are broken by the lower row index, so results are reproducible.
 */
export interface KnnResult {
  n: number;
  k: number;
  metric: KnnMetric;
  /** n × k row-major neighbour row indices. */
  indices: Int32Array;
  /** n × k row-major distances, ascending per row (euclidean: the distance, not its square). */
  distances: Float32Array;
  /** The backend that computed it ('webgpu', 'wasm', 'reference'). */
  backend: string;
}

/**
 * A weighted undirected graph on n vertices as a square CSR matrix (n === d): entry (i, j) is the
 * weight of edge i–j, stored in both rows i and j with the same value; no self-loops unless a
 * function says otherwise; weights > 0.
 */
export type WeightedGraph = CsrMatrix<Float64Array | Float32Array, Uint32Array>;
