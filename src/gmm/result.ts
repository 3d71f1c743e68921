/** The Gaussian mixture's public result object from a finished fit. */
import { toRows, type Dataset } from '../data.js';
import type { LoopResult } from '../core/em.js';
import { restartSpread } from '../core/restarts.js';
import type { Engine } from '../engine/engine.js';
import type { CovarianceType, GaussianMixturePrior, GaussianMixtureResult, GpuCounters } from '../types.js';
import type { Evaluation } from './backend.js';
import type { GmmParams, ResolvedPrior } from './model.js';
import { logPrior } from './prior.js';
import type { Resolved } from './options.js';

export const COLLAPSE_FIX = 'Try to decrease the number of components, or increase regCovar.';

export function shapeCov(type: CovarianceType, a: Float64Array, act: number[], d: number): number[] | number[][] | number[][][] {
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

/** What the fit hands to the result: the best restart and the driver's bookkeeping. */
export interface GmmFitSummary {
  params: GmmParams;
  loop: LoopResult;
  initMs: number;
  dropped: number[];
  bestRestart: number;
  restarts: GaussianMixtureResult['restarts'];
  warnings: string[];
}

/** The public result object (plain data; api.ts attaches the scoring methods). */
export function buildResult(
  engine: Pick<Engine, 'backend' | 'adapter'>,
  r: Resolved,
  ds: Dataset,
  ev: Evaluation,
  loglik: number,
  best: GmmFitSummary,
  warnings: Set<string>,
  gpu: GpuCounters | undefined,
  totalMs: number,
): GaussianMixtureResult {
  const full = best.params;
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
  // The driver's (non-convergence), in their place among the model's own.
  for (const w of best.warnings) warnings.add(w);
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
    restarts: best.restarts,
    restartSpread: restartSpread(best.restarts, true),
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
  return res as unknown as GaussianMixtureResult;
}

function priorEcho(p: ResolvedPrior): GaussianMixturePrior {
  const out: GaussianMixturePrior = { weightConcentration: p.alpha };
  if (p.normal)
    out.normal = { shrinkage: p.normal.kappa, mean: Array.from(p.normal.mean), dof: p.normal.dof, scale: Array.from(p.normal.scale) };
  return out;
}
