/**
 * Imports a module that only Node has (a built-in such as 'node:fs', or the native `webgpu`
 * package) from code that bundlers also see. The specifier is built at run time so that no bundler
 * (Rollup, Rolldown, esbuild, webpack) tries to resolve or bundle it; every call site runs under
 * Node only, where Node resolves it.
 */
export function importAtRunTime<T>(specifier: string): Promise<T> {
  const id = `${specifier}`;
  return import(/* @vite-ignore */ /* webpackIgnore: true */ id) as Promise<T>;
}

/** A Node built-in by its bare name ('fs', 'worker_threads', …). */
export function importNodeBuiltin<T>(name: string): Promise<T> {
  return importAtRunTime<T>(`node:${name}`);
}
