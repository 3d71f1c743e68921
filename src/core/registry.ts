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
const aliases = new Map<string, string>();

/** Register `impl` as `backend`'s implementation of `contract` (a later registration replaces it). */
export function registerImplementation<T>(contract: string, backend: string, impl: T): void {
  let byBackend = implementations.get(contract);
  if (!byBackend) implementations.set(contract, (byBackend = new Map()));
  byBackend.set(backend, impl);
}

/** Make `alias` another name of `backend` (e.g. 'cpu' for the fastest CPU backend). */
export function registerAlias(alias: string, backend: string): void {
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
