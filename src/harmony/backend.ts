/**
 * The Harmony backend contract: what a backend supplies so that the one Harmony model (fit.ts:
 * initialisation, block order, ridge solves, objective and convergence, all host float64) runs on
 * it. A session holds the PCs (original, corrected, cosine-normalised), the soft assignments R,
 * the distances to the centroids and their scaled exponentials, all n × (d or K) row-major.
 */
import type { EngineInstance } from '../core/registry.js';

export interface HarmonySetup {
  n: number;
  d: number;
  /** Clusters. */
  K: number;
  /** Batches. */
  B: number;
  /** Batch index per cell (n, each < B). */
  batch: Uint32Array;
  /** Per cluster σ_k (K). */
  sigma: Float64Array;
  /** Per batch θ_b (B). */
  theta: Float64Array;
  /** Per batch fraction of cells Pr_b (B; sums to 1). */
  prB: Float64Array;
}

export interface HarmonySession {
  /** Σ_i R_ik · zcos_i, K × d (the unnormalised centroids). */
  centroidSums(): Promise<Float64Array>;
  /** Set unit centroids Y (K × d): dist_ik = 2(1 − Y_k·zcos_i) and scale_ik = exp(−dist_ik/σ_k − max_k) for every cell. */
  distances(Y: Float64Array): Promise<void>;
  /** R_i = softmax_k(−dist_ik/σ_k) for every cell (the initial assignment). */
  softAssign(): Promise<void>;
  /**
   * The block-wise diversity-penalised update of R (harmonypy's update_R): cells in `order`,
   * blocks [bounds[j], bounds[j+1]) in turn; per block the cells' R are removed from O, recomputed
   * as scale_ik · ((E_kb+1)/(O_kb+1))^θ_b (b the cell's batch) normalised over k, and added back,
   * where E_kb = Pr_b · Σ_b' O_kb' (harmonypy keeps E = (Σ_i R_ik)·Pr_b incrementally: the same). `O` (K × B) is updated in place.
   */
  updateR(order: Uint32Array, bounds: Uint32Array, O: Float64Array): Promise<void>;
  /** Σ_ik R_ik dist_ik and Σ_ik σ_k R_ik log R_ik at the current state. */
  objective(): Promise<{ kmeans: number; entropy: number }>;
  /** S_kb = Σ_{i in batch b} R_ik [z_orig_i, 1], K × B × (d + 1) (the last column is O_kb). */
  moeSums(): Promise<Float64Array>;
  /** z_corr_i = z_orig_i − Σ_k R_ik W[k, b_i], W K × B × d; zcos_i = z_corr_i / ‖z_corr_i‖. */
  correct(W: Float64Array): Promise<void>;
  /** The corrected coordinates (n × d) and, when asked, R (n × K). */
  read(what: { R: boolean }): Promise<{ corrected: Float64Array | Float32Array; R?: Float64Array | Float32Array }>;
}

export interface HarmonyBackend {
  /** Run `fn` with a session over the PCs `z` (n × d row-major float64) on `engine`. */
  open<T>(engine: EngineInstance, z: Float64Array, setup: HarmonySetup, fn: (session: HarmonySession) => Promise<T>): Promise<T>;
}
