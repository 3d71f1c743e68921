#!/usr/bin/env node
/**
 * Copy a backed .h5ad's matrix into an AnnData Zarr store block by block (openH5adSource →
 * writeZarrCsr), so the Zarr figures run on the very counts of the .h5ad figures without sampling
 * them again. Memory: one block plus one chunk per array. Uses the built library (npm run build:js).
 *
 *   node bench/stream/h5ad-to-zarr.mjs --file F.h5ad --out F.zarr [--block 20000] [--level 1]
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'dist');
if (!existsSync(join(dist, 'node.js'))) {
  console.error('dist/ is missing: run `npm run build:js` first.');
  process.exit(2);
}
const { values: a } = parseArgs({
  options: {
    file: { type: 'string' },
    out: { type: 'string' },
    block: { type: 'string', default: '20000' },
    level: { type: 'string', default: '1' },
  },
});
if (!a.file || !a.out) {
  console.error('usage: node bench/stream/h5ad-to-zarr.mjs --file F.h5ad --out F.zarr [--block 20000] [--level 1]');
  process.exit(2);
}
const { openH5adSource } = await import(pathToFileURL(join(dist, 'emgpu.js')).href);
const { writeZarrCsr } = await import(pathToFileURL(join(dist, 'node.js')).href);
const t0 = performance.now();
const src = await openH5adSource(a.file);
const block = Number(a.block);
let lastLog = 0;
async function* blocks() {
  for (let s = 0; s < src.n; s += block) {
    yield await src.readRows(s, Math.min(src.n, s + block));
    const now = performance.now();
    if (now - lastLog > 30_000) {
      lastLog = now;
      console.log(
        `  ${Math.min(src.n, s + block).toLocaleString('en-US')} / ${src.n.toLocaleString('en-US')} cells, ${((now - t0) / 1000).toFixed(0)} s`,
      );
    }
  }
}
const res = await writeZarrCsr(a.out, {
  n: src.n,
  d: src.d,
  blocks: blocks(),
  genes: src.genes,
  cells: src.cells,
  level: Number(a.level),
  overwrite: true,
});
await src.close();
const s = (performance.now() - t0) / 1000;
const rss = process.resourceUsage().maxRSS * 1024;
console.log(
  JSON.stringify({
    out: res.path,
    n: res.n,
    d: res.d,
    nnz: res.nnz,
    bytesWritten: res.bytesWritten,
    seconds: +s.toFixed(1),
    peakRssBytes: rss,
  }),
);
