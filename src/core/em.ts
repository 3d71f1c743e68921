/**
 * The EM driver, written once for every model and backend. A model supplies, per restart, a
 * `step` (E-step at the current parameters, then M-step) and its convergence rule; this loop
 * owns iteration counting, history, callbacks, cancellation and timing, and `runRestarts`
 * keeps the best restart.
 */
import type { IterationRecord, RestartSummary } from '../types.js';
import { restartRng, type Rng } from './rng.js';
import { abortCheckpoint } from './yield.js';

export interface StepOutcome {
  /** Objective of this E-step (at the parameters the step started from). */
  objective: number;
  /** Squared parameter shift made by the M-step. */
  shift: number;
  /** Hard assignments changed in the E-step, where the model has them. */
  changed?: number;
}

/** Why a restart stopped; `false` means keep going. */
export type StopReason = 'labels' | 'tol' | 'maxIter';

export interface EMRun {
  step(iter: number): Promise<StepOutcome>;
  /** The model's convergence rule, asked after every step. */
  converged(outcome: StepOutcome, iter: number, previous: StepOutcome | null): Exclude<StopReason, 'maxIter'> | false;
}

export interface LoopOptions {
  restart: number;
  maxIter: number;
  signal?: AbortSignal;
  onIteration?: (info: IterationRecord) => void;
}

export interface LoopResult {
  nIter: number;
  converged: boolean;
  stopReason: StopReason;
  history: IterationRecord[];
  /** Mean wall time per iteration, ms. */
  perIterMs: number;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

// A backend whose step is synchronous work inside an async function (the float64 reference)
// never lets a timer run, so with a signal the loop passes an abortCheckpoint between iterations.

export async function runEM(run: EMRun, opts: LoopOptions): Promise<LoopResult> {
  const history: IterationRecord[] = [];
  const start = now();
  const lastYield = { t: start };
  let previous: StepOutcome | null = null;
  for (let iter = 1; iter <= opts.maxIter; iter++) {
    if (opts.signal) await abortCheckpoint(opts.signal, lastYield);
    const outcome = await run.step(iter);
    const record: IterationRecord = {
      restart: opts.restart,
      iter,
      objective: outcome.objective,
      shift: outcome.shift,
      elapsedMs: now() - start,
    };
    if (outcome.changed !== undefined) record.changed = outcome.changed;
    history.push(record);
    opts.onIteration?.(record);
    const reason = run.converged(outcome, iter, previous);
    if (reason) {
      return { nIter: iter, converged: true, stopReason: reason, history, perIterMs: (now() - start) / iter };
    }
    previous = outcome;
  }
  return {
    nIter: opts.maxIter,
    converged: false,
    stopReason: 'maxIter',
    history,
    perIterMs: (now() - start) / Math.max(1, opts.maxIter),
  };
}

export interface RestartOutcome<R> {
  result: R;
  objective: number;
  nIter: number;
  converged: boolean;
}

/**
 * Run `nInit` restarts one after another and keep the one with the best objective: the lowest
 * (inertia) or, with `maximize`, the highest (log-likelihood). Ties keep the earlier restart, so
 * the choice is deterministic.
 */
export async function runRestarts<R>(
  nInit: number,
  fitOne: (restart: number) => Promise<RestartOutcome<R>>,
  signal?: AbortSignal,
  maximize = false,
): Promise<{ best: RestartOutcome<R>; bestRestart: number; restarts: RestartSummary[] }> {
  let best: RestartOutcome<R> | null = null;
  let bestRestart = 0;
  const restarts: RestartSummary[] = [];
  const lastYield = { t: 0 };
  for (let r = 0; r < nInit; r++) {
    await abortCheckpoint(signal, lastYield);
    const out = await fitOne(r);
    restarts.push({ restart: r, objective: out.objective, nIter: out.nIter, converged: out.converged });
    if (best === null || (maximize ? out.objective > best.objective : out.objective < best.objective)) {
      best = out;
      bestRestart = r;
    }
  }
  return { best: best!, bestRestart, restarts };
}

/** What a model supplies to the EM driver (scikit-learn's BaseMixture split): the rest is written once here. */
export interface EMModel<S> {
  nInit: number;
  seed: number;
  maxIter: number;
  /** Keep the restart with the highest objective (log-likelihoods) instead of the lowest (inertia). */
  maximize: boolean;
  signal?: AbortSignal;
  onIteration?: (info: IterationRecord) => void;
  /** Initial state of one restart, from that restart's own random stream. */
  init(restart: number, rng: Rng): Promise<S>;
  /** One iteration: statistics at the current parameters (through the backend), then the M-step. */
  step(state: S, iter: number, rng: Rng): Promise<StepOutcome>;
  /** The model's convergence rule. */
  converged: EMRun['converged'];
  /** The objective a restart is ranked by, once its loop has stopped (may evaluate the final parameters). */
  finish(state: S, loop: LoopResult): Promise<number>;
  /** The warning when the chosen restart did not converge (none when absent: the model words its own). */
  notConverged?(bestRestart: number): string;
}

export interface EMFit<S> {
  state: S;
  loop: LoopResult;
  initMs: number;
  bestRestart: number;
  restarts: RestartSummary[];
  /** Warnings of the driver (non-convergence); the model adds its own. */
  warnings: string[];
}

/** Restarts, each an EM loop with its own random stream; keeps the best; the one driver of every model. */
export async function fitEM<S>(model: EMModel<S>): Promise<EMFit<S>> {
  const out = await runRestarts(
    model.nInit,
    async (restart) => {
      const rng = restartRng(model.seed, restart);
      const t0 = now();
      const state = await model.init(restart, rng);
      const initMs = now() - t0;
      const run: EMRun = { step: (iter) => model.step(state, iter, rng), converged: model.converged };
      const loop = await runEM(run, { restart, maxIter: model.maxIter, signal: model.signal, onIteration: model.onIteration });
      const objective = await model.finish(state, loop);
      return { result: { state, loop, initMs }, objective, nIter: loop.nIter, converged: loop.converged };
    },
    model.signal,
    model.maximize,
  );
  const best = out.best.result;
  const warnings = best.loop.converged || !model.notConverged ? [] : [model.notConverged(out.bestRestart)];
  return { ...best, bestRestart: out.bestRestart, restarts: out.restarts, warnings };
}
