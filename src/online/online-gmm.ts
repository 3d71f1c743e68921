/**
 * Stepwise (online) EM for the Gaussian mixture (Cappé & Moulines 2009; Liang & Klein 2009): after
 * each batch the running normalised statistics move towards the batch's, s ← (1 − η_t) s + η_t ŝ,
 * η_t = (t + t0)^(−α), and the parameters are the model's own M-step (gmm/model.ts mStep) of s.
 * One pass (maxIter = 1) is the point: a first fit of data too large to iterate on, or the start of
 * a few full EM iterations. Batches as batches.ts: a permutation per pass in memory, shuffled chunks
 * from a RowSource.
 */
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { Rng, restartRng } from '../core/rng.js';
import { resolveSampleWeight } from '../core/weights.js';
import { toRows, type DataInput } from '../data.js';
import { ENGINE_SELECTION, engineFor, withNotice, type EngineSelection } from '../engine/engine.js';
import { initialParams } from '../gmm/fit.js';
import { mStep, type GmmParams, type GmmStats } from '../gmm/model.js';
import { resolve } from '../gmm/options.js';
import { shapeCov } from '../gmm/result.js';
import { implementationFor } from '../core/registry.js';
import type { GmmBackend } from '../gmm/backend.js';
import type { CovarianceType, GaussianMixtureParams, IterationRecord } from '../types.js';
import type { RowSource } from '../stream/types.js';
import { chunkCount, chunkOrder, colsOf, initSample, passBatch, rowsOf, toOnlineData, type Batch, type OnlineData } from './batches.js';
import { batchDataset, gmmBlockEvaluate, gmmBlockStats } from './block-stats.js';
import { stepStats } from './gmm-stats.js';
import { checkK, finiteResult, posInt, resolveSchedule, seedOf, stepSize, type StepSchedule } from './options.js';
import { ONLINE_COMMON_OPTIONS, type OnlineCommonOptions, type OnlineRunInfo } from './common.js';
import { abortCheckpoint } from '../core/yield.js';

/** When the loops below last yielded to the event loop (abortCheckpoint: a timer's abort runs within one batch). */
const YIELD_CLOCK = { t: 0 };

export interface OnlineGmmOptions extends OnlineCommonOptions {
  /** 'full' (default), 'diag', 'spherical' or 'tied'. */
  covariance?: CovarianceType;
  /** As gaussianMixture's, on an initSize sample: 'kmeans' (default), 'k-means++', 'random', 'random-from-data', or given parameters. */
  init?: 'kmeans' | 'k-means++' | 'random' | 'random-from-data' | GaussianMixtureParams;
  /** Rows of the initialisation sample (default max(3·batchSize, 10·k), at most n). */
  initSize?: number;
  /** Passes over the data (default 1). */
  maxIter?: number;
  /** α of η_t = (t + t0)^(−α), in (0.5, 1] (default 0.6). */
  stepDecay?: number;
  /** t0 ≥ 1 (default 2). */
  stepOffset?: number;
  regCovar?: number;
  /** After every batch: objective = the batch's mean log-likelihood at the parameters before the step. */
  onStep?: (info: IterationRecord) => void;
}

export interface OnlineGmmResult extends OnlineRunInfo {
  model: 'gmm';
  covariance: CovarianceType;
  weights: number[];
  means: number[][];
  covariances: number[] | number[][] | number[][][];
  precisionsCholesky: number[] | number[][] | number[][][];
  regCovar: number;
  /** With computeLabels: Σ w log p(x) over all rows, its mean per unit weight, labels and sizes. */
  logLikelihood?: number;
  lowerBound?: number;
  schedule: StepSchedule;
}

