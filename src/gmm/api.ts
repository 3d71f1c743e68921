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
import type { GaussianMixtureOptions, GaussianMixtureResult } from '../types.js';
import type { Evaluation, GmmBackend } from './backend.js';
import { fitGmm } from './fit.js';
import { nParameters, type GmmParams } from './model.js';
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

function attachMethods(res: GaussianMixtureResult, engine: Engine, p: GmmParams): GaussianMixtureResult {
  const total = async (X: DataInput): Promise<{ ll: number; n: number }> => {
    const ev = await evaluateGmm(engine, p, X, {});
    let ll = 0;
    for (let i = 0; i < ev.n; i++) ll += ev.logProb[i];
    return { ll, n: ev.n };
  };
  const methods = {
    async bic(X: DataInput) {
      const { ll, n } = await total(X);
      return -2 * ll + nParameters(p.type, p.k, p.d) * Math.log(n);
    },
    async aic(X: DataInput) {
      const { ll } = await total(X);
      return -2 * ll + 2 * nParameters(p.type, p.k, p.d);
    },
    async predict(X: DataInput) {
      return Array.from((await evaluateGmm(engine, p, X, {})).labels);
    },
    async predictProba(X: DataInput) {
      const ev = await evaluateGmm(engine, p, X, { resp: true });
      return Array.from({ length: ev.n }, (_, i) => Array.from(ev.resp!.subarray(i * p.k, (i + 1) * p.k)));
    },
    async scoreSamples(X: DataInput) {
      return Array.from((await evaluateGmm(engine, p, X, {})).logProb);
    },
  };
  for (const [name, fn] of Object.entries(methods)) Object.defineProperty(res, name, { value: fn, enumerable: false });
  return res;
}
