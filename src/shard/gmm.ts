/**
 * The Gaussian mixture split into map → sum → M-step. A shard's statistics are one E-step of the
 * backend's session (gmm/model.ts GmmStats: N_k, Σ r x, second moments about a shift, Σ log p).
 * Shards' second moments may be about different shifts (the reference centres each on its own
 * means), so the sum moves each onto the running total's shift first, exactly:
 *   Σ r (x − s′)(x − s′)ᵀ = Σ r (x − s)(x − s)ᵀ + δuᵀ + uδᵀ + N δδᵀ,  δ = s − s′, u = Σ r x − N s.
 * The M-step, objective and convergence rule are gmm/fit.ts's.
 */
import type { Engine } from '../engine/engine.js';
import { checkOptionNames } from '../core/known-options.js';
import { isArrayLike } from '../data.js';
import { EmgpuError, invalid } from '../errors.js';
import { gmmParamsOf } from '../gmm/api.js';
import { gmmConverged, gmmIteration } from '../gmm/fit.js';
import { checkPrior } from '../gmm/options.js';
import type { GmmParams, GmmStats, ResolvedPrior } from '../gmm/model.js';
import { momentPairs, momentWidth } from '../gmm/moments.js';
import { COLLAPSE_FIX } from '../gmm/result.js';
import type { CovarianceType } from '../types.js';
import { blockDataset, type ShardBlock } from './block.js';
import { rowsOf } from './params.js';
import { gmmSessionEstep } from './session.js';
import type { GmmShardParams, GmmStatistics, MStepOutput, ShardModelOptions } from './types.js';

/** Plain parameters → the model's (precisions recomputed by the M-step's own rule: the same bits). */
export function gmmParams(p: GmmShardParams, regCovar: number, d?: number): GmmParams {
  if (p == null || typeof p !== 'object' || !Array.isArray(p.means) || !Array.isArray(p.weights))
    throw invalid(
      'SHAPE_MISMATCH',
      'The GMM parameters need covariance, weights, means and covariances. Pass { covariance, weights, means, covariances }.',
    );
  const k = p.weights.length;
  const dd = d ?? (Array.isArray(p.means[0]) ? p.means[0].length : 0);
  if (p.means.length !== k || !Array.isArray(p.means[0]) || p.means[0].length !== dd)
    throw invalid(
      'SHAPE_MISMATCH',
      `The GMM means are not ${k}×${dd} (k weights × the data's ${dd} columns). Pass parameters of this data.`,
    );
  const params = gmmParamsOf(
    { model: 'gmm', covariance: p.covariance, k, d: dd, weights: p.weights, means: p.means, covariances: p.covariances, regCovar } as never,
    false,
    // A caller's covariance must be positive definite (refused, not jittered into another model);
    // the fit's own iterates always pass with their bits (gmm/check-cov.ts).
    true,
  );
  // Negative weights would give NaN statistics (log of a negative mass); fitted ones are ≥ 0.
  if (p.weights.some((w) => !(w >= 0)))
    throw invalid('BAD_OPTION', `The GMM weights must be ≥ 0 (got ${p.weights.join(', ')}). Pass the weights a fit returned.`);
  if (p.active) {
    if (p.active.length !== k) throw invalid('SHAPE_MISMATCH', `The GMM's active flags are ${p.active.length}, not k=${k}.`);
    params.active = Uint8Array.from(p.active, (v) => (v ? 1 : 0));
  }
  return params;
}

/** The model's parameters → plain. */
export function gmmPlain(p: GmmParams): GmmShardParams {
  const { k, d, type } = p;
  const cov = p.cov;
  const covariances =
    type === 'full'
      ? Array.from({ length: k }, (_, c) => rowsOf(cov.subarray(c * d * d), d, d))
      : type === 'tied'
        ? rowsOf(cov, d, d)
        : type === 'diag'
          ? rowsOf(cov, k, d)
          : Array.from(cov);
  return { covariance: type, weights: Array.from(p.weights), means: rowsOf(p.means, k, d), covariances, active: Array.from(p.active) };
}

export async function gmmBlockStatistics(
  engine: Engine,
  block: ShardBlock,
  params: GmmShardParams,
  regCovar: number,
): Promise<GmmStatistics> {
  const ds = blockDataset(block);
  const p = gmmParams(params, regCovar, ds.d);
  const st = await gmmSessionEstep(engine, ds, p, null);
  return {
    kind: 'gmm',
    covariance: p.type,
    k: p.k,
    d: p.d,
    rows: ds.n,
    n: st.n,
    nk: Array.from(st.nk),
    sx: Array.from(st.sx),
    s2: Array.from(st.s2),
    shift: Array.from(st.shift),
    loglik: st.loglik,
  };
}

/** Move `s`'s second moments onto the shift `to` (in place). */
function reshift(s: GmmStatistics, to: number[]): void {
  const { k, d } = s;
  const m = momentWidth(s.covariance, d);
  const pairs = momentPairs(s.covariance, d);
  const delta = new Float64Array(d);
  const u = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    let same = true;
    for (let j = 0; j < d; j++) {
      delta[j] = s.shift[c * d + j] - to[c * d + j];
      u[j] = s.sx[c * d + j] - s.nk[c] * s.shift[c * d + j];
      if (delta[j] !== 0) same = false;
    }
    if (same) continue;
    for (let t = 0; t < m; t++) {
      const a = pairs[2 * t];
      const b = pairs[2 * t + 1];
      s.s2[c * m + t] += delta[a] * u[b] + u[a] * delta[b] + s.nk[c] * delta[a] * delta[b];
    }
    for (let j = 0; j < d; j++) s.shift[c * d + j] = to[c * d + j];
  }
}

