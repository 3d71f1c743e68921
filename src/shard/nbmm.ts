/**
 * The negative-binomial mixture split into map → sum → M-step. Its global quantities (library
 * sizes over all cells → size factors and the size-factor grid; the per-gene count histograms of
 * the dispersion update) come from a first pass (globals.ts) and travel with the parameters. A
 * shard's statistics are one E-step of the backend's session (nbmm/model.ts NbStats: plain sums);
 * the M-step and convergence rule are nbmm/mstep.ts's and nbmm/fit.ts's.
 */
import type { Engine } from '../engine/engine.js';
import { invalid } from '../errors.js';
import { sizeFactors, type GeneHistograms } from '../nbmm/counts.js';
import { nbConverged } from '../nbmm/fit.js';
import { makeGrid, type SizeGrid } from '../nbmm/grid.js';
import type { NbContext, NbParams, NbStats } from '../nbmm/model.js';
import { mStep } from '../nbmm/mstep.js';
import { resolveDispersion } from '../nbmm/options.js';
import { blockCounts, type ShardBlock } from './block.js';
import { checkNbParamsShape, checkWeightSum } from './check-nb.js';
import { flatRows, flatVector, rowsOf } from './params.js';
import { nbSessionEstep } from './session.js';
import type { MStepOutput, NbGlobals, NbShardParams, NbStatistics, ShardModelOptions } from './types.js';

/** The grid of all cells' size factors: its ends are the extreme size factors (log and min commute). */
export function gridOf(g: NbGlobals): SizeGrid {
  return makeGrid([g.sMin, g.sMax]);
}

export function nbParams(p: NbShardParams, d?: number): NbParams {
  if (p == null || typeof p !== 'object' || !Array.isArray(p.weights))
    throw invalid(
      'SHAPE_MISMATCH',
      'The NB parameters need weights, means, dispersion and globals. Pass { weights, means, dispersion, globals }.',
    );
  if (!p.globals || typeof p.globals !== 'object' || !(p.globals.libraryMean > 0))
    throw invalid(
      'BAD_OPTION',
      'The NB parameters carry no globals (libraryMean, sMin, sMax, n, hist). Pass finishGlobals of the first pass as params.globals.',
    );
  const k = p.weights.length;
  const means = flatRows(p.means, 'params.means', k, d);
  const dd = means.length / k;
  const weights = flatVector(p.weights, 'params.weights', k);
  const phi = flatVector(p.dispersion, 'params.dispersion', dd);
  let total = 0;
  for (const w of weights) total += w;
  if (weights.some((w) => w < 0) || !(total > 0))
    throw invalid(
      'BAD_OPTION',
      `params.weights must be ≥ 0 with a positive sum (got ${Array.from(weights).join(', ')}). Pass the mixture weights a fit returned.`,
    );
  checkWeightSum(weights);
  checkNbParamsShape(p, p.globals);
  if (means.some((m) => m < 0))
    throw invalid('BAD_OPTION', 'params.means must be ≥ 0: they are expected counts per gene. Pass the means a fit returned.');
  if (phi.some((v) => !(v > 0)))
    throw invalid(
      'BAD_OPTION',
      'params.dispersion must be > 0 for every gene (the NB variance is μ + μ²/dispersion). Pass the dispersion a fit returned.',
    );
  return { k, d: dd, weights, means, phi };
}

export async function nbBlockStatistics(engine: Engine, block: ShardBlock, params: NbShardParams): Promise<NbStatistics> {
  const c = blockCounts(block);
  const p = nbParams(params, c.d);
  const g = params.globals;
  const s = sizeFactors(c, g.sizeFactorMode, g.sizeFactorMode === 'library' ? g.libraryMean : undefined).s;
  const grid = gridOf(g);
  const st = await nbSessionEstep(engine, c, s, grid, p, null);
  return {
    kind: 'nbmm',
    k: p.k,
    d: p.d,
    J: grid.J,
    rows: c.n,
    loglik: st.loglik,
    rowStats: Array.from(st.rows),
    geneStats: Array.from(st.genes),
  };
}

export function sumNb(list: NbStatistics[]): NbStatistics {
  const f = list[0];
  const out: NbStatistics = { ...f, rowStats: f.rowStats.slice(), geneStats: f.geneStats.slice() };
  for (const s of list.slice(1)) {
    if (s.k !== f.k || s.d !== f.d || s.J !== f.J)
      throw invalid(
        'SHAPE_MISMATCH',
        `NB statistics (k=${s.k}, d=${s.d}, J=${s.J}) cannot be summed with (k=${f.k}, d=${f.d}, J=${f.J}). Sum statistics of one fit, with one set of globals.`,
      );
    for (let t = 0; t < out.rowStats.length; t++) out.rowStats[t] += s.rowStats[t];
    for (let t = 0; t < out.geneStats.length; t++) out.geneStats[t] += s.geneStats[t];
    out.loglik += s.loglik;
    out.rows += s.rows;
  }
  return out;
}

function histograms(h: NonNullable<NbGlobals['hist']>): GeneHistograms {
  return {
    ptr: Uint32Array.from(h.ptr),
    value: Float64Array.from(h.value),
    mult: Float64Array.from(h.mult),
    total: Float64Array.from(h.total),
    max: Float64Array.from(h.max),
  };
}

export function nbMStep(
  summed: NbStatistics,
  params: NbShardParams,
  o: ShardModelOptions & { previousObjective?: number },
): MStepOutput<NbShardParams> {
  const p = nbParams(params, summed.d);
  const g = params.globals;
  if (!g.hist)
    throw invalid(
      'BAD_OPTION',
      'The NB M-step needs the gene histograms: pass params.globals with its hist, as finishGlobals returned it.',
    );
  const grid = gridOf(g);
  if (p.k !== summed.k || grid.J !== summed.J)
    throw invalid(
      'SHAPE_MISMATCH',
      `The parameters have k=${p.k} and a ${grid.J}-node grid; the statistics k=${summed.k}, J=${summed.J}. Pass the parameters the statistics were computed at.`,
    );
  const ctx: NbContext = {
    n: g.n,
    d: p.d,
    k: p.k,
    grid,
    hist: histograms(g.hist),
    dispersion: resolveDispersion(o.dispersion),
    meanEstimator: o.meanEstimator ?? 'mle',
  };
  const st: NbStats = { loglik: summed.loglik, rows: Float64Array.from(summed.rowStats), genes: Float64Array.from(summed.geneStats) };
  const { params: next, report } = mStep(ctx, p, st);
  const warnings =
    report.empty.length > 0
      ? [`Component(s) ${report.empty.join(', ')} lost (numerically) all their cells; their means were kept and their weights floored.`]
      : [];
  const outcome = { objective: st.loglik, shift: report.shift };
  const prev = o.previousObjective === undefined ? null : { objective: o.previousObjective, shift: 0 };
  return {
    params: { weights: Array.from(next.weights), means: rowsOf(next.means, p.k, p.d), dispersion: Array.from(next.phi), globals: g },
    ...outcome,
    converged: nbConverged(outcome, prev, o.tol ?? 1e-3, g.n),
    warnings,
  };
}
