/**
 * Runs benchmark cases on a given engine, the float64 CPU reference and the k-means peers, and
 * summarises them. Shared by the browser page (bench/page.ts) and Node (bench/node-entry.ts), so
 * both front ends measure exactly the same thing.
 *
 * Protocol of one case:
 *  1. Generate the data from its seed (or take the prepared real data set); time it (not part
 *     of any figure).
 *  2. Pick the initial parameters every fit of every implementation starts from: k data rows
 *     drawn by Rng(INIT_SEED) (k-means, soft k-means: as centroids; GMM: as means, with weights
 *     1/k and the data's per-feature variances as covariances; NB mixture: fixed initial labels).
 *  3. For each implementation: one untimed warm-up fit (pipeline compilation on the GPU, JIT on
 *     the CPU), then `repeats` timed fits, each timed with performance.now() around the call.
 *     tol = 0: every fit runs until maxIter, or (k-means) until no label changes, so every
 *     implementation does the same iterations from the same start.
 *  4. Summarise: median, min, max, quartiles of ms per iteration and of the fit's total time,
 *     iterations, objective, effective GB/s and GFLOP/s (bench/work.ts), GPU counters.
 *
 * Timing is wall clock, and also GPU timestamps where the adapter has them: the front ends
 * create the engine with `timestamps: true`, and where a fit's counters say timing 'timestamp'
 * the summary carries `gpuMsPerIter` (sum of compute-pass durations per EM iteration) beside the
 * wall-clock ms/iter.
 */
import {
  adjustedRandIndex,
  selectK,
  type Engine,
  type GaussianMixtureResult,
  type GpuCounters,
  type KMeansResult,
  type SelectKResult,
  type SoftKMeansResult,
  gaussianMixture,
  kmeans,
  softKMeans,
} from '../src/index.js';
import * as emgpu from '../src/index.js';
import { Rng } from '../src/core/rng.js';
import {
  DEFAULT_REF_CAP_FLOPS,
  INIT_SEED,
  presetCases,
  type BenchCase,
  type DataSpec,
  type GmmCase,
  type KMeansCase,
  type NbmmCase,
  type Preset,
  type SelectKCase,
  type SoftKMeansCase,
} from './cases.js';
import {
  featureVariance,
  generateBlobs,
  generateCounts,
  initialRows,
  inertiaOf,
  toRows,
  type Csr,
  type Dense,
  type RealDataset,
} from './data.js';
import { stats, type Stats } from './stats.js';
import { capWork, workPerIteration, type WorkModel } from './work.js';

// ---------------------------------------------------------------------------------------------
// Types

export type ImplId = 'emgpu' | 'cpu-reference' | 'ml-kmeans' | 'skmeans';

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
  gpu?: GpuCounters;
}

