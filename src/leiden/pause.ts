/**
 * How leiden() keeps the event loop free: every phase (the graph's check and copy, local moving,
 * refinement, aggregation) is split into steps, and between steps it yields once YIELD_MS have
 * passed since the last turn, then checks the abort signal. It yields with or without a signal, as
 * local moving always has, so a page or a server stays responsive during a long clustering; the
 * steps never touch the random stream, so the result is the same bits either way.
 */
import { yieldToEventLoop } from '../core/yield.js';
import { AbortError } from '../errors.js';

/** When leiden() last yielded, and its abort signal. */
export interface Pause {
  last: number;
  signal?: AbortSignal | undefined;
}

/** At most this long between event-loop turns. */
export const YIELD_MS = 8;

/** Yield when YIELD_MS have passed since the last turn, then throw if aborted. */
export async function breathe(pause: Pause): Promise<void> {
  if (performance.now() - pause.last <= YIELD_MS) return;
  await yieldToEventLoop();
  if (pause.signal?.aborted) throw new AbortError(pause.signal.reason);
  pause.last = performance.now();
}

/** Run a phase written as steps (a generator that yields between chunks of work), breathing between them. */
export async function drain<T>(steps: Generator<void, T, void>, pause: Pause): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await breathe(pause);
  }
}
