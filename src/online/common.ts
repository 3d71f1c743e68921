/**
 * What the one-pass fits (miniBatchKMeans, onlineGmm, onlineNb) share: the options every one of them
 * takes and the run fields every result carries. Each fit's own interface extends these and
 * redeclares a field where its default differs (maxIter: 100 passes for mini-batch k-means, 1 for
 * the stepwise EM fits).
 */
import { optionNames } from '../core/known-options.js';
import type { Backend, IterationRecord } from '../types.js';

export interface OnlineCommonOptions {
  k: number;
  /** Rows per batch (default 1024; at most n). From a source: rows per chunk. */
  batchSize?: number;
  /** Passes over the data. */
  maxIter?: number;
  /** Rows of the initialisation sample. */
  initSize?: number;
  /** A last pass for labels and the objective over all rows at the final parameters (default true). */
  computeLabels?: boolean;
  sampleWeight?: ArrayLike<number>;
  seed?: number;
  signal?: AbortSignal;
  /** Called after every step with the batch's objective before the update. */
  onStep?: (info: IterationRecord) => void;
}

/** The names of OnlineCommonOptions, for checkOptionNames. */
export const ONLINE_COMMON_OPTIONS = optionNames<OnlineCommonOptions>({
  k: true,
  batchSize: true,
  maxIter: true,
  initSize: true,
  computeLabels: true,
  sampleWeight: true,
  seed: true,
  signal: true,
  onStep: true,
});

export interface OnlineRunInfo {
  n: number;
  d: number;
  k: number;
  /** With computeLabels: labels at the final parameters, and the cluster sizes. */
  labels?: number[];
  clusterSizes?: number[];
  /** Passes made over the data. */
  nIter: number;
  nSteps: number;
  /** One record per step. */
  history: IterationRecord[];
  backend: Backend;
  adapter: string;
  seed: number;
  timings: { totalMs: number; initMs: number; perStepMs: number };
  warnings: string[];
}
