/**
 * Stepwise (online) EM for the negative-binomial mixture (nbmm/): running normalised statistics
 * (nb-stats.ts) after each batch of cells and the model's own M-step (nbmm/mstep.ts) from them.
 * Size factors and the size-factor grid must be fixed before the first batch: in memory they are
 * the full fit's (library sizes over all cells); from a CsrSource the library mean is `libraryMean`
 * or the initialisation sample's, and the grid spans the sample's size factors widened by a factor 2
 * each way (a cell outside it is interpolated at the nearest end: pass sizeFactors: 'none' or a
 * libraryMean to control this).
 */
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { Rng, restartRng } from '../core/rng.js';
import { resolveSampleWeight } from '../core/weights.js';
import { toRows } from '../data.js';
import { ENGINE_SELECTION, engineFor, withNotice, type EngineSelection } from '../engine/engine.js';
import { invalid } from '../errors.js';
import { checkGeneMemory, sizeFactors, toCounts, type Counts } from '../nbmm/counts.js';
import { makeGrid, type SizeGrid } from '../nbmm/grid.js';
import { initialLabels } from '../nbmm/init.js';
import { paramsFromLabels, type NbContext, type NbParams, type NbStats } from '../nbmm/model.js';
import { mStep } from '../nbmm/mstep.js';
import { resolve } from '../nbmm/options.js';
import type { CountsInput, DispersionOption } from '../nbmm/types.js';
import type { CsrSource } from '../stream/types.js';
import type { IterationRecord } from '../types.js';
import { chunkOrder, isRowSource } from './batches.js';
import { nbBlockEvaluate, nbBlockStats } from './block-stats.js';
import { concatCounts, pickCounts } from './nb-blocks.js';
import { RunningHistograms, stepNbStats } from './nb-stats.js';
import { checkK, finiteResult, numberIn, posInt, resolveSchedule, seedOf, stepSize, type StepSchedule } from './options.js';
import { ONLINE_COMMON_OPTIONS, type OnlineCommonOptions, type OnlineRunInfo } from './common.js';
import { readChecked } from '../stream/block.js';
import { checkSource as checkRowSource } from '../stream/check.js';
import { abortCheckpoint } from '../core/yield.js';

/** When the loops below last yielded to the event loop (abortCheckpoint: a timer's abort runs within one batch). */
const YIELD_CLOCK = { t: 0 };

export interface OnlineNbOptions extends OnlineCommonOptions {
  /** 'kmeans' (default: nbmm's k-means on log1p(x/s) of an initSize sample), 'random', or n labels (in memory only). */
  init?: 'kmeans' | 'random' | ArrayLike<number>;
  /** Rows of the initialisation sample (default max(3·batchSize, 10·k), at most n). */
  initSize?: number;
  /** Passes (default 1). */
  maxIter?: number;
  stepDecay?: number;
  stepOffset?: number;
  dispersion?: DispersionOption;
  meanEstimator?: 'weighted' | 'mle';
  /** 'library' (default) or 'none'. */
  sizeFactors?: 'library' | 'none';
  /** The mean library size that size factors divide by (default: over all cells in memory; the sample's from a source). */
  libraryMean?: number;
}

export interface OnlineNbResult extends OnlineRunInfo {
  model: 'nbmm';
  weights: number[];
  means: number[][];
  dispersion: number[];
  libraryMean: number;
  sizeFactorMode: 'library' | 'none';
  logLikelihood?: number;
  lowerBound?: number;
  schedule: StepSchedule;
}

