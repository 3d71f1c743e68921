/**
 * The one check of a KnnResult handed to the graph builders (snnGraph, fuzzySimplicialSet, umap):
 * what knn() guarantees, so a hand-made or tampered result cannot turn into silent garbage —
 * shape n·k with 1 ≤ k < n, each row's indices other rows of 0..n−1 with no repeats, and its
 * distances finite, ≥ 0 and ascending (nearest first).
 */
import { invalid } from '../errors.js';
import type { KnnResult } from './types.js';

export function checkKnn(knn: KnnResult, who: string): void {
  const ok =
    knn !== null &&
    typeof knn === 'object' &&
    Number.isInteger(knn.n) &&
    Number.isInteger(knn.k) &&
    knn.n >= 2 &&
    knn.k >= 1 &&
    knn.k < knn.n &&
    knn.indices instanceof Int32Array &&
    knn.indices.length === knn.n * knn.k &&
    ((knn.distances as unknown) instanceof Float32Array || (knn.distances as unknown) instanceof Float64Array) &&
    knn.distances.length === knn.n * knn.k;
  if (!ok)
    throw invalid(
      'SHAPE_MISMATCH',
      `${who}: the kNN result is malformed; it needs { n, k, indices: Int32Array, distances: Float32Array } of n·k entries with 1 ≤ k < n. Pass what knn(data, { k }) returned.`,
    );
  const { n, k, indices, distances } = knn;
  // Last row that named each column: a repeat within a row is seen in O(1).
  const seen = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const p = i * k + t;
      const j = indices[p];
      if (j < 0 || j >= n || j === i || seen[j] === i)
        throw invalid(
          'SHAPE_MISMATCH',
          `${who}: row ${i} of the kNN result lists neighbour ${j}, which is ${j === i ? 'the row itself' : seen[j] === i ? 'listed twice' : `outside 0..${n - 1}`}. Pass what knn(data, { k }) returned.`,
        );
      seen[j] = i;
      const dist = distances[p];
      if (!Number.isFinite(dist))
        throw invalid(
          'NON_FINITE',
          `${who}: row ${i} of the kNN result has distance ${dist}. Distances must be finite; pass what knn() returned.`,
        );
      if (dist < 0 || (t > 0 && dist < distances[p - 1]))
        throw invalid(
          'BAD_OPTION',
          `${who}: row ${i} of the kNN result has distance ${dist} at position ${t}, ${dist < 0 ? 'below 0' : 'nearer than the one before'}; distances must be ≥ 0 and ascending. Pass what knn() returned, or sort each row.`,
        );
    }
  }
}
