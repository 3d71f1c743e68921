/**
 * Public option and result types. Results are plain objects (arrays, numbers, strings) so they
 * survive JSON.stringify and postMessage unchanged.
 */
import type { DataInput } from './data.js';

/** 'auto', a backend's name, or 'cpu' (an alias of the fastest CPU backend: today 'reference'). */
export type BackendChoice = 'auto' | 'webgpu' | 'reference' | 'wasm' | 'cpu';
/** The backend a result was computed on: 'webgpu', 'wasm' (WebAssembly SIMD, float32 data) or 'reference' (the float64 oracle). */
export type Backend = 'webgpu' | 'reference' | 'wasm';

/** One EM iteration of one restart, as passed to `onIteration` and kept in `history`. */
export interface IterationRecord {
  /** Restart index, 0-based. */
  restart: number;
  /** Iteration number, 1-based. */
  iter: number;
  /** Objective evaluated in this iteration's E-step (inertia for k-means: lower is better). */
  objective: number;
  /** Squared centroid shift Σ‖c_new − c_old‖² made by this iteration's M-step. */
  shift: number;
  /** Samples whose label changed in this E-step (hard k-means only; every sample on iteration 1). */
  changed?: number;
  /** Wall time since the start of this restart, ms. */
  elapsedMs: number;
}

export type EmptyClusterPolicy = 'farthest' | 'random';
export type KMeansInit = 'k-means++' | 'random' | DataInput;

export interface CommonFitOptions {
  /** Number of clusters, 1 ≤ k ≤ n. */
  k: number;
  /** Restarts from different initialisations; the best objective wins. 'auto' = 1 for k-means++ and given centroids, 10 for random (scikit-learn). */
  nInit?: number | 'auto';
  /** Maximum EM iterations per restart (default 300). */
  maxIter?: number;
  /** Relative tolerance: convergence when the squared centroid shift ≤ tol × mean feature variance (default 1e-4). */
  tol?: number;
  /** Initialisation: greedy 'k-means++' (default), 'random' samples, or a k×d array of centroids. */
  init?: KMeansInit;
  /** Seed of the counter-based RNG (default 0). Same seed and backend → same result. */
  seed?: number;
  /** What to do when a cluster loses all its samples (default 'farthest', as scikit-learn). */
  emptyCluster?: EmptyClusterPolicy;
  /** Called after every iteration of every restart. */
  onIteration?: (info: IterationRecord) => void;
  /** Cancels the fit; it rejects with AbortError. */
  signal?: AbortSignal;
  /** Weight of each sample (scikit-learn's sample_weight: weight w counts as w copies); default all 1. */
  sampleWeight?: ArrayLike<number>;
}

/** How the WebGPU backend stores the data (k-means, soft k-means and the Gaussian mixture). */
export interface DataPrecisionOptions {
  /**
   * 'f16': the data rows on the GPU in half precision (half the bytes per pass; arithmetic and
   * accumulation stay float32; each value within 2⁻¹¹ of itself, relative). WebGPU only, opt-in;
   * default 'f32'. Scoring new data stays float32. See README "Subgroups and half-precision storage".
   */
  precision?: 'f32' | 'f16';
}

export interface KMeansOptions extends CommonFitOptions, DataPrecisionOptions {}

export interface SoftKMeansOptions extends CommonFitOptions, DataPrecisionOptions {
  /** Stiffness β > 0: r_ik ∝ exp(−β‖x_i − c_k‖²). β → ∞ is hard k-means. Default 1. */
  beta?: number;
  /** Also return the n×k responsibilities at the final centroids (row-major). */
  returnResponsibilities?: boolean;
}

export interface RestartSummary {
  restart: number;
  objective: number;
  nIter: number;
  converged: boolean;
}

/**
 * The objectives the restarts ended at, and their spread (|best − worst|, in the units of
 * `restarts[].objective`: inertia for k-means, the per-sample lower bound for the Gaussian mixture,
 * the total log-likelihood for the NB mixture). 0 with one restart.
 */
