/**
 * Gaussian mixture fitting, written once for both backends: a backend supplies the E-step
 * (statistics at given parameters) and evaluation; this file owns initialisation, the shared
 * M-step, MAP priors, restarts, convergence (scikit-learn's: |Δ lower bound| < tol) and the
 * result object.
 */
import { toDataset, toFloat64, type DataInput, type Dataset } from '../data.js';
import { invalid } from '../errors.js';
import { restartRng, type Rng } from '../engine/rng.js';
import { runEM, runRestarts, type EMRun } from '../engine/em.js';
import type { Engine } from '../engine/engine.js';
import type {
  CovarianceType,
  GaussianMixtureOptions,
  GaussianMixtureParams,
  GaussianMixturePrior,
  GaussianMixtureResult,
  GpuCounters,
} from '../types.js';
import { mStep, precisionsFrom, logPrior, nParameters, momentWidth, type GmmParams, type GmmStats, type ResolvedPrior } from './model.js';
import { cpuGmmBackend } from './reference.js';
import { gpuGmmBackend } from './gpu.js';
import { kmeansPlusPlus } from '../kmeans/reference.js';
import { toRows } from '../data.js';

export interface Evaluation {
  resp?: Float64Array | Float32Array;
  logProb: Float64Array | Float32Array;
  labels: Int32Array | Uint32Array;
}

/** What a backend provides to the shared GMM driver. Parameters are always in data coordinates. */
export interface GmmBackend {
  /** Statistics of responsibilities written by `fill(resp, rowOffset, rows)` (row-major rows×k), for initialisation. */
  statsFromResp(
    k: number,
    type: CovarianceType,
    fill: (resp: Float64Array | Float32Array, rowOffset: number, rows: number) => void,
  ): Promise<GmmStats>;
  /** E-step at p: statistics of the responsibilities, and Σ log p(x_i). */
  estep(p: GmmParams): Promise<GmmStats>;
  /** Labels, log p(x_i) and optionally responsibilities for X (the training data when X is it). */
  evaluate(p: GmmParams, X: Float64Array, n: number, what: { resp?: boolean }): Promise<Evaluation>;
  /** k-means++ seeds (data points), for init 'k-means++'. */
  seeds?(k: number, rng: Rng): Promise<Float64Array>;
  counters?(): GpuCounters;
  destroy(): void;
}

const TYPES: CovarianceType[] = ['full', 'diag', 'spherical', 'tied'];
const INITS = ['kmeans', 'k-means++', 'random', 'random-from-data'] as const;

interface Resolved {
  k: number;
  type: CovarianceType;
  nInit: number;
  maxIter: number;
  tol: number;
  regCovar: number;
  seed: number;
  init: (typeof INITS)[number] | GaussianMixtureParams;
  prior: ResolvedPrior | null;
}

function num(v: unknown, name: string, fallback: number, ok: (x: number) => boolean, rule: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))
    throw invalid('BAD_OPTION', `${name}=${String(v)} is invalid: it must be ${rule}.`);
  return v;
}

