/**
 * `miniBatchKMeans(data, options)` and `partialFit(state, batch, options)`: scikit-learn's
 * MiniBatchKMeans over an in-memory matrix (rows drawn with replacement, as scikit-learn) or a
 * RowSource (chunks of batchSize rows in a seeded shuffled order per pass; see batches.ts).
 * Data are fitted in their own units (no scale-aware fitting as kmeans() has).
 */
import { toParamMatrix, toDataset, toRows, type DataInput } from '../data.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { restartRng } from '../core/rng.js';
import { resolveSampleWeight } from '../core/weights.js';
import { checkNInit } from '../core/options.js';
import { ENGINE_SELECTION, engineFor, withNotice, type EngineSelection } from '../engine/engine.js';
import { invalid } from '../errors.js';
import type { RowSource } from '../stream/types.js';
import { colsOf, readBatch, rowsOf, toOnlineData } from './batches.js';
import { batchDataset, kmeansBlockLabels } from './block-stats.js';
import { fitMiniBatch, initialCentres, miniBatchStep, stepRng, type MbkSettings } from './minibatch.js';
import { checkK, finiteResult, numberIn, posInt, seedOf } from './options.js';
import { ONLINE_COMMON_OPTIONS, type OnlineCommonOptions, type OnlineRunInfo } from './common.js';

export interface MiniBatchKMeansOptions extends OnlineCommonOptions {
  /** Passes over the data (epochs), default 100: in memory maxIter·n / batchSize steps, from a source maxIter·⌈n / batchSize⌉. */
  maxIter?: number;
  /** 'k-means++' (default) on an initSize sample, 'random' rows of it, or k×d centres. */
  init?: 'k-means++' | 'random' | DataInput;
  /** Rows per initialisation sample (default 3·batchSize, at least 3k, at most n). */
  initSize?: number;
  /** Candidate starts, the best by inertia on a validation sample (scikit-learn 1.2's default: 3; 1 with given centres). */
  nInit?: number;
  /** Stop when the squared centre shift of a step ≤ tol × mean column variance; 0 (default) turns it off. */
  tol?: number;
  /** Stop after this many steps without a new minimum of the EWA batch inertia (default 10; null: never). */
  maxNoImprovement?: number | null;
  /** Centres with count < ratio × the largest move to batch rows (default 0.01). */
  reassignmentRatio?: number;
  /** A last pass for labels and inertia over all rows (default true); else inertia = EWA inertia · n. */
  computeLabels?: boolean;
}

export interface MiniBatchKMeansResult extends OnlineRunInfo {
  model: 'minibatch-kmeans';
  centroids: number[][];
  /** Per-centre summed weight (scikit-learn's _counts): the learning rates' denominators. */
  counts: number[];
  /** Σ w‖x − c‖² over all rows (computeLabels), else the EWA batch inertia per row · n (as scikit-learn). */
  inertia: number;
  /** Passes made: ⌈steps · batchSize / n⌉. */
  nIter: number;
  stopReason: 'tol' | 'noImprovement' | 'maxIter';
  reassignments: number;
}

const MBK_OPTIONS = [
  ...ONLINE_COMMON_OPTIONS,
  ...optionNames<Omit<MiniBatchKMeansOptions, keyof OnlineCommonOptions>>({
    init: true,
    nInit: true,
    tol: true,
    maxNoImprovement: true,
    reassignmentRatio: true,
  }),
  ...ENGINE_SELECTION,
];

function resolveInit(init: unknown, k: number, d: number): MbkSettings['init'] {
  if (init === undefined || init === 'k-means++' || init === 'random') return init ?? 'k-means++';
  if (typeof init === 'string')
    throw invalid('BAD_OPTION', `init='${init}' is not recognised. Use 'k-means++', 'random' or a k×d array of centres.`);
  return toParamMatrix(init as DataInput, k, d, 'init');
}

function ratioOf(v: unknown): number {
  return numberIn(v, 'reassignmentRatio', 0.01, (x) => x >= 0, '≥ 0 (0 turns reassignment off)');
}

