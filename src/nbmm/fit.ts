/**
 * Negative-binomial mixture fitting, written once for every backend: a backend supplies the E-step
 * (statistics at given parameters) and evaluation (backend.ts, found by name in the registry);
 * this file owns options, initialisation, the model's part of the EM driver (core/em.ts), the
 * shared float64 M-step (model.ts) and the result object.
 *
 * Conventions: history[].objective and restarts[].objective are total log-likelihoods (higher is
 * better; runRestarts keeps the highest). A restart converges when the per-cell log-likelihood
 * changes by less than tol (scikit-learn's rule for mixtures). Initial parameters come from hard
 * labels (k-means on log1p(x/s), random, or given): weights and weighted means per label, and a
 * method-of-moments dispersion (model.ts, paramsFromLabels).
 */
import { invalid } from '../errors.js';
import { restartRng } from '../core/rng.js';
import { fitEM } from '../core/em.js';
import { implementationFor } from '../core/registry.js';
import { resolveSampleWeight } from '../core/weights.js';
import type { Engine } from '../engine/engine.js';
import { kmeansOn } from '../kmeans/api.js';
import { toRows } from '../data.js';
import type { IterationRecord } from '../types.js';
import { toCounts, sizeFactors, geneHistograms, checkCountsK, type Counts } from './counts.js';
import { makeGrid } from './grid.js';
import {
  mStep,
  paramsFromLabels,
  PHI_MIN,
  PHI_MAX,
  type DispersionMode,
  type MeanEstimator,
  type NbContext,
  type NbParams,
} from './model.js';
import type { NbBackend, NbEvaluation } from './backend.js';
import type { CountsInput, NegativeBinomialMixtureOptions, NegativeBinomialMixtureResult } from './types.js';

interface Resolved {
  k: number;
  init: 'kmeans' | 'random' | Int32Array;
  nInit: number;
  maxIter: number;
  tol: number;
  seed: number;
  dispersion: DispersionMode;
  meanEstimator: MeanEstimator;
  returnResponsibilities: boolean;
}

function posInt(v: unknown, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw invalid('BAD_OPTION', `${name}=${String(v)} is not a positive integer. Pass an integer >= 1.`);
  return v;
}

export function resolveDispersion(v: unknown): DispersionMode {
  if (v === undefined || v === 'per-gene') return { kind: 'per-gene' };
  if (v === 'shared') return { kind: 'shared' };
  if (typeof v === 'number') {
    if (!(v >= PHI_MIN && v <= PHI_MAX)) {
      throw invalid(
        'BAD_OPTION',
        `dispersion=${v} is outside [${PHI_MIN}, ${PHI_MAX}]. Pass a fixed φ in that range (variance = m + φ·m²), or 'per-gene' / 'shared' to estimate it.`,
      );
    }
    return { kind: 'fixed', phi: v };
  }
  throw invalid('BAD_OPTION', `dispersion='${String(v)}' is not recognised. Use 'per-gene', 'shared' or a fixed number φ > 0.`);
}

function resolve(c: Counts, o: NegativeBinomialMixtureOptions): Resolved {
  if (o == null || typeof o !== 'object') throw invalid('BAD_OPTION', 'Options are missing. Pass an object with at least { k }.');
  const k = checkCountsK(o.k, c);
  const rawInit = o.init ?? 'kmeans';
  let init: Resolved['init'];
  if (rawInit === 'kmeans' || rawInit === 'random') init = rawInit;
  else if (typeof rawInit === 'string' || rawInit == null || typeof (rawInit as ArrayLike<number>).length !== 'number') {
    throw invalid(
      'BAD_OPTION',
      `init='${String(rawInit)}' is not recognised. Use 'kmeans', 'random' or an array of n initial labels in 0..k−1.`,
    );
  } else {
    const arr = rawInit as ArrayLike<number>;
    if (arr.length !== c.n)
      throw invalid('SHAPE_MISMATCH', `init has ${arr.length} labels but there are ${c.n} cells. Pass one label in 0..${k - 1} per cell.`);
    init = new Int32Array(c.n);
    for (let i = 0; i < c.n; i++) {
      const v = Number(arr[i]);
      if (!Number.isInteger(v) || v < 0 || v >= k)
        throw invalid('BAD_OPTION', `init[${i}] = ${arr[i]} is not a label in 0..${k - 1}. Pass integer labels below k.`);
      init[i] = v;
    }
  }
  let nInit: number;
  if (o.nInit === undefined || o.nInit === 'auto') nInit = init === 'random' ? 10 : 1;
  else nInit = posInt(o.nInit, 'nInit', 1);
  if (init instanceof Int32Array) nInit = 1;
  const tol = o.tol ?? 1e-3;
  if (typeof tol !== 'number' || !(tol >= 0) || !Number.isFinite(tol))
    throw invalid('BAD_OPTION', `tol=${String(tol)} must be a finite number >= 0.`);
  const seed = o.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw invalid('BAD_OPTION', `seed=${String(seed)} must be a non-negative integer.`);
  if (o.onIteration !== undefined && typeof o.onIteration !== 'function') throw invalid('BAD_OPTION', 'onIteration must be a function.');
  const meanEstimator = o.meanEstimator ?? 'mle';
  if (meanEstimator !== 'weighted' && meanEstimator !== 'mle') {
    throw invalid(
      'BAD_OPTION',
      `meanEstimator='${String(meanEstimator)}' is not recognised. Use 'weighted' (the size-factor-weighted mean) or 'mle' (the exact negative-binomial M-step).`,
    );
  }
  return {
    meanEstimator,
    k,
    init,
    nInit,
    maxIter: posInt(o.maxIter, 'maxIter', 100),
    tol,
    seed,
    dispersion: resolveDispersion(o.dispersion),
    returnResponsibilities: !!o.returnResponsibilities,
  };
}

