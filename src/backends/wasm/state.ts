/**
 * What a 'wasm' engine holds (engine.instance): one runtime (module, memory, arena) and one
 * worker pool over it, shared by every fit on the engine.
 *
 * Fits may overlap on one engine (two calls in flight, or a GMM whose k-means initialisation
 * opens a k-means session inside its own), but the pool runs one kernel at a time and the arena
 * is a bump allocator. So every operation that touches the arena or the pool runs inside
 * `exclusive` (one at a time, in call order), and a session's long-lived buffers are a `region`
 * that is freed when the session ends — at once when it is the arena's top, else as soon as the
 * regions above it are freed too (a stack with deferred frees).
 */
import { yieldToEventLoop } from '../../core/yield.js';
import { YIELD_MS, type WasmPool } from './pool.js';
import type { WasmRuntime } from './runtime.js';

interface Region {
  mark: number;
  freed: boolean;
}

export class WasmEngineState {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly regions: Region[] = [];
  private lastTurn = performance.now();

  constructor(
    readonly rt: WasmRuntime,
    readonly pool: WasmPool,
  ) {}

  /**
   * Run fn when every earlier exclusive call has settled; nothing else touches the arena or the
   * pool meanwhile. When YIELD_MS have passed since the last turn, the event loop gets one first:
   * a fit's E-steps are exclusive calls, so a fit on one thread yields between iterations (and the
   * pool yields within long ones) — timers, an abort, a page's events run during it.
   */
  exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const step = async () => {
      if (performance.now() - this.lastTurn >= YIELD_MS) {
        await yieldToEventLoop();
        this.lastTurn = performance.now();
      }
      return fn();
    };
    const run = this.queue.then(step, step);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Allocate a session's buffers (inside `exclusive`) and keep them until `free` is called. */
  region<T>(alloc: () => T): Promise<{ value: T; free: () => void }> {
    return this.exclusive(() => {
      const r: Region = { mark: this.rt.arena.mark(), freed: false };
      const value = alloc();
      this.regions.push(r);
      return {
        value,
        // Queued like every arena change, so it never lowers the top under an operation in flight.
        free: () =>
          void this.exclusive(() => {
            r.freed = true;
            while (this.regions.length && this.regions[this.regions.length - 1].freed) this.rt.arena.release(this.regions.pop()!.mark);
          }),
      };
    });
  }
}

/** The engine's state, or a typed error when the engine is not a 'wasm' one. */
export function wasmState(engine: { backend: string; instance: unknown }): WasmEngineState {
  if (!(engine.instance instanceof WasmEngineState)) throw new Error(`emgpu: engine backend '${engine.backend}' is not 'wasm'.`);
  return engine.instance;
}
