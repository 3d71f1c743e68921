#!/usr/bin/env node
/**
 * Builds the WebAssembly kernels (wasm/assembly, AssemblyScript) with the compiler that `npm ci`
 * installs. Two variants of the same code: kernels.wasm imports a shared memory (threads: the
 * worker pool runs blocks on every core over it) and kernels-single.wasm a plain one (for pages
 * without cross-origin isolation, where shared memory is unavailable).
 *
 *   node scripts/build-wasm.mjs           write src/backends/wasm/kernels*.wasm
 *   node scripts/build-wasm.mjs --check   compile in memory; exit 1 when a committed file differs
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}src/backends/wasm/`;
const entry = 'wasm/assembly/index.ts';

// Pages of 64 KiB: 65536 is the whole 4 GiB a 32-bit memory can address.
const MAX_PAGES = '65536';
const common = ['--enable', 'simd', '-O3', '--noAssert', '--runtime', 'stub', '--use', 'abort=', '--importMemory', '--initialMemory', '1'];

export const variants = {
  'kernels.wasm': [...common, '--enable', 'threads', '--sharedMemory', '--maximumMemory', MAX_PAGES],
  'kernels-single.wasm': [...common, '--maximumMemory', MAX_PAGES],
};

/** Compile one variant in memory; returns the binary. */
export async function compile(flags) {
  let binary = null;
  const errors = [];
  const { error } = await asc.main([entry, '--outFile', 'out.wasm', ...flags], {
    readFile: (name, baseDir) => readFile(`${baseDir}/${name}`, 'utf8').catch(() => null),
    writeFile: (name, contents) => {
      if (name.endsWith('.wasm')) binary = contents;
    },
    listFiles: () => [],
    stdout: { write: () => true },
    stderr: { write: (s) => errors.push(String(s)) },
    baseDir: root,
  });
  if (error || !binary) throw new Error(`asc failed: ${error?.message ?? 'no output'}\n${errors.join('')}`);
  return binary;
}

async function main() {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, flags] of Object.entries(variants)) {
    const fresh = await compile(flags);
    const path = outDir + file;
    if (check) {
      const committed = await readFile(path).catch(() => null);
      const same = committed !== null && Buffer.compare(Buffer.from(committed), Buffer.from(fresh)) === 0;
      if (!same) stale++;
      console.log(`${file}: ${same ? 'up to date' : 'STALE (run npm run build:wasm)'} (${fresh.length} bytes)`);
    } else {
      await writeFile(path, fresh);
      console.log(`${file}: ${fresh.length} bytes`);
    }
  }
  if (stale) process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
