/**
 * Backends by name, as TensorFlow.js registers kernels: a backend is a named set of
 * implementations of the per-model contracts ('kmeans', 'gmm', 'nbmm', 'sc', …). Each model
 * declares its contract (an interface in its own folder) and looks its implementation up here by
 * the engine's backend name; each backend registers its implementations when its module is
 * imported. Nothing here knows a model or a backend, so a new backend ('wasm') slots in by
 * registering, without touching model code.
 */
import { EmgpuError } from '../errors.js';

const implementations = new Map<string, Map<string, unknown>>();

/** Registry names are non-empty strings. */
function checkName(name: unknown, what: string): void {
  if (typeof name !== 'string' || name.length === 0)
    throw new EmgpuError('BAD_OPTION', `The ${what} name must be a non-empty string; got ${name === null ? 'null' : typeof name}.`);
}
const aliases = new Map<string, string>();

/** Register `impl` as `backend`'s implementation of `contract` (a later registration replaces it). */
export function registerImplementation<T>(contract: string, backend: string, impl: T): void {
  checkName(contract, 'contract');
  checkName(backend, 'backend');
  if (impl === null || (typeof impl !== 'object' && typeof impl !== 'function'))
    throw new EmgpuError(
      'BAD_OPTION',
      `registerImplementation: the implementation of '${contract}' for '${backend}' must be an object of its contract's methods; got ${impl === null ? 'null' : typeof impl}.`,
    );
  let byBackend = implementations.get(contract);
  if (!byBackend) implementations.set(contract, (byBackend = new Map()));
  byBackend.set(backend, impl);
}

/** Make `alias` another name of `backend` (e.g. 'cpu' for the fastest CPU backend). */
export function registerAlias(alias: string, backend: string): void {
  checkName(alias, 'alias');
  checkName(backend, 'backend');
  aliases.set(alias, backend);
}

/** The backend a name (or alias) stands for. */
export function canonicalBackend(name: string): string {
  return aliases.get(name) ?? name;
}

/** `backend`'s implementation of `contract`, or a typed error that names the backends that have one. */
export function implementationFor<T>(contract: string, backend: string): T {
  const name = canonicalBackend(backend);
  const impl = implementations.get(contract)?.get(name);
  if (impl === undefined) {
    const have = registeredBackends(contract);
    throw new EmgpuError(
      'NO_IMPLEMENTATION',
      `Backend '${name}' has no implementation of '${contract}'` +
        (have.length
          ? ` (backends that do: ${have.map((b) => `'${b}'`).join(', ')}). Pass one of those as backend.`
          : '. Import the backend that provides it.'),
    );
  }
  return impl as T;
}

/** Backends that implement `contract`, or every backend registered for any contract. */
export function registeredBackends(contract?: string): string[] {
  if (contract !== undefined) return [...(implementations.get(contract)?.keys() ?? [])];
  const all = new Set<string>();
  for (const m of implementations.values()) for (const b of m.keys()) all.add(b);
  return [...all];
}

/** What createEngine accepts; a backend reads the fields it understands. */
export interface EngineOptions {
  /**
   * 'auto' (default): WebGPU on a hardware adapter, else 'cpu' (else, where WebAssembly cannot
   * run, 'reference'). 'webgpu': any adapter (software included), or an error. 'wasm':
   * WebAssembly SIMD kernels on worker threads. 'cpu': the fastest CPU backend registered under
   * that alias ('wasm'). 'reference': the float64 oracle. Any other registered backend by name.
   */
  backend?: string;
  /**
   * 'wasm': threads to run the kernels on (default: the available cores). Results are identical
   * for any count. Without shared memory (a page that is not cross-origin isolated) it runs on one
   * thread and the engine's adapter description says why.
   */
  threads?: number;
  /** WebGPU: use this device instead of requesting one (the engine will not destroy it). */
  device?: GPUDevice;
  powerPreference?: GPUPowerPreference;
  /** WebGPU: cap on rows per chunk; by default chunks are as large as the binding limit allows. */
  maxChunkRows?: number;
  /** WebGPU: cap on workgroups per dispatch dimension (testing aid: forces 2-D split dispatches on small data). */
  maxWorkgroupsPerDimension?: number;
  /**
   * WebGPU: time every compute pass with GPU timestamp queries when the device has 'timestamp-query'
   * (results' gpu.timing says 'timestamp' and gpu.gpuMsPerIter is set); off by default.
   */
  timestamps?: boolean;
}

/** The part of an engine a backend's implementations see. */
export interface EngineInstance {
  /** The backend's canonical name. */
  readonly backend: string;
  /** What the backend's provider opened (a GPU device and its limits on 'webgpu'; null on 'reference'). */
  readonly instance: unknown;
}

/** A backend opened for one engine. */
export interface OpenedBackend {
  /** Canonical name, reported in results. */
  name: string;
  /** What runs the work, e.g. 'nvidia / hopper (NVIDIA H100)' or 'cpu (float64 reference)'. */
  adapter: string;
  /** Handed to the backend's implementations as engine.instance. */
  instance: unknown;
  /**
   * Something every result computed on this engine should carry in its warnings, e.g. that the
   * 'wasm' backend runs on one thread because the page is not cross-origin isolated.
   */
  notice?: string;
  /** Throws when the backend can no longer run (a lost device). */
  check(): void;
  /** Frees what the backend holds for the engine (a device it created). */
  destroy(): void;
}

/** How an engine opens a backend. With `auto`, a backend may decline ('auto' wants no software GPU) and say why. */
export interface BackendProvider {
  open(options: EngineOptions, auto: boolean): Promise<OpenedBackend | { unavailable: string }>;
}

const providers = new Map<string, BackendProvider>();

/** Register how engines open `backend` (its implementations are registered separately, per contract). */
export function registerBackend(backend: string, provider: BackendProvider): void {
  checkName(backend, 'backend');
  if (provider === null || typeof provider !== 'object' || typeof (provider as { open?: unknown }).open !== 'function')
    throw new EmgpuError(
      'BAD_OPTION',
      `registerBackend: the provider of '${backend}' must be an object with an open() method; got ${provider === null ? 'null' : typeof provider}.`,
    );
  providers.set(backend, provider);
}

/** The provider of a backend name or alias, or undefined when none is registered. */
export function backendProvider(name: string): BackendProvider | undefined {
  return providers.get(canonicalBackend(name));
}

/** Backend names an engine can open, aliases included. */
export function openableBackends(): string[] {
  return [...providers.keys(), ...[...aliases.keys()].filter((a) => providers.has(aliases.get(a)!))];
}
