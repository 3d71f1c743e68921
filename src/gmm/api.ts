/**
 * The Gaussian mixture's public functions, one calling convention: `gaussianMixture(data,
 * { ...options, engine?, backend? })`; the result carries predict, predictProba, scoreSamples, bic
 * and aic, defined once on top of the backend's evaluation.
 */
import { checkMixtureWeights } from '../core/weights.js';
import { finiteNumber, isArrayLike, toDataset, toFiniteVector, toFloat64, type DataInput } from '../data.js';
import { implementationFor } from '../core/registry.js';
import { resolveSampleWeight } from '../core/weights.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { isFloat32Backend, scaleDataset } from '../core/scale.js';
import { ENGINE_SELECTION, engineFor, type Engine, type EngineSelection } from '../engine/engine.js';
import { invalid } from '../errors.js';
import type { CovarianceType, GaussianMixtureOptions, GaussianMixtureResult } from '../types.js';
import type { Evaluation, GmmBackend } from './backend.js';
import { checkCovariances } from './check-cov.js';
import { fitGmm } from './fit.js';
import { nParameters, precisionsFrom, type GmmParams } from './model.js';
import { resolve } from './options.js';
import { buildResult, compact } from './result.js';
import { evaluationScale, gmmScale } from './scale.js';
import { wantsF16 } from '../core/precision.js';

const backendOf = (engine: Engine): GmmBackend => implementationFor<GmmBackend>('gmm', engine.backend);

const GMM_OPTIONS = [
  ...optionNames<GaussianMixtureOptions>({
    k: true,
    covariance: true,
    init: true,
    nInit: true,
    maxIter: true,
    tol: true,
    regCovar: true,
    seed: true,
    prior: true,
    onIteration: true,
    signal: true,
    sampleWeight: true,
    precision: true,
  }),
  ...ENGINE_SELECTION,
];