function resolve(ds: Dataset, o: GaussianMixtureOptions): Resolved {
  if (o == null || typeof o !== 'object') throw invalid('BAD_OPTION', 'Options are missing. Pass an object with at least { k }.');
  if (typeof o.k !== 'number' || !Number.isInteger(o.k) || o.k < 1) {
    throw invalid('BAD_OPTION', `k=${String(o.k)} is not a positive integer. Pass k >= 1, the number of components.`);
  }
  if (o.k > ds.n) throw invalid('K_TOO_LARGE', `n_samples=${ds.n} should be >= k=${o.k}. Pass k <= ${ds.n}, or supply more samples.`);
  const type = o.covariance ?? 'full';
  if (!TYPES.includes(type))
    throw invalid('BAD_OPTION', `covariance='${String(type)}' is not recognised. Use 'full', 'diag', 'spherical' or 'tied'.`);
  const init = o.init ?? 'kmeans';
  if (typeof init === 'string' && !(INITS as readonly string[]).includes(init)) {
    throw invalid(
      'BAD_OPTION',
      `init='${init}' is not recognised. Use 'kmeans', 'k-means++', 'random', 'random-from-data' or { weights, means, covariances }.`,
    );
  }
  const r: Resolved = {
    k: o.k,
    type,
    nInit: num(o.nInit, 'nInit', 1, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1'),
    maxIter: num(o.maxIter, 'maxIter', 100, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1'),
    tol: num(o.tol, 'tol', 1e-3, (x) => x >= 0, 'a number >= 0'),
    regCovar: num(o.regCovar, 'regCovar', 1e-6, (x) => x >= 0, 'a number >= 0'),
    seed: num(o.seed, 'seed', 0, (x) => Number.isSafeInteger(x) && x >= 0, 'a non-negative integer'),
    init,
    prior: o.prior ? resolvePrior(ds, o.k, type, o.prior) : null,
  };
  if (typeof init !== 'string') r.nInit = 1;
  return r;
}

/** mclust's defaultPrior: shrinkage 0.01, mean = column means, dof = d + 2, scale = cov(X)/k^(2/d). */
function resolvePrior(ds: Dataset, k: number, type: CovarianceType, p: GaussianMixturePrior): ResolvedPrior {
  const alpha = num(p.weightConcentration, 'prior.weightConcentration', 1, (x) => x > 0, 'a number > 0');
  if (!p.normal) return { alpha, normal: null };
  const given = typeof p.normal === 'object' ? p.normal : {};
  const d = ds.d;
  const kappa = num(given.shrinkage, 'prior.normal.shrinkage', 0.01, (x) => x > 0, 'a number > 0');
  const dof = num(given.dof, 'prior.normal.dof', d + 2, (x) => x > d - 1, `a number > d − 1 = ${d - 1}`);
  let mean: Float64Array;
  if (given.mean !== undefined) {
    mean = Float64Array.from(given.mean as ArrayLike<number>);
    if (mean.length !== d || !mean.every(Number.isFinite))
      throw invalid('DIMENSION_MISMATCH', `prior.normal.mean must have ${d} finite values.`);
  } else mean = ds.mean.slice();
  // Sample covariance (n − 1 denominator, as R's cov) scaled by k^(−2/d).
  const f = k ** (-2 / d) / Math.max(1, ds.n - 1);
  let scale: Float64Array;
  if (given.scale !== undefined) {
    scale = parseScale(given.scale, type, d);
  } else if (type === 'full' || type === 'tied') {
    scale = new Float64Array(d * d);
    for (let i = 0; i < ds.n; i++) {
      for (let a = 0; a < d; a++) {
        const ua = ds.x[i * d + a] - ds.mean[a];
        for (let b = a; b < d; b++) scale[a * d + b] += ua * (ds.x[i * d + b] - ds.mean[b]);
      }
    }
    for (let a = 0; a < d; a++)
      for (let b = a; b < d; b++) {
        scale[a * d + b] *= f;
        scale[b * d + a] = scale[a * d + b];
      }
  } else {
    const v = ds.variance.map((x) => x * ds.n * f);
    scale = type === 'diag' ? v : Float64Array.of(v.reduce((a, b) => a + b, 0) / d);
  }
  return { alpha, normal: { kappa, mean, dof, scale } };
}

function parseScale(s: unknown, type: CovarianceType, d: number): Float64Array {
  const bad = (): Error =>
    invalid(
      'DIMENSION_MISMATCH',
      `prior.normal.scale has the wrong shape for covariance '${type}': pass ${type === 'full' || type === 'tied' ? `a ${d}×${d} matrix` : type === 'diag' ? `${d} variances` : 'one variance'}.`,
    );
  if (typeof s === 'number') {
    if (type !== 'spherical') throw bad();
    return Float64Array.of(s);
  }
  if (type === 'full' || type === 'tied') {
    const m = toFloat64(s as ArrayLike<ArrayLike<number>>, 'prior.normal.scale');
    if (m.n !== d || m.d !== d) throw bad();
    return m.x;
  }
  const v = Float64Array.from(s as ArrayLike<number>);
  if (v.length !== (type === 'diag' ? d : 1)) throw bad();
  return v;
}

/** Validate user-given initial parameters (scikit-learn's shapes) into GmmParams. */
function givenParams(g: GaussianMixtureParams, type: CovarianceType, k: number, d: number, reg: number): GmmParams {
  const w = Float64Array.from(g.weights ?? []);
  if (w.length !== k || !w.every((x) => x >= 0 && Number.isFinite(x)))
    throw invalid('SHAPE_MISMATCH', `init.weights must be ${k} non-negative numbers.`);
  const sum = w.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6) throw invalid('BAD_OPTION', `init.weights sum to ${sum}; they must sum to 1.`);
  const means = toFloat64(g.means as ArrayLike<ArrayLike<number>>, 'init.means');
  if (means.n !== k || means.d !== d) throw invalid('DIMENSION_MISMATCH', `init.means must be ${k}×${d}; got ${means.n}×${means.d}.`);
  let cov: Float64Array;
  const c = g.covariances as unknown;
  const fail = (): Error =>
    invalid(
      'DIMENSION_MISMATCH',
      `init.covariances has the wrong shape for covariance '${type}' (full: k×d×d, tied: d×d, diag: k×d, spherical: k).`,
    );
  if (type === 'full') {
    const arr = c as ArrayLike<ArrayLike<ArrayLike<number>>>;
    if (!arr || arr.length !== k) throw fail();
    cov = new Float64Array(k * d * d);
    for (let j = 0; j < k; j++) {
      const m = toFloat64(arr[j], `init.covariances[${j}]`);
      if (m.n !== d || m.d !== d) throw fail();
      cov.set(m.x, j * d * d);
    }
  } else if (type === 'tied') {
    const m = toFloat64(c as ArrayLike<ArrayLike<number>>, 'init.covariances');
    if (m.n !== d || m.d !== d) throw fail();
    cov = m.x;
  } else if (type === 'diag') {
    const m = toFloat64(c as ArrayLike<ArrayLike<number>>, 'init.covariances');
    if (m.n !== k || m.d !== d) throw fail();
    cov = m.x;
  } else {
    cov = Float64Array.from(c as ArrayLike<number>);
    if (cov.length !== k || !cov.every(Number.isFinite)) throw fail();
  }
  return precisionsFrom(type, k, d, w, means.x, cov, new Uint8Array(k).fill(1), reg);
}

function seedStats(n: number, k: number, d: number, type: CovarianceType, centres: Float64Array): GmmStats {
  // scikit-learn's 'k-means++' and 'random-from-data': one sample per component, responsibility 1.
  return {
    n,
    nk: new Float64Array(k).fill(1),
    sx: centres.slice(),
    s2: new Float64Array(k * momentWidth(type, d)),
    shift: centres.slice(),
    loglik: 0,
  };
}

async function initialParams(engine: Engine, ds: Dataset, data: DataInput, r: Resolved, backend: GmmBackend, rng: Rng): Promise<GmmParams> {
  const { k, type } = r;
  const d = ds.d;
  const opts = { regCovar: r.regCovar, prior: null, normaliseWeights: false };
  if (typeof r.init !== 'string') return givenParams(r.init, type, k, d, r.regCovar);
  if (r.init === 'kmeans') {
    const km = await engine.kmeans(data, { k, nInit: 1, seed: rng.nextU32() });
    const labels = km.labels;
    const stats = await backend.statsFromResp(k, type, (resp, off, rows) => {
      resp.fill(0);
      for (let i = 0; i < rows; i++) resp[i * k + labels[off + i]] = 1;
    });
    return mStep(stats, type, k, d, opts).params;
  }
  if (r.init === 'random') {
    // Rows are generated in order from one stream, so chunking cannot change them.
    const stats = await backend.statsFromResp(k, type, (resp, _off, rows) => {
      for (let i = 0; i < rows; i++) {
        let s = 0;
        for (let c = 0; c < k; c++) s += resp[i * k + c] = rng.uniform();
        for (let c = 0; c < k; c++) resp[i * k + c] /= s;
      }
    });
    return mStep(stats, type, k, d, opts).params;
  }
  let centres: Float64Array;
  if (r.init === 'random-from-data') {
    centres = new Float64Array(k * d);
    rng.sample(ds.n, k).forEach((row, c) => centres.set(ds.x.subarray(row * d, row * d + d), c * d));
  } else {
    centres = backend.seeds ? await backend.seeds(k, rng) : kmeansPlusPlus(ds.x, ds.n, d, k, rng);
  }
  return mStep(seedStats(ds.n, k, d, type, centres), type, k, d, opts).params;
}

function meanShift(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let t = 0; t < a.length; t++) s += (a[t] - b[t]) ** 2;
  return s;
}