export function sumGmm(list: GmmStatistics[]): GmmStatistics {
  const f = list[0];
  const out: GmmStatistics = { ...f, nk: f.nk.slice(), sx: f.sx.slice(), s2: f.s2.slice(), shift: f.shift.slice() };
  for (const s0 of list.slice(1)) {
    if (s0.k !== f.k || s0.d !== f.d || s0.covariance !== f.covariance)
      throw invalid(
        'SHAPE_MISMATCH',
        `GMM statistics of ${s0.k}×${s0.d} '${s0.covariance}' cannot be summed with ${f.k}×${f.d} '${f.covariance}'. Sum statistics of one fit.`,
      );
    const s = { ...s0, s2: s0.s2.slice(), shift: s0.shift.slice() };
    reshift(s, out.shift);
    for (let c = 0; c < f.k; c++) out.nk[c] += s.nk[c];
    for (let t = 0; t < out.sx.length; t++) out.sx[t] += s.sx[t];
    for (let t = 0; t < out.s2.length; t++) out.s2[t] += s.s2[t];
    out.n += s.n;
    out.rows += s.rows;
    out.loglik += s.loglik;
  }
  return out;
}

const PLAIN_PRIOR = ['alpha', 'normal'];
const PLAIN_NORMAL = ['kappa', 'mean', 'dof', 'scale'];

/**
 * The M-step's prior is the resolved one a fit reports (alpha, kappa, mean, dof, scale): checked by
 * the model's own rule (gmm/options.ts checkPrior) under its option names, so a prior of 5 or a NaN
 * scale is a typed error rather than NaN weights.
 */
function resolvedPrior(p: ShardModelOptions['prior'], type: CovarianceType, k: number, d: number): ResolvedPrior | null {
  if (p === undefined || p === null) return null;
  checkOptionNames(p, PLAIN_PRIOR, 'mStep prior', 'alpha');
  const np = p.normal;
  if (np !== null && np !== undefined) checkOptionNames(np, PLAIN_NORMAL, 'mStep prior.normal', 'kappa');
  // A full or tied scale travels flat (d·d numbers); the model's parser reads it as rows.
  const scale =
    np && (type === 'full' || type === 'tied') && isArrayLike(np.scale) && !isArrayLike(np.scale[0]) && np.scale.length === d * d
      ? rowsOf(np.scale, d, d)
      : np?.scale;
  try {
    return checkPrior(
      {
        weightConcentration: p.alpha,
        normal: np ? { shrinkage: np.kappa, mean: np.mean, dof: np.dof, scale: scale as number[] } : false,
      },
      type,
      d,
      k,
      null,
    );
  } catch (e) {
    if (!(e instanceof EmgpuError)) throw e;
    throw invalid(e.code, `mStep prior (weightConcentration is its alpha, shrinkage its kappa): ${e.message}`);
  }
}

export function gmmMStep(
  summed: GmmStatistics,
  params: GmmShardParams,
  o: ShardModelOptions & { previousObjective?: number },
): MStepOutput<GmmShardParams> {
  const regCovar = o.regCovar ?? 1e-6;
  const p = gmmParams(params, regCovar, summed.d);
  if (p.k !== summed.k || p.type !== summed.covariance)
    throw invalid(
      'SHAPE_MISMATCH',
      `The parameters are a ${p.k}-component '${p.type}' mixture; the statistics a ${summed.k}-component '${summed.covariance}' one. Pass the parameters the statistics were computed at.`,
    );
  const stats: GmmStats = {
    n: summed.n,
    nk: Float64Array.from(summed.nk),
    sx: Float64Array.from(summed.sx),
    s2: Float64Array.from(summed.s2),
    shift: Float64Array.from(summed.shift),
    loglik: summed.loglik,
  };
  const r = {
    type: summed.covariance as CovarianceType,
    k: summed.k,
    regCovar,
    prior: resolvedPrior(o.prior, summed.covariance as CovarianceType, summed.k, summed.d),
  };
  const it = gmmIteration(stats, p, r, summed.d, summed.n);
  const warnings: string[] = [];
  if (it.report.illConditioned.length > 0)
    warnings.push(
      `Component(s) ${[...new Set(it.report.illConditioned)].join(', ')} had an ill-defined empirical covariance and were regularised beyond regCovar. ${COLLAPSE_FIX}`,
    );
  if (it.report.dropped.length > 0) warnings.push(`Component(s) ${it.report.dropped.join(', ')} were dropped by the Dirichlet prior.`);
  const outcome = { objective: it.objective, shift: it.shift };
  const prev = o.previousObjective === undefined ? null : { objective: o.previousObjective, shift: 0 };
  return { params: gmmPlain(it.params), ...outcome, converged: gmmConverged(outcome, prev, o.tol ?? 1e-3), warnings };
}
