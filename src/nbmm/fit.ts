/**
 * Negative-binomial mixture fitting, written once for every backend: a backend supplies the E-step
 * (statistics at given parameters) and evaluation (backend.ts, found by name in the registry);
 * this file owns options, initialisation, the model's part of the EM driver (core/em.ts), the
 * shared float64 M-step (mstep.ts) and the result object.
 *
 * Conventions: history[].objective and restarts[].objective are total log-likelihoods (higher is
 * better; runRestarts keeps the highest). A restart converges when the per-cell log-likelihood
 * changes by less than tol (scikit-learn's rule for mixtures). Initial parameters come from hard
 * labels (by default k-means on the PCs of the scaled log1p(x/s); k-means on log1p(x/s) per restart of
 * an explicit nInit; random; or given): weights and weighted means per label, and a
 * method-of-moments dispersion (model.ts, paramsFromLabels).
 */
import { fitEM, type StepOutcome } from '../core/em.js';
import { restartSpread } from '../core/restarts.js';
import { implementationFor } from '../core/registry.js';
import { resolveSampleWeight } from '../core/weights.js';
import type { Engine } from '../engine/engine.js';
import { toRows } from '../data.js';
import type { IterationRecord } from '../types.js';
import { abortCheckpoint } from '../core/yield.js';
import { checkGeneMemory, toCounts, sizeFactors, geneHistograms } from './counts.js';
import { initialLabels, pcaStartLabels } from './init.js';
import { resolve } from './options.js';
import { makeGrid } from './grid.js';
import { paramsFromLabels, type NbContext, type NbParams } from './model.js';
import { mStep } from './mstep.js';
import { deviceStep, newGuard, resolveDeviceMStep, type DeviceGuard } from './device-mstep.js';
import type { NbBackend, NbEvaluation } from './backend.js';
import type { CountsInput, NegativeBinomialMixtureOptions, NegativeBinomialMixtureResult } from './types.js';

interface RestartState {
  params: NbParams;
  final: NbEvaluation | null;
  guard: DeviceGuard;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** scikit-learn's rule on the per-cell log-likelihood, strict: tol = 0 never stops early. */
export function nbConverged(out: StepOutcome, prev: StepOutcome | null, tol: number, total: number): 'tol' | false {
  return prev !== null && Math.abs(out.objective - prev.objective) / total < tol ? 'tol' : false;
}

/** Fit a negative-binomial mixture on `engine`'s backend. */
export async function fitNegativeBinomialMixture(
  engine: Engine,
  counts: CountsInput,
  options: NegativeBinomialMixtureOptions,
): Promise<NegativeBinomialMixtureResult> {
  const t0 = now();
  // The setup passes over the counts run whole; between them an abort can land (core/yield.ts).
  const mark = { t: t0 };
  const c = toCounts(counts);
  const o = resolve(c, options);
  checkGeneMemory(c, o.k);
  const onDevice = resolveDeviceMStep(options.deviceMStep, engine.backend);
  const weights = resolveSampleWeight(options.sampleWeight, c.n);
  await abortCheckpoint(options.signal, mark);
  const sf = sizeFactors(c, options.sizeFactors, undefined, weights);
  const grid = makeGrid(sf.s);
  await abortCheckpoint(options.signal, mark);
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
  await abortCheckpoint(options.signal, mark);
  const inits: Int32Array[] = [];
  const initMs: number[] = [];
  for (let r = 0; r < o.nInit; r++) {
    const ti = now();
    inits.push(
      o.pcaStart
        ? await pcaStartLabels(engine, c, sf.s, o, options.signal, weights)
        : await initialLabels(engine, c, sf.s, o, r, options.signal, weights),
    );
    initMs.push(now() - ti);
    await abortCheckpoint(options.signal, mark);
  }
  const backend = implementationFor<NbBackend>('nbmm', engine.backend);
  return backend.open(engine, c, sf.s, grid, { k: o.k, weights }, async (session) => {
    const warnings = new Set<string>();
    if (engine.notice) warnings.add(engine.notice);
    let redone = 0;
    const warnEmpty = (empty: number[]): void => {
      if (empty.length === 0) return;
      warnings.add(
        `Component(s) ${empty.join(', ')} lost (numerically) all their cells; their means were kept and their weights floored. ` +
          'Reduce k, or try another seed or init.',
      );
    };
    const fit = await fitEM<RestartState>({
      nInit: o.nInit,
      seed: o.seed,
      maxIter: o.maxIter,
      maximize: true,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onIteration ? { onIteration: options.onIteration } : {}),
      // The labels of every restart were drawn before the session opened (k-means runs on the same engine).
      init: async (restart) => ({
        params: paramsFromLabels(c, sf.s, inits[restart], o.k, o.dispersion, weights),
        final: null,
        guard: newGuard(),
      }),
      async step(state) {
        if (onDevice) {
          const out = await deviceStep(session, ctx, state);
          warnEmpty(out.empty);
          if (out.redone) redone++;
          return { objective: out.loglik, shift: out.shift };
        }
        const st = await session.estep(state.params);
        const { params: next, report } = mStep(ctx, state.params, st);
        warnEmpty(report.empty);
        state.params = next;
        return { objective: st.loglik, shift: report.shift };
      },
      converged: (outc, _iter, prev) => nbConverged(outc, prev, o.tol, total),
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
    if (redone > 0) {
      warnings.add(
        `The device M-step's float32 result lowered the log-likelihood or left float32's range in ${redone} iteration(s); those steps were redone on the host in float64. ` +
          'Nothing to do; pass deviceMStep: false to run every M-step on the host.',
      );
    }
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
      restartSpread: restartSpread(fit.restarts, true),
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
