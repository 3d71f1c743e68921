/** UMAP's options and result (plain, serialisable). */
import type { EngineSelection } from '../engine/engine.js';
import type { KnnMetric } from '../graph/types.js';

export type UmapInit = 'spectral' | 'pca' | Float32Array | Float64Array | ArrayLike<number>;

export interface UmapProgress {
  stage: 'knn' | 'graph' | 'init' | 'layout';
  /** Work done and total in the stage's own units (epochs for 'layout'; 0/1, 1/1 otherwise). */
  done: number;
  total: number;
}

export interface UmapOptions extends EngineSelection {
  /** Dimensions of the embedding (default 2; at most 8). */
  nComponents?: number;
  /**
   * Neighbourhood size, counting the point itself as umap-learn and uwot do (default 15): the kNN
   * search finds nNeighbors − 1 other points. With a KnnResult input, its first nNeighbors − 1
   * columns are used (default: all of them).
   */
  nNeighbors?: number;
  /** Distance of the kNN search on data input (default 'euclidean'). */
  metric?: KnnMetric;
  /** Epochs of the layout (default umap-learn's: 500 up to 10,000 points, else 200; at most 10,000). */
  nEpochs?: number;
  /** Least distance between embedded points (default 0.1). */
  minDist?: number;
  /** Scale of the embedded points (default 1). */
  spread?: number;
  /** Negative samples per positive sample (default 5). */
  negativeSampleRate?: number;
  /** Initial learning rate, decayed linearly to 0 (default 1). */
  learningRate?: number;
  /** Fuzzy union (1, default) to intersection (0) of the graph's directed memberships. */
  setOpMixRatio?: number;
  /** Neighbours assumed at full membership (default 1). */
  localConnectivity?: number;
  /** 'spectral' (default), 'pca' (data input only), or n × nComponents coordinates, used as given. */
  init?: UmapInit;
  /** Seed of the initial noise and the negative samples (default 0): same seed, same backend → same bits. */
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (p: UmapProgress) => void;
}

export interface UmapResult {
  n: number;
  nComponents: number;
  /** n × nComponents row-major coordinates. */
  embedding: Float32Array;
  nEpochs: number;
  /** The fitted curve 1 / (1 + a·d^(2b)). */
  a: number;
  b: number;
  /** Directed edges the layout sampled (both directions of each graph edge). */
  nEdges: number;
  seed: number;
  backend: string;
  warnings: string[];
  timings: { knnMs: number; graphMs: number; initMs: number; layoutMs: number; totalMs: number };
}
