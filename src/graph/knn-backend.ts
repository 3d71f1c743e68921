/**
 * The kNN backend contract: what a backend supplies so that the one exact neighbour search
 * (knn.ts, knn-exact.ts) runs on it. A backend only proposes candidates — each row's m nearest
 * other rows of a prepared search space, by its own arithmetic (f32 on 'wasm' and 'webgpu') —
 * and says how precise that arithmetic is; the model refines them in float64 and proves them
 * exact (or searches a row again) on the host, so every backend returns the same bits.
 */
import type { EngineInstance } from '../core/registry.js';

/** The rows to search, prepared by the model (knn-exact.ts prepareSearch). */
export interface KnnSearch {
  n: number;
  /** Columns of the search space (d, or d + 1 for cosine data with rows of zeros). */
  d: number;
  /**
   * n × d row-major float64: euclidean — the rows minus the column means; cosine — the rows
   * scaled to unit length. Columns are ordered by decreasing variance (distances do not change),
   * so a backend that stops a distance early once it exceeds its current m-th best stops soon.
   */
  x: Float64Array;
  /** Candidates per row (k plus a margin, at most n − 1). */
  m: number;
}

export interface KnnCandidates {
  /** n × m row-major: each row's m nearest other rows by `sq`, nearest first, ties to the lower index. */
  indices: Int32Array;
  /** n × m squared search-space distances, as the backend computed them (ascending per row). */
  sq: Float32Array | Float64Array;
  /**
   * Unit roundoff of the backend's arithmetic (2⁻²⁴ when the rows were rounded to f32 and summed
   * in f32, 2⁻⁵³ in float64): knn-exact.ts bounds every computed distance's error with it.
   */
  unitRoundoff: number;
}

export interface KnnBackendOptions {
  signal?: AbortSignal;
}

export interface KnnBackend {
  candidates(engine: EngineInstance, search: KnnSearch, options: KnnBackendOptions): Promise<KnnCandidates>;
}
