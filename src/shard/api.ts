/**
 * A fit as map → sum → M-step → broadcast, as public functions in the project's one calling
 * convention. `shardStatistics(block, { model, params, ... })` is one E-step on a block of rows
 * (the backend's session, found through the registry); `sumStatistics(list)` adds statistics in
 * the list's order (float64, elementwise, sequential: the same shards in the same order give the
 * same bits on any machine); `mStep(model, summed, params, options)` is the model's own M-step
 * and convergence rule. Fits that need quantities of all rows first (k-means' tolerance, the NB
 * mixture's size factors) take one first pass: `shardGlobals` → `sumStatistics` → `finishGlobals`.
 */
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { ENGINE_SELECTION, engineFor, type Engine, type EngineSelection } from '../engine/engine.js';
import { invalid } from '../errors.js';
import type { ShardBlock } from './block.js';
import { checkStatistics } from './check-stats.js';
import { gmmBlockStatistics, gmmMStep, sumGmm } from './gmm.js';
import { momentsOf, nbGlobals, nbGlobalsOf, sumGlobals, tolScaledOf } from './globals.js';
import { kmeansBlockStatistics, kmeansMStep, type LabelTrack, sumKMeans } from './kmeans.js';
import { nbBlockStatistics, nbMStep, sumNb } from './nbmm.js';
import type {
  GlobalStatistics,
  GmmShardParams,
  GmmStatistics,
  KMeansShardParams,
  KMeansStatistics,
  MStepOutput,
  NbGlobals,
  NbShardParams,
  NbStatistics,
  ShardModel,
  ShardModelOptions,
  ShardParams,
  ShardStatistics,
} from './types.js';

export const SHARD_MODELS: readonly ShardModel[] = ['kmeans', 'softkmeans', 'gmm', 'nbmm'];

export interface ShardStatisticsOptions extends EngineSelection {
  model: ShardModel;
  params: ShardParams;
  /** Global index of the block's first row (named in the farthest rows k-means sends), default 0. */
  rowOffset?: number;
  /** Soft k-means stiffness (required for 'softkmeans'). */
  beta?: number;
  /** GMM covariance regulariser (default 1e-6; only used to recompute precisions). */
  regCovar?: number;
}

export interface ShardGlobalsOptions {
  model: ShardModel;
  rowOffset?: number;
}

export interface MStepOptions extends ShardModelOptions {
  /** The iteration (1-based) the statistics belong to (k-means' labels rule starts at 2), default 2. */
  iter?: number;
  /** The previous iteration's objective (mixtures' rule |Δ| < tol); absent on the first iteration. */
  previousObjective?: number;
}

const STAT_OPTIONS = [
  ...optionNames<Omit<ShardStatisticsOptions, keyof EngineSelection>>({
    model: true,
    params: true,
    rowOffset: true,
    beta: true,
    regCovar: true,
  }),
  ...ENGINE_SELECTION,
];
const FINISH_OPTIONS = ['tol', 'sizeFactors'];
const GLOBAL_OPTIONS = optionNames<ShardGlobalsOptions>({ model: true, rowOffset: true });
const MSTEP_OPTIONS = optionNames<MStepOptions>({
  beta: true,
  regCovar: true,
  prior: true,
  dispersion: true,
  meanEstimator: true,
  tol: true,
  tolScaled: true,
  iter: true,
  previousObjective: true,
});

export function checkModel(model: unknown): ShardModel {
  if (!SHARD_MODELS.includes(model as ShardModel))
    throw invalid(
      'BAD_OPTION',
      `model='${String(model)}' is not a shard model. Use one of ${SHARD_MODELS.map((m) => `'${m}'`).join(', ')}.`,
    );
  return model as ShardModel;
}

function rowOffsetOf(v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw invalid('BAD_OPTION', `rowOffset=${String(v)} must be a whole number ≥ 0.`);
  return v;
}

export function betaOf(model: ShardModel, beta: unknown): number | null {
  if (model !== 'softkmeans') return null;
  if (typeof beta !== 'number' || !(beta > 0) || !Number.isFinite(beta))
    throw invalid('BAD_OPTION', `beta=${String(beta)}: soft k-means needs its stiffness, a finite number > 0. Pass { beta }.`);
  return beta;
}

/** Statistics of one block of rows at the given parameters: one E-step of the model on the engine's backend. */
export async function shardStatistics(block: ShardBlock, options: ShardStatisticsOptions): Promise<ShardStatistics> {
  checkOptionNames(options, STAT_OPTIONS, 'shardStatistics', 'model');
  const model = checkModel(options.model);
  if (options.params == null || typeof options.params !== 'object')
    throw invalid('BAD_OPTION', `shardStatistics: params are missing. Pass the ${model} parameters the E-step runs at.`);
  const rowOffset = rowOffsetOf(options.rowOffset);
  const beta = betaOf(model, options.beta);
  const engine = await engineFor(options);
  engine.check();
  return blockStatistics(engine, block, model, options.params, { beta, regCovar: options.regCovar, rowOffset });
}

