/**
 * The negative-binomial mixture backend contract: what a backend supplies so that the one NB
 * model (fit.ts: initialisation, float64 M-step, convergence) runs on it. A session holds one set
 * of counts with its size factors (and, for fitting, the size-factor grid) for one call.
 */
import type { EngineInstance } from '../core/registry.js';
import type { GpuCounters } from '../types.js';
import type { Counts } from './counts.js';
import type { SizeGrid } from './grid.js';
import type { NbParams, NbStats } from './model.js';

export interface NbEvaluation {
  /** argmax_k responsibility per cell. */
  labels: Int32Array | Uint32Array;
  /** Σ_i w_i log p(x_i). */
  loglik: number;
  /** log p(x_i) per cell (when asked). */
  logProb?: Float64Array | Float32Array;
  /** Row-major n×k responsibilities (when asked). */
  resp?: Float64Array | Float32Array;
}

export interface NbSession {
  /** E-step at p: Σ_i w_i log p(x_i) and the weighted sufficient statistics of the responsibilities (model.ts). */
  estep(p: NbParams): Promise<NbStats>;
  /** Labels and log-likelihood at p, optionally per-cell log p(x_i) and responsibilities. */
  evaluate(p: NbParams, what: { resp?: boolean; logProb?: boolean }): Promise<NbEvaluation>;
  /** GPU counters of the work so far (WebGPU only); per-iteration figures cover the E-steps of the EM loops. */
  counters?(): GpuCounters;
}

export interface NbSetup {
  k: number;
  /** Sample weights (validated), or null for all ones. */
  weights: Float64Array | null;
}

export interface NbBackend {
  /**
   * Run `fn` with a session over the counts `c` with size factors `s` on `engine`; `grid` (the
   * size-factor grid of the M-step statistics) is null for scoring only.
   */
  open<T>(
    engine: EngineInstance,
    c: Counts,
    s: Float64Array,
    grid: SizeGrid | null,
    setup: NbSetup,
    fn: (session: NbSession) => Promise<T>,
  ): Promise<T>;
}
