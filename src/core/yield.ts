import { throwIfAborted } from '../errors.js';

/**
 * One turn of the event loop, so timers (an abort), I/O and a page's events run during long CPU
 * work: setImmediate in Node; a MessageChannel message in browsers (setTimeout(0) is clamped to
 * 4 ms there); setTimeout where neither exists. Used by the EM driver and the 'wasm' pool.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else if (typeof MessageChannel === 'function') {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(null);
    } else setTimeout(resolve, 0);
  });
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
/** At most this often a long loop with a signal yields. */
export const YIELD_MS = 4;

/**
 * Where a long synchronous loop may be aborted: with a signal, yield to the event loop at most
 * every YIELD_MS (so a timer's abort can run; a fast loop pays nearly nothing), then throw if
 * aborted. Without a signal it does nothing, so results and timings do not change.
 */
export async function abortCheckpoint(signal: AbortSignal | undefined, last: { t: number }): Promise<void> {
  if (!signal) return;
  if (now() - last.t >= YIELD_MS) {
    await yieldToEventLoop();
    last.t = now();
  }
  throwIfAborted(signal);
}