/** The E-step of `model` on a block, on an open engine (options already checked). */
export function blockStatistics(
  engine: Engine,
  block: ShardBlock,
  model: ShardModel,
  params: ShardParams,
  o: { beta: number | null; regCovar?: number; rowOffset: number; track?: LabelTrack },
): Promise<ShardStatistics> {
  const stats =
    model === 'gmm'
      ? gmmBlockStatistics(engine, block, params as GmmShardParams, o.regCovar ?? 1e-6)
      : model === 'nbmm'
        ? nbBlockStatistics(engine, block, params as NbShardParams)
        : kmeansBlockStatistics(engine, block, params as KMeansShardParams, o.beta, o.rowOffset, o.track);
  return stats.then((st) => finiteStatistics(st, engine.backend));
}

const STAT_FIELDS = ['objective', 'loglik', 'sums', 'counts', 'nk', 'sx', 's2'] as const;

/**
 * Statistics of finite rows at finite parameters must be finite; when they are not, the values
 * overflowed the backend's arithmetic (float32 distances on 'cpu' and 'webgpu' overflow near 1e19)
 * and summing them would hand the M-step Infinity or NaN. A typed error instead of such a fit.
 */
function finiteStatistics<T extends ShardStatistics>(st: T, backend: string): T {
  const rec = st as unknown as Record<string, unknown>;
  for (const f of STAT_FIELDS) {
    const v = rec[f];
    const bad = typeof v === 'number' ? !Number.isFinite(v) : Array.isArray(v) && v.some((x) => !Number.isFinite(x));
    if (bad)
      throw invalid(
        'NON_FINITE',
        `The ${st.kind} statistics of this block overflowed on the '${backend}' backend (${f} is not finite): the rows or parameters are too large in magnitude for its arithmetic. Rescale the data (e.g. divide by a constant or standardise), or use backend 'reference' (float64).`,
      );
  }
  return st;
}

/** First-pass statistics of a block: 'moments' (k-means, soft k-means, GMM) or 'nb-globals'. */
export async function shardGlobals(block: ShardBlock, options: ShardGlobalsOptions): Promise<GlobalStatistics> {
  checkOptionNames(options, GLOBAL_OPTIONS, 'shardGlobals', 'model');
  const model = checkModel(options.model);
  return model === 'nbmm' ? nbGlobalsOf(block, rowOffsetOf(options.rowOffset)) : momentsOf(block);
}

function kindOf(s: unknown): string {
  return s != null && typeof s === 'object' && 'kind' in s ? String((s as { kind: unknown }).kind) : typeof s;
}

/** Sum statistics of one pass in the list's order (float64, elementwise, sequential). */
export function sumStatistics<T extends ShardStatistics | GlobalStatistics>(list: readonly T[]): T {
  if (!Array.isArray(list) || list.length === 0)
    throw invalid('EMPTY_DATA', 'sumStatistics: no statistics. Pass the list of every shard’s statistics, in shard order.');
  const kind = kindOf(list[0]);
  for (const s of list)
    if (kindOf(s) !== kind)
      throw invalid('SHAPE_MISMATCH', `sumStatistics: '${kindOf(s)}' statistics among '${kind}' ones. Sum the statistics of one pass.`);
  checkStatistics(list, 'sumStatistics');
  if (kind === 'kmeans') return sumKMeans(list as unknown as KMeansStatistics[]) as T;
  if (kind === 'gmm') return sumGmm(list as unknown as GmmStatistics[]) as T;
  if (kind === 'nbmm') return sumNb(list as unknown as NbStatistics[]) as T;
  if (kind === 'moments' || kind === 'nb-globals') return sumGlobals(list as unknown as GlobalStatistics[]) as T;
  throw invalid(
    'BAD_OPTION',
    `sumStatistics: '${kind}' is not a kind of shard statistics. Pass what shardStatistics or shardGlobals returned.`,
  );
}

