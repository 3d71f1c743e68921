#!/usr/bin/env node
/**
 * AnnData Zarr figures (issue 16): a synthetic store written by writeZarrCsr from sampleNbMixture
 * blocks, then one streamed pass (openZarrSource + forEachChunk, per-gene sums) against reading it
 * whole (readZarr, then the same sums), and Python anndata.read_zarr on the same store as the peer
 * (it also checks that anndata reads what the writer wrote). Each phase runs in its own process, so
 * each peak RSS is that phase's own.
 *
 *   node bench/zarr.mjs [--n 200000] [--block 20000] [--chunk-mib 16,64] [--store DIR] [--reuse] [--keep] [--stream-only]
 *
 * --stream-only runs only the streamed passes: for stores whose whole matrix does not fit in memory
 * (the 2M-cell store of bench/stream/h5ad-to-zarr.mjs). Their `sum` equals backed-pass.mjs's on the .h5ad.
 * --reuse skips writing when --store already holds a store (written by an earlier run with the same --n).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const n = Number(opt('n', 200000));
const block = Number(opt('block', 20000));
const chunkMiB = String(opt('chunk-mib', '16,64')).split(',').map(Number);
const work = mkdtempSync(join(tmpdir(), 'emgpu-zarr-bench-'));
const store = opt('store', join(work, 'synthetic.zarr'));
const entry = join(work, 'entry.mjs');
await build({
  entryPoints: [join(here, 'zarr/entry.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['zarrita', 'h5wasm', 'webgpu'],
  outfile: entry,
  logLevel: 'warning',
});
const nodePath = join(here, '..', 'node_modules');
const run = (cmd, argv) => {
  const out = execFileSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, NODE_PATH: nodePath }, maxBuffer: 1 << 24 });
  const r = JSON.parse(out.trim().split('\n').pop());
  console.log(JSON.stringify(r));
  return r;
};
try {
  // esbuild's bundle lives in a temp dir: zarrita resolves from this checkout through a symlinked node_modules.
  execFileSync('ln', ['-s', nodePath, join(work, 'node_modules')]);
  const reuse = args.includes('--reuse') && existsSync(join(store, '.zgroup'));
  const params = join(here, '..', 'data/pbmc3k/synthetic_nb.json.gz');
  const write = reuse
    ? { phase: 'write', reused: store }
    : run(process.execPath, [entry, 'write', store, String(n), String(block), params]);
  const stream = chunkMiB.map((c) => ({ chunkMiB: c, ...run(process.execPath, [entry, 'stream', store, String(c)]) }));
  const streamOnly = args.includes('--stream-only');
  const whole = streamOnly ? null : run(process.execPath, [entry, 'whole', store]);
  const py = streamOnly ? null : run('/usr/bin/python3', [join(here, 'zarr/check_anndata.py'), store]);
  const sameSums = stream.every((s) => s.checksum === (whole ?? stream[0]).checksum) && (!py || py.checksum === whole.checksum);
  console.log(JSON.stringify({ n, d: 2000, block, write, stream, whole, anndata: py, sameSums }));
} finally {
  rmSync(entry, { force: true });
  if (!args.includes('--keep') && !opt('store')) rmSync(work, { recursive: true, force: true });
  else rmSync(join(work, 'node_modules'), { force: true });
}
