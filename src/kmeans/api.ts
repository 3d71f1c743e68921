/**
 * k-means' public functions, one calling convention: `fn(data, { ...options, engine?, backend? })`.
 * The backend's implementation of the 'kmeans' contract is found by the engine's backend name.
 */
import { toDataset, toFloat64, type DataInput } from '../data.js';
import { implementationFor } from '../core/registry.js';
import { resolveBeta, resolveOptions } from '../core/options.js';
import { resolveSampleWeight } from '../core/weights.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { ENGINE_SELECTION, engineFor, withNotice, type Engine, type EngineSelection } from '../engine/engine.js';
import { invalid } from '../errors.js';
import {
  dataScale,
  divided,
  isFloat32Backend,
  KMEANS_MIN_SCALE_EXP,
  mapBack,
  maxAbs,
  meanVarianceTimes,
  scaleDataset,
} from '../core/scale.js';
import type { CentroidModel, KMeansOptions, KMeansResult, SoftKMeansOptions, SoftKMeansResult } from '../types.js';
import type { KMeansBackend } from './backend.js';
import { fitCentroids } from './model.js';
import { kmeansResult, softKMeansResult } from './results.js';
import { f16Scale, wantsF16 } from '../core/precision.js';

const KMEANS_OPTIONS = [
  ...optionNames<KMeansOptions>({
    k: true,
    nInit: true,
    maxIter: true,
    tol: true,
    init: true,
    seed: true,
    emptyCluster: true,
    onIteration: true,
    signal: true,
    sampleWeight: true,
    precision: true,
  }),
  ...ENGINE_SELECTION,
];
const SOFT_OPTIONS = [
  ...KMEANS_OPTIONS,
  ...optionNames<Omit<SoftKMeansOptions, keyof KMeansOptions>>({ beta: true, returnResponsibilities: true }),
];

const backendOf = (engine: Engine): KMeansBackend => implementationFor<KMeansBackend>('kmeans', engine.backend);

/**
 * Fit on the data divided by the scale s (core/scale.ts; 1 for ordinary data) and map the result
 * back: centroids × s; inertia, objectives and shifts × s²; β × s² keeps soft responsibilities.
 */
async function fitScaled(engine: Engine, data: DataInput, options: SoftKMeansOptions, beta: number | null) {
  engine.check();
  const t0 = performance.now();
  const ds0 = toDataset(data);
  const o = resolveOptions(ds0, options);
  const weights = resolveSampleWeight(options.sampleWeight, ds0.n);
  const total = weights ? weights.reduce((a, b) => a + b, 0) : ds0.n;
  const m = Math.max(maxAbs(ds0.x), o.init instanceof Float64Array ? maxAbs(o.init) : 0);
  // Soft k-means is not scaled up for tiny data: β·s² would underflow and its objective −(1/β)·Σ log Σ e^(−β‖x − c‖²)
  // overflow in scaled units, while in the data's own units tiny distances only make the responsibilities uniform.
  const f16 = wantsF16(options.precision, engine.backend);
  const s0 = f16 ? f16Scale(m) : dataScale(m, ds0.d, total, isFloat32Backend(engine.backend), KMEANS_MIN_SCALE_EXP);
  const s = beta !== null && s0 < 1 && !f16 ? 1 : s0;
  const ds = scaleDataset(ds0, s);
  let b = beta;
  if (s !== 1) {
    if (o.init instanceof Float64Array) o.init = divided(o.init, s);
    // The threshold in the scaled units (the unscaled variances may have overflowed).
    o.tolScaled = meanVarianceTimes(o.tol, ds);
    if (b !== null) b = b * s * s;
    // History records are the driver's objects: mapped in place before the caller sees them.
    const user = o.onIteration;
    o.onIteration = (rec) => {
      rec.objective = mapBack(rec.objective, s, 2, 'objective', s);
      rec.shift = mapBack(rec.shift, s, 2, 'squared centroid shift', s);
      user?.(rec);
    };
  }
  // β·‖x − c‖² must stay finite, or every responsibility is exp(−∞ + ∞): refuse, naming the limit.
  const ms = m / s;
  if (b !== null && !(b * 4 * ds.d * ms * ms < 2 ** 1000)) {
    throw invalid(
      'OUT_OF_RANGE',
      `beta=${beta} is so large for data reaching ${m} that β·‖x − c‖² overflows float64. Use kmeans() (the β → ∞ limit of soft k-means) or a smaller beta.`,
    );
  }
  const soft = b === null ? null : { beta: b, returnResponsibilities: !!options.returnResponsibilities };
  if (f16 && b !== null && !(b >= 2 ** -100)) {
    throw invalid(
      'OUT_OF_RANGE',
      `beta=${beta} on data reaching ${m} gives float32 a stiffness of ${b} in half-precision units, too small to hold. Leave precision out (float32 storage).`,
    );
  }
  const setup = { k: o.k, soft: b === null ? null : { beta: b }, weights, ...(f16 ? { f16 } : {}) };
  const fit = await backendOf(engine).session(engine, ds, setup, (sess) => fitCentroids(sess, ds, o, soft, weights));
  const raw = { ...fit.raw, backend: engine.backend, adapter: engine.adapter, totalMs: performance.now() - t0 };
  let objective = fit.objective;
  if (s !== 1) {
    raw.centres = raw.centres.map((v) => v * s);
    raw.inertia = mapBack(raw.inertia, s, 2, 'inertia', s);
    raw.restarts = raw.restarts.map((r) => ({ ...r, objective: mapBack(r.objective, s, 2, 'objective', s) }));
    objective = mapBack(objective, s, 2, 'objective', s);
  }
  return { raw, o, objective, resp: fit.resp && normalisedRows(fit.resp, o.k) };
}