export interface RestartSpread {
  objectives: number[];
  /** Index of the kept restart (the first of equals). */
  bestRestart: number;
  best: number;
  worst: number;
  spread: number;
}

export interface Timings {
  totalMs: number;
  initMs: number;
  /** Mean wall time per EM iteration of the kept restart. */
  perIterMs: number;
}

/** GPU work counters of a fit (zero on the CPU backend). */
export interface GpuCounters {
  dispatches: number;
  submits: number;
  readbacks: number;
  bytesRead: number;
  bytesWritten: number;
  /** Per EM iteration of the whole fit (all restarts), excluding initialisation. */
  dispatchesPerIter: number;
  bytesReadPerIter: number;
  /**
   * Passes over the data per EM iteration, from the dispatch plan: bytes of data (rows and their
   * sample weights) the iteration's kernels read ÷ the bytes of the whole data set.
   */
  dataPassesPerIter: number;
  /** Bytes of data (rows and sample weights) the kernels of one EM iteration read, from their plan. */
  dataBytesPerIter: number;
  chunks: number;
  /** Most GPU memory the fit's own buffers held at once. */
  peakAllocatedBytes: number;
  /**
   * 'timestamp': compute passes were timed with GPU timestamp queries (createEngine({ timestamps: true })
   * on a device with 'timestamp-query'); 'wall': they were not, and only wall-clock times exist.
   */
  timing: 'timestamp' | 'wall';
  /** Sum of compute-pass GPU durations inside EM iterations per iteration, in ms (timing 'timestamp' only). */
  gpuMsPerIter?: number;
}

export interface KMeansResult {
  model: 'kmeans';
  n: number;
  d: number;
  k: number;
  labels: number[];
  centroids: number[][];
  /** Σ‖x_i − c_{label_i}‖² at the final centroids. */
  inertia: number;
  nIter: number;
  converged: boolean;
  /** Why the kept restart stopped: 'labels' unchanged, centroid shift under 'tol', or 'maxIter'. */
  stopReason: 'labels' | 'tol' | 'maxIter';
  clusterSizes: number[];
  history: IterationRecord[];
  restarts: RestartSummary[];
  /** The spread of the restarts' objectives (how stable the fit is). */
  restartSpread: RestartSpread;
  backend: Backend;
  adapter: string;
  seed: number;
  timings: Timings;
  gpu?: GpuCounters;
  /** Non-fatal notes (e.g. clusters that emptied and were relocated). */
  warnings: string[];
}

export interface SoftKMeansResult extends Omit<KMeansResult, 'model' | 'stopReason'> {
  model: 'soft-kmeans';
  beta: number;
  /** −(1/β) Σ_i log Σ_k exp(−β‖x_i − c_k‖²) at the final centroids; decreases every iteration; → inertia as β → ∞. */
  objective: number;
  stopReason: 'tol' | 'maxIter';
  /** Row-major n×k responsibilities at the final centroids (only when returnResponsibilities is set). */
  responsibilities?: number[];
}

/** A fitted centroid model, as returned by kmeans/softKMeans, or a bare { centroids }. */
export interface CentroidModel {
  centroids: ArrayLike<ArrayLike<number>>;
}

export type CovarianceType = 'full' | 'diag' | 'spherical' | 'tied';

/** Initial parameters for a Gaussian mixture, in scikit-learn's shapes. */
export interface GaussianMixtureParams {
  weights: ArrayLike<number>;
  means: ArrayLike<ArrayLike<number>>;
  /** full: k×d×d · tied: d×d · diag: k×d · spherical: k. */
  covariances: ArrayLike<unknown>;
}

/**
 * Conjugate priors for MAP estimation (Fraley & Raftery 2007, as mclust's priorControl):
 * a symmetric Dirichlet(α) on the weights and a Normal-inverse-Wishart on each component's
 * mean and covariance: μ_k | Σ_k ~ N(mean, Σ_k/shrinkage), Σ_k ~ IW(dof, scale).
 */
