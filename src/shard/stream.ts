/**
 * Streamed fits over a row source, built on the shard statistics: each EM iteration is one pass
 * (forEachChunk: progress per pass, abort between chunks) that maps every chunk to its statistics
 * and sums them in chunk order, then the model's M-step; core/em.ts `runEM` owns history,
 * onIteration, the signal and the stopping, as in the in-memory fits. So a streamed fit is exactly
 * the distributed fit whose shards are its chunks, and with one chunk it is the in-memory fit.
 * Start: `init` (the model's parameters) or 'sample' (default): k-means++ on a seeded sample of
 * `sampleRows` rows read through the source (the GMM from those seeds as scikit-learn's
 * 'k-means++'; the NB mixture from k-means on log1p(x/s) of the sample). One start, no restarts.
 * Not (yet) here: sample weights, the in-memory fits' scale-aware fitting of data far outside
 * float64's comfortable range (core/scale.ts), MAP priors (mStep takes a resolved prior).
 */
import { runEM, type StepOutcome } from '../core/em.js';
import { checkOptionNames } from '../core/known-options.js';
import { restartRng } from '../core/rng.js';
import { engineFor, type Engine } from '../engine/engine.js';
import { invalid } from '../errors.js';
import { gmmParamsOf } from '../gmm/api.js';
import { MAX_GENE_BYTES } from '../nbmm/counts.js';
import { checkSource as checkRowSource } from '../stream/check.js';
import { forEachChunk } from '../stream/pass.js';
import type { PassOptions, RowSource } from '../stream/types.js';
import { betaOf, blockStatistics, finishGlobals, mStep, shardGlobals, sumStatistics } from './api.js';
import type { ShardBlock } from './block.js';
import { evaluateBlock } from './evaluate.js';
import {
  DEFAULTS,
  type GmmStreamOptions,
  NAMES,
  type NbStreamOptions,
  type SoftKMeansStreamOptions,
  type StreamFitOptions,
  type StreamFitResult,
} from './stream-options.js';
import { gmmSampleStart, kmeansSampleStart, nbSampleStart, readSample, sampleRowIndices } from './sample.js';
import type {
  GlobalStatistics,
  GmmShardParams,
  KMeansShardParams,
  NbGlobals,
  NbShardParams,
  ShardModel,
  ShardParams,
  ShardStatistics,
} from './types.js';

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

function positiveInt(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw invalid('BAD_OPTION', `${name}=${String(v)} is not a positive integer. Pass an integer >= 1.`);
  return v;
}

function checkSource(source: RowSource, fn: string): void {
  if (
    source == null ||
    typeof source !== 'object' ||
    typeof source.readRows !== 'function' ||
    !(source.kind === 'csr' || source.kind === 'dense')
  )
    throw invalid(
      'BAD_OPTION',
      'The data is not a row source. Pass a CsrSource or DenseSource (csrSource(matrix), denseSource(data, n, d), openRowSource(path)).',
    );
  checkRowSource(source, fn);
  if (source.n < 1 || source.d < 1)
    throw invalid('EMPTY_DATA', `${source.name} has ${source.n} rows × ${source.d} columns; a fit needs at least one of each.`);
}

/**
 * Refuse, before the first pass, a source whose declared d no fit could hold: the NB mixture's
 * per-gene arrays (about d·(32k + 96) bytes, as the in-memory fit's checkGeneMemory), and for the
 * dense models one row of float64 parameters per component. A source that says d = 1e9 would
 * otherwise allocate per-gene arrays of that size (minutes of paging, then an out-of-memory abort).
 */
function checkStreamMemory(source: RowSource, model: ShardModel, kOption: unknown): void {
  const k = typeof kOption === 'number' && Number.isSafeInteger(kOption) && kOption > 0 ? kOption : 1;
  const bytes = model === 'nbmm' ? source.d * (32 * k + 96) : source.d * 8 * (k + 2);
  if (bytes > MAX_GENE_BYTES)
    throw invalid(
      'BUFFER_LIMIT',
      `${source.name} declares d=${source.d.toLocaleString('en-US')} columns; a ${model} fit with k=${k} would hold about ${(bytes / 1e9).toFixed(1)} GB of per-column arrays, above the ${(MAX_GENE_BYTES / 1e9).toFixed(2)} GB allowed. Keep the columns that matter (e.g. highly variable genes) and check that the source's d is right.`,
    );
}

/** One pass: every chunk's statistics, summed in chunk order (the same fold as sumStatistics). */
async function statisticsPass<T extends ShardStatistics | GlobalStatistics>(
  source: RowSource,
  pass: string,
  opts: PassOptions,
  fn: (block: ShardBlock, start: number) => Promise<T>,
): Promise<T> {
  let acc: T | null = null;
  await forEachChunk(
    source as RowSource & { readRows(a: number, b: number): Promise<ShardBlock> },
    pass,
    opts,
    async (b: ShardBlock, r) => {
      const s = await fn(b, r.start);
      acc = acc === null ? s : sumStatistics([acc, s]);
    },
  );
  return acc!;
}

