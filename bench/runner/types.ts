/**
 * The benchmark runner's vocabulary: what a front end passes in (RunnerEnv, Peers, BenchConfig)
 * and what comes back per fit (FitSample), per implementation (ImplResult) and per case
 * (CaseResult). bench/report.ts renders these; bench/runner/run.ts says how a case is run.
 */
import type { Engine, GpuCounters, SelectKResult } from '../../src/index.js';
import type { BenchCase, Preset } from '../cases.js';
import type { Csr, Dense, RealDataset } from '../data.js';
import type { Stats } from '../stats.js';
import type { WorkModel } from '../work.js';

export type ImplId = 'emgpu' | 'cpu-reference' | 'ml-kmeans' | 'skmeans' | 'scikit-learn';

/** One job for scikit-learn (bench/peers/sklearn_peer.py; the data travel separately, as float32). */
export interface SklearnJob {
  model: 'kmeans' | 'gmm';
  n: number;
  d: number;
  k: number;
  /** k·d initial centroids or means, row-major. */
  init: number[];
  covariance?: 'diag' | 'full';
  /** GMM: k·d (diag) or k·d·d (full) initial covariances. */
  covariances?: number[];
  weights?: number[];
  maxIter: number;
  repeats: number;
  /** Threads scikit-learn may use (emgpu's count on the 'wasm' backend), or null for every core. */
  threads: number | null;
}

export interface SklearnRun {
  version: string;
  threads: number | null;
  fits: { wallMs: number; nIter: number; objective: number; params: number[]; foreignCpuPct?: number }[];
  /** Fits timed again because other processes were busy (Linux). */
  discardedBusy?: number;
}

export type SklearnPeer = (x: Float32Array, job: SklearnJob) => Promise<SklearnRun>;

/** The k-means peers, passed in by the front end (so this file imports no CommonJS). */
export interface Peers {
  /** ml-kmeans' `kmeans(data, K, options)`. */
  mlKmeans?: (
    data: number[][],
    K: number,
    options: { initialization: number[][]; maxIterations: number; tolerance: number },
  ) => { centroids: number[][]; iterations: number; converged: boolean };
  /** skmeans' default export `skmeans(data, k, initial, maxit)`. */
  skmeans?: (data: number[][], k: number, initial: number[][], maxit: number) => { it: number; centroids: number[][] };
  /** scikit-learn (k-means and Gaussian mixtures), or why it cannot run here. */
  sklearn?: { run: SklearnPeer } | { missing: string };
}

export interface RunnerEnv {
  /** The engine under test: WebGPU in the page, `backend: 'auto'` (or --backend) in Node. */
  engine: Engine;
  /** The float64 CPU reference engine. Not run separately when `engine` is itself the CPU backend. */
  cpu: Engine;
  peers: Peers;
  /** Real data sets by name, or why one is missing. */
  real: Record<string, RealDataset | { missing: string } | undefined>;
  /** Modelled flops per iteration above which the CPU reference and the peers are skipped. */
  refCapFlops: number;
  log: (msg: string) => void;
  /** Node: how busy the machine was, so fits disturbed by other processes can be timed again. */
  quiet?: QuietProbe;
}

/**
 * CPU-time counters for telling a disturbed fit: the machine's busy CPU ms minus this process's
 * own (every thread) is what other processes used meanwhile.
 */
export interface QuietProbe {
  machineBusyMs(): number;
  ownCpuMs(): number;
}

export interface FitSample {
  /** performance.now() around the call, ms. */
  wallMs: number;
  /** The library's timings.totalMs (upload, init, EM loop, final labels); = wallMs for peers. */
  totalMs: number;
  /** ms per iteration: emgpu's timings.perIterMs (EM loop only); peers: wallMs / iterations. */
  perIterMs: number;
  initMs: number;
  nIter: number;
  stopReason: string;
  /** The implementation's own objective (peers: the float64 inertia, they report none). */
  objective: number;
  /** history[i].elapsedMs (emgpu only). */
  elapsedMs?: number[];
  /** CPU time other processes used during the fit, in % of its wall time (when the front end can tell). */
  foreignCpuPct?: number;
  gpu?: GpuCounters;
}

