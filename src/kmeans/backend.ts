/**
 * The k-means backend contract: what a backend supplies so that the one k-means model (hard and
 * soft, fit.ts) runs on it. A session holds one data set (and whatever the backend keeps of it,
 * e.g. GPU buffers) for the duration of a fit; the model keeps the centroids, the M-step
 * (mstep.ts, host float64) and the driver. Coordinates: a backend may shift the data by an
 * `origin` (WebGPU centres on the column means); centroids, rows and statistics are then all
 * given in the shifted coordinates.
 */
import type { Dataset } from '../data.js';
import type { Rng } from '../core/rng.js';
import type { EngineInstance } from '../core/registry.js';
import type { GpuCounters } from '../types.js';

/** What a fit asks of the session. */
export interface KMeansSetup {
  k: number;
  /** Soft k-means with this stiffness, or null for hard k-means. */
  soft: { beta: number } | null;
  /** Sample weights (validated), or null for all ones. */
  weights: Float64Array | null;
  /** WebGPU: store the rows in half precision (the api allows it on 'webgpu' only). */
  f16?: boolean;
}

/** Weighted statistics of one E-step at the session's centroids. */
export interface CentroidStats {
  /** k×d: Σ_i w_i r_ij x_i (hard: r_ij = [label_i = j]). */
  sums: Float64Array;
  /** k: Σ_i w_i r_ij. */
  counts: Float64Array;
  /** Inertia Σ w_i‖x_i − c_label‖² (hard) or −(1/β)Σ w_i lse_i (soft), at the centroids the step started from. */
  objective: number;
  /** Labels changed by this E-step (hard only). */
  changed?: number;
}

/** What a fit reads at its final centroids. */
export interface KMeansFinal {
  labels: ArrayLike<number>;
  /** Σ w_i‖x_i − c_label‖² at the final labels. */
  inertia: number;
  /** Soft only: the objective at the final centroids. */
  objective?: number;
  /** Soft only, when asked: n×k responsibilities. */
  resp?: ArrayLike<number>;
}

export interface KMeansSession {
  /** Subtracted from the data (null: none); centroids and rows are in the shifted coordinates. */
  readonly origin: Float64Array | null;
  /** Row i of the data, in session coordinates. */
  row(i: number): ArrayLike<number>;
  /**
   * Greedy k-means++ seeds (session coordinates), probability ∝ w·D² as scikit-learn. With a signal,
   * an abort may land between centres (rejects with AbortError); the seeds do not depend on it.
   */
  plusPlus(rng: Rng, signal?: AbortSignal): Promise<Float64Array>;
  /** Set the centroids the next E-step uses (k×d, session coordinates). */
  setCentres(c: Float64Array): void;
  /** E-step at the current centroids and its weighted statistics. */
  step(): Promise<CentroidStats>;
  /** The m rows farthest from their centroid in the last E-step (hard: the assigned one; soft: the nearest), farthest first. */
  farthest(m: number): Promise<number[]>;
  /** Labels of these rows in the last (hard) E-step. */
  labelsOf(rows: number[]): Promise<ArrayLike<number>>;
  /**
   * Labels and inertia at the current centroids (a fresh E-step unless `fresh` is false: the last
   * E-step's labels already belong to them); soft sessions add the objective and, when asked, the
   * responsibilities.
   */
  final(fresh: boolean, resp: boolean): Promise<KMeansFinal>;
  /** GPU counters of the E-steps so far (WebGPU only). */
  counters?(): GpuCounters;
}

export interface KMeansBackend {
  /** Run `fn` with a session over `ds` on `engine`; the session's resources are freed after. */
  session<T>(engine: EngineInstance, ds: Dataset, setup: KMeansSetup, fn: (s: KMeansSession) => Promise<T>): Promise<T>;
  /** Nearest centroid of each row of x ('predict') or Euclidean distances to every centroid (n×k, 'transform'). */
  apply(
    engine: EngineInstance,
    x: Pick<Dataset, 'n' | 'd' | 'x'>,
    centroids: Float64Array,
    k: number,
    what: 'predict' | 'transform',
  ): Promise<ArrayLike<number>>;
}
