/**
 * Public types of the negative-binomial mixture (nbmm): sparse count input, options and the
 * result. Results are plain objects (arrays, numbers, strings) that survive JSON.stringify.
 */
import type { DataInput } from '../data.js';
import type { CsrMatrix } from '../sparse.js';
import type { Backend, GpuCounters, IterationRecord, RestartSpread, RestartSummary, Timings } from '../types.js';

/** Dense cells × genes counts (`number[][]` or `{ data, n, d }`), or sparse CSR. */
export type CountsInput = DataInput | CsrMatrix;

/**
 * Per-cell size factors s_i, the cell's scale in its mean s_i·μ_kg:
 * 'library' (default) s_i = total_i / mean over cells of total (weighted by sampleWeight when given);
 * 'none' s_i = 1; or n positive numbers.
 */
export type SizeFactorsOption = 'library' | 'none' | ArrayLike<number>;

/**
 * Dispersion φ (variance = m + φ·m², r = 1/φ): 'per-gene' (default) one φ_g per gene,
 * 'shared' one φ for all genes, or a number: φ fixed at that value for every gene.
 */
export type DispersionOption = 'per-gene' | 'shared' | number;

export interface NegativeBinomialMixtureOptions {
  /** Number of components, 1 ≤ k ≤ n. */
  k: number;
  sizeFactors?: SizeFactorsOption;
  dispersion?: DispersionOption;
  /**
   * How the M-step updates μ_kg. 'weighted': the weighted mean
   * Σ_i r_ik x_ig / Σ_i r_ik s_i, the Poisson / quasi-likelihood estimator; with unequal size factors
   * it is not the NB maximiser and can lower the likelihood, so it is taken only as far as the
   * expected complete-data log-likelihood does not decrease (step halving). 'mle' (default): the exact NB
   * M-step (Newton in log μ from the weighted mean): a true EM, higher likelihood, and the same as
   * 'weighted' when all size factors are equal.
   */
  meanEstimator?: 'weighted' | 'mle';
  /**
   * 'kmeans' (default): hard k-means, through the same engine. With nInit 'auto': the best of 30
   * k-means++ runs on the 50 principal components of log1p(x/s) scaled per gene (nbmm/init.ts,
   * pcaStartLabels); with an explicit nInit, each restart runs k-means on log1p(x/s) itself, best of
   * 5 k-means++ runs (on the 20M/n most variable genes when n·d > 2e7). 'random': uniformly random
   * assignments from the restart's RNG stream; or n initial labels in 0..k−1.
   */
  init?: 'kmeans' | 'random' | ArrayLike<number>;
  /**
   * Restarts; the highest final log-likelihood wins. 'auto' (default): one EM run from the PCA
   * start above for 'kmeans' (on pbmc3k its ARI spread over seeds 0–4 was 0.039, against 0.064 for
   * ten likelihood-ranked restarts, in a tenth of the time), 10 for 'random', 1 for given labels.
   * An explicit number N (1 included) runs N restarts from k-means on log1p(x/s), as before.
   * `restartSpread` in the result says how far apart the restarts ended.
   */
  nInit?: number | 'auto';
  /** Maximum EM iterations per restart (default 100). */
  maxIter?: number;
  /** Convergence when the per-cell log-likelihood (lowerBound) changes by less than tol between iterations (default 1e-3, scikit-learn's rule; 0 runs maxIter iterations). */
  tol?: number;
  /** Seed of the counter-based RNG (default 0). */
  seed?: number;
  /** Also return the n×k responsibilities at the final parameters. */
  returnResponsibilities?: boolean;
  /**
   * Where the M-step runs on backend 'webgpu'. Default true: on the GPU, from the E-step's
   * statistics where they lie, so each iteration reads back O(k·d) floats instead of the
   * O(k·d·J) statistics. Its Newton solves run in float32 (every dispersion mode; a fixed φ keeps
   * its float64 value); an iteration whose log-likelihood falls is redone on the host in float64
   * (nbmm/device-mstep.ts). false: the float64 host M-step, as on the CPU backends; true on
   * another backend is refused.
   */
  deviceMStep?: boolean;
  /** Called after every iteration of every restart; `objective` is the total log-likelihood at the start of the iteration. */
  onIteration?: (info: IterationRecord) => void;
  /** Stops the fit between iterations with an AbortError. */
  signal?: AbortSignal;
  /** Weight of each sample (scikit-learn's sample_weight: weight w counts as w copies); default all 1. */
  sampleWeight?: ArrayLike<number>;
}

export interface NegativeBinomialMixtureResult {
  model: 'nbmm';
  /** Cells. */
  n: number;
  /** Genes. */
  d: number;
  /** Components. */
  k: number;
  /** Mixture weights π_k. */
  weights: number[];
  /** k rows of d per-gene means μ_kg (the mean count of a cell with size factor 1). */
  means: number[][];
  /** φ_g per gene (length d; all equal for 'shared' and fixed dispersion). */
  dispersion: number[];
  dispersionMode: 'per-gene' | 'shared' | 'fixed';
  meanEstimator: 'weighted' | 'mle';
  /** The s_i used (length n). */
  sizeFactors: number[];
  sizeFactorMode: 'library' | 'none' | 'given';
  /** Mean total count over the training cells, weighted by sampleWeight ('library' size factors divide by it; used again for new cells). */
  libraryMean: number;
  /** argmax_k of the responsibilities at the final parameters. */
  labels: number[];
  clusterSizes: number[];
  /** n rows of k posterior probabilities (only with returnResponsibilities). */
  responsibilities?: number[][];
  /** Σ_i log p(x_i) at the final parameters (full NB log-probabilities, with the log x! terms). */
  logLikelihood: number;
  /** logLikelihood / n. */
  lowerBound: number;
  nIter: number;
  converged: boolean;
  stopReason: 'tol' | 'maxIter';
  /** Per iteration: `objective` = total log-likelihood at the parameters the iteration started from (non-decreasing). */
  history: IterationRecord[];
  /** `objective` of each restart = its final log-likelihood (highest wins). */
  restarts: RestartSummary[];
  /** The spread of the restarts' final log-likelihoods (how stable the fit is). */
  restartSpread: RestartSpread;
  backend: Backend;
  adapter: string;
  seed: number;
  timings: Timings;
  gpu?: GpuCounters;
  warnings: string[];
}

/** What scoring new cells needs from a fitted model. */
export interface NegativeBinomialModel {
  weights: ArrayLike<number>;
  means: ArrayLike<ArrayLike<number>>;
  dispersion: ArrayLike<number>;
  sizeFactorMode?: 'library' | 'none' | 'given';
  libraryMean?: number;
}

export interface NbScoreOptions {
  /** Size factors of the new cells. Default: as the model was fitted ('library' totals over the model's libraryMean, or 1). */
  sizeFactors?: SizeFactorsOption;
}
