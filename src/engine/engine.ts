/**
 * The engine façade: one named backend behind the model API. Create it once, fit many times,
 * destroy it to free what the backend holds (a GPU device). It knows no model and no backend:
 * it opens a backend by name through the provider the backend registered (core/registry.ts),
 * and each model finds that backend's implementation of its contract by the same name.
 */
import { backendProvider, openableBackends, type EngineOptions, type OpenedBackend } from '../core/registry.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { EmgpuError, invalid } from '../errors.js';
import type { Backend, BackendChoice } from '../types.js';

export type { EngineOptions } from '../core/registry.js';

export interface Engine {
  readonly backend: Backend;
  /** Backend-specific state for the backend's implementations (a GpuEngineState on 'webgpu', null on 'reference'). */
  readonly instance: unknown;
  /** What runs the work: the adapter description, or 'cpu (float64 reference)'. */
  readonly adapter: string;
  /** Why 'auto' chose the CPU, when it did. */
  readonly fallbackReason: string | null;
  /** What every result on this engine carries in its warnings (e.g. 'wasm' on one thread, and why), or null. */
  readonly notice: string | null;
  /** Throws when the engine was destroyed or its device lost; every model call starts with it. */
  check(): void;
  destroy(): void;
}

class EngineImpl implements Engine {
  private destroyed = false;
  readonly backend: Backend;
  readonly adapter: string;
  readonly instance: unknown;
  readonly notice: string | null;

  constructor(
    private readonly opened: OpenedBackend,
    readonly fallbackReason: string | null,
  ) {
    this.backend = opened.name as Backend;
    this.adapter = opened.adapter;
    this.instance = opened.instance;
    this.notice = opened.notice ?? null;
  }

  check(): void {
    if (this.destroyed) throw new EmgpuError('ENGINE_DESTROYED', 'This engine was destroyed. Create a new one with createEngine().');
    this.opened.check();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.opened.destroy();
  }
}

function provider(name: string) {
  const p = backendProvider(name);
  if (!p) {
    const names = ['auto', ...openableBackends()].map((b) => `'${b}'`).join(', ');
    throw invalid('BAD_OPTION', `backend='${String(name)}' is not recognised. Use one of ${names}.`);
  }
  return p;
}

const ENGINE_OPTIONS = optionNames<EngineOptions>({
  backend: true,
  threads: true,
  device: true,
  powerPreference: true,
  maxChunkRows: true,
  maxWorkgroupsPerDimension: true,
  timestamps: true,
});

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  checkOptionNames(options, ENGINE_OPTIONS, 'createEngine');
  for (const key of ['maxChunkRows', 'maxWorkgroupsPerDimension'] as const) {
    const v = options[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 1))
      throw invalid('BAD_OPTION', `createEngine: ${key}=${String(v)} is not a positive integer. Pass an integer ≥ 1, or leave it out.`);
  }
  const choice = options.backend ?? 'auto';
  if (typeof choice !== 'string') throw invalid('BAD_OPTION', `backend=${String(choice)} is not a name. Pass 'auto' or a backend name.`);
  if (choice !== 'auto') {
    const opened = await provider(choice).open(options, false);
    if ('unavailable' in opened) throw invalid('BAD_OPTION', `backend='${choice}' cannot be opened: ${opened.unavailable}.`);
    return new EngineImpl(opened, null);
  }
  // 'auto': WebGPU on a hardware adapter, else the CPU backend, else the reference, saying why.
  const reasons: string[] = [];
  for (const name of ['webgpu', 'cpu', 'reference']) {
    const p = backendProvider(name);
    const tried = p ? await p.open(options, true) : { unavailable: `no '${name}' backend is registered` };
    if (!('unavailable' in tried)) return new EngineImpl(tried, reasons.length ? reasons.join('; ') : null);
    reasons.push(tried.unavailable);
  }
  throw invalid('BAD_OPTION', `No backend could be opened: ${reasons.join('; ')}.`);
}

/** A result with the engine's notice (if it has one) added to its warnings, once. */
export function withNotice<R extends { warnings: string[] }>(result: R, engine: Engine): R {
  if (engine.notice && !result.warnings.includes(engine.notice)) result.warnings.push(engine.notice);
  return result;
}

/** Where a public function finds its engine: `engine`, or the shared engine of `backend` (default 'auto'). */
export interface EngineSelection {
  /** A created engine (createEngine); takes precedence over `backend`. */
  engine?: Engine;
  /** Backend name for the shared engine when no `engine` is given (default 'auto'). */
  backend?: BackendChoice;
}

/** The option names every public function that runs on an engine accepts. */
export const ENGINE_SELECTION: readonly string[] = optionNames<EngineSelection>({ engine: true, backend: true });

const defaults = new Map<BackendChoice, Promise<Engine>>();

/** The shared engine for a backend choice, created on first use. */
export function defaultEngine(backend: BackendChoice = 'auto'): Promise<Engine> {
  let e = defaults.get(backend);
  if (!e) {
    e = createEngine({ backend });
    defaults.set(backend, e);
    // A failed creation (e.g. no WebGPU for 'webgpu') is not cached.
    e.catch(() => defaults.delete(backend));
  }
  return e;
}

/** The engine a call runs on: options.engine, else the shared engine of options.backend. */
export async function engineFor(options: EngineSelection | undefined): Promise<Engine> {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options)))
    throw invalid(
      'BAD_OPTION',
      `Engine selection must be an object { engine?, backend? }; got ${options === null ? 'null' : typeof options}. Pass e.g. { backend: 'cpu' }.`,
    );
  const e: unknown = options?.engine;
  if (e !== undefined && (e === null || typeof e !== 'object' || typeof (e as { backend?: unknown }).backend !== 'string'))
    throw invalid('BAD_OPTION', `engine=${String(e)} is not an engine. Pass the result of await createEngine(), or leave it out.`);
  return options?.engine ?? defaultEngine(options?.backend ?? 'auto');
}