/** Mini-batch k-means (scikit-learn's MiniBatchKMeans) over a matrix or a RowSource. */
export async function miniBatchKMeans(
  data: DataInput | RowSource,
  options: MiniBatchKMeansOptions & EngineSelection,
): Promise<MiniBatchKMeansResult> {
  checkOptionNames(options, MBK_OPTIONS, 'miniBatchKMeans', 'k');
  const t0 = performance.now();
  const od = toOnlineData(data);
  const n = rowsOf(od);
  const d = colsOf(od);
  const k = checkK(options.k, n);
  const batchSize = Math.min(posInt(options.batchSize, 'batchSize', 1024), n);
  const init = resolveInit(options.init, k, d);
  const initSize = Math.min(
    n,
    options.initSize === undefined ? Math.max(3 * batchSize, 3 * k) : Math.max(posInt(options.initSize, 'initSize', 1), 3 * k),
  );
  const tol = numberIn(options.tol, 'tol', 0, (x) => x >= 0, 'a finite number ≥ 0');
  const mni = options.maxNoImprovement;
  if (mni !== undefined && mni !== null) posInt(mni, 'maxNoImprovement', 10);
  const w = resolveSampleWeight(options.sampleWeight, n);
  const s: MbkSettings = {
    k,
    batchSize,
    maxIter: posInt(options.maxIter, 'maxIter', 100),
    init,
    initSize,
    nInit: init instanceof Float64Array ? 1 : checkNInit(posInt(options.nInit, 'nInit', 3)),
    tolScaled: 0,
    maxNoImprovement: mni === undefined ? 10 : mni,
    reassignmentRatio: ratioOf(options.reassignmentRatio),
    computeLabels: options.computeLabels ?? true,
    seed: seedOf(options.seed),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onStep ? { onStep: options.onStep } : {}),
  };
  if (typeof s.computeLabels !== 'boolean') throw invalid('BAD_OPTION', `computeLabels=${String(s.computeLabels)} must be true or false.`);
  const engine = await engineFor(options);
  engine.check();
  if (tol > 0) {
    // scikit-learn's _tolerance: tol × the mean column variance (from a source: of its first initSize rows).
    const v = od.kind === 'memory' ? od.ds.variance : batchDataset(await readBatch(od.src, 0, initSize, null, s.signal)).variance;
    s.tolScaled = (tol * v.reduce((a, b) => a + b, 0)) / d;
  }
  const run = await fitMiniBatch(engine, od, s, w);
  const totalMs = performance.now() - t0;
  const res: MiniBatchKMeansResult = {
    model: 'minibatch-kmeans',
    n,
    d,
    k,
    centroids: toRows(run.centres, k, d),
    counts: Array.from(run.counts),
    inertia: run.inertia ?? (run.ewaInertia ?? Number.NaN) * n,
    nIter: Math.ceil((run.nSteps * batchSize) / n),
    nSteps: run.nSteps,
    stopReason: run.stopReason,
    reassignments: run.reassignments,
    history: run.history,
    backend: engine.backend,
    adapter: engine.adapter,
    seed: s.seed,
    timings: { totalMs, initMs: run.initMs, perStepMs: (totalMs - run.initMs) / Math.max(1, run.nSteps) },
    warnings: [],
  };
  if (run.labels) {
    res.labels = Array.from(run.labels);
    const sizes = new Array<number>(k).fill(0);
    for (const l of run.labels) sizes[l]++;
    res.clusterSizes = sizes;
  }
  return withNotice(finiteResult(res, 'miniBatchKMeans', engine.backend), engine);
}

/** The state partialFit carries between calls: plain numbers (JSON round-trips it). */
export interface MiniBatchKMeansState {
  k: number;
  d: number;
  centroids: number[][];
  counts: number[];
  /** Steps taken; step t's reassignment draws from its own stream of `seed`. */
  nSteps: number;
  nSinceReassign: number;
  /** The first batch's size (scikit-learn's _batch_size): the reassignment schedule counts in it. */
  batchSize: number;
  reassignmentRatio: number;
  seed: number;
  /** This batch's inertia at the centres before the step. */
  batchInertia: number;
  /** With computeLabels: this batch's labels and inertia at the updated centres. */
  labels?: number[];
  inertia?: number;
}