export interface GpuFigures {
  dispatchesPerIter: number;
  /** The fit's total submits ÷ its iterations (so upload and final labels are included). */
  submitsPerIter: number;
  readbacksPerIter: number;
  bytesReadPerIter: number;
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

// ---------------------------------------------------------------------------------------------
// Helpers

const now = (): number => performance.now();
const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

function gpuFigures(samples: FitSample[]): GpuFigures | undefined {
  const g = samples[0]?.gpu;
  if (!g) return undefined;
  const it = Math.max(1, samples[0].nIter);
  return {
    dispatchesPerIter: g.dispatchesPerIter,
    submitsPerIter: g.submits / it,
    readbacksPerIter: g.readbacks / it,
    bytesReadPerIter: g.bytesReadPerIter,
    peakAllocatedBytes: g.peakAllocatedBytes,
    chunks: g.chunks,
    timing: g.timing,
    totals: { dispatches: g.dispatches, submits: g.submits, readbacks: g.readbacks, bytesRead: g.bytesRead, bytesWritten: g.bytesWritten },
    sameAcrossRepeats: samples.every(
      (s) => s.gpu && s.gpu.dispatches === g.dispatches && s.gpu.bytesRead === g.bytesRead && s.gpu.submits === g.submits,
    ),
  };
}

function summarise(impl: ImplId, label: string, backend: string, samples: FitSample[], work: WorkModel | null, note?: string): ImplResult {
  const perIter = stats(samples.map((s) => s.perIterMs));
  const r: ImplResult = {
    impl,
    label,
    backend,
    status: 'ok',
    fits: samples.length,
    perIterMs: perIter,
    totalMs: stats(samples.map((s) => s.totalMs)),
    wallMs: stats(samples.map((s) => s.wallMs)),
    initMs: stats(samples.map((s) => s.initMs)),
    nIter: samples[0].nIter,
    nIterAll: samples.map((s) => s.nIter),
    stopReason: samples[0].stopReason,
    objective: samples[0].objective,
    gbPerS: work ? work.bytes / (perIter.median / 1e3) / 1e9 : null,
    gflopPerS: work ? work.flops / (perIter.median / 1e3) / 1e9 : null,
    samples,
  };
  if (note) r.note = note;
  const g = gpuFigures(samples);
  if (g) r.gpu = g;
  const gpuMs = samples.map((s) => s.gpu?.gpuMsPerIter);
  if (gpuMs.length && gpuMs.every((x) => typeof x === 'number' && Number.isFinite(x))) r.gpuMsPerIter = stats(gpuMs as number[]);
  return r;
}

function skipped(impl: ImplId, label: string, backend: string, note: string): ImplResult {
  return { impl, label, backend, status: 'skipped', fits: 0, note };
}

function failed(impl: ImplId, label: string, backend: string, e: unknown): ImplResult {
  const err = e as Error;
  return { impl, label, backend, status: 'error', fits: 0, note: `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}` };
}

/** One untimed warm-up, then `repeats` timed fits. */
async function repeatFits(
  repeats: number,
  warmup: () => Promise<unknown>,
  fit: () => Promise<FitSample>,
  log: (s: string) => void,
  what: string,
): Promise<FitSample[]> {
  await warmup();
  await pause();
  const out: FitSample[] = [];
  for (let r = 0; r < repeats; r++) {
    const s = await fit();
    out.push(s);
    log(
      `  ${what} ${r + 1}/${repeats}: ${fmt(s.perIterMs)} ms/iter × ${s.nIter} (${s.stopReason}), total ${fmt(s.wallMs)} ms, objective ${s.objective}`,
    );
    await pause();
  }
  return out;
}

function fromResult(r: KMeansResult | SoftKMeansResult | GaussianMixtureResult | NbResult, wallMs: number, objective: number): FitSample {
  const s: FitSample = {
    wallMs,
    totalMs: r.timings.totalMs,
    perIterMs: r.timings.perIterMs,
    initMs: r.timings.initMs,
    nIter: r.nIter,
    stopReason: r.stopReason,
    objective,
    elapsedMs: r.history.map((h) => h.elapsedMs),
  };
  if (r.gpu) s.gpu = r.gpu;
  return s;
}

function engineLabel(e: Engine): string {
  return e.backend === 'reference' ? 'emgpu (cpu backend, float64)' : 'emgpu (webgpu, float32)';
}

const relDiff = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);
const signedRel = (a: number, b: number): number => (a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);

// ---------------------------------------------------------------------------------------------
// The negative-binomial mixture: used only once src/index.ts exports it.

interface NbResult {
  logLikelihood: number;
  nIter: number;
  stopReason: string;
  labels: number[];
  history: { elapsedMs: number }[];
  timings: { totalMs: number; initMs: number; perIterMs: number };
  gpu?: GpuCounters;
}
type NbFn = (counts: Csr, options: Record<string, unknown>) => Promise<NbResult>;

/** `negativeBinomialMixture` if src/index.ts exports it, else null. */
export function nbmmFunction(): NbFn | null {
  const f = (emgpu as unknown as Record<string, unknown>).negativeBinomialMixture;
  return typeof f === 'function' ? (f as NbFn) : null;
}

