/** What a backend (CPU reference or WebGPU) supplies to the shared negative-binomial EM driver. */
import type { GpuCounters } from '../types.js';
import type { NbParams, NbStats } from './model.js';

export interface NbEvaluation {
  /** argmax_k responsibility per cell. */
  labels: Int32Array | Uint32Array;
  /** Σ_i log p(x_i). */
  loglik: number;
  /** log p(x_i) per cell (when asked). */
  logProb?: Float64Array | Float32Array;
  /** Row-major n×k responsibilities (when asked). */
  resp?: Float64Array | Float32Array;
}

export interface NbBackend {
  /** E-step at p: Σ_i log p(x_i) and the sufficient statistics of the responsibilities (model.ts). */
  estep(p: NbParams): Promise<NbStats>;
  /** Labels and log-likelihood at p, optionally per-cell log p(x_i) and responsibilities. */
  evaluate(p: NbParams, what: { resp?: boolean; logProb?: boolean }): Promise<NbEvaluation>;
  /** GPU counters of the work so far (WebGPU only); per-iteration figures cover the E-steps of the EM loops. */
  counters?(): GpuCounters;
  destroy?(): void;
}