export interface GaussianMixturePrior {
  /** Dirichlet concentration α (default 1: no effect). α > 1 smooths; α < 1 lets components empty out and be dropped. */
  weightConcentration?: number;
  /** The Normal-inverse-Wishart part: true for mclust's defaults, false (default) for none, or its hyperparameters. */
  normal?:
    | boolean
    | {
        /** κ (default 0.01). */
        shrinkage?: number;
        /** Prior mean (default: the column means, weighted by sampleWeight). */
        mean?: ArrayLike<number>;
        /** ν (default d + 2). */
        dof?: number;
        /** Λ: a d×d matrix (full, tied), d variances (diag) or one variance (spherical). Default: mclust's cov(data)/k^(2/d) (weighted by sampleWeight). */
        scale?: ArrayLike<unknown> | number;
      };
}

export interface GaussianMixtureOptions extends DataPrecisionOptions {
  k: number;
  /** Covariance structure (default 'full'). */
  covariance?: CovarianceType;
  /** 'kmeans' (default, as scikit-learn), 'k-means++', 'random', 'random-from-data', or initial parameters. */
  init?: 'kmeans' | 'k-means++' | 'random' | 'random-from-data' | GaussianMixtureParams;
  /**
   * Restarts, each from its own initialisation; the highest final lower bound is kept (default 10:
   * one start left the ARI on pbmc3k spread over seeds by 0.07; pass 1 for scikit-learn's single start).
   * Given initial parameters run once. `restartSpread` in the result says how far apart the restarts ended.
   */
  nInit?: number;
  /** Default 100. */
  maxIter?: number;
  /** Convergence when the per-sample lower bound changes by less than tol (default 1e-3). */
  tol?: number;
  /** Added to covariance diagonals for numerical stability (default 1e-6). */
  regCovar?: number;
  seed?: number;
  /** MAP estimation with conjugate priors; the log-posterior becomes the objective. */
  prior?: GaussianMixturePrior;
  onIteration?: (info: IterationRecord) => void;
  /** Stops the fit between iterations with an AbortError. */
  signal?: AbortSignal;
  /** Weight of each sample (scikit-learn's sample_weight: weight w counts as w copies); default all 1. */
  sampleWeight?: ArrayLike<number>;
}

export interface GaussianMixtureResult {
  model: 'gmm';
  covariance: CovarianceType;
  n: number;
  d: number;
  /** Components kept (k minus those a Dirichlet prior with α < 1 emptied out). */
  k: number;
  weights: number[];
  means: number[][];
  /** scikit-learn's shapes: full k×d×d, tied d×d, diag k×d, spherical k. */
  covariances: number[] | number[][] | number[][][];
  /** Cholesky factors of the precisions, as scikit-learn's precisions_cholesky_. */
  precisionsCholesky: number[] | number[][] | number[][][];
  /** Objective per sample at the last E-step: mean log-likelihood (or log-posterior / n with a prior). */
  lowerBound: number;
  /** Σ_i log p(x_i) at the final parameters. */
  logLikelihood: number;
  /** log-likelihood + log prior density at the final parameters (MAP fits only). */
  logPosterior?: number;
  nIter: number;
  converged: boolean;
  stopReason: 'tol' | 'maxIter';
  labels: number[];
  clusterSizes: number[];
  history: IterationRecord[];
  restarts: RestartSummary[];
  /** The spread of the restarts' objectives (how stable the fit is). */
  restartSpread: RestartSpread;
  /** Indices (in the initial 0..k−1 numbering) of components dropped by the Dirichlet prior. */
  dropped: number[];
  regCovar: number;
  prior?: GaussianMixturePrior;
  backend: Backend;
  adapter: string;
  seed: number;
  timings: Timings;
  gpu?: GpuCounters;
  warnings: string[];
  /** Bayesian information criterion on data (non-enumerable: results stay plain data). */
  bic(data: DataInput): Promise<number>;
  aic(data: DataInput): Promise<number>;
  predict(data: DataInput): Promise<number[]>;
  /** n rows of k posterior probabilities. */
  predictProba(data: DataInput): Promise<number[][]>;
  /** log p(x_i) for each row. */
  scoreSamples(data: DataInput): Promise<number[]>;
}
