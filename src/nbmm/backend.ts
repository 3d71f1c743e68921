/**
 * The negative-binomial mixture backend contract: what a backend supplies so that the one NB
 * model (fit.ts: initialisation, float64 M-step, convergence) runs on it. A session holds one set
 * of counts with its size factors (and, for fitting, the size-factor grid) for one call.
 */
import type { EngineInstance } from '../core/registry.js';
import type { GpuCounters } from '../types.js';
import type { Counts } from './counts.js';
import type { SizeGrid } from './grid.js';
import type { GeneHistograms } from './counts.js';
import type { DispersionMode, MeanEstimator, NbParams, NbStats } from './model.js';

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

/** One EM iteration with the M-step on the device (options.deviceMStep; nbmm/device-mstep.ts). */
export interface NbDeviceStep {
  /** Σ_i w_i log p(x_i) at the parameters the step started from. */
  loglik: number;
  /** Row statistics k×(J+2) at those parameters (the weights and empty components come from them). */
  rows: Float64Array;
  /** New means (k×d) and φ (d) from the device's float32 M-step (a fixed φ: the one it started from). */
  means: Float64Array;
  phi: Float64Array;
}

export interface NbDeviceStepPlan {
  meanEstimator: MeanEstimator;
  /** φ per gene, one φ shared by all genes, or fixed (the host keeps its float64 value). */
  dispersion: DispersionMode['kind'];
  hist: GeneHistograms;
}

export interface NbSession {
  /**
   * E-step at p: Σ_i w_i log p(x_i) and the weighted sufficient statistics of the responsibilities
   * (model.ts). `extra`: more work within the same EM iteration (the device M-step's redo), whose
   * traffic counts towards the iteration's figures but not as another iteration.
   */
  estep(p: NbParams, extra?: boolean): Promise<NbStats>;
  /** Labels and log-likelihood at p, optionally per-cell log p(x_i) and responsibilities. */
  evaluate(p: NbParams, what: { resp?: boolean; logProb?: boolean }): Promise<NbEvaluation>;
  /**
   * E-step at p and the M-step on the device from its statistics, reading back O(k·d) (WebGPU
   * only; absent where the backend has no device M-step).
   */
  estepMStep?(p: NbParams, plan: NbDeviceStepPlan, extra?: boolean): Promise<NbDeviceStep>;
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