/** Gaussian mixture by EM: covariance 'full' | 'diag' | 'spherical' | 'tied', optional MAP priors. */
export async function gaussianMixture(data: DataInput, options: GaussianMixtureOptions & EngineSelection): Promise<GaussianMixtureResult> {
  checkOptionNames(options, GMM_OPTIONS, 'gaussianMixture', 'k');
  const engine = await engineFor(options);
  engine.check();
  const t0 = performance.now();
  const ds0 = toDataset(data);
  const weights = resolveSampleWeight(options.sampleWeight, ds0.n);
  const r = resolve(ds0, options, weights);
  const onIteration = options.onIteration;
  if (onIteration !== undefined && typeof onIteration !== 'function') throw invalid('BAD_OPTION', 'onIteration must be a function.');
  const total = weights ? weights.reduce((a, b) => a + b, 0) : ds0.n;
  const f16 = wantsF16(options.precision, engine.backend);
  if (f16 && r.prior) {
    throw invalid(
      'BAD_OPTION',
      "precision 'f16' fits the data rescaled by a power of two into half precision's range, where a MAP prior's log-density cannot be reported in the data's units. Leave precision out, or drop the prior.",
    );
  }
  r.f16 = f16;
  // Extreme scales, or half-precision storage, are fitted on x / s and mapped back (gmm/scale.ts); s = 1 for ordinary data.
  const sc = gmmScale(ds0, r, total, isFloat32Backend(engine.backend), f16);
  const ds = scaleDataset(ds0, sc.s);
  const fitData = sc.s === 1 ? data : { data: ds.x, n: ds.n, d: ds.d };
  const seen = sc.s === 1 ? onIteration : sc.wrap(onIteration);
  const run = { ...(seen ? { onIteration: seen } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  return backendOf(engine).session(engine, ds, { k: r.k, type: r.type, weights, ...(f16 ? { f16 } : {}) }, async (s) => {
    const warnings = new Set<string>();
    if (engine.notice) warnings.add(engine.notice);
    const best = await fitGmm(engine, s, ds, fitData, r, weights, warnings, run);
    // Final E-step so labels agree with the returned parameters (scikit-learn does the same).
    const ev = await s.evaluate(best.params, {});
    let loglik = 0;
    for (let i = 0; i < ds.n; i++) loglik += (weights ? weights[i] : 1) * ev.logProb[i];
    const res = buildResult(engine, r, ds, ev, loglik, best, warnings, s.counters?.(), performance.now() - t0);
    if (sc.s !== 1) {
      sc.unscale(res);
      return attachMethods(res, engine, gmmParamsOf(res, false));
    }
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
  const sc = evaluationScale(p, x.x, x.n, isFloat32Backend(engine.backend));
  const xs = sc.s === 1 ? x.x : x.x.map((v) => v / sc.s);
  const ds = { n: x.n, d: x.d, x: xs, mean: meanOf(xs, x.n, x.d) };
  const ev = await backendOf(engine).session(engine, ds, { k: p.k, type: p.type, weights: null }, (s) => s.evaluate(sc.params, what));
  if (sc.s !== 1) {
    const shift = p.d * Math.log(sc.s);
    for (let i = 0; i < ev.logProb.length; i++) ev.logProb[i] -= shift;
  }
  for (let i = 0; i < x.n; i++) {
    // So far from every component (|log p| beyond ~2^50) that log p's rounding exceeds the
    // components' differences: the posterior comes out as [1, 1, 1]. Refused rather than returned.
    if (ev.resp && Number.isFinite(ev.logProb[i])) {
      let sum = 0;
      for (let j = 0; j < p.k; j++) sum += ev.resp[i * p.k + j];
      if (!(Math.abs(sum - 1) <= (isFloat32Backend(engine.backend) ? 1e-3 : 1e-6))) {
        throw invalid(
          'OUT_OF_RANGE',
          `Row ${i} of X is so far from every component (log p(x) = ${ev.logProb[i]}) that float64 cannot tell the components apart there, so its posterior cannot be computed. Check that X is in the units the mixture was fitted on.`,
        );
      }
    }
    if (!Number.isFinite(ev.logProb[i])) {
      throw invalid(
        'OUT_OF_RANGE',
        `Row ${i} of X is so far from every component that its density is below float64's range (log p(x) = ${ev.logProb[i]}), so neither its log-likelihood nor its posterior can be computed. Check that X is in the units the mixture was fitted on.`,
      );
    }
  }
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
export function gmmParamsOf(model: GmmModel, fromCaller = true, checkCov = fromCaller): GmmParams {
  const { k, d } = model;
  const type: CovarianceType = model.covariance;
  const bad = (): Error =>
    invalid(
      'SHAPE_MISMATCH',
      `The model's means or covariances do not have the shapes of a ${k}-component '${type}' mixture in ${d} dimensions. Pass an unmodified fit result.`,
    );
  if (!Number.isInteger(k) || k < 1 || !Number.isInteger(d) || d < 1 || !['full', 'diag', 'spherical', 'tied'].includes(type)) {
    throw invalid('BAD_OPTION', 'The model has no valid k, d or covariance type. Pass the result of gaussianMixture().');
  }
  if (
    !isArrayLike(model.weights) ||
    !isArrayLike(model.means) ||
    !isArrayLike(model.covariances) ||
    model.weights.length !== k ||
    model.means.length !== k
  ) {
    throw invalid(
      'BAD_OPTION',
      'The model has no weights, means or covariances for its k components. Pass the result of gaussianMixture().',
    );
  }
  // Nested arrays of finite numbers, flattened; anything else is the typed error above.
  const flat = (v: unknown, depth: number, out: number[], what: string): number[] => {
    if (depth === 0) out.push(finiteNumber(v, what, `index ${out.length}`));
    else if (!isArrayLike(v)) throw bad();
    else for (let i = 0; i < v.length; i++) flat(v[i], depth - 1, out, what);
    return out;
  };
  const depth = type === 'full' ? 3 : type === 'spherical' ? 1 : 2;
  const cov = Float64Array.from(flat(model.covariances, depth, [], 'model.covariances'));
  const want = type === 'full' ? k * d * d : type === 'tied' ? d * d : type === 'diag' ? k * d : k;
  const means = Float64Array.from(flat(model.means, 2, [], 'model.means'));
  if (cov.length !== want || means.length !== k * d) throw bad();
  const weights = toFiniteVector(model.weights, 'model.weights');
  const reg = model.regCovar ?? 1e-6;
  if (typeof reg !== 'number' || !(reg >= 0) || !Number.isFinite(reg))
    throw invalid('BAD_OPTION', 'The model regCovar must be a finite number >= 0.');
  // A caller's model (hand-built or edited) is checked as a model: a fitted one always passes. Its fitted
  // covariances may be near-singular and are then regularised as the fit did; one that is plainly not positive
  // definite is refused rather than silently jittered into another model.
  if (fromCaller) checkMixtureWeights(weights);
  if (checkCov) checkCovariances(type, k, d, cov);
  return precisionsFrom(type, k, d, weights, means, cov, new Uint8Array(k).fill(1), reg);
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
