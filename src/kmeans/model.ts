/**
 * Hard and soft k-means as one model of the EM driver (core/em.ts): initialisation, the
 * statistics request (the backend's session), the one M-step (mstep.ts) and Lloyd's convergence
 * rule (labels unchanged, or squared shift ≤ tol·mean variance, scikit-learn's _tolerance with the
 * unweighted variance). Returns the raw fit results.ts turns into the public objects.
 */
import type { Dataset } from '../data.js';
import { fitEM, type StepOutcome } from '../core/em.js';
import type { ResolvedOptions } from '../core/options.js';
import type { Rng } from '../core/rng.js';
import { weightedSample } from '../core/weights.js';
import type { KMeansFinal, KMeansSession } from './backend.js';
import { centroidMStep } from './mstep.js';
import type { RawFit } from './results.js';

interface RestartState {
  centres: Float64Array;
  relocations: number;
  final: KMeansFinal | null;
}

async function initialCentres(
  s: KMeansSession,
  ds: Dataset,
  o: ResolvedOptions,
  rng: Rng,
  weights: Float64Array | null,
): Promise<Float64Array> {
  const { d } = ds;
  const k = o.k;
  if (o.init instanceof Float64Array) {
    const given = o.init;
    const origin = s.origin;
    if (!origin) return given.slice();
    const c = new Float64Array(k * d);
    for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) c[j * d + f] = given[j * d + f] - origin[f];
    return c;
  }
  if (o.init === 'random') {
    const c = new Float64Array(k * d);
    const rows = weights ? weightedSample(weights, k, () => rng.uniform()) : rng.sample(ds.n, k);
    rows.forEach((r, j) => c.set(s.row(r), j * d));
    return c;
  }
  return s.plusPlus(rng, o.signal);
}

function toDataCoordinates(c: Float64Array, origin: Float64Array | null, k: number, d: number): Float64Array {
  if (!origin) return c;
  const out = new Float64Array(k * d);
  for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) out[j * d + f] = c[j * d + f] + origin[f];
  return out;
}

/** Lloyd's rule: hard labels unchanged (after the first step), or squared shift ≤ tol·mean variance. */
export function centroidConverged(out: StepOutcome, iter: number, soft: boolean, tolScaled: number): 'labels' | 'tol' | false {
  if (!soft && iter > 1 && out.changed === 0) return 'labels';
  return out.shift <= tolScaled ? 'tol' : false;
}

export interface CentroidFit {
  raw: Omit<RawFit, 'backend' | 'adapter' | 'totalMs'>;
  objective: number;
  resp?: ArrayLike<number>;
}

/** Fit k-means (soft when `soft` is set) on an open backend session. */
export async function fitCentroids(
  s: KMeansSession,
  ds: Dataset,
  o: ResolvedOptions,
  soft: { beta: number; returnResponsibilities: boolean } | null,
  weights: Float64Array | null,
): Promise<CentroidFit> {
  const { n, d } = ds;
  const k = o.k;
  const fit = await fitEM<RestartState>({
    nInit: o.nInit,
    seed: o.seed,
    maxIter: o.maxIter,
    maximize: false,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onIteration ? { onIteration: o.onIteration } : {}),
    async init(_restart, rng) {
      const centres = await initialCentres(s, ds, o, rng, weights);
      s.setCentres(centres);
      return { centres, relocations: 0, final: null };
    },
    async step(state, iter, rng) {
      const stats = await s.step();
      const m = await centroidMStep(s, stats, state.centres, { n, d, soft: !!soft, policy: o.emptyCluster, weights, rng });
      state.relocations += m.relocated;
      s.setCentres(state.centres);
      if (soft) return { objective: stats.objective, shift: m.shift };
      // Every label changes on the first E-step.
      return { objective: stats.objective, shift: m.shift, changed: iter === 1 ? n : stats.changed! };
    },
    converged: (out, iter) => centroidConverged(out, iter, !!soft, o.tolScaled),
    async finish(state, loop) {
      state.final = await s.final(soft !== null || loop.stopReason !== 'labels', !!soft?.returnResponsibilities);
      return soft ? state.final.objective! : state.final.inertia;
    },
  });
  const { state, loop } = fit;
  const final = state.final!;
  const raw: CentroidFit['raw'] = {
    n,
    d,
    k,
    seed: o.seed,
    centres: toDataCoordinates(state.centres, s.origin, k, d),
    labels: final.labels,
    inertia: final.inertia,
    nIter: loop.nIter,
    converged: loop.converged,
    stopReason: loop.stopReason,
    history: loop.history,
    restarts: fit.restarts,
    bestRestart: fit.bestRestart,
    initMs: fit.initMs,
    perIterMs: loop.perIterMs,
    relocations: state.relocations,
  };
  const gpu = s.counters?.();
  if (gpu) raw.gpu = gpu;
  return { raw, objective: soft ? final.objective! : final.inertia, ...(final.resp ? { resp: final.resp } : {}) };
}
