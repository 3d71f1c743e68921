#!/usr/bin/env node
/**
 * One full pass over an .h5ad: openH5adSource (backed, blocks of --chunk-mib MiB) against readH5ad
 * (the whole matrix in memory), each in its own process so that each peak RSS
 * (process.resourceUsage().maxRSS: the process with its HDF5 worker thread) is its own. Both sum
 * the values and count the entries, and the sums must agree.
 *
 *   node bench/stream/backed-pass.mjs --file FILE.h5ad [--chunk-mib 64] [--repeats 1]
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    file: { type: 'string' },
    'chunk-mib': { type: 'string', default: '64' },
    repeats: { type: 'string', default: '1' },
    mode: { type: 'string' },
  },
});
if (!a.file) {
  console.error('usage: node bench/stream/backed-pass.mjs --file FILE.h5ad [--chunk-mib 64] [--repeats 1]');
  process.exit(2);
}

if (a.mode) {
  const { loadEntry } = await import('./bundle.mjs');
  const lib = await loadEntry();
  const t0 = performance.now();
  let sum = 0;
  let nnz = 0;
  let chunks = 0;
  let openMs = 0;
  let bytesRead;
  if (a.mode === 'open') {
    // The fixed cost: the library, h5wasm in its worker, the streamed structure check and indptr.
    const src = await lib.openH5adSource(a.file, { matrix: 'X' });
    openMs = performance.now() - t0;
    nnz = src.nnz;
    bytesRead = src.bytesRead();
    await src.close();
  } else if (a.mode === 'backed') {
    const src = await lib.openH5adSource(a.file, { matrix: 'X' });
    openMs = performance.now() - t0;
    await lib.forEachChunk(src, 'bench', { chunkBytes: Number(a['chunk-mib']) * 2 ** 20 }, (b) => {
      for (let k = 0; k < b.nnz; k++) sum += b.values[k];
      nnz += b.nnz;
      chunks++;
    });
    bytesRead = src.bytesRead();
    await src.close();
  } else {
    const m = await lib.readH5adFile(a.file, { matrix: 'X', obs: false, obsm: false });
    openMs = performance.now() - t0;
    for (let k = 0; k < m.nnz; k++) sum += m.values[k];
    nnz = m.nnz;
    chunks = 1;
  }
  const ms = performance.now() - t0;
  console.log(
    JSON.stringify({ mode: a.mode, ms, openMs, sum, nnz, chunks, bytesRead, maxRssBytes: process.resourceUsage().maxRSS * 1024 }),
  );
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const run = (mode) =>
  JSON.parse(
    execFileSync(process.execPath, [self, '--file', a.file, '--chunk-mib', a['chunk-mib'], '--mode', mode], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop(),
  );
const rows = [];
for (let r = 0; r < Number(a.repeats); r++) for (const mode of ['open', 'backed', 'whole']) rows.push(run(mode));
const size = statSync(a.file).size;
const mib = (b) => (b / 2 ** 20).toFixed(0);
console.log(
  `file ${a.file}: ${mib(size)} MiB; machine: ${cpus().length} × ${cpus()[0].model}, ${mib(totalmem())} MiB; node ${process.version}`,
);
console.log('| mode | open (s) | pass incl. open (s) | chunks | peak RSS (MiB) | read from disk (MiB) | entries | Σ values |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.mode === 'backed' ? `openH5adSource, chunkBytes ${a['chunk-mib']} MiB` : r.mode === 'open' ? 'openH5adSource, open only' : 'readH5ad whole'} | ${(r.openMs / 1000).toFixed(2)} | ${(r.ms / 1000).toFixed(2)} | ${r.chunks} | ${mib(r.maxRssBytes)} | ${r.bytesRead === undefined ? '(whole file)' : mib(r.bytesRead)} | ${r.nnz} | ${r.sum} |`,
  );
const sums = new Set(rows.filter((r) => r.mode !== 'open').map((r) => `${r.nnz}/${r.sum}`));
if (sums.size !== 1) {
  console.error('the passes disagree:', [...sums]);
  process.exit(1);
}