/** Most dense entries of the log1p(x/s) matrix k-means initialisation builds; beyond it the most variable genes are used. */
export const KMEANS_INIT_MAX_ENTRIES = 20_000_000;
/**
 * k-means++ runs per initialisation (the lowest inertia is kept). One run often isolates a few
 * outlying cells in a cluster of their own (on the Zeisel subset 7 of 12 single runs did); the best
 * of five avoided that in 10 of 12 seeds there.
 */
export const KMEANS_INIT_RESTARTS = 5;

/** Initial hard labels of one restart. */
async function initialLabels(
  engine: Engine,
  c: Counts,
  s: Float64Array,
  o: Resolved,
  restart: number,
  signal: AbortSignal | undefined,
  weights: Float64Array | null,
): Promise<Int32Array> {
  if (o.init instanceof Int32Array) return o.init;
  const rng = restartRng(o.seed, restart);
  if (o.init === 'random') {
    const labels = new Int32Array(c.n);
    for (let i = 0; i < c.n; i++) labels[i] = rng.int(o.k);
    return labels;
  }
  // k-means on log1p(x/s), on the genes with the largest variance of log1p(x/s) when n·d is large.
  const { n, d } = c;
  const keep = Math.max(1, Math.min(d, Math.floor(KMEANS_INIT_MAX_ENTRIES / n)));
  let genes: Int32Array;
  if (keep === d) genes = Int32Array.from({ length: d }, (_, g) => g);
  else {
    const sum = new Float64Array(d);
    const sq = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let p = c.indptr[i]; p < c.indptr[i + 1]; p++) {
        const y = Math.log1p(c.values[p] / s[i]);
        sum[c.indices[p]] += y;
        sq[c.indices[p]] += y * y;
      }
    }
    const v = Float64Array.from(sum, (t, g) => sq[g] / n - (t / n) ** 2);
    genes = Int32Array.from(
      Array.from(v.keys())
        .sort((a, b) => v[b] - v[a] || a - b)
        .slice(0, keep),
    ).sort();
  }
  const col = new Int32Array(d).fill(-1);
  genes.forEach((g, j) => (col[g] = j));
  const w = genes.length;
  const data = new Float64Array(n * w);
  for (let i = 0; i < n; i++) {
    for (let p = c.indptr[i]; p < c.indptr[i + 1]; p++) {
      const j = col[c.indices[p]];
      if (j >= 0) data[i * w + j] = Math.log1p(c.values[p] / s[i]);
    }
  }
  const km = await kmeansOn(
    engine,
    { data, n, d: w },
    {
      k: o.k,
      seed: rng.nextU32(),
      nInit: KMEANS_INIT_RESTARTS,
      ...(signal ? { signal } : {}),
      ...(weights ? { sampleWeight: weights } : {}),
    },
  );
  return Int32Array.from(km.labels);
}

