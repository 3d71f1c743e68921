/**
 * Runs block kernels over rows on several threads: worker_threads in Node, Web Workers in
 * browsers, all over the runtime's shared memory. Rows are cut into fixed blocks of BLOCK_ROWS
 * (never depending on the thread count); each block writes its own partial statistics, which the
 * caller reduces in block order — so 1, 2 or 3 threads give identical bits. With one thread, or
 * without shared memory, blocks run in order on the calling thread.
 */
import { AbortError, invalid, WorkerError } from '../../errors.js';
import { importNodeBuiltin } from '../../core/node-builtin.js';
import { yieldToEventLoop } from '../../core/yield.js';
import type { BlockKernel, WasmRuntime } from './runtime.js';
import { WORKER_SOURCE } from './worker-source.js';

/** Rows per block: large enough to amortise a call, small enough to balance 2–16 threads at 100k rows. */
export const BLOCK_ROWS = 4096;

export function blockCount(n: number): number {
  return Math.ceil(n / BLOCK_ROWS);
}

/** On the calling thread, give the event loop a turn at least this often (ms) during a run. */
export const YIELD_MS = 10;

export interface RunOptions {
  /** Aborting stops the run after the blocks in progress; run() then rejects with AbortError. */
  signal?: AbortSignal;
}

export interface PoolOptions {
  /** Threads to run on (default: the available cores). */
  threads?: number;
}

export interface WasmPool {
  readonly rt: WasmRuntime;
  /** Threads actually used. */
  readonly threads: number;
  /** Why fewer threads than requested run (null when as requested). */
  readonly note: string | null;
  /**
   * Run `kernel(r0, r1, part + b·partStride, ...args)` for every block b of n rows; partStride
   * is in bytes (part = 0: no partials). Resolves when all blocks are done. On one thread it
   * yields to the event loop every YIELD_MS between blocks, so a page or an abort timer runs.
   */
  run(kernel: BlockKernel, n: number, part: number, partStride: number, args: number[], opts?: RunOptions): Promise<void>;
  /** Stop the workers (the runtime stays usable on one thread). */
  close(): void;
}