const COLLAPSE_FIX = 'Try to decrease the number of components, or increase regCovar.';

export async function fitGaussianMixture(engine: Engine, data: DataInput, options: GaussianMixtureOptions): Promise<GaussianMixtureResult> {
  const t0 = performance.now();
  const ds = toDataset(data);
  const r = resolve(ds, options);
  const onIteration = options.onIteration;
  if (onIteration !== undefined && typeof onIteration !== 'function') throw invalid('BAD_OPTION', 'onIteration must be a function.');
  const { k, type } = r;
  const n = ds.n;
  const d = ds.d;
  return engine.run(
    () => drive(cpuGmmBackend(ds.x, n, d)),
    async (runner, chunking) => drive(gpuGmmBackend(runner, ds, k, type, chunking)),
  );

  async function drive(backend: GmmBackend): Promise<GaussianMixtureResult> {
    const warnings = new Set<string>();
    const iterCounts = { iters: 0 };
    try {
      const out = await runRestarts(
        r.nInit,
        async (restart) => {
          const rng = restartRng(r.seed, restart);
          const ti = performance.now();
          let params = await initialParams(engine, ds, data, r, backend, rng);
          const initMs = performance.now() - ti;
          const dropped: number[] = [];
          const run: EMRun = {
            async step() {
              const stats = await backend.estep(params);
              const objective = (stats.loglik + (r.prior ? logPrior(params, r.prior) : 0)) / n;
              const { params: next, report } = mStep(
                stats,
                type,
                k,
                d,
                { regCovar: r.regCovar, prior: r.prior, normaliseWeights: true },
                params.active,
              );
              if (report.illConditioned.length > 0) {
                warnings.add(
                  `Component(s) ${[...new Set(report.illConditioned)].join(', ')} had an ill-defined empirical covariance (for instance caused by singleton or collapsed samples) and were regularised beyond regCovar. ${COLLAPSE_FIX}`,
                );
              }
              dropped.push(...report.dropped);
              const shift = meanShift(next.means, params.means);
              params = next;
              return { objective, shift };
            },
            converged(outc, _iter, prev) {
              return prev !== null && Math.abs(outc.objective - prev.objective) < r.tol ? 'tol' : false;
            },
          };
          const loop = await runEM(run, { restart, maxIter: r.maxIter, signal: options.signal, onIteration });
          iterCounts.iters += loop.nIter;
          const lowerBound = loop.history[loop.history.length - 1].objective;
          return { result: { params, loop, initMs, dropped }, objective: lowerBound, nIter: loop.nIter, converged: loop.converged };
        },
        options.signal,
        true,
      );
      const best = out.best.result;
      const p = best.params;
      // Final E-step so labels agree with the returned parameters (scikit-learn does the same).
      const ev = await backend.evaluate(p, ds.x, n, {});
      let loglik = 0;
      for (let i = 0; i < n; i++) loglik += ev.logProb[i];
      const counters = backend.counters?.();
      return buildResult(engine, r, ds, p, ev, loglik, out, best, warnings, counters, iterCounts.iters, performance.now() - t0);
    } finally {
      backend.destroy();
    }
  }
}