/** What a first pass gives the fit: k-means' squared-shift threshold, or the NB mixture's globals. */
export function finishGlobals(
  summed: GlobalStatistics,
  options: { tol?: number; sizeFactors?: 'library' | 'none' } = {},
): { tolScaled: number } | NbGlobals {
  checkOptionNames(options, FINISH_OPTIONS, 'finishGlobals');
  if (summed?.kind === 'moments' || summed?.kind === 'nb-globals') {
    checkStatistics([summed], 'finishGlobals');
    if (summed.n < 1)
      throw invalid('EMPTY_DATA', 'finishGlobals: the statistics cover no rows. Pass the sum of every shard’s first-pass statistics.');
  }
  if (summed?.kind === 'moments') {
    const tol = options.tol ?? 1e-4;
    if (typeof tol !== 'number' || !Number.isFinite(tol) || tol < 0)
      throw invalid('BAD_OPTION', `finishGlobals: tol=${String(tol)} must be a finite number ≥ 0.`);
    const tolScaled = tolScaledOf(summed, tol);
    if (!Number.isFinite(tolScaled))
      throw invalid(
        'OUT_OF_RANGE',
        `finishGlobals: tol × the mean column variance is beyond float64's range (${tolScaled}): the data are too large in magnitude. Divide the data by a constant (e.g. a power of ten near its largest value) and fit again; the clustering does not change.`,
      );
    return { tolScaled };
  }
  if (summed?.kind === 'nb-globals') {
    const mode = options.sizeFactors ?? 'library';
    if (mode !== 'library' && mode !== 'none')
      throw invalid('BAD_OPTION', `sizeFactors='${String(mode)}' must be 'library' or 'none' in a sharded fit.`);
    const g = nbGlobals(summed, mode);
    if (![g.libraryMean, g.sMin, g.sMax].every(Number.isFinite) || g.sMin > g.sMax)
      throw invalid(
        'EMPTY_DATA',
        `finishGlobals: the NB globals give no usable size factors (library mean ${g.libraryMean}, range ${g.sMin} to ${g.sMax}): the statistics hold no counts or are inconsistent. Pass the sum of every shard’s shardGlobals over cells with counts.`,
      );
    return g;
  }
  throw invalid(
    'BAD_OPTION',
    `finishGlobals: '${kindOf(summed)}' is not first-pass statistics. Pass sumStatistics of shardGlobals' results.`,
  );
}

/** The model's M-step from summed statistics: new parameters and the convergence quantities. */
export async function mStep(
  model: ShardModel,
  summed: ShardStatistics,
  params: ShardParams,
  options: MStepOptions = {},
): Promise<MStepOutput> {
  checkOptionNames(options, MSTEP_OPTIONS, 'mStep');
  const m = checkModel(model);
  const want = m === 'softkmeans' ? 'kmeans' : m;
  if (kindOf(summed) !== want)
    throw invalid('SHAPE_MISMATCH', `mStep('${m}') got '${kindOf(summed)}' statistics. Pass the summed statistics of a ${m} E-step.`);
  if (params == null || typeof params !== 'object')
    throw invalid('BAD_OPTION', 'mStep: params are missing. Pass the parameters the statistics were computed at.');
  checkStatistics([summed], 'mStep');
  const me = (options as { meanEstimator?: unknown }).meanEstimator;
  if (me !== undefined && me !== 'mle' && me !== 'weighted')
    throw invalid('BAD_OPTION', `mStep: meanEstimator='${String(me)}' is not recognised. Use 'mle' or 'weighted'.`);
  if (options.iter !== undefined && (typeof options.iter !== 'number' || !Number.isSafeInteger(options.iter) || options.iter < 1))
    throw invalid('BAD_OPTION', `mStep: iter=${String(options.iter)} must be a whole number ≥ 1 (the iteration the statistics belong to).`);
  if (
    options.previousObjective !== undefined &&
    (typeof options.previousObjective !== 'number' || !Number.isFinite(options.previousObjective))
  )
    throw invalid(
      'BAD_OPTION',
      `mStep: previousObjective=${String(options.previousObjective)} must be a finite number (the last M-step's objective), or left out on the first iteration.`,
    );
  if (m === 'gmm') return gmmMStep(summed as GmmStatistics, params as GmmShardParams, options);
  if (m === 'nbmm') return nbMStep(summed as NbStatistics, params as NbShardParams, options);
  if ((summed as KMeansStatistics).soft !== (m === 'softkmeans'))
    throw invalid('SHAPE_MISMATCH', `mStep('${m}') got ${(summed as KMeansStatistics).soft ? 'soft' : 'hard'} k-means statistics.`);
  const tolScaled = options.tolScaled;
  if (typeof tolScaled !== 'number' || !(tolScaled >= 0))
    throw invalid(
      'BAD_OPTION',
      `mStep('${m}') needs tolScaled (tol × mean column variance): pass finishGlobals of the 'moments' pass as { tolScaled }.`,
    );
  return kmeansMStep(summed as KMeansStatistics, params as KMeansShardParams, { tolScaled, iter: options.iter ?? 2 });
}