interface Port {
  post(m: unknown): void;
  onMessage(f: (m: { type: string; message?: string }) => void): void;
  ref(active: boolean): void;
  terminate(): void;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

export async function availableCores(): Promise<number> {
  if (isNode) {
    const os = await importNodeBuiltin<typeof import('node:os')>('os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  return typeof navigator !== 'undefined' && navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : 1;
}

async function spawn(): Promise<Port> {
  if (isNode) {
    const { Worker } = await importNodeBuiltin<typeof import('node:worker_threads')>('worker_threads');
    // execArgv: [] so a parent run as `node --input-type=module` does not make the CommonJS worker source an ES module.
    const w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    w.unref();
    return {
      post: (m) => w.postMessage(m),
      onMessage: (f) => {
        w.on('message', f);
        // A worker that dies (out of memory, an exception outside a kernel) reports as a failed run.
        w.on('error', (e: Error) => f({ type: 'error', message: e.message }));
      },
      ref: (active) => (active ? w.ref() : w.unref()),
      terminate: () => void w.terminate(),
    };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url);
  URL.revokeObjectURL(url);
  return {
    post: (m) => w.postMessage(m),
    onMessage: (f) => {
      w.onmessage = (e) => f(e.data);
      w.onerror = (e) => f({ type: 'error', message: e.message });
    },
    ref: () => {},
    terminate: () => w.terminate(),
  };
}

/** The most worker threads a pool runs: beyond this, more workers only add instances and memory. */
export const MAX_THREADS = 64;

/** A pool of `threads` workers over rt's memory (or the calling thread alone). */
export async function createPool(rt: WasmRuntime, opts: PoolOptions = {}): Promise<WasmPool> {
  const requested = opts.threads ?? Math.min(MAX_THREADS, await availableCores());
  if (!Number.isInteger(requested) || requested < 1 || requested > MAX_THREADS)
    throw invalid(
      'BAD_OPTION',
      `threads must be a positive integer no larger than ${MAX_THREADS}, got ${requested}: each thread is a worker with its own WebAssembly ` +
        `instance, and more than ${MAX_THREADS} cannot share a fit's row blocks usefully. Pass threads: 1 to ${MAX_THREADS}, or leave it out for every core.`,
    );
  if (requested === 1 || !rt.shared) return singleThreadPool(rt, requested === 1 ? null : `running on one thread: ${rt.singleReason}`);
  // One run at a time per runtime: its reserved control word counts the blocks claimed.
  const counter = rt.control;
  const spawned = await Promise.allSettled(Array.from({ length: requested }, spawn));
  const ports = spawned.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = spawned.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    for (const p of ports) p.terminate();
    throw new WorkerError(
      `The 'cpu' backend could not start ${requested} worker threads (${failed.reason instanceof Error ? failed.reason.message : String(failed.reason)}). ` +
        'Pass fewer threads (threads: 1 runs on the calling thread), or free memory.',
      { cause: failed.reason },
    );
  }
  let pending: { left: number; resolve: () => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  const ready = ports.map(
    (p) =>
      new Promise<void>((resolve, reject) => {
        p.onMessage((m) => {
          if (m.type === 'ready') resolve();
          else if (m.type === 'error') {
            const e = new WorkerError(
              `A 'cpu' backend worker thread failed (${m.message}). Create a new engine (createEngine()) and fit again; if it recurs, pass threads: 1.`,
            );
            failure = e;
            reject(e);
            pending?.reject(e);
            pending = null;
          } else if (m.type === 'done' && pending && --pending.left === 0) {
            const done = pending;
            pending = null;
            done.resolve();
          }
        });
        p.post({ type: 'init', module: rt.module, memory: rt.memory });
      }),
  );
  ports.forEach((p) => p.ref(true));
  try {
    await Promise.all(ready);
  } finally {
    ports.forEach((p) => p.ref(false));
  }
  let closed = false;
  return {
    rt,
    threads: requested,
    note: null,
    async run(kernel, n, part, partStride, args, opts = {}) {
      if (closed) return singleRun(rt, kernel, n, part, partStride, args, opts.signal);
      if (failure) throw failure;
      if (pending) throw new Error('emgpu wasm pool: one run at a time (await the previous run first).');
      const { signal } = opts;
      if (signal?.aborted) throw new AbortError(signal.reason);
      const nBlocks = blockCount(n);
      const claimed = new Int32Array(rt.memory.buffer, counter, 1);
      Atomics.store(claimed, 0, 0);
      const finished = new Promise<void>((resolve, reject) => {
        pending = { left: ports.length, resolve, reject };
      });
      // Abort: mark every block claimed, so workers stop after the block they are in.
      const onAbort = () => Atomics.store(claimed, 0, nBlocks);
      signal?.addEventListener('abort', onAbort);
      ports.forEach((p) => p.ref(true));
      const msg = { type: 'run', kernel, n, nBlocks, blockRows: BLOCK_ROWS, part, partStride, counter, args };
      for (const p of ports) p.post(msg);
      try {
        await finished;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        ports.forEach((p) => p.ref(false));
      }
      if (signal?.aborted) throw new AbortError(signal.reason);
    },
    close() {
      closed = true;
      for (const p of ports) p.terminate();
    },
  };
}

async function singleRun(
  rt: WasmRuntime,
  kernel: BlockKernel,
  n: number,
  part: number,
  partStride: number,
  args: number[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const fn = rt.exports[kernel] as (...a: number[]) => void;
  const nBlocks = blockCount(n);
  let turn = performance.now();
  for (let b = 0; b < nBlocks; b++) {
    if (signal?.aborted) throw new AbortError(signal.reason);
    const r0 = b * BLOCK_ROWS;
    fn(r0, Math.min(n, r0 + BLOCK_ROWS), part ? part + b * partStride : 0, ...args);
    if (b + 1 < nBlocks && performance.now() - turn >= YIELD_MS) {
      await yieldToEventLoop();
      turn = performance.now();
    }
  }
  if (signal?.aborted) throw new AbortError(signal.reason);
}

function singleThreadPool(rt: WasmRuntime, note: string | null): WasmPool {
  return {
    rt,
    threads: 1,
    note,
    run(kernel, n, part, partStride, args, opts = {}) {
      return singleRun(rt, kernel, n, part, partStride, args, opts.signal);
    },
    close() {},
  };
}