function shapeCov(type: CovarianceType, a: Float64Array, act: number[], d: number): number[] | number[][] | number[][][] {
  if (type === 'full') return act.map((c) => toRows(a.subarray(c * d * d, (c + 1) * d * d), d, d));
  if (type === 'tied') return toRows(a, d, d);
  if (type === 'diag') return act.map((c) => Array.from(a.subarray(c * d, (c + 1) * d)));
  return act.map((c) => a[c]);
}

/** Parameters of the active components only, renumbered 0..k'−1. */
export function compact(p: GmmParams): GmmParams {
  const act: number[] = [];
  for (let c = 0; c < p.k; c++) if (p.active[c]) act.push(c);
  if (act.length === p.k) return p;
  const { d, type } = p;
  const pick = (a: Float64Array, w: number): Float64Array => {
    const out = new Float64Array(act.length * w);
    act.forEach((c, j) => out.set(a.subarray(c * w, (c + 1) * w), j * w));
    return out;
  };
  const blockW = type === 'full' ? d * d : type === 'diag' ? d : 1;
  const shared = type === 'tied';
  return {
    type,
    d,
    k: act.length,
    weights: pick(p.weights, 1),
    means: pick(p.means, d),
    cov: shared ? p.cov : pick(p.cov, blockW),
    precChol: shared ? p.precChol : pick(p.precChol, blockW),
    logDetPrecChol: pick(p.logDetPrecChol, 1),
    active: new Uint8Array(act.length).fill(1),
  };
}

