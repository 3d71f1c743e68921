/**
 * HDF5 in a Node worker thread, called synchronously, so that a damaged file cannot hang or poison
 * the caller. A runaway read inside h5wasm (the HDF5 library looping on corrupt metadata) blocks
 * only the worker: every call waits at most `timeoutMs` (Atomics.wait on a shared flag, the reply
 * taken with receiveMessageOnPort), then the worker is terminated and FileTimeoutError thrown. A
 * WebAssembly trap or abort ("memory access out of bounds") leaves h5wasm's state undefined, so
 * that worker is discarded too and the next file gets a fresh one. An error raised inside HDF5
 * (a damaged structure it detected) may leave handles or error-stack state behind, so a worker
 * that saw HDF5_ERRORS_PER_WORKER of them takes no new files and ends when its open files are
 * closed (after every error would cost a fresh h5wasm per damaged file; a bounded count keeps
 * what errors leave behind bounded). The worker's stdout and stderr
 * are not forwarded: Emscripten's "Aborted()" lines are not printed.
 *
 * The readers keep their synchronous code: RemoteGroup / RemoteDataset stand in for h5wasm's
 * Group / Dataset (keys, attrs, shape, metadata, value, slice). Browsers have no synchronous wait
 * on the main thread, so there h5wasm runs in the caller's thread (see ./h5.ts); call the loader
 * from a Web Worker to be able to stop it (worker.terminate()).
 */
import { importNodeBuiltin } from '../core/node-builtin.js';
import { EmgpuError, FileFormatError, FileTimeoutError } from '../errors.js';

/** HDF5 errors after which a worker is replaced by a fresh one. */
export const HDF5_ERRORS_PER_WORKER = 8;

/** Default time limit of one HDF5 call in the worker (a whole dataset read included). */
export const DEFAULT_H5_TIMEOUT_MS = 60_000;