/**
 * Responsibilities whose row lost its normaliser: when β·‖x − c‖² is far beyond 2^53 and nearly
 * equal for every centroid, log Σ e^(a_j) rounds to max a_j and each e^(a_j − lse) to 1 (a row of
 * [1, 1, 1]). Such rows are divided by their sum; rows that sum to 1 to rounding (float32's included) keep their bits.
 */
function normalisedRows(resp: ArrayLike<number>, k: number): ArrayLike<number> {
  let out: Float64Array | null = null;
  for (let i = 0; i * k < resp.length; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += resp[i * k + j];
    // Float32 backends' rows sum to 1 within k·2⁻²⁴; a lost normaliser leaves sums near k.
    if (Math.abs(sum - 1) <= 1e-4) continue;
    out ??= Float64Array.from(resp);
    for (let j = 0; j < k; j++) out[i * k + j] = resp[i * k + j] / sum;
  }
  return out ?? resp;
}

/** Hard k-means on a given engine (what kmeans() and the models that start from k-means call). */
export async function kmeansOn(engine: Engine, data: DataInput, options: KMeansOptions): Promise<KMeansResult> {
  const { raw, o } = await fitScaled(engine, data, options, null);
  return withNotice(kmeansResult(raw, o.maxIter), engine);
}

/** Hard k-means (Lloyd) with k-means++ seeding and restarts. */
export async function kmeans(data: DataInput, options: KMeansOptions & EngineSelection): Promise<KMeansResult> {
  checkOptionNames(options, KMEANS_OPTIONS, 'kmeans', 'k');
  return kmeansOn(await engineFor(options), data, options);
}

/** Soft k-means with stiffness β. */
export async function softKMeans(data: DataInput, options: SoftKMeansOptions & EngineSelection): Promise<SoftKMeansResult> {
  checkOptionNames(options, SOFT_OPTIONS, 'softKMeans', 'k');
  const engine = await engineFor(options);
  const beta = resolveBeta(options);
  const { raw, o, objective, resp } = await fitScaled(engine, data, options, beta);
  return withNotice(softKMeansResult(raw, o.maxIter, beta, objective, resp), engine);
}

function modelCentroids(model: CentroidModel, d: number): { c: Float64Array; k: number } {
  if (!model?.centroids)
    throw invalid('BAD_OPTION', 'The model has no centroids. Pass the result of kmeans() or { centroids: number[][] }.');
  const m = toFloat64(model.centroids as ArrayLike<ArrayLike<number>>, 'model.centroids');
  if (m.d !== d) {
    throw invalid(
      'DIMENSION_MISMATCH',
      `X has ${d} features, but the model was fitted on ${m.d}. Pass data with ${m.d} columns in the training order.`,
    );
  }
  return { c: m.x, k: m.n };
}

/** The contract's scoring of new data, once for predict and transform. */
async function apply(model: CentroidModel, X: DataInput, options: EngineSelection | undefined, what: 'predict' | 'transform') {
  const engine = await engineFor(options);
  engine.check();
  const x = toFloat64(X, 'X');
  const { c, k } = modelCentroids(model, x.d);
  // Distances at the scale of the data and centroids together (core/scale.ts); labels do not change.
  const s = dataScale(Math.max(maxAbs(x.x), maxAbs(c)), x.d, x.n, isFloat32Backend(engine.backend), KMEANS_MIN_SCALE_EXP);
  const flat = await backendOf(engine).apply(engine, { ...x, x: divided(x.x, s) }, divided(c, s), k, what);
  if (s === 1 || what === 'predict') return { flat, n: x.n, k };
  return { flat: Float64Array.from(flat, (v) => mapBack(v, s, 1, 'distance', s)), n: x.n, k };
}

/** Nearest-centroid labels for new data (behind the top-level predict). */
export async function predictCentroids(model: CentroidModel, X: DataInput, options?: EngineSelection): Promise<number[]> {
  return Array.from((await apply(model, X, options, 'predict')).flat);
}

/** Euclidean distances from new data to every centroid (n × k). */
export async function transform(model: CentroidModel, X: DataInput, options?: EngineSelection): Promise<number[][]> {
  checkOptionNames(options, ENGINE_SELECTION, 'transform');
  const { flat, n, k } = await apply(model, X, options, 'transform');
  const out: number[][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = Array.from({ length: k }, (_, j) => flat[i * k + j]);
  return out;
}
