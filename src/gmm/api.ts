/**
 * The Gaussian mixture's public functions, one calling convention: `gaussianMixture(data,
 * { ...options, engine?, backend? })`; the result carries predict, predictProba, scoreSamples, bic
 * and aic, defined once on top of the backend's evaluation.
 */
import { toDataset, toFloat64, type DataInput } from '../data.js';
import { implementationFor } from '../core/registry.js';
import { resolveSampleWeight } from '../core/weights.js';
import { engineFor, type Engine, type EngineSelection } from '../engine/engine.js';
import { invalid } from '../errors.js';
import type { CovarianceType, GaussianMixtureOptions, GaussianMixtureResult } from '../types.js';
import type { Evaluation, GmmBackend } from './backend.js';
import { fitGmm } from './fit.js';
import { nParameters, precisionsFrom, type GmmParams } from './model.js';
import { resolve } from './options.js';
import { buildResult, compact } from './result.js';

const backendOf = (engine: Engine): GmmBackend => implementationFor<GmmBackend>('gmm', engine.backend);

/** Gaussian mixture by EM: covariance 'full' | 'diag' | 'spherical' | 'tied', optional MAP priors. */
export async function gaussianMixture(data: DataInput, options: GaussianMixtureOptions & EngineSelection): Promise<GaussianMixtureResult> {
  const engine = await engineFor(options);
  engine.check();
  const t0 = performance.now();
  const ds = toDataset(data);
  // options?.: a missing options object is resolve()'s typed BAD_OPTION, not a TypeError.
  const weights = resolveSampleWeight(options?.sampleWeight, ds.n);
  const r = resolve(ds, options, weights);
  const onIteration = options.onIteration;
  if (onIteration !== undefined && typeof onIteration !== 'function') throw invalid('BAD_OPTION', 'onIteration must be a function.');
  const run = { ...(onIteration ? { onIteration } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  return backendOf(engine).session(engine, ds, { k: r.k, type: r.type, weights }, async (s) => {
    const warnings = new Set<string>();
    if (engine.notice) warnings.add(engine.notice);
    const best = await fitGmm(engine, s, ds, data, r, weights, warnings, run);
    // Final E-step so labels agree with the returned parameters (scikit-learn does the same).
    const ev = await s.evaluate(best.params, {});
    let loglik = 0;
    for (let i = 0; i < ds.n; i++) loglik += (weights ? weights[i] : 1) * ev.logProb[i];
    const res = buildResult(engine, r, ds, ev, loglik, best, warnings, s.counters?.(), performance.now() - t0);
    return attachMethods(res, engine, compact(best.params));
  });
}

/** Evaluate a fitted mixture on new data with the engine's backend. */
export async function evaluateGmm(
  engine: Engine,
  p: GmmParams,
  X: DataInput,
  what: { resp?: boolean },
): Promise<Evaluation & { n: number }> {
  const x = toFloat64(X, 'X');
  if (x.d !== p.d)
    throw invalid(
      'DIMENSION_MISMATCH',
      `X has ${x.d} features, but the mixture was fitted on ${p.d}. Pass data with ${p.d} columns in the training order.`,
    );
  engine.check();
  const ds = { n: x.n, d: x.d, x: x.x, mean: meanOf(x.x, x.n, x.d) };
  const ev = await backendOf(engine).session(engine, ds, { k: p.k, type: p.type, weights: null }, (s) => s.evaluate(p, what));
  return { ...ev, n: x.n };
}

function meanOf(x: Float64Array, n: number, d: number): Float64Array {
  const m = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) m[j] += x[i * d + j] / n;
  return m;
}

/** What scoring needs of a fitted mixture: the plain fields of its result (they survive JSON). */
export type GmmModel = Pick<GaussianMixtureResult, 'model' | 'covariance' | 'd' | 'k' | 'weights' | 'means' | 'covariances' | 'regCovar'>;

/**
 * The parameters a fitted result describes. Precisions are recomputed from its covariances by the
 * M-step's own rule, which is how the fit derived them, so scoring a result read back from JSON
 * gives the bits the fit's methods give.
 */
export function gmmParamsOf(model: GmmModel): GmmParams {
  const { k, d } = model;
  const type: CovarianceType = model.covariance;
  if (!model.weights || !model.means || !model.covariances || model.weights.length !== k || model.means.length !== k) {
    throw invalid(
      'BAD_OPTION',
      'The model has no weights, means or covariances for its k components. Pass the result of gaussianMixture().',
    );
  }
  const flat = (rows: unknown, depth: number): number[] =>
    (depth === 0 ? [rows as number] : (rows as unknown[]).flatMap((r) => flat(r, depth - 1))) as number[];
  const depth = type === 'full' ? 3 : type === 'spherical' ? 1 : 2;
  const cov = Float64Array.from(flat(model.covariances, depth));
  const want = type === 'full' ? k * d * d : type === 'tied' ? d * d : type === 'diag' ? k * d : k;
  const means = Float64Array.from(flat(model.means, 2));
  if (cov.length !== want || means.length !== k * d || !cov.every(Number.isFinite) || !means.every(Number.isFinite)) {
    throw invalid(
      'SHAPE_MISMATCH',
      `The model's means or covariances do not have the shapes of a ${k}-component '${type}' mixture in ${d} dimensions. Pass an unmodified fit result.`,
    );
  }
  return precisionsFrom(type, k, d, Float64Array.from(model.weights), means, cov, new Uint8Array(k).fill(1), model.regCovar);
}

/** Labels, log p(x) and (when asked) responsibilities of X under a fitted mixture, on the engine `options` selects. */
async function scoreGmm(model: GmmModel, X: DataInput, what: { resp?: boolean }, options?: EngineSelection) {
  return evaluateGmm(await engineFor(options), gmmParamsOf(model), X, what);
}

/** Most probable component of each row of X (the top-level predict and the result's method). */
export async function gmmPredict(model: GmmModel, X: DataInput, options?: EngineSelection): Promise<number[]> {
  return Array.from((await scoreGmm(model, X, {}, options)).labels);
}

/** Posterior probabilities, n rows of k. */
export async function gmmPredictProba(model: GmmModel, X: DataInput, options?: EngineSelection): Promise<number[][]> {
  const ev = await scoreGmm(model, X, { resp: true }, options);
  return Array.from({ length: ev.n }, (_, i) => Array.from(ev.resp!.subarray(i * model.k, (i + 1) * model.k)));
}

/** log p(x_i) of each row. */
export async function gmmScoreSamples(model: GmmModel, X: DataInput, options?: EngineSelection): Promise<number[]> {
  return Array.from((await scoreGmm(model, X, {}, options)).logProb);
}

/** bic/aic (X unweighted) and the scoring methods, on the engine that fitted the result. */
function attachMethods(res: GaussianMixtureResult, engine: Engine, p: GmmParams): GaussianMixtureResult {
  const total = async (X: DataInput): Promise<{ ll: number; n: number }> => {
    const ev = await evaluateGmm(engine, p, X, {});
    let ll = 0;
    for (let i = 0; i < ev.n; i++) ll += ev.logProb[i];
    return { ll, n: ev.n };
  };
  const on = { engine };
  const methods = {
    async bic(X: DataInput) {
      const { ll, n } = await total(X);
      return -2 * ll + nParameters(p.type, p.k, p.d) * Math.log(n);
    },
    async aic(X: DataInput) {
      const { ll } = await total(X);
      return -2 * ll + 2 * nParameters(p.type, p.k, p.d);
    },
    predict: (X: DataInput) => gmmPredict(res, X, on),
    predictProba: (X: DataInput) => gmmPredictProba(res, X, on),
    scoreSamples: (X: DataInput) => gmmScoreSamples(res, X, on),
  };
  for (const [name, fn] of Object.entries(methods)) Object.defineProperty(res, name, { value: fn, enumerable: false });
  return res;
}
