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
