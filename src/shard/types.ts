/**
 * The plain, serialisable shapes of a fit split into map (statistics of a shard given parameters)
 * → sum → M-step → broadcast. Every object here survives JSON (through ./json.ts, which keeps
 * non-finite numbers and −0 exact), so a driver in another language can move them between
 * machines; arrays of statistics are flat row-major float64 numbers.
 */
import type { CovarianceType } from '../types.js';

/** The models a shard fit supports ('softkmeans' needs `beta`). */
export type ShardModel = 'kmeans' | 'softkmeans' | 'gmm' | 'nbmm';

/** k-means (hard and soft) parameters: k × d centroids. */
export interface KMeansShardParams {
  centroids: number[][];
  /** Hard k-means: the previous iteration's centroids, so the statistics count labels that changed. */
  previous?: number[][];
}

/** Gaussian mixture parameters (data coordinates), as gaussianMixture() returns them. */
export interface GmmShardParams {
  covariance: CovarianceType;
  weights: number[];
  means: number[][];
  /** full k×d×d, tied d×d, diag k×d, spherical k. */
  covariances: number[] | number[][] | number[][][];
  /** 0 for components dropped by a Dirichlet prior with α < 1 (default: all 1). */
  active?: number[];
}

/** Negative-binomial mixture parameters, plus the broadcast globals of the first pass. */
export interface NbShardParams {
  weights: number[];
  means: number[][];
  dispersion: number[];
  globals: NbGlobals;
}

export type ShardParams = KMeansShardParams | GmmShardParams | NbShardParams;

/** What the NB mixture needs of all cells (the first pass: map → sum → finish). */
export interface NbGlobals {
  sizeFactorMode: 'library' | 'none';
  /** Mean library size over all cells (size factor s_i = total_i / libraryMean). */
  libraryMean: number;
  /** Smallest and largest size factor over all cells (the size-factor grid spans them). */
  sMin: number;
  sMax: number;
  /** Cells in all. */
  n: number;
  /** Per-gene count histograms (the dispersion update's lgamma sums), CSR-like by gene; only the M-step reads them. */
  hist?: { ptr: number[]; value: number[]; mult: number[]; total: number[]; max: number[] };
}

/** First-pass statistics of a shard (sum them with sumStatistics, finish with finishGlobals). */
export type GlobalStatistics =
  | { kind: 'moments'; n: number; d: number; mean: number[]; m2: number[] }
  | {
      kind: 'nb-globals';
      n: number;
      d: number;
      totalSum: number;
      tMin: number;
      tMax: number;
      /** Global indices of (up to 5) cells with no counts. */
      emptyCells: number[];
      emptyCount: number;
      hist: NonNullable<NbGlobals['hist']>;
    };

/** A row the k-means M-step may move an empty cluster to (global row index). */
export interface FarthestRow {
  row: number;
  dist: number;
  label: number;
  x: number[];
}

export interface KMeansStatistics {
  kind: 'kmeans';
  soft: boolean;
  k: number;
  d: number;
  /** Rows in the shard(s). */
  rows: number;
  sums: number[];
  counts: number[];
  objective: number;
  changed?: number;
  /** Rows farthest from their centroid, farthest first, enough for every cluster empty in the shard. */
  farthest: FarthestRow[];
}

export interface GmmStatistics {
  kind: 'gmm';
  covariance: CovarianceType;
  k: number;
  d: number;
  rows: number;
  /** Σ w. */
  n: number;
  nk: number[];
  sx: number[];
  s2: number[];
  shift: number[];
  loglik: number;
}

export interface NbStatistics {
  kind: 'nbmm';
  k: number;
  d: number;
  J: number;
  rows: number;
  loglik: number;
  /** k×(J+2). */
  rowStats: number[];
  /** d×k×(J+1). */
  geneStats: number[];
}

export type ShardStatistics = KMeansStatistics | GmmStatistics | NbStatistics;

/** Model options a shard needs besides its parameters (the fit's own option names). */
export interface ShardModelOptions {
  /** Soft k-means stiffness. */
  beta?: number;
  /** GMM covariance regulariser (default 1e-6). */
  regCovar?: number;
  /** GMM: a resolved MAP prior (its plain form: alpha, and the normal prior's kappa, mean, dof, scale). */
  prior?: { alpha: number; normal: null | { kappa: number; mean: number[]; dof: number; scale: number[] } } | null;
  /** NB: 'per-gene' (default), 'shared' or a fixed φ. */
  dispersion?: 'per-gene' | 'shared' | number;
  /** NB: 'mle' (default) or 'weighted'. */
  meanEstimator?: 'mle' | 'weighted';
  /** Convergence tolerance (the fit's default when absent). */
  tol?: number;
  /** k-means: tol × mean column variance, from finishGlobals of the 'moments' pass. */
  tolScaled?: number;
}

/** What mStep returns: the broadcast parameters and the driver's convergence quantities. */
export interface MStepOutput<P extends ShardParams = ShardParams> {
  params: P;
  /** The objective of the E-step the statistics came from (inertia, soft objective, mean or total log-likelihood). */
  objective: number;
  /** Squared parameter shift of the M-step. */
  shift: number;
  /** Hard k-means: labels changed in the E-step. */
  changed?: number;
  /** The model's convergence rule against `previousObjective`: why it stopped, or false. */
  converged: 'labels' | 'tol' | false;
  /** Model warnings of this step (empty components, regularised covariances). */
  warnings: string[];
}
