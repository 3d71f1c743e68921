/**
 * k-means' public functions, one calling convention: `fn(data, { ...options, engine?, backend? })`.
 * The backend's implementation of the 'kmeans' contract is found by the engine's backend name.
 */
import { toDataset, toFloat64, type DataInput } from '../data.js';
import { implementationFor } from '../core/registry.js';
import { resolveBeta, resolveOptions } from '../core/options.js';
import { resolveSampleWeight } from '../core/weights.js';
import { engineFor, withNotice, type Engine, type EngineSelection } from '../engine/engine.js';
import { invalid } from '../errors.js';
import type { CentroidModel, KMeansOptions, KMeansResult, SoftKMeansOptions, SoftKMeansResult } from '../types.js';
import type { KMeansBackend } from './backend.js';
import { fitCentroids } from './model.js';
import { kmeansResult, softKMeansResult } from './results.js';

const backendOf = (engine: Engine): KMeansBackend => implementationFor<KMeansBackend>('kmeans', engine.backend);

/** Hard k-means on a given engine (what kmeans() and the models that start from k-means call). */
export async function kmeansOn(engine: Engine, data: DataInput, options: KMeansOptions): Promise<KMeansResult> {
  engine.check();
  const t0 = performance.now();
  const ds = toDataset(data);
  const o = resolveOptions(ds, options);
  const weights = resolveSampleWeight(options.sampleWeight, ds.n);
  const fit = await backendOf(engine).session(engine, ds, { k: o.k, soft: null, weights }, (s) => fitCentroids(s, ds, o, null, weights));
  const raw = { ...fit.raw, backend: engine.backend, adapter: engine.adapter, totalMs: performance.now() - t0 };
  return withNotice(kmeansResult(raw, o.maxIter), engine);
}

/** Hard k-means (Lloyd) with k-means++ seeding and restarts. */
export async function kmeans(data: DataInput, options: KMeansOptions & EngineSelection): Promise<KMeansResult> {
  return kmeansOn(await engineFor(options), data, options);
}

/** Soft k-means with stiffness β. */
export async function softKMeans(data: DataInput, options: SoftKMeansOptions & EngineSelection): Promise<SoftKMeansResult> {
  const engine = await engineFor(options);
  const beta = resolveBeta(options ?? ({} as SoftKMeansOptions));
  engine.check();
  const t0 = performance.now();
  const ds = toDataset(data);
  const o = resolveOptions(ds, options);
  const weights = resolveSampleWeight(options.sampleWeight, ds.n);
  const soft = { beta, returnResponsibilities: !!options.returnResponsibilities };
  const fit = await backendOf(engine).session(engine, ds, { k: o.k, soft: { beta }, weights }, (s) =>
    fitCentroids(s, ds, o, soft, weights),
  );
  const raw = { ...fit.raw, backend: engine.backend, adapter: engine.adapter, totalMs: performance.now() - t0 };
  return withNotice(softKMeansResult(raw, o.maxIter, beta, fit.objective, fit.resp), engine);
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
  return { flat: await backendOf(engine).apply(engine, x, c, k, what), n: x.n, k };
}

/** Nearest-centroid labels for new data (behind the top-level predict). */
export async function predictCentroids(model: CentroidModel, X: DataInput, options?: EngineSelection): Promise<number[]> {
  return Array.from((await apply(model, X, options, 'predict')).flat);
}

/** Euclidean distances from new data to every centroid (n × k). */
export async function transform(model: CentroidModel, X: DataInput, options?: EngineSelection): Promise<number[][]> {
  const { flat, n, k } = await apply(model, X, options, 'transform');
  const out: number[][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = Array.from({ length: k }, (_, j) => flat[i * k + j]);
  return out;
}