interface RestartState {
  params: NbParams;
  final: NbEvaluation | null;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Fit a negative-binomial mixture on `engine`'s backend. */
export async function fitNegativeBinomialMixture(
  engine: Engine,
  counts: CountsInput,
  options: NegativeBinomialMixtureOptions,
): Promise<NegativeBinomialMixtureResult> {
  const t0 = now();
  const c = toCounts(counts);
  const o = resolve(c, options);
  const sf = sizeFactors(c, options.sizeFactors);
  const weights = resolveSampleWeight(options.sampleWeight, c.n);
  const grid = makeGrid(sf.s);
  // Per-cell rules are per unit weight: Σ w (= n without weights).
  const total = weights ? weights.reduce((a, b) => a + b, 0) : c.n;
  const ctx: NbContext = {
    n: c.n,
    d: c.d,
    k: o.k,
    grid,
    hist: geneHistograms(c, weights),
    dispersion: o.dispersion,
    meanEstimator: o.meanEstimator,
  };
  const inits: Int32Array[] = [];
  const initMs: number[] = [];
  for (let r = 0; r < o.nInit; r++) {
    const ti = now();
    inits.push(await initialLabels(engine, c, sf.s, o, r, options.signal, weights));
    initMs.push(now() - ti);
  }
  const backend = implementationFor<NbBackend>('nbmm', engine.backend);
  return backend.open(engine, c, sf.s, grid, { k: o.k, weights }, async (session) => {
    const warnings = new Set<string>();
    const fit = await fitEM<RestartState>({
      nInit: o.nInit,
      seed: o.seed,
      maxIter: o.maxIter,
      maximize: true,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onIteration ? { onIteration: options.onIteration } : {}),
      // The labels of every restart were drawn before the session opened (k-means runs on the same engine).
      init: async (restart) => ({ params: paramsFromLabels(c, sf.s, inits[restart], o.k, o.dispersion, weights), final: null }),
      async step(state) {
        const st = await session.estep(state.params);
        const { params: next, report } = mStep(ctx, state.params, st);
        if (report.empty.length > 0) {
          warnings.add(
            `Component(s) ${report.empty.join(', ')} lost (numerically) all their cells; their means were kept and their weights floored. ` +
              'Reduce k, or try another seed or init.',
          );
        }
        state.params = next;
        return { objective: st.loglik, shift: report.shift };
      },
      converged(outc, _iter, prev) {
        // scikit-learn's rule, strict: tol = 0 never stops early.
        return prev !== null && Math.abs(outc.objective - prev.objective) / total < o.tol ? 'tol' : false;
      },
      async finish(state) {
        // Labels, log-likelihood (and responsibilities) at the final parameters.
        state.final = await session.evaluate(state.params, { resp: o.returnResponsibilities });
        return state.final.loglik;
      },
      notConverged: (restart) => `Restart ${restart} did not converge within maxIter=${o.maxIter} iterations. Increase maxIter or tol.`,
    });
    const loop = fit.loop;
    const p = fit.state.params;
    const final = fit.state.final!;
    const labels = Array.from(final.labels);
    const sizes = new Array<number>(o.k).fill(0);
    for (const l of labels) sizes[l]++;
    for (const w of fit.warnings) warnings.add(w);
    const emptyFinal = sizes.filter((v) => v === 0).length;
    if (emptyFinal > 0) warnings.add(`${emptyFinal} component(s) have no cells in the final labels. Reduce k.`);
    let silent = 0;
    for (let g = 0; g < c.d; g++) if (ctx.hist.total[g] === 0) silent++;
    if (silent > 0) {
      warnings.add(
        `${silent} gene(s) have no counts in any cell; their means sit at the floor and they add nothing to the clustering. Filter them out first.`,
      );
    }
    const res: NegativeBinomialMixtureResult = {
      model: 'nbmm',
      n: c.n,
      d: c.d,
      k: o.k,
      weights: Array.from(p.weights),
      means: toRows(p.means, o.k, c.d),
      dispersion: Array.from(p.phi),
      dispersionMode: o.dispersion.kind,
      meanEstimator: o.meanEstimator,
      sizeFactors: Array.from(sf.s),
      sizeFactorMode: sf.mode,
      libraryMean: sf.libraryMean,
      labels,
      clusterSizes: sizes,
      logLikelihood: final.loglik,
      lowerBound: final.loglik / total,
      nIter: loop.nIter,
      converged: loop.converged,
      stopReason: loop.stopReason === 'maxIter' ? 'maxIter' : 'tol',
      history: loop.history.map((h: IterationRecord) => ({ ...h })),
      restarts: fit.restarts,
      backend: engine.backend,
      adapter: engine.adapter,
      seed: o.seed,
      timings: { totalMs: now() - t0, initMs: initMs[fit.bestRestart] + fit.initMs, perIterMs: loop.perIterMs },
      warnings: [...warnings],
    };
    if (final.resp) {
      const rows: number[][] = new Array(c.n);
      for (let i = 0; i < c.n; i++) rows[i] = Array.from(final.resp.subarray(i * o.k, (i + 1) * o.k));
      res.responsibilities = rows;
    }
    const gpu = session.counters?.();
    if (gpu) res.gpu = gpu;
    return res;
  });
}