const OPTIONS = [
  ...ONLINE_COMMON_OPTIONS,
  ...optionNames<Omit<OnlineNbOptions, keyof OnlineCommonOptions>>({
    init: true,
    stepDecay: true,
    stepOffset: true,
    dispersion: true,
    meanEstimator: true,
    sizeFactors: true,
    libraryMean: true,
  }),
  ...ENGINE_SELECTION,
];

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** One-pass (stepwise) EM for a negative-binomial mixture over counts in memory or a CsrSource. */
export async function onlineNb(counts: CountsInput | CsrSource, options: OnlineNbOptions & EngineSelection): Promise<OnlineNbResult> {
  checkOptionNames(options, OPTIONS, 'onlineNb', 'k');
  const t0 = now();
  const source = isRowSource(counts) ? (counts as CsrSource) : null;
  if (source && source.kind !== 'csr')
    throw invalid('BAD_OPTION', `onlineNb reads counts: ${source.name} is a dense source. Pass a CsrSource (cells × genes).`);
  if (source) checkRowSource(source, 'onlineNb');
  const mem = source ? null : toCounts(counts as CountsInput);
  const n = source ? source.n : mem!.n;
  const d = source ? source.d : mem!.d;
  const k = checkK(options.k, n);
  // A source's declared d, before any per-gene array (the in-memory counts are checked below).
  if (source) checkGeneMemory({ d, indices: { length: source.nnz } } as unknown as Counts, k);
  const batchSize = Math.min(posInt(options.batchSize, 'batchSize', 1024), n);
  const passes = posInt(options.maxIter, 'maxIter', 1);
  const schedule = resolveSchedule(options.stepDecay, options.stepOffset);
  const seed = seedOf(options.seed);
  const initSize = Math.min(n, posInt(options.initSize, 'initSize', Math.max(3 * batchSize, 10 * k)));
  const sfMode = options.sizeFactors ?? 'library';
  if (sfMode !== 'library' && sfMode !== 'none')
    throw invalid('BAD_OPTION', `sizeFactors='${String(sfMode)}' is not recognised. Use 'library' or 'none'.`);
  const libOpt =
    options.libraryMean === undefined ? undefined : numberIn(options.libraryMean, 'libraryMean', 1, (x) => x > 0, 'a positive number');
  const w = resolveSampleWeight(options.sampleWeight, n);
  if (source && options.init !== undefined && typeof options.init !== 'string')
    throw invalid('BAD_OPTION', "onlineNb: initial labels need the counts in memory. Pass init: 'kmeans' or 'random' with a source.");
  const engine = await engineFor(options);
  engine.check();
  const rng = restartRng(seed, 0);
  const pickW = (rows: ArrayLike<number>): Float64Array | null => (w ? Float64Array.from(rows, (r) => w[r]) : null);

  // Size factors and grid, fixed for the whole fit.
  let libraryMean: number;
  let grid: SizeGrid;
  let sample: { c: Counts; w: Float64Array | null };
  const sfOf = (c: Counts): Float64Array => sizeFactors(c, sfMode, libraryMean).s;
  if (mem) {
    checkGeneMemory(mem, k);
    const all = sizeFactors(mem, sfMode, libOpt, w);
    libraryMean = all.libraryMean;
    grid = makeGrid(all.s);
    const rows = rng.sample(n, initSize);
    sample = { c: pickCounts(mem, rows), w: pickW(rows) };
  } else {
    const src = source!;
    const chunks = Math.ceil(n / batchSize);
    const picked = rng.sample(chunks, Math.min(chunks, Math.ceil(initSize / batchSize)));
    const parts: Counts[] = [];
    const rows: number[] = [];
    for (const ch of picked) {
      const a = ch * batchSize;
      const b = Math.min(n, a + batchSize);
      parts.push(toCounts(await readChecked(src, a, b, options.signal)));
      for (let i = a; i < b; i++) rows.push(i);
    }
    const c = concatCounts(parts);
    checkGeneMemory(c, k);
    sample = { c, w: pickW(rows) };
    libraryMean = libOpt ?? sizeFactors(c, sfMode, undefined, sample.w).libraryMean;
    const s = sfOf(c);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of s) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    grid = makeGrid([...s, lo / 2, hi * 2]);
  }
  const o = resolve(mem ?? sample.c, { k, init: options.init, dispersion: options.dispersion, meanEstimator: options.meanEstimator, seed });
  let params: NbParams;
  if (o.init instanceof Int32Array && mem) params = paramsFromLabels(mem, sfOf(mem), o.init, k, o.dispersion, w);
  else {
    const sampleS = sfOf(sample.c);
    const labels = await initialLabels(engine, sample.c, sampleS, o, 0, options.signal, sample.w);
    params = paramsFromLabels(sample.c, sampleS, labels, k, o.dispersion, sample.w);
  }
  const initMs = now() - t0;

  const read = async (b: number, size: number, order: Int32Array): Promise<{ c: Counts; w: Float64Array | null }> => {
    if (mem) {
      const rows = order.subarray(b * size, Math.min(n, (b + 1) * size));
      return { c: pickCounts(mem, rows), w: pickW(rows) };
    }
    const a = order[b] * size;
    const e = Math.min(n, a + size);
    return { c: toCounts(await readChecked(source!, a, e, options.signal)), w: pickW(Array.from({ length: e - a }, (_, t) => a + t)) };
  };
  const ctx: NbContext = {
    n,
    d,
    k,
    grid,
    hist: new RunningHistograms(0).current(),
    dispersion: o.dispersion,
    meanEstimator: o.meanEstimator,
  };
  const hist = new RunningHistograms(d);
  const main = new Rng(seed, 0);
  const history: IterationRecord[] = [];
  const warnings = new Set<string>();
  const batches = Math.ceil(n / batchSize);
  let s: NbStats | null = null;
  let t = 0;
  for (let pass = 0; pass < passes; pass++) {
    const order = chunkOrder(main, mem ? n : batches);
    for (let b = 0; b < batches; b++, t++) {
      await abortCheckpoint(options.signal, YIELD_CLOCK);
      const blk = await read(b, batchSize, order);
      const st = await nbBlockStats(engine, blk.c, sfOf(blk.c), grid, params, blk.w);
      const total = blk.w ? blk.w.reduce((x, y) => x + y, 0) : blk.c.n;
      const eta = stepSize(schedule, t);
      s = stepNbStats(s, st, total, eta);
      hist.step(blk.c, blk.w, total, eta);
      ctx.hist = hist.current();
      const { params: next, report } = mStep(ctx, params, s);
      if (report.empty.length > 0)
        warnings.add(
          `Component(s) ${report.empty.join(', ')} lost (numerically) all their cells; their means were kept and their weights floored. Reduce k, or try another seed or init.`,
        );
      params = next;
      const rec: IterationRecord = { restart: 0, iter: t + 1, objective: st.loglik / total, shift: report.shift, elapsedMs: now() - t0 };
      history.push(rec);
      options.onStep?.(rec);
    }
  }
  const res: OnlineNbResult = {
    model: 'nbmm',
    n,
    d,
    k,
    weights: Array.from(params.weights),
    means: toRows(params.means, k, d),
    dispersion: Array.from(params.phi),
    libraryMean,
    sizeFactorMode: sfMode,
    nIter: passes,
    nSteps: t,
    schedule,
    history,
    backend: engine.backend,
    adapter: engine.adapter,
    seed,
    timings: { totalMs: 0, initMs, perStepMs: 0 },
    warnings: [...warnings],
  };
  if (options.computeLabels ?? true) {
    // Labels and the log-likelihood at the final parameters, in row order.
    const size = Math.max(batchSize, 65536);
    const ident = Int32Array.from({ length: mem ? n : Math.ceil(n / size) }, (_, i) => i);
    const labels = new Int32Array(n);
    let loglik = 0;
    let total = 0;
    for (let b = 0; b * size < n; b++) {
      await abortCheckpoint(options.signal, YIELD_CLOCK);
      const blk = await read(b, size, ident);
      const ev = await nbBlockEvaluate(engine, blk.c, sfOf(blk.c), grid, params, blk.w);
      labels.set(Int32Array.from(ev.labels), b * size);
      loglik += ev.loglik;
      total += blk.w ? blk.w.reduce((x, y) => x + y, 0) : blk.c.n;
    }
    const sizes = new Array<number>(k).fill(0);
    for (const l of labels) sizes[l]++;
    Object.assign(res, { logLikelihood: loglik, lowerBound: loglik / total, labels: Array.from(labels), clusterSizes: sizes });
  }
  res.timings.totalMs = now() - t0;
  res.timings.perStepMs = (res.timings.totalMs - initMs) / Math.max(1, t);
  return withNotice(finiteResult(res, 'onlineNb', engine.backend), engine);
}