function nbOn(engine: Engine): NbFn | null {
  const m = (engine as unknown as Record<string, unknown>).negativeBinomialMixture;
  if (typeof m === 'function') return (counts, o) => (m as NbFn).call(engine, counts, o);
  const f = nbmmFunction();
  return f ? (counts, o) => f(counts, { ...o, engine }) : null;
}

// ---------------------------------------------------------------------------------------------
// Data

interface CaseData {
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

let lastData: { key: string; data: CaseData } | null = null;

function loadData(spec: DataSpec, env: RunnerEnv): CaseData | { missing: string } {
  const key = JSON.stringify(spec);
  if (lastData?.key === key) return { ...lastData.data, generateMs: 0 };
  lastData = null; // let the previous case's data go before generating the next
  const t = now();
  let out: CaseData;
  if (spec.kind === 'blobs') {
    const b = generateBlobs(spec);
    out = { dense: b, description: b.description, n: b.n, d: b.d, generateMs: now() - t };
  } else if (spec.kind === 'counts') {
    const c = generateCounts(spec);
    out = { counts: c, description: c.description, n: c.n, d: c.d, nnz: c.nnz, generateMs: now() - t };
  } else {
    const r = env.real[spec.name];
    if (!r) return { missing: `real data set ${spec.name} was not prepared by the front end` };
    if ('missing' in r) return { missing: r.missing };
    const reference = { labels: r.labels, name: r.labelName };
    out =
      spec.form === 'lognorm'
        ? {
            dense: { data: r.lognorm, n: r.n, d: r.d },
            description: `${r.name}: log1p(counts / cell total × 10⁴), ${r.n} cells × ${r.d} genes; ${r.source}`,
            n: r.n,
            d: r.d,
            generateMs: now() - t,
            reference,
          }
        : {
            counts: { ...r.counts, nnz: r.nnz },
            description: `${r.name}: raw UMI counts, ${r.n} cells × ${r.d} genes, ${r.nnz} non-zeros; ${r.source}`,
            n: r.n,
            d: r.d,
            nnz: r.nnz,
            generateMs: now() - t,
            reference,
          };
  }
  lastData = { key, data: out };
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cases

interface Ctx {
  c: BenchCase;
  data: CaseData;
  env: RunnerEnv;
  work: WorkModel | null;
  /** Whether the CPU reference and the peers run (modelled work under the cap). */
  refAllowed: boolean;
  refNote: string;
  notes: string[];
}

/**
 * emgpu on the run's engine, then the CPU reference on the same case: skipped when emgpu itself
 * ran on the CPU backend (it is the reference) or when the case is above the reference's cap.
 */
async function emgpuAndReference(
  ctx: Ctx,
  runEngine: (e: Engine, impl: ImplId, label: string) => Promise<ImplResult>,
): Promise<ImplResult[]> {
  const env = ctx.env;
  env.log(`  emgpu on ${env.engine.adapter}`);
  const out = [await runEngine(env.engine, 'emgpu', engineLabel(env.engine))];
  if (env.engine.backend === 'reference') {
    out.push(
      skipped(
        'cpu-reference',
        'CPU reference (float64)',
        'cpu',
        'emgpu itself ran on the CPU backend, which is the float64 reference: no separate run',
      ),
    );
  } else if (!ctx.refAllowed) {
    out.push(skipped('cpu-reference', 'CPU reference (float64)', 'cpu', ctx.refNote));
  } else {
    env.log('  CPU reference (float64)');
    out.push(await runEngine(env.cpu, 'cpu-reference', 'CPU reference (float64)'));
  }
  return out;
}

async function runKMeansFamily(ctx: Ctx, c: KMeansCase | SoftKMeansCase): Promise<Partial<CaseResult>> {
  const { env, data, work } = ctx;
  const X = data.dense!;
  const input = { data: X.data, n: X.n, d: X.d };
  const { rows, centroids } = initialRows(X, c.k, INIT_SEED);
  const soft = c.model === 'soft-kmeans';
  const opts = { k: c.k, init: centroids, nInit: 1, tol: 0, maxIter: c.maxIter };
  const fitOn = async (e: Engine, maxIter: number): Promise<{ r: KMeansResult | SoftKMeansResult; wallMs: number }> => {
    const t = now();
    const r = soft
      ? await softKMeans(input, { ...opts, maxIter, beta: (c as SoftKMeansCase).beta, engine: e })
      : await kmeans(input, { ...opts, maxIter, engine: e });
    return { r, wallMs: now() - t };
  };
  const objectiveOf = (r: KMeansResult | SoftKMeansResult) => (soft ? (r as SoftKMeansResult).objective : r.inertia);
  const impls: ImplResult[] = [];
  const finals = new Map<ImplId, { centroids: number[][]; labels?: number[] }>();

  const runEngine = async (e: Engine, impl: ImplId, label: string) => {
    let last: KMeansResult | SoftKMeansResult | null = null;
    const samples = await repeatFits(
      c.repeats,
      () => fitOn(e, Math.min(2, c.maxIter)),
      async () => {
        const { r, wallMs } = await fitOn(e, c.maxIter);
        last = r;
        return fromResult(r, wallMs, objectiveOf(r));
      },
      env.log,
      label,
    );
    finals.set(impl, { centroids: last!.centroids, labels: last!.labels });
    return summarise(impl, label, e.backend, samples, work);
  };

  impls.push(...(await emgpuAndReference(ctx, runEngine)));

  if (!soft && (c as KMeansCase).peers) {
    const peerList: [ImplId, string, Peers[keyof Peers]][] = [
      ['ml-kmeans', 'ml-kmeans 7 (float64)', env.peers.mlKmeans],
      ['skmeans', 'skmeans 0.11 (float64)', env.peers.skmeans],
    ];
    let rowsArr: number[][] | null = null;
    for (const [id, label, fn] of peerList) {
      if (!fn) {
        impls.push(skipped(id, label, 'cpu', `${id} is not installed (npm install --save-dev ${id})`));
        continue;
      }
      if (!ctx.refAllowed) {
        impls.push(skipped(id, label, 'cpu', ctx.refNote));
        continue;
      }
      rowsArr ??= toRows(X);
      const data = rowsArr;
      env.log(`  ${label}`);
      // Copies: skmeans writes its centroids into the array it was given.
      const init = () => centroids.map((r) => r.slice());
      const call = (maxIter: number): { centroids: number[][]; nIter: number; converged: boolean } => {
        if (id === 'ml-kmeans') {
          const r = env.peers.mlKmeans!(data, c.k, { initialization: init(), maxIterations: maxIter, tolerance: 0 });
          return { centroids: r.centroids, nIter: r.iterations, converged: r.converged };
        }
        const r = env.peers.skmeans!(data, c.k, init(), maxIter);
        return { centroids: r.centroids, nIter: r.it, converged: r.it < maxIter };
      };
      try {
        let last: number[][] = [];
        const samples = await repeatFits(
          c.repeats,
          async () => call(Math.min(2, c.maxIter)),
          async () => {
            const t = now();
            const r = call(c.maxIter);
            const wallMs = now() - t;
            last = r.centroids;
            const it = Math.max(1, r.nIter);
            return {
              wallMs,
              totalMs: wallMs,
              perIterMs: wallMs / it,
              initMs: 0,
              nIter: r.nIter,
              stopReason: r.converged ? 'converged' : 'maxIter',
              objective: inertiaOf(X, r.centroids),
            };
          },
          env.log,
          label,
        );
        finals.set(id, { centroids: last });
        impls.push(
          summarise(
            id,
            label,
            'cpu',
            samples,
            work,
            id === 'ml-kmeans'
              ? 'initialization = the same k rows, maxIterations = maxIter, tolerance 0 (stops when no centroid moves, i.e. no label changed); an empty cluster keeps its previous centroid'
              : "initial = the same k rows, maxit = maxIter; stops when no centroid coordinate changes; an empty cluster's centroid becomes 0 (NaN || 0); `it` does not count the final, converged pass",
          ),
        );
      } catch (e) {
        impls.push(failed(id, label, 'cpu', e));
      }
    }
  }

  // Score every k-means fit the same way (float64 inertia at its final centroids), then compare with emgpu.
  if (!soft) {
    for (const r of impls) {
      const f = finals.get(r.impl);
      if (r.status === 'ok' && f) r.inertia64 = inertiaOf(X, f.centroids);
    }
  }
  const base = impls[0];
  for (const r of impls.slice(1)) {
    if (r.status !== 'ok' || base.status !== 'ok') continue;
    const a = soft ? r.objective! : r.inertia64!;
    const b = soft ? base.objective! : base.inertia64!;
    r.vsEmgpu = {
      perIterRatio: r.perIterMs!.median / base.perIterMs!.median,
      wallRatio: r.wallMs!.median / base.wallMs!.median,
      objectiveRel: signedRel(a, b),
    };
  }
  if (data.reference) {
    for (const r of impls) {
      const f = finals.get(r.impl);
      if (r.status === 'ok' && f) {
        const labels = f.labels ?? labelsOf(X, f.centroids);
        r.ari = adjustedRandIndex(labels, data.reference.labels);
      }
    }
  }
  return {
    impls,
    init: `${c.k} data rows, new Rng(${INIT_SEED}).sample(n, k) = [${rows.slice(0, 8).join(', ')}${rows.length > 8 ? ', …' : ''}], as the initial centroids of every fit (nInit 1, tol 0)`,
    objectiveName: soft ? 'soft objective −(1/β) Σ log Σ exp(−β‖x − c‖²)' : 'inertia Σ‖x − c‖²',
    objectiveSense: 'min',
  };
}

function labelsOf(X: Dense, centroids: number[][]): number[] {
  const out: number[] = new Array(X.n);
  const { d } = X;
  for (let i = 0; i < X.n; i++) {
    let best = Infinity;
    let arg = 0;
    for (let j = 0; j < centroids.length; j++) {
      let s = 0;
      for (let f = 0; f < d; f++) {
        const t = X.data[i * d + f] - centroids[j][f];
        s += t * t;
      }
      if (s < best) {
        best = s;
        arg = j;
      }
    }
    out[i] = arg;
  }
  return out;
}

async function runGmm(ctx: Ctx, c: GmmCase): Promise<Partial<CaseResult>> {
  const { env, data, work } = ctx;
  const X = data.dense!;
  const input = { data: X.data, n: X.n, d: X.d };
  const { rows, centroids } = initialRows(X, c.k, INIT_SEED);
  const v = featureVariance(X);
  const covariances =
    c.covariance === 'diag' ? centroids.map(() => v.slice()) : centroids.map(() => v.map((vi, a) => v.map((_, b) => (a === b ? vi : 0))));
  const init = { weights: centroids.map(() => 1 / c.k), means: centroids, covariances };
  const fitOn = async (e: Engine, maxIter: number) => {
    const t = now();
    const r = await gaussianMixture(input, { k: c.k, covariance: c.covariance, init, nInit: 1, tol: 0, maxIter, engine: e });
    return { r, wallMs: now() - t };
  };
  const impls: ImplResult[] = [];
  const labels = new Map<ImplId, number[]>();
  const runEngine = async (e: Engine, impl: ImplId, label: string) => {
    const samples = await repeatFits(
      c.repeats,
      () => fitOn(e, 1),
      async () => {
        const { r, wallMs } = await fitOn(e, c.maxIter);
        labels.set(impl, r.labels);
        return fromResult(r, wallMs, r.logLikelihood);
      },
      env.log,
      label,
    );
    return summarise(impl, label, e.backend, samples, work);
  };
  impls.push(...(await emgpuAndReference(ctx, runEngine)));
  compareWithEmgpu(impls);
  if (data.reference) for (const r of impls) if (labels.has(r.impl)) r.ari = adjustedRandIndex(labels.get(r.impl)!, data.reference.labels);
  return {
    impls,
    init: `weights 1/k, means = ${c.k} data rows (new Rng(${INIT_SEED}).sample(n, k) = [${rows.slice(0, 8).join(', ')}${rows.length > 8 ? ', …' : ''}]), covariances = the data's per-feature variances${c.covariance === 'full' ? ' on the diagonal' : ''}; nInit 1, tol 0`,
    objectiveName: 'log-likelihood Σ log p(x)',
    objectiveSense: 'max',
  };
}

function compareWithEmgpu(impls: ImplResult[]): void {
  const base = impls[0];
  for (const r of impls.slice(1)) {
    if (r.status !== 'ok' || base.status !== 'ok') continue;
    r.vsEmgpu = {
      perIterRatio: r.perIterMs!.median / base.perIterMs!.median,
      wallRatio: r.wallMs!.median / base.wallMs!.median,
      objectiveRel: signedRel(r.objective!, base.objective!),
    };
  }
}

/** Fixed initial labels for the NB mixture: the reference labels with 30% of cells reassigned at random (Rng(INIT_SEED)). */
function nbInitLabels(truth: number[], k: number): number[] {
  const rng = new Rng(INIT_SEED, 5);
  return truth.map((t) => (rng.uniform() < 0.3 ? rng.int(k) : t % k));
}

async function runNbmm(ctx: Ctx, c: NbmmCase): Promise<Partial<CaseResult>> {
  const { env, data, work } = ctx;
  const counts = data.counts!;
  const truth = counts.truth ?? data.reference?.labels ?? [];
  const init = nbInitLabels(truth, c.k);
  const input: Csr = { indptr: counts.indptr, indices: counts.indices, values: counts.values, n: counts.n, d: counts.d };
  const impls: ImplResult[] = [];
  const runEngine = async (e: Engine, impl: ImplId, label: string) => {
    const fn = nbOn(e)!;
    const fitOn = async (maxIter: number) => {
      const t = now();
      const r = await fn(input, { k: c.k, sizeFactors: 'library', dispersion: 'per-gene', init, nInit: 1, maxIter, tol: 0, seed: 0 });
      return { r, wallMs: now() - t };
    };
    try {
      const samples = await repeatFits(
        c.repeats,
        () => fitOn(1),
        async () => {
          const { r, wallMs } = await fitOn(c.maxIter);
          return fromResult(r, wallMs, r.logLikelihood);
        },
        env.log,
        label,
      );
      return summarise(impl, label, e.backend, samples, work);
    } catch (err) {
      return failed(impl, label, e.backend, err);
    }
  };
  impls.push(...(await emgpuAndReference(ctx, runEngine)));
  compareWithEmgpu(impls);
  return {
    impls,
    init: `fixed initial labels: the ${counts.truth ? 'generating cell types' : `${data.reference?.name ?? 'reference'} labels`} with 30% of cells reassigned at random (Rng(${INIT_SEED}, 5)); sizeFactors 'library', dispersion 'per-gene', nInit 1, tol 0`,
    objectiveName: 'log-likelihood Σ log p(x)',
    objectiveSense: 'max',
  };
}

async function runSelectK(ctx: Ctx, c: SelectKCase): Promise<Partial<CaseResult>> {
  const { env, data } = ctx;
  const X = data.dense!;
  const input = { data: X.data, n: X.n, d: X.d };
  const fit = c.selectModel === 'kmeans' ? { seed: 0, maxIter: c.maxIter } : { covariance: 'diag' as const, seed: 0, maxIter: c.maxIter };
  const sweep = async (e: Engine, maxIter: number) => {
    const t = now();
    const r = await selectK(input, { model: c.selectModel, ks: c.ks, fit: { ...fit, maxIter }, engine: e });
    return { r, wallMs: now() - t };
  };
  const impls: ImplResult[] = [];
  const sweeps = new Map<ImplId, SelectKResult>();
  const runEngine = async (e: Engine, impl: ImplId, label: string) => {
    await sweep(e, 1); // warm-up: compiles every k's pipelines
    await pause();
    const samples: FitSample[] = [];
    for (let rep = 0; rep < c.repeats; rep++) {
      const { r, wallMs } = await sweep(e, c.maxIter);
      sweeps.set(impl, r);
      const iters = r.rows.reduce((a, row) => a + row.nIter, 0);
      samples.push({
        wallMs,
        totalMs: wallMs,
        perIterMs: wallMs / Math.max(1, iters),
        initMs: 0,
        nIter: iters,
        stopReason: `${r.rows.filter((x) => x.converged).length}/${r.rows.length} converged`,
        objective: r.rows[r.rows.length - 1].objective,
      });
      env.log(
        `  ${label} sweep ${rep + 1}/${c.repeats}: ${fmt(wallMs)} ms for ${r.rows.length} fits (${iters} iterations), best k ${r.bestK} (${r.criterion}), elbow ${r.elbowK}`,
      );
      await pause();
    }
    return summarise(impl, label, e.backend, samples, null);
  };
  impls.push(...(await emgpuAndReference(ctx, runEngine)));
  compareWithEmgpu(impls);
  const summary = (r: SelectKResult): SweepSummary => ({
    ks: c.ks,
    rows: r.rows,
    bestK: r.bestK,
    elbowK: r.elbowK,
    criterion: r.criterion,
  });
  const mine = sweeps.get('emgpu')!;
  const ref = sweeps.get('cpu-reference') ?? null;
  let maxRel: number | null = null;
  if (ref) maxRel = Math.max(...mine.rows.map((row, i) => relDiff(row.objective, ref.rows[i].objective)));
  return {
    impls,
    init:
      c.selectModel === 'kmeans'
        ? `selectK defaults: k-means++ seeded (seed 0), nInit 1, tol 1e-4, maxIter ${c.maxIter} per k`
        : `selectK defaults: init 'kmeans' (seed 0), tol 1e-3, maxIter ${c.maxIter} per k`,
    objectiveName: c.selectModel === 'kmeans' ? 'inertia at each k' : 'mean log-likelihood at each k',
    objectiveSense: c.selectModel === 'kmeans' ? 'min' : 'max',
    sweep: {
      emgpu: summary(mine),
      reference: ref ? summary(ref) : null,
      maxObjectiveRelDiff: maxRel,
      trueK: c.data.kind === 'blobs' ? c.data.centres : NaN,
    },
  };
}

// ---------------------------------------------------------------------------------------------

function caseParams(c: BenchCase): Record<string, unknown> {
  const { id: _id, title: _title, note: _note, ...rest } = c as BenchCase & { note?: string };
  return rest as Record<string, unknown>;
}

export async function runCase(c: BenchCase, env: RunnerEnv): Promise<CaseResult> {
  const base: CaseResult = {
    id: c.id,
    title: c.title,
    model: c.model,
    status: 'ok',
    params: caseParams(c),
    data: { description: '', n: 0, d: 0, generateMs: 0 },
    init: '',
    objectiveName: '',
    objectiveSense: 'min',
    work: null,
    repeats: c.repeats,
    maxIter: c.maxIter,
    notes: c.note ? [c.note] : [],
    impls: [],
    referenceRelDiff: null,
    sameIterationsAsReference: null,
  };
  if (c.model === 'nbmm' && !nbOn(env.engine)) {
    base.status = 'skipped';
    base.skipReason = 'TODO: negativeBinomialMixture is not exported from src/index.ts yet; this case runs once it is';
    env.log(`${c.id}: skipped (${base.skipReason})`);
    return base;
  }
  const got = loadData(c.data, env);
  if ('missing' in got) {
    base.status = 'skipped';
    base.skipReason = got.missing;
    env.log(`${c.id}: skipped (${got.missing})`);
    return base;
  }
  base.data = {
    description: got.description,
    n: got.n,
    d: got.d,
    ...(got.nnz !== undefined ? { nnz: got.nnz } : {}),
    generateMs: got.generateMs,
  };
  const work = workPerIteration(c, got.n, got.d, got.nnz);
  base.work = work;
  const cap = capWork(c, got.n, got.d, got.nnz);
  const refAllowed = cap <= env.refCapFlops;
  const refNote = `skipped (too slow): ${cap.toExponential(2)} modelled flops per iteration > the cap ${env.refCapFlops.toExponential(2)} (--ref-cap)`;
  if (!refAllowed) env.log(`  CPU reference and peers: ${refNote}`);
  env.log(`${c.id}: ${c.title}; data ${fmt(got.generateMs)} ms; ${c.repeats} timed fits, maxIter ${c.maxIter}`);
  const ctx: Ctx = { c, data: got, env, work, refAllowed, refNote, notes: base.notes };
  try {
    const part =
      c.model === 'kmeans' || c.model === 'soft-kmeans'
        ? await runKMeansFamily(ctx, c)
        : c.model === 'gmm'
          ? await runGmm(ctx, c)
          : c.model === 'nbmm'
            ? await runNbmm(ctx, c)
            : await runSelectK(ctx, c);
    Object.assign(base, part);
  } catch (e) {
    const err = e as Error;
    base.status = 'error';
    base.error = `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
    env.log(`${c.id}: ERROR ${base.error}`);
    return base;
  }
  const me = base.impls[0];
  const ref = base.impls.find((r) => r.impl === 'cpu-reference');
  if (me?.status === 'ok' && ref?.status === 'ok') {
    base.referenceRelDiff = base.sweep ? base.sweep.maxObjectiveRelDiff : relDiff(me.objective!, ref.objective!);
    base.sameIterationsAsReference = me.nIter === ref.nIter;
  } else if (me?.status === 'ok' && env.engine.backend === 'reference') {
    base.referenceRelDiff = 0; // emgpu is the reference here
    base.sameIterationsAsReference = true;
  }
  if (me?.status === 'error') base.status = 'error';
  return base;
}

export async function runCases(cases: BenchCase[], env: RunnerEnv): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  for (const [i, c] of cases.entries()) {
    env.log(`[${i + 1}/${cases.length}] ${c.id}`);
    const t = now();
    out.push(await runCase(c, env));
    env.log(`[${i + 1}/${cases.length}] ${c.id} done in ${(Math.round(now() - t) / 1000).toFixed(1)} s`);
    await pause();
  }
  lastData = null;
  return out;
}

/** What both front ends pass in: the preset and its overrides. */
export interface BenchConfig {
  preset: Preset;
  repeats?: number;
  maxIter?: number;
  only?: string[];
  refCapFlops?: number;
}

/** The cases of cfg.preset, run on env; the run-level notes go to `notes`. */
export async function runPreset(
  cfg: BenchConfig,
  env: Omit<RunnerEnv, 'refCapFlops'>,
): Promise<{ cases: CaseResult[]; durationMs: number; notes: string[]; refCapFlops: number }> {
  const refCapFlops = cfg.refCapFlops ?? DEFAULT_REF_CAP_FLOPS;
  const cases = presetCases(cfg.preset, { repeats: cfg.repeats, maxIter: cfg.maxIter, only: cfg.only });
  if (cases.length === 0) throw new Error(`No case of preset '${cfg.preset}' matches --only ${cfg.only?.join(',')}`);
  const notes: string[] = [];
  if (!nbmmFunction())
    notes.push('TODO: negativeBinomialMixture is not exported from src/index.ts yet, so the NB mixture cases are listed and skipped.');
  if (cfg.repeats !== undefined) notes.push(`--repeats ${cfg.repeats} overrides every case's repeats.`);
  if (cfg.maxIter !== undefined) notes.push(`--max-iter ${cfg.maxIter} overrides every fit's maxIter (k sweeps keep theirs).`);
  if (cfg.only?.length) notes.push(`--only ${cfg.only.join(',')}: a subset of the preset.`);
  const t = now();
  const results = await runCases(cases, { ...env, refCapFlops });
  return { cases: results, durationMs: now() - t, notes, refCapFlops };
}