const OPTIONS = [
  ...ONLINE_COMMON_OPTIONS,
  ...optionNames<Omit<OnlineGmmOptions, keyof OnlineCommonOptions>>({
    covariance: true,
    init: true,
    stepDecay: true,
    stepOffset: true,
    regCovar: true,
  }),
  ...ENGINE_SELECTION,
];

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** One-pass (stepwise) EM for a Gaussian mixture over a matrix or a RowSource. */
export async function onlineGmm(data: DataInput | RowSource, options: OnlineGmmOptions & EngineSelection): Promise<OnlineGmmResult> {
  checkOptionNames(options, OPTIONS, 'onlineGmm', 'k');
  const t0 = now();
  const od = toOnlineData(data);
  const n = rowsOf(od);
  const d = colsOf(od);
  const k = checkK(options.k, n);
  const batchSize = Math.min(posInt(options.batchSize, 'batchSize', 1024), n);
  const passes = posInt(options.maxIter, 'maxIter', 1);
  const schedule = resolveSchedule(options.stepDecay, options.stepOffset);
  const seed = seedOf(options.seed);
  const initSize = Math.min(n, posInt(options.initSize, 'initSize', Math.max(3 * batchSize, 10 * k)));
  const w = resolveSampleWeight(options.sampleWeight, n);
  const computeLabels = options.computeLabels ?? true;
  const engine = await engineFor(options);
  engine.check();
  const rng = restartRng(seed, 0);
  const sample = await initSample(od, initSize, batchSize, rng, w, options.signal);
  const sds = batchDataset(sample);
  const r = resolve(sds, { k, covariance: options.covariance, init: options.init, regCovar: options.regCovar, seed });
  const type = r.type;
  const backend = implementationFor<GmmBackend>('gmm', engine.backend);
  let params: GmmParams = await backend.session(engine, sds, { k, type, weights: sample.w }, (s) =>
    initialParams(engine, sds, { data: sample.x, n: sample.n, d }, r, s, rng, sample.w, options.signal),
  );
  const initMs = now() - t0;
  const anchor = params.means.slice();
  const main = new Rng(seed, 0);
  const history: IterationRecord[] = [];
  let s: GmmStats | null = null;
  let t = 0;
  const batches = chunkCount(n, batchSize);
  for (let pass = 0; pass < passes; pass++) {
    const order = od.kind === 'memory' ? chunkOrder(main, n) : chunkOrder(main, batches);
    for (let b = 0; b < batches; b++, t++) {
      await abortCheckpoint(options.signal, YIELD_CLOCK);
      const batch = await passBatch(od, batchSize, b, order, w, options.signal);
      const st = await gmmBlockStats(engine, batch, params, type);
      s = stepStats(s, st, stepSize(schedule, t), anchor, type, k, d);
      const next = mStep(s, type, k, d, { regCovar: r.regCovar, prior: null, normaliseWeights: true }, params.active).params;
      let shift = 0;
      for (let j = 0; j < k * d; j++) shift += (next.means[j] - params.means[j]) ** 2;
      params = next;
      const rec: IterationRecord = { restart: 0, iter: t + 1, objective: st.loglik / st.n, shift, elapsedMs: now() - t0 };
      history.push(rec);
      options.onStep?.(rec);
    }
  }
  const res: OnlineGmmResult = {
    model: 'gmm',
    covariance: type,
    n,
    d,
    k,
    weights: Array.from(params.weights),
    means: toRows(params.means, k, d),
    covariances: shapeCov(type, params.cov, allOf(k), d),
    precisionsCholesky: shapeCov(type, params.precChol, allOf(k), d),
    regCovar: r.regCovar,
    nIter: passes,
    nSteps: t,
    schedule,
    history,
    backend: engine.backend,
    adapter: engine.adapter,
    seed,
    timings: { totalMs: 0, initMs, perStepMs: 0 },
    warnings: [],
  };
  if (computeLabels) Object.assign(res, await finalPass(engine, od, params, type, batchSize, w, options.signal));
  res.timings.totalMs = now() - t0;
  res.timings.perStepMs = (res.timings.totalMs - initMs) / Math.max(1, t);
  return withNotice(finiteResult(res, 'onlineGmm', engine.backend), engine);
}

const allOf = (k: number): number[] => Array.from({ length: k }, (_, c) => c);

/** Labels and the log-likelihood at the final parameters, in order, chunk by chunk. */
async function finalPass(
  engine: Parameters<typeof gmmBlockEvaluate>[0],
  od: OnlineData,
  p: GmmParams,
  type: CovarianceType,
  size: number,
  w: Float64Array | null,
  signal?: AbortSignal,
) {
  const n = rowsOf(od);
  const step = Math.max(size, 65536);
  const labels = new Int32Array(n);
  const ident = Int32Array.from({ length: od.kind === 'memory' ? n : chunkCount(n, step) }, (_, i) => i);
  let loglik = 0;
  let total = 0;
  for (let b = 0; b * step < n; b++) {
    await abortCheckpoint(signal, YIELD_CLOCK);
    const batch: Batch = await passBatch(od, step, b, ident, w, signal);
    const ev = await gmmBlockEvaluate(engine, batch, p, type);
    labels.set(Int32Array.from(ev.labels), b * step);
    for (let i = 0; i < batch.n; i++) {
      const wi = batch.w ? batch.w[i] : 1;
      loglik += wi * ev.logProb[i];
      total += wi;
    }
  }
  const sizes = new Array<number>(p.k).fill(0);
  for (const l of labels) sizes[l]++;
  return { logLikelihood: loglik, lowerBound: loglik / total, labels: Array.from(labels), clusterSizes: sizes };
}
