/**
 * The Gaussian mixture as a model of the EM driver (core/em.ts): initialisation, the statistics
 * request (the backend's session), the shared M-step with MAP priors (model.ts), the objective
 * (mean log-likelihood or log-posterior per unit weight) and scikit-learn's convergence rule
 * (|Δ lower bound| < tol).
 */
import type { DataInput, Dataset } from '../data.js';
import { fitEM, type StepOutcome } from '../core/em.js';
import type { Rng } from '../core/rng.js';
import { weightedSample } from '../core/weights.js';
import type { Engine } from '../engine/engine.js';
import type { CovarianceType, IterationRecord } from '../types.js';
import { kmeansOn } from '../kmeans/api.js';
import type { GmmSession } from './backend.js';
import { momentWidth } from './moments.js';
import { mStep, type GmmParams, type GmmStats, type MStepReport } from './model.js';
import { logPrior } from './prior.js';
import { givenParams, type Resolved } from './options.js';
import { COLLAPSE_FIX, type GmmFitSummary } from './result.js';

export function seedStats(n: number, k: number, d: number, type: CovarianceType, centres: Float64Array): GmmStats {
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

export async function initialParams(
  engine: Engine,
  ds: Dataset,
  data: DataInput,
  r: Resolved,
  backend: GmmSession,
  rng: Rng,
  sampleWeight: Float64Array | null,
  signal: AbortSignal | undefined,
): Promise<GmmParams> {
  const { k, type } = r;
  const d = ds.d;
  const opts = { regCovar: r.regCovar, prior: null, normaliseWeights: false };
  if (typeof r.init !== 'string') return givenParams(r.init, type, k, d, r.regCovar, r.scale);
  if (r.init === 'kmeans') {
    // The signal reaches the k-means run too, so an abort need not wait for it to finish.
    const km = await kmeansOn(engine, data, {
      k,
      nInit: 1,
      seed: rng.nextU32(),
      // Half-precision storage starts from k-means on the same rounded rows.
      ...(r.f16 ? { precision: 'f16' as const } : {}),
      ...(sampleWeight ? { sampleWeight } : {}),
      ...(signal ? { signal } : {}),
    });
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
    const rows = sampleWeight ? weightedSample(sampleWeight, k, () => rng.uniform()) : rng.sample(ds.n, k);
    rows.forEach((row, c) => centres.set(ds.x.subarray(row * d, row * d + d), c * d));
  } else {
    centres = await backend.seeds(k, rng);
  }
  return mStep(seedStats(ds.n, k, d, type, centres), type, k, d, opts).params;
}

function meanShift(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let t = 0; t < a.length; t++) s += (a[t] - b[t]) ** 2;
  return s;
}

/**
 * One EM iteration's host part from the statistics at `params`: the objective (mean log-likelihood,
 * or log-posterior, per unit weight), the M-step and the squared shift of the means.
 */
export function gmmIteration(
  stats: GmmStats,
  params: GmmParams,
  r: Pick<Resolved, 'type' | 'k' | 'regCovar' | 'prior'>,
  d: number,
  total: number,
): { objective: number; shift: number; params: GmmParams; report: MStepReport } {
  const objective = (stats.loglik + (r.prior ? logPrior(params, r.prior) : 0)) / total;
  const mOpts = { regCovar: r.regCovar, prior: r.prior, normaliseWeights: true };
  const { params: next, report } = mStep(stats, r.type, r.k, d, mOpts, params.active);
  return { objective, shift: meanShift(next.means, params.means), params: next, report };
}

/** scikit-learn's rule: |Δ lower bound| < tol. */
export function gmmConverged(out: StepOutcome, prev: StepOutcome | null, tol: number): 'tol' | false {
  return prev !== null && Math.abs(out.objective - prev.objective) < tol ? 'tol' : false;
}

interface RestartState {
  params: GmmParams;
  dropped: number[];
}

/** Restarts of EM on an open session; the best restart's parameters and the driver's bookkeeping. */
export async function fitGmm(
  engine: Engine,
  s: GmmSession,
  ds: Dataset,
  data: DataInput,
  r: Resolved,
  weights: Float64Array | null,
  warnings: Set<string>,
  run: { onIteration?: (info: IterationRecord) => void; signal?: AbortSignal },
): Promise<GmmFitSummary> {
  const d = ds.d;
  // The objective is per unit weight: Σ w (= n without weights).
  const total = weights ? weights.reduce((a, b) => a + b, 0) : ds.n;
  const fit = await fitEM<RestartState>({
    nInit: r.nInit,
    seed: r.seed,
    maxIter: r.maxIter,
    maximize: true,
    ...run,
    init: async (_restart, rng) => ({ params: await initialParams(engine, ds, data, r, s, rng, weights, run.signal), dropped: [] }),
    async step(state) {
      const params = state.params;
      const stats = await s.estep(params);
      const { objective, shift, params: next, report } = gmmIteration(stats, params, r, d, total);
      if (report.illConditioned.length > 0) {
        warnings.add(
          `Component(s) ${[...new Set(report.illConditioned)].join(', ')} had an ill-defined empirical covariance (for instance caused by singleton or collapsed samples) and were regularised beyond regCovar. ${COLLAPSE_FIX}`,
        );
      }
      state.dropped.push(...report.dropped);
      state.params = next;
      return { objective, shift };
    },
    converged: (outc, _iter, prev) => gmmConverged(outc, prev, r.tol),
    finish: async (_state, loop) => loop.history[loop.history.length - 1].objective,
    notConverged: (restart) =>
      `Initialization ${restart} did not converge within maxIter=${r.maxIter}. Try different init parameters, or increase maxIter, tol or check for degenerate data.`,
  });
  return {
    params: fit.state.params,
    loop: fit.loop,
    initMs: fit.initMs,
    dropped: fit.state.dropped,
    bestRestart: fit.bestRestart,
    restarts: fit.restarts,
    warnings: fit.warnings,
  };
}

export type { CovarianceType, GmmStats };
