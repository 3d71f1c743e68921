// Bundle bench/stream/entry.ts with esbuild into test-artifacts/bench-stream/entry.mjs (inside the
// repository, so that the bundle finds h5wasm in node_modules) and import it.
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '..', '..');

/** Bundle the entry; returns the bundle's path (the caller removes it; loadEntry does). */
export async function bundleEntry() {
  const outfile = join(root, 'test-artifacts', 'bench-stream', `entry-${process.pid}.mjs`);
  await build({
    entryPoints: [join(here, 'entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

export async function loadEntry() {
  const outfile = await bundleEntry();
  const mod = await import(pathToFileURL(outfile).href);
  const { rmSync } = await import('node:fs');
  rmSync(outfile, { force: true });
  return mod;
}