// The worker: loads h5wasm from the URL it is given, then serves one request at a time.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { port, flag, url } = workerData;
const sig = new Int32Array(flag);
const files = new Map();
let h5, M, nextId = 0;
const readBy = new Map();
// Typed arrays read out of HDF5 are fresh copies (never views of the wasm heap): moved to the caller, not copied.
const moved = (v) => (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && (!M || v.buffer !== M.HEAPU8.buffer) ? [v.buffer] : []);
const reply = (msg) => { try { port.postMessage(msg, moved(msg.ok)); } catch (e) { port.postMessage({ error: 'the value could not be sent: ' + e.message }); } Atomics.store(sig, 0, 1); Atomics.notify(sig, 0); };
const isTrap = (e) => e instanceof WebAssembly.RuntimeError || /Aborted\\(|out of bounds|unreachable/.test(String(e && e.message));
const fileOf = (id) => { const f = files.get(id); if (!f) throw new Error('no open file ' + id); return f; };
const obj = (id, path) => { const f = fileOf(id).file; if (path === '/') return f; const x = f.get(path); if (!x) throw new Error('no object at ' + path); return x; };
const ops = {
  open({ bytes }) { const id = ++nextId; const p = '/remote-' + id + '.h5'; M.FS.writeFile(p, bytes, { canOwn: true }); try { files.set(id, { file: new h5.File(p, 'r'), path: p }); } catch (e) { M.FS.unlink(p); throw e; } return id; },
  openPath({ path }) { const id = ++nextId; readBy.set(path, 0); files.set(id, { file: new h5.File(path, 'r'), path: null, disk: path }); return id; },
  close({ id }) { const f = files.get(id); if (!f) return null; files.delete(id); try { f.file.close(); } finally { if (f.path) M.FS.unlink(f.path); } return null; },
  stats({ id }) { return { bytesRead: readBy.get(fileOf(id).disk) ?? 0 }; },
  get({ id, path }) { const x = fileOf(id).file.get(path); return x instanceof h5.Group ? 'group' : x instanceof h5.Dataset ? 'dataset' : x == null ? null : 'other'; },
  keys({ id, path }) { return obj(id, path).keys(); },
  attrNames({ id, path }) { return Object.keys(obj(id, path).attrs); },
  attr({ id, path, name }) { const a = obj(id, path).attrs[name]; return a === undefined ? { missing: true } : { value: a.value }; },
  meta({ id, path }) { const d = obj(id, path); return { shape: d.shape, metadata: d.metadata }; },
  value({ id, path }) { return obj(id, path).value; },
  slice({ id, path, ranges }) { return obj(id, path).slice(ranges); },
};
import(url).then(async (m) => {
  h5 = m.default;
  M = await h5.ready;
  if (M.activate_throwing_error_handler) M.activate_throwing_error_handler();
  // h5wasm/node (NODERAWFS) reads the real file through FS.read: count the bytes per path (since its latest open), so tests can see a file is not read whole.
  if (typeof M.FS.read === 'function') { const read = M.FS.read; M.FS.read = (...a) => { const k = read(...a); const p = a[0] && a[0].path; if (readBy.has(p)) readBy.set(p, readBy.get(p) + k); return k; }; }
  // As in ./h5.ts (heapUtf8 in ./names.ts): invalid UTF-8 in strings reads as U+FFFD, not as bytes past the string's end.
  const dec = new TextDecoder('utf-8');
  M.UTF8ToString = (ptr, max) => { if (!ptr) return ''; const h = M.HEAPU8; const lim = max === undefined ? h.length : Math.min(h.length, ptr + max); let e = ptr; while (e < lim && h[e] !== 0) e++; return dec.decode(h.subarray(ptr, e)); };
  port.on('message', (req) => {
    let msg;
    try { msg = { ok: ops[req.op](req) }; } catch (e) { msg = { error: String((e && e.message) || e), trap: isTrap(e) }; }
    reply(msg);
  });
  reply({ ok: 'ready' });
}, (e) => reply({ error: 'h5wasm could not be loaded in a worker: ' + ((e && e.message) || e), boot: true }));
`;

type WT = typeof import('node:worker_threads');

interface Reply {
  ok?: unknown;
  error?: string;
  trap?: boolean;
  boot?: boolean;
}

/** One worker with h5wasm loaded; dead after a trap, a timeout or termination. */
class H5Worker {
  dead = false;
  /** HDF5 errors seen on this worker. */
  errors = 0;
  /** Enough HDF5 errors seen here: open no new file on this worker; end it once its files are closed. */
  get tainted(): boolean {
    return this.errors >= HDF5_ERRORS_PER_WORKER;
  }
  /** Files open on this worker. */
  open = 0;
  /** The path worker (backed sources): ended shortly after its last file is closed. */
  idleRelease = false;
  releaseTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: import('node:worker_threads').MessagePort;
  private readonly worker: import('node:worker_threads').Worker;

  constructor(
    private readonly wt: WT,
    url: string,
  ) {
    const { port1, port2 } = new wt.MessageChannel();
    this.port = port1;
    this.worker = new wt.Worker(WORKER_SOURCE, {
      eval: true,
      // Not the parent's flags: under `node --input-type=module` the CommonJS worker source would fail.
      execArgv: [],
      stdout: true,
      stderr: true,
      workerData: { port: port2, flag: this.flag.buffer, url },
      transferList: [port2],
    });
    this.worker.unref();
    this.port.unref();
    this.worker.on('error', () => {
      this.dead = true;
    });
  }

  /** Wait for the worker's reply, at most timeoutMs. */
  private wait(label: string, timeoutMs: number, doing: string): Reply {
    const r = Atomics.wait(this.flag, 0, 0, timeoutMs);
    if (r === 'timed-out') {
      this.kill();
      throw new FileTimeoutError(
        `${label}: HDF5 did not finish reading ${doing} within ${(timeoutMs / 1000).toFixed(0)} s and was stopped. ` +
          'The file is most likely damaged (HDF5 loops on some corrupt structures); get it again. If it is sound but very large, raise timeoutMs.',
      );
    }
    for (let tries = 0; tries < 1000; tries++) {
      const m = this.wt.receiveMessageOnPort(this.port);
      if (m) return m.message as Reply;
    }
    this.kill();
    throw new FileFormatError(
      `${label}: the HDF5 worker signalled a reply but sent none (reading ${doing}). Try again; report it if it repeats.`,
    );
  }

  /** Start-up: resolves once h5wasm is ready in the worker. */
  boot(label: string, timeoutMs: number): void {
    const r = this.wait(label, timeoutMs, 'the HDF5 library');
    if (r.error !== undefined) {
      this.kill();
      throw new Error(r.error);
    }
  }

  call(label: string, timeoutMs: number, op: string, args: Record<string, unknown>, transfer: ArrayBuffer[] = []): unknown {
    const doing = typeof args.path === 'string' ? (args.path as string) : 'the file';
    if (this.dead) {
      throw new FileFormatError(
        `${label}: HDF5 stopped on an earlier failure in this file (reading ${doing}). The file is damaged; get it again.`,
      );
    }
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ op, ...args }, transfer);
    const r = this.wait(label, timeoutMs, doing);
    if (r.error === undefined) return r.ok;
    if (r.trap) this.kill();
    // Our own lookups ('no object at …') leave HDF5 untouched; anything HDF5 raised may not.
    else if (!/^no (object at|open file) /.test(r.error)) this.errors++;
    const e: Error = r.trap ? new WebAssembly.RuntimeError(r.error) : new Error(r.error);
    throw e;
  }

  /** End the worker after PATH_WORKER_IDLE_MS, unless a file is opened on it before (not at once: the next source reuses it). */
  scheduleRelease(): void {
    clearTimeout(this.releaseTimer);
    this.releaseTimer = setTimeout(() => this.kill(), PATH_WORKER_IDLE_MS);
    (this.releaseTimer as { unref?: () => void }).unref?.();
  }

  kill(): void {
    clearTimeout(this.releaseTimer);
    this.dead = true;
    void this.worker.terminate();
  }
}

let shared: H5Worker | undefined;
let generation = 0;

/** How many HDF5 workers this process has started (tests check that a tainted one is replaced). */
export function h5WorkerGeneration(): number {
  return generation;
}
let workerThreads: WT | null | undefined;

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && typeof SharedArrayBuffer === 'function' && typeof Atomics?.wait === 'function';
}

/**
 * Where Node finds `specifier` ('h5wasm') from here. Called with a parameter, never a literal, so that
 * browser bundlers (webpack resolves `import.meta.resolve('…')` with browser conditions) leave it alone.
 */
function resolveHere(specifier: string): string {
  try {
    return import.meta.resolve(specifier);
  } catch {
    return specifier;
  }
}

/** A healthy worker (started on first use), or null where there are no worker threads (browsers). */
export async function h5Worker(label: string, timeoutMs: number): Promise<H5Worker | null> {
  if (!isNode()) return null;
  if (workerThreads === undefined) {
    try {
      workerThreads = await importNodeBuiltin<WT>('worker_threads');
    } catch {
      workerThreads = null;
    }
  }
  if (!workerThreads) return null;
  if (shared && !shared.dead && !shared.tainted) return shared;
  generation++;
  const w = new H5Worker(workerThreads, resolveHere('h5wasm'));
  try {
    w.boot(label, Math.max(timeoutMs, 30_000));
  } catch (e) {
    // No h5wasm in a worker here (an unusual install): read in this thread instead.
    if (e instanceof EmgpuError) throw e;
    return null;
  }
  shared = w;
  return w;
}

function joinPath(base: string, name: string): string {
  const p = `${base}/${name}`.replace(/\/+/g, '/');
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/** An open file in the worker, with stand-ins for h5wasm's objects. */
export class RemoteFile {
  constructor(
    readonly worker: H5Worker,
    readonly id: number,
    readonly label: string,
    readonly timeoutMs: number,
  ) {}

  call(op: string, args: Record<string, unknown>): unknown {
    return this.worker.call(this.label, this.timeoutMs, op, { id: this.id, ...args });
  }

  get(path: string): RemoteGroup | RemoteDataset | object | null {
    const full = joinPath('/', path);
    const kind = this.call('get', { path: full });
    if (kind === 'group') return new RemoteGroup(this, full);
    if (kind === 'dataset') return new RemoteDataset(this, full);
    return kind === null ? null : {};
  }

  keys(): string[] {
    return this.call('keys', { path: '/' }) as string[];
  }

  close(): void {
    const w = this.worker;
    try {
      if (!w.dead) this.call('close', {});
    } finally {
      w.open--;
      if (w.tainted && w.open <= 0) w.kill();
      else if (w.idleRelease && w.open <= 0) w.scheduleRelease();
    }
  }
}

function remoteAttrs(f: RemoteFile, path: string): Record<string, { value: unknown }> {
  const names = f.call('attrNames', { path }) as string[];
  const out: Record<string, { value: unknown }> = {};
  for (const name of names) {
    Object.defineProperty(out, name, {
      enumerable: true,
      get: () => ({
        get value(): unknown {
          return (f.call('attr', { path, name }) as { value?: unknown }).value;
        },
      }),
    });
  }
  return out;
}

export class RemoteGroup {
  constructor(
    private readonly f: RemoteFile,
    readonly path: string,
  ) {}
  keys(): string[] {
    return this.f.call('keys', { path: this.path }) as string[];
  }
  get attrs(): Record<string, { value: unknown }> {
    return remoteAttrs(this.f, this.path);
  }
}

export class RemoteDataset {
  private meta: { shape: number[] | null; metadata: unknown } | undefined;
  constructor(
    private readonly f: RemoteFile,
    readonly path: string,
  ) {}
  private info(): { shape: number[] | null; metadata: unknown } {
    this.meta ??= this.f.call('meta', { path: this.path }) as { shape: number[] | null; metadata: unknown };
    return this.meta;
  }
  get shape(): number[] | null {
    return this.info().shape;
  }
  get metadata(): unknown {
    return this.info().metadata;
  }
  get value(): unknown {
    return this.f.call('value', { path: this.path });
  }
  slice(ranges: unknown): unknown {
    return this.f.call('slice', { path: this.path, ranges });
  }
  get attrs(): Record<string, { value: unknown }> {
    return remoteAttrs(this.f, this.path);
  }
}

/** Open bytes in the worker; `owned` bytes are moved there, others copied (the caller's stay intact). */
export function openRemote(w: H5Worker, bytes: Uint8Array, owned: boolean, label: string, timeoutMs: number): RemoteFile {
  const whole = owned && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  let id: number;
  try {
    id = w.call(label, timeoutMs, 'open', { bytes }, whole ? [bytes.buffer as ArrayBuffer] : []) as number;
  } catch (e) {
    if (w.tainted && w.open <= 0) w.kill();
    throw e;
  }
  w.open++;
  return new RemoteFile(w, id, label, timeoutMs);
}

/** How long the path worker outlives its last open file. */
export const PATH_WORKER_IDLE_MS = 2000;

let sharedPath: H5Worker | undefined;

/**
 * Open a file on disk by its path with h5wasm's Node build (NODERAWFS: HDF5 reads the real file
 * with positioned reads, so only the parts asked for are read; nothing is copied whole into
 * memory), in a worker of its own kind (the in-memory worker's file system is MEMFS; this one's is
 * the disk). Every call is time-limited as above; a trap or a timeout ends the worker; the worker
 * ends PATH_WORKER_IDLE_MS after its last file is closed. Null where there are no worker threads.
 */
export async function openPathRemote(path: string, label: string, timeoutMs: number): Promise<RemoteFile | null> {
  if (!isNode()) return null;
  workerThreads ??= await importNodeBuiltin<WT>('worker_threads').catch(() => null);
  if (!workerThreads) return null;
  let w = sharedPath;
  if (!w || w.dead || w.tainted) {
    generation++;
    w = new H5Worker(workerThreads, resolveHere('h5wasm/node'));
    w.idleRelease = true;
    w.boot(label, Math.max(timeoutMs, 30_000));
    sharedPath = w;
  }
  clearTimeout(w.releaseTimer);
  let id: number;
  try {
    id = w.call(label, timeoutMs, 'openPath', { path }) as number;
  } catch (e) {
    if (w.open <= 0 && !w.dead) w.scheduleRelease();
    throw e;
  }
  w.open++;
  return new RemoteFile(w, id, label, timeoutMs);
}

/** Bytes the worker of a file opened by openPathRemote has read from disk so far. */
export function remoteBytesRead(f: RemoteFile): number {
  return (f.call('stats', {}) as { bytesRead: number }).bytesRead;
}