async function streamFit<P extends ShardParams>(
  source: RowSource,
  model: ShardModel,
  options: Record<string, unknown>,
): Promise<StreamFitResult<P>> {
  const t0 = now();
  checkOptionNames(options, NAMES[model], `${model}Stream`);
  checkSource(source, `${model}Stream`);
  checkStreamMemory(source, model, options.k);
  const o = options as unknown as StreamFitOptions<ShardParams> & SoftKMeansStreamOptions & GmmStreamOptions & NbStreamOptions;
  const engine: Engine = await engineFor(o);
  engine.check();
  const pass: PassOptions = { chunkRows: o.chunkRows, chunkBytes: o.chunkBytes, signal: o.signal, onProgress: o.onProgress };
  const maxIter = positiveInt(o.maxIter, 'maxIter', DEFAULTS[model].maxIter);
  const tol = o.tol ?? DEFAULTS[model].tol;
  if (typeof tol !== 'number' || !(tol >= 0) || !Number.isFinite(tol))
    throw invalid('BAD_OPTION', `tol=${String(tol)} must be a finite number >= 0.`);
  const seed = o.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw invalid('BAD_OPTION', `seed=${String(seed)} must be a non-negative integer.`);
  if (o.onIteration !== undefined && typeof o.onIteration !== 'function') throw invalid('BAD_OPTION', 'onIteration must be a function.');
  const beta = model === 'softkmeans' ? betaOf(model, o.beta ?? 1) : null;
  const regCovar = o.regCovar ?? 1e-6;
  if (typeof regCovar !== 'number' || !Number.isFinite(regCovar) || regCovar < 0)
    throw invalid('BAD_OPTION', `regCovar=${String(regCovar)} must be a finite number >= 0.`);
  if (o.returnLabels !== undefined && typeof o.returnLabels !== 'boolean')
    throw invalid('BAD_OPTION', `returnLabels=${String(o.returnLabels)} must be true or false.`);
  if (o.meanEstimator !== undefined && o.meanEstimator !== 'mle' && o.meanEstimator !== 'weighted')
    throw invalid('BAD_OPTION', `meanEstimator='${String(o.meanEstimator)}' is not recognised. Use 'mle' or 'weighted'.`);
  let passes = 0;

  // First pass: what the model needs of all rows (k-means' tolerance, the NB mixture's globals).
  let tolScaled = 0;
  let globals: NbGlobals | null = null;
  if (model !== 'gmm') {
    const g = await statisticsPass(source, 'globals', pass, (b, start) => shardGlobals(b, { model, rowOffset: start }));
    passes++;
    const fin = finishGlobals(g, { tol, sizeFactors: o.sizeFactors });
    if ('tolScaled' in fin) tolScaled = fin.tolScaled;
    else globals = fin;
  }

  // Start.
  const ti = now();
  let params: ShardParams;
  let sampleRows: number | null = null;
  if (o.init === undefined || o.init === 'sample') {
    if (o.k === undefined)
      throw invalid(
        'BAD_OPTION',
        `${model}Stream: k is missing. Pass { k } to seed on a sample of rows, or the starting parameters as init.`,
      );
    const k = positiveInt(o.k, 'k', 1);
    if (k > source.n) throw invalid('K_TOO_LARGE', `n_samples=${source.n} should be >= k=${k}. Pass k <= ${source.n}.`);
    const size = Math.max(k, positiveInt(o.sampleRows, 'sampleRows', 10_000));
    const rows = sampleRowIndices(source.n, size, restartRng(seed, 0));
    const sample = await readSample(source, rows, pass);
    passes++;
    sampleRows = rows.length;
    if (model === 'gmm') params = await gmmSampleStart(engine, sample, source.n, k, o.covariance ?? 'full', regCovar, seed, o.signal);
    else if (model === 'nbmm') params = await nbSampleStart(engine, sample, k, globals!, o.dispersion, seed, o.signal);
    else params = await kmeansSampleStart(engine, sample, k, seed, o.signal);
  } else {
    if (o.init == null || typeof o.init !== 'object')
      throw invalid('BAD_OPTION', `init=${String(o.init)}: pass 'sample' or the model's parameters.`);
    params = (model === 'nbmm' ? { ...o.init, globals } : { ...o.init }) as ShardParams;
    const given = Array.isArray((params as GmmShardParams).weights)
      ? (params as GmmShardParams).weights.length
      : (params as KMeansShardParams).centroids?.length;
    if (o.k !== undefined && o.k !== given)
      throw invalid(
        'SHAPE_MISMATCH',
        `k=${String(o.k)} but init has ${String(given)} components. Leave k out with a given init, or pass matching parameters.`,
      );
    // A caller's starting mixture is checked as a model (weights a distribution, covariances
    // positive definite), as the in-memory fit checks its init; fitted parameters always pass.
    if (model === 'gmm') {
      const g = params as GmmShardParams;
      gmmParamsOf(
        {
          model: 'gmm',
          covariance: g.covariance,
          k: given,
          d: source.d,
          weights: g.weights,
          means: g.means,
          covariances: g.covariances,
          regCovar,
        } as never,
        true,
      );
    }
  }
  const initMs = now() - ti;

  // EM: one pass per iteration.
  const warnings = new Set<string>();
  if (engine.notice) warnings.add(engine.notice);
  const kept = model === 'kmeans' ? new Int32Array(source.n) : null;
  let reason: 'labels' | 'tol' | false = false;
  let lastObjective: number | undefined;
  const mOpts = { beta: beta ?? undefined, regCovar, dispersion: o.dispersion, meanEstimator: o.meanEstimator, tol, tolScaled };
  const loop = await runEM(
    {
      step: async (iter): Promise<StepOutcome> => {
        // Hard k-means keeps its labels (4 bytes per row) to count the changed ones.
        const fresh = iter === 1;
        const summed = await statisticsPass(source, `em-iteration-${iter}`, pass, (b, start) =>
          blockStatistics(engine, b, model, params, {
            beta,
            regCovar,
            rowOffset: start,
            ...(kept ? { track: { labels: kept.subarray(start, start + b.n), fresh } } : {}),
          }),
        );
        passes++;
        const out = await mStep(model, summed, params, {
          ...Object.fromEntries(Object.entries(mOpts).filter(([, v]) => v !== undefined)),
          iter,
          ...(lastObjective !== undefined ? { previousObjective: lastObjective } : {}),
        });
        for (const w of out.warnings) warnings.add(w);
        params = out.params;
        reason = out.converged;
        lastObjective = out.objective;
        return { objective: out.objective, shift: out.shift, ...(out.changed !== undefined ? { changed: out.changed } : {}) };
      },
      converged: () => reason,
    },
    {
      restart: 0,
      maxIter,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onIteration ? { onIteration: o.onIteration } : {}),
    },
  );

  // Last pass: labels and the objective at the final parameters.
  const wantLabels = o.returnLabels ?? true;
  const labels = wantLabels ? new Int32Array(source.n) : null;
  let objective = 0;
  let inertia = 0;
  await forEachChunk(
    source as RowSource & { readRows(a: number, b: number): Promise<ShardBlock> },
    'labels',
    pass,
    async (b: ShardBlock, r) => {
      const ev = await evaluateBlock(engine, b, model, params, { beta: beta ?? undefined, regCovar });
      objective += ev.objective;
      inertia += ev.inertia ?? 0;
      if (labels) for (let i = 0; i < r.end - r.start; i++) labels[r.start + i] = ev.labels[i];
    },
  );
  passes++;
  if (!loop.converged) warnings.add(`The fit did not converge within maxIter=${maxIter} iterations. Increase maxIter or tol.`);
  const k =
    model === 'gmm' || model === 'nbmm' ? (params as GmmShardParams).weights.length : (params as KMeansShardParams).centroids.length;
  const result: StreamFitResult<P> = {
    model,
    n: source.n,
    d: source.d,
    k,
    params: params as P,
    objective,
    nIter: loop.nIter,
    converged: loop.converged,
    stopReason: loop.stopReason,
    history: loop.history,
    init: sampleRows === null ? 'given' : { sampleRows },
    passes,
    backend: engine.backend,
    warnings: [...warnings],
    timings: { totalMs: now() - t0, initMs, perIterMs: loop.perIterMs },
  };
  if (labels) result.labels = labels;
  if (model === 'softkmeans') result.inertia = inertia;
  return result;
}
/** Hard k-means over a row source, one pass per iteration. */
export function kmeansStream(source: RowSource, options: StreamFitOptions<KMeansShardParams>): Promise<StreamFitResult<KMeansShardParams>> {
  return streamFit(source, 'kmeans', options as Record<string, unknown>);
}

/** Soft k-means (stiffness beta, default 1) over a row source. */
export function softKMeansStream(source: RowSource, options: SoftKMeansStreamOptions): Promise<StreamFitResult<KMeansShardParams>> {
  return streamFit(source, 'softkmeans', options as Record<string, unknown>);
}

/** Gaussian mixture (any covariance type, MLE) over a row source. */
export function gmmStream(source: RowSource, options: GmmStreamOptions): Promise<StreamFitResult<GmmShardParams>> {
  return streamFit(source, 'gmm', options as Record<string, unknown>);
}

/** Negative-binomial mixture of counts over a row source (size factors and the grid from a first pass). */
export function nbStream(source: RowSource, options: NbStreamOptions): Promise<StreamFitResult<NbShardParams>> {
  return streamFit(source, 'nbmm', options as Record<string, unknown>);
}