export interface PartialFitOptions {
  /** Needed on the first call (state null). */
  k?: number;
  /** First call only: how the centres start (k-means++ on this batch by default). */
  init?: 'k-means++' | 'random' | DataInput;
  reassignmentRatio?: number;
  sampleWeight?: ArrayLike<number>;
  seed?: number;
  computeLabels?: boolean;
}

const PARTIAL_OPTIONS = [
  ...optionNames<PartialFitOptions>({ k: true, init: true, reassignmentRatio: true, sampleWeight: true, seed: true, computeLabels: true }),
  ...ENGINE_SELECTION,
];

/** One mini-batch step on the caller's batch (scikit-learn's partial_fit); returns the new state (the old one is not changed). */
export async function partialFit(
  state: MiniBatchKMeansState | null,
  batch: DataInput,
  options: PartialFitOptions & EngineSelection = {},
): Promise<MiniBatchKMeansState> {
  checkOptionNames(options, PARTIAL_OPTIONS, 'partialFit');
  const ds = toDataset(batch, 'batch');
  const w = resolveSampleWeight(options.sampleWeight, ds.n);
  const b = { n: ds.n, d: ds.d, x: ds.x, w };
  const engine = await engineFor(options);
  engine.check();
  let st: MiniBatchKMeansState;
  if (state === null || state === undefined) {
    const k = checkK(options.k, ds.n);
    const seed = seedOf(options.seed);
    const init = resolveInit(options.init, k, ds.d);
    const s = { k, init } as MbkSettings;
    const c = await initialCentres(engine, b, s, restartRng(seed, 0));
    st = {
      k,
      d: ds.d,
      centroids: toRows(c, k, ds.d),
      counts: new Array<number>(k).fill(0),
      nSteps: 0,
      nSinceReassign: 0,
      batchSize: ds.n,
      reassignmentRatio: ratioOf(options.reassignmentRatio),
      seed,
      batchInertia: Number.NaN,
    };
  } else {
    if (state.d !== ds.d)
      throw invalid(
        'DIMENSION_MISMATCH',
        `The batch has ${ds.d} features, but the state was fitted on ${state.d}. Pass batches with ${state.d} columns.`,
      );
    for (const name of ['k', 'init', 'seed'] as const)
      if (options[name] !== undefined)
        throw invalid('BAD_OPTION', `partialFit: ${name} applies to the first call only (state is given). Leave it out.`);
    st = {
      ...state,
      reassignmentRatio: options.reassignmentRatio === undefined ? state.reassignmentRatio : ratioOf(options.reassignmentRatio),
    };
  }
  if (
    !Array.isArray(st.counts) ||
    st.counts.length !== st.k ||
    !st.counts.every((c) => typeof c === 'number' && Number.isFinite(c) && c >= 0)
  )
    throw invalid(
      'BAD_OPTION',
      `partialFit: state.counts must be ${st.k} finite numbers ≥ 0 (the points each centre has absorbed). Pass the state the previous partialFit returned.`,
    );
  const core = {
    centres: toParamMatrix(st.centroids, st.k, st.d, 'state.centroids'),
    counts: Float64Array.from(st.counts),
    nSinceReassign: st.nSinceReassign,
  };
  const out = await miniBatchStep(engine, core, b, st.k, st.batchSize, st.reassignmentRatio, stepRng(st.seed, st.nSteps));
  const next: MiniBatchKMeansState = {
    ...st,
    centroids: toRows(core.centres, st.k, st.d),
    counts: Array.from(core.counts),
    nSteps: st.nSteps + 1,
    nSinceReassign: core.nSinceReassign,
    batchInertia: out.inertia,
  };
  delete next.labels;
  delete next.inertia;
  if (options.computeLabels ?? true) {
    const f = await kmeansBlockLabels(engine, b, core.centres, st.k);
    next.labels = Array.from(f.labels);
    next.inertia = f.inertia;
  }
  return finiteResult(next, 'partialFit', engine.backend);
}