function buildResult(
  engine: Engine,
  r: Resolved,
  ds: Dataset,
  full: GmmParams,
  ev: Evaluation,
  loglik: number,
  out: { restarts: GaussianMixtureResult['restarts']; bestRestart: number },
  best: { loop: import('../engine/em.js').LoopResult; initMs: number; dropped: number[] },
  warnings: Set<string>,
  gpu: GpuCounters | undefined,
  _totalIters: number,
  totalMs: number,
): GaussianMixtureResult {
  const { d, n } = ds;
  const act: number[] = [];
  for (let c = 0; c < full.k; c++) if (full.active[c]) act.push(c);
  const renumber = new Int32Array(full.k).fill(-1);
  act.forEach((c, j) => (renumber[c] = j));
  const p = compact(full);
  const labels = Array.from(ev.labels, (l) => renumber[l]);
  const sizes = new Array<number>(p.k).fill(0);
  for (const l of labels) sizes[l]++;
  // A component whose covariance is regCovar·I and little else has collapsed onto a point.
  for (let j = 0; j < p.k; j++) {
    let spread = 0;
    if (r.type === 'full') for (let a = 0; a < d; a++) spread = Math.max(spread, p.cov[j * d * d + a * d + a] - r.regCovar);
    else if (r.type === 'diag') for (let a = 0; a < d; a++) spread = Math.max(spread, p.cov[j * d + a] - r.regCovar);
    else if (r.type === 'spherical') spread = p.cov[j] - r.regCovar;
    else spread = Infinity;
    if (spread <= Math.max(r.regCovar, 1e-12) && r.prior?.normal == null) {
      warnings.add(
        `Component ${j} collapsed onto (nearly) a single point: its covariance is regCovar·I. Its likelihood is unbounded without regularisation. ${COLLAPSE_FIX}`,
      );
    }
  }
  if (!best.loop.converged) {
    warnings.add(
      `Initialization ${out.bestRestart} did not converge within maxIter=${r.maxIter}. Try different init parameters, or increase maxIter, tol or check for degenerate data.`,
    );
  }
  if (best.dropped.length > 0) warnings.add(`The Dirichlet prior (α < 1) emptied and dropped component(s) ${best.dropped.join(', ')}.`);
  const lastIter = best.loop.history[best.loop.history.length - 1];
  const res = {
    model: 'gmm' as const,
    covariance: r.type,
    n,
    d,
    k: p.k,
    weights: Array.from(p.weights),
    means: toRows(p.means, p.k, d),
    covariances: shapeCov(
      r.type,
      p.cov,
      Array.from({ length: p.k }, (_, i) => i),
      d,
    ),
    precisionsCholesky: shapeCov(
      r.type,
      p.precChol,
      Array.from({ length: p.k }, (_, i) => i),
      d,
    ),
    lowerBound: lastIter.objective,
    logLikelihood: loglik,
    ...(r.prior ? { logPosterior: loglik + logPrior(p, r.prior) } : {}),
    nIter: best.loop.nIter,
    converged: best.loop.converged,
    stopReason: best.loop.stopReason === 'maxIter' ? ('maxIter' as const) : ('tol' as const),
    labels,
    clusterSizes: sizes,
    history: best.loop.history,
    restarts: out.restarts,
    dropped: act.length === full.k ? [] : Array.from({ length: full.k }, (_, c) => c).filter((c) => !full.active[c]),
    regCovar: r.regCovar,
    ...(r.prior ? { prior: priorEcho(r.prior) } : {}),
    backend: engine.backend,
    adapter: engine.adapter,
    seed: r.seed,
    timings: { totalMs, initMs: best.initMs, perIterMs: best.loop.perIterMs },
    ...(gpu ? { gpu } : {}),
    warnings: [...warnings],
  };
  return attachMethods(res as unknown as GaussianMixtureResult, engine, p);
}

function priorEcho(p: ResolvedPrior): GaussianMixturePrior {
  const out: GaussianMixturePrior = { weightConcentration: p.alpha };
  if (p.normal)
    out.normal = { shrinkage: p.normal.kappa, mean: Array.from(p.normal.mean), dof: p.normal.dof, scale: Array.from(p.normal.scale) };
  return out;
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
  const ev = await engine.run(
    () => cpuGmmBackend(x.x, x.n, x.d).evaluate(p, x.x, x.n, what),
    async (runner, chunking) => {
      const b = gpuGmmBackend(runner, { n: x.n, d: x.d, x: x.x, mean: meanOf(x.x, x.n, x.d) }, p.k, p.type, chunking);
      try {
        return await b.evaluate(p, x.x, x.n, what);
      } finally {
        b.destroy();
      }
    },
  );
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