export interface GpuFigures {
  dispatchesPerIter: number;
  /** The fit's total submits ÷ its iterations (so upload and final labels are included). */
  submitsPerIter: number;
  readbacksPerIter: number;
  bytesReadPerIter: number;
  /** Passes over the data per EM iteration and the data bytes they read (gpu.dataPassesPerIter, gpu.dataBytesPerIter). */
  dataPassesPerIter: number;
  dataBytesPerIter: number;
  peakAllocatedBytes: number;
  chunks: number;
  /** 'timestamp' when the fits' compute passes were timed with GPU timestamp queries, else 'wall'. */
  timing: 'timestamp' | 'wall';
  totals: { dispatches: number; submits: number; readbacks: number; bytesRead: number; bytesWritten: number };
  /** Every timed fit gave the same counters (they are deterministic). */
  sameAcrossRepeats: boolean;
}

export interface ImplResult {
  impl: ImplId;
  /** e.g. "emgpu (webgpu, float32)". */
  label: string;
  backend: string;
  status: 'ok' | 'skipped' | 'error';
  /** Why it was skipped or failed, or a remark about how it was run. */
  note?: string;
  fits: number;
  perIterMs?: Stats;
  totalMs?: Stats;
  wallMs?: Stats;
  initMs?: Stats;
  /** Iterations of the first timed fit, and of every fit. */
  nIter?: number;
  nIterAll?: number[];
  stopReason?: string;
  objective?: number;
  /** k-means family: Σ min‖x − c‖² at the final centroids in float64, scored the same way for every implementation. */
  inertia64?: number;
  /** Effective rates from the work model and the median ms/iteration. */
  gbPerS?: number | null;
  gflopPerS?: number | null;
  gpu?: GpuFigures;
  /** GPU time per EM iteration from timestamp queries (sum of compute-pass durations), when every fit had them. */
  gpuMsPerIter?: Stats;
  /** Compared with emgpu: ms/iteration ratio (this ÷ emgpu; > 1: emgpu is faster) and objective difference. */
  vsEmgpu?: {
    perIterRatio: number;
    wallRatio: number;
    /** (this − emgpu) / |emgpu| of the scored objective (inertia64 for k-means: peer inertia / emgpu inertia − 1). */
    objectiveRel: number;
  };
  /** ARI of the final labels against the data's reference labels, where there are some. */
  ari?: number;
  samples?: FitSample[];
  /** Fits timed again because other processes used over 5 % of a core during them. */
  discardedBusy?: number;
}

export interface SweepSummary {
  ks: number[];
  rows: SelectKResult['rows'];
  bestK: number;
  elbowK: number;
  criterion: string;
}

export interface CaseResult {
  id: string;
  title: string;
  model: BenchCase['model'];
  status: 'ok' | 'skipped' | 'error';
  skipReason?: string;
  error?: string;
  params: Record<string, unknown>;
  data: { description: string; n: number; d: number; nnz?: number; generateMs: number };
  init: string;
  objectiveName: string;
  objectiveSense: 'min' | 'max';
  work: WorkModel | null;
  repeats: number;
  maxIter: number;
  notes: string[];
  impls: ImplResult[];
  /** emgpu against the CPU reference: |emgpu − ref| / |ref| of the objective (null when the reference did not run). */
  referenceRelDiff: number | null;
  sameIterationsAsReference: boolean | null;
  /** k sweeps: the per-k table of each implementation. */
  sweep?: { emgpu: SweepSummary; reference: SweepSummary | null; maxObjectiveRelDiff: number | null; trueK: number };
}

/** What both front ends pass in: the preset and its overrides. */
export interface BenchConfig {
  preset: Preset;
  repeats?: number;
  maxIter?: number;
  only?: string[];
  refCapFlops?: number;
}

/** A case's data, generated or prepared (bench/runner/data.ts). */
export interface CaseData {
  dense?: Dense & { truth?: number[] };
  counts?: Csr & { nnz: number; truth?: number[] };
  description: string;
  n: number;
  d: number;
  nnz?: number;
  generateMs: number;
  /** Reference labels for ARI (real data only). */
  reference?: { labels: number[]; name: string };
}

/** What every case family's runner gets. */
export interface Ctx {
  c: BenchCase;
  data: CaseData;
  env: RunnerEnv;
  work: WorkModel | null;
  /** Whether the CPU reference and the peers run (modelled work under the cap). */
  refAllowed: boolean;
  refNote: string;
  notes: string[];
}
