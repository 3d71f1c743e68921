/** The streamed fits' options, result and defaults (stream.ts runs them). */
import { optionNames } from '../core/known-options.js';
import { ENGINE_SELECTION, type EngineSelection } from '../engine/engine.js';
import type { PassOptions } from '../stream/types.js';
import type { CovarianceType, IterationRecord } from '../types.js';
import type { GmmShardParams, KMeansShardParams, NbShardParams, ShardModel, ShardParams } from './types.js';

export interface StreamFitOptions<P> extends PassOptions, EngineSelection {
  /** Clusters (components); may be left out with a given `init`. */
  k?: number;
  /** The starting parameters, or 'sample' (default): seeded on a sample of rows. */
  init?: 'sample' | Omit<P, 'globals'>;
  /** Rows in the seeding sample (default 10,000, at most n). */
  sampleRows?: number;
  seed?: number;
  maxIter?: number;
  tol?: number;
  onIteration?: (info: IterationRecord) => void;
  /** Read the labels in a last pass (default true). */
  returnLabels?: boolean;
}
export interface SoftKMeansStreamOptions extends StreamFitOptions<KMeansShardParams> {
  beta?: number;
}
export interface GmmStreamOptions extends StreamFitOptions<GmmShardParams> {
  covariance?: CovarianceType;
  regCovar?: number;
}
export interface NbStreamOptions extends StreamFitOptions<NbShardParams> {
  dispersion?: 'per-gene' | 'shared' | number;
  meanEstimator?: 'mle' | 'weighted';
  sizeFactors?: 'library' | 'none';
}

export interface StreamFitResult<P extends ShardParams> {
  model: ShardModel;
  n: number;
  d: number;
  k: number;
  params: P;
  /** Labels at the final parameters (when returnLabels). */
  labels?: Int32Array;
  /** At the final parameters: inertia (k-means), the soft objective, or Σ log p (mixtures). */
  objective: number;
  /** Soft k-means: the inertia at the argmax labels. */
  inertia?: number;
  nIter: number;
  converged: boolean;
  stopReason: 'labels' | 'tol' | 'maxIter';
  history: IterationRecord[];
  /** 'given', or the seeding sample's size. */
  init: 'given' | { sampleRows: number };
  /** Passes over the source (first pass, seeding sample, iterations, labels). */
  passes: number;
  backend: string;
  warnings: string[];
  timings: { totalMs: number; initMs: number; perIterMs: number };
}

const COMMON = optionNames<Omit<StreamFitOptions<ShardParams>, keyof EngineSelection>>({
  k: true,
  init: true,
  sampleRows: true,
  seed: true,
  maxIter: true,
  tol: true,
  onIteration: true,
  returnLabels: true,
  chunkRows: true,
  chunkBytes: true,
  signal: true,
  onProgress: true,
});
export const NAMES: Record<ShardModel, readonly string[]> = {
  kmeans: [...COMMON, ...ENGINE_SELECTION],
  softkmeans: [...COMMON, 'beta', ...ENGINE_SELECTION],
  gmm: [...COMMON, 'covariance', 'regCovar', ...ENGINE_SELECTION],
  nbmm: [...COMMON, 'dispersion', 'meanEstimator', 'sizeFactors', ...ENGINE_SELECTION],
};
export const DEFAULTS: Record<ShardModel, { maxIter: number; tol: number }> = {
  kmeans: { maxIter: 300, tol: 1e-4 },
  softkmeans: { maxIter: 300, tol: 1e-4 },
  gmm: { maxIter: 100, tol: 1e-3 },
  nbmm: { maxIter: 100, tol: 1e-3 },
};
