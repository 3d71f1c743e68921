/** Harmony's public shapes: options and the plain, serialisable result. */
import type { Backend } from '../types.js';

export type BatchLabels = ArrayLike<string | number>;

export interface HarmonyOptions {
  /** Diversity penalty per batch variable (a number, or one per variable); 0 turns it off. Default 2. */
  theta?: number | number[];
  /** Soft-clustering width (entropy weight) of every cluster. Default 0.1. */
  sigma?: number;
  /** Ridge penalty of the per-cluster batch coefficients (the intercept is unpenalised); > 0. Default 1. */
  lambda?: number | number[];
  /** Clusters of the soft k-means. Default min(100, round(n / 30)) as harmonypy, at least 2. */
  nClusters?: number;
  /** Outer iterations (clustering, then correction). Default 10. */
  maxIter?: number;
  /** Soft k-means iterations per outer iteration. Default 20. */
  maxIterClustering?: number;
  /** Relative change of the windowed clustering objective that ends a clustering round. Default 1e-5. */
  epsilonCluster?: number;
  /** Relative decrease of the objective between outer iterations below which Harmony has converged. Default 1e-4. */
  epsilonHarmony?: number;
  /** Fraction of the cells updated per block of the assignment update (1 / blocks). Default 0.05. */
  blockSize?: number;
  /** Seed of the k-means initialisation and of the block order. Default 0. */
  seed?: number;
  /** Return the final n × nClusters soft assignments (row-major). Default false. */
  returnR?: boolean;
  /** Called after each outer iteration with its number and objective. */
  onProgress?: (p: { iteration: number; objective: number }) => void;
  signal?: AbortSignal;
}

export interface HarmonyResult {
  n: number;
  d: number;
  /** Corrected coordinates, n × d row-major (float64 on the reference backend, float32 from WebGPU), as pca's scores. */
  corrected: Float64Array | Float32Array;
  /** n × nClusters soft assignments, row-major (only with returnR). */
  R?: Float64Array | Float32Array;
  nClusters: number;
  /** The batch labels, in order of first appearance (batch index b of every per-batch figure). */
  batches: string[];
  /** Objective after the initialisation and after each outer iteration's clustering (as harmonypy's objective_harmony). */
  objectives: number[];
  /** Outer iterations run. */
  iterations: number;
  converged: boolean;
  /** Clustering iterations run in each outer iteration. */
  clusteringIterations: number[];
  backend: Backend;
  warnings: string[];
}
