/**
 * The Gaussian mixture backend contract: what a backend supplies so that the one GMM model
 * (fit.ts: initialisation, M-step, MAP priors, convergence) runs on it. Parameters are always in
 * data coordinates; statistics are weighted by the session's sample weights.
 */
import type { Dataset } from '../data.js';
import type { Rng } from '../core/rng.js';
import type { EngineInstance } from '../core/registry.js';
import type { CovarianceType, GpuCounters } from '../types.js';
import type { GmmParams, GmmStats } from './model.js';

export interface Evaluation {
  resp?: Float64Array | Float32Array;
  /** log p(x_i) per row (unweighted). */
  logProb: Float64Array | Float32Array;
  labels: Int32Array | Uint32Array;
}

export interface GmmSetup {
  k: number;
  type: CovarianceType;
  /** Sample weights (validated), or null for all ones. */
  weights: Float64Array | null;
  /** WebGPU: store the rows in half precision (the api allows it on 'webgpu' only). */
  f16?: boolean;
}

/** One data set held by a backend for the duration of a fit (or of one scoring call). */
export interface GmmSession {
  /**
   * Weighted statistics of responsibilities written by `fill(resp, rowOffset, rows)` (row-major
   * rows×k), for initialisation; `n` of the result is Σ w.
   */
  statsFromResp(
    k: number,
    type: CovarianceType,
    fill: (resp: Float64Array | Float32Array, rowOffset: number, rows: number) => void,
  ): Promise<GmmStats>;
  /** E-step at p: weighted statistics of the responsibilities, and Σ w_i log p(x_i). */
  estep(p: GmmParams): Promise<GmmStats>;
  /** Labels, log p(x_i) and optionally responsibilities of the session's rows. */
  evaluate(p: GmmParams, what: { resp?: boolean }): Promise<Evaluation>;
  /** k-means++ seeds (data points, data coordinates), for init 'k-means++'. */
  seeds(k: number, rng: Rng): Promise<Float64Array>;
  /** GPU counters of the E-steps (WebGPU only). */
  counters?(): GpuCounters;
}

export interface GmmBackend {
  /** Run `fn` with a session over `ds` on `engine`; the session's resources are freed after. */
  session<T>(
    engine: EngineInstance,
    ds: Pick<Dataset, 'n' | 'd' | 'x' | 'mean'>,
    setup: GmmSetup,
    fn: (s: GmmSession) => Promise<T>,
  ): Promise<T>;
}
