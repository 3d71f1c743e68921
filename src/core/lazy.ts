/**
 * A contract implementation whose module is imported on first use. Every method a model calls on
 * its backend contract is async (session, open, apply), so each can wait for the module; bundlers
 * then split the module (and the WGSL it carries) into a chunk that apps never calling the model
 * never load. `methods` lists the contract's methods: all of them, and all async.
 */
export function lazyImplementation<T extends object>(load: () => Promise<T>, methods: readonly (keyof T & string)[]): T {
  let loading: Promise<T> | null = null;
  const impl: Record<string, unknown> = {};
  for (const name of methods) {
    impl[name] = async (...args: unknown[]) => {
      loading ??= load();
      const target = await loading;
      return (target[name] as (...a: unknown[]) => unknown).apply(target, args);
    };
  }
  return impl as T;
}
