#!/usr/bin/env node
/**
 * Synthetic counts on disk: an AnnData .h5ad of N cells × D genes sampled from an NB mixture
 * (sampleNbMixture with the pbmc3k parameters, data/pbmc3k/synthetic_nb.json.gz), written block by
 * block by writeH5adCsr, so memory stays one block whatever N.
 *
 *   node bench/stream/make-synthetic.mjs --cells N --genes D --k K --out FILE.h5ad [--seed S] [--block ROWS]
 *
 * The file does not depend on --block: cell i is drawn from its own Philox stream (seed, i), and
 * each block is sampleNbMixture({ n, seed, first }) — the same draws as one sampleNbMixture over all N.
 * Components: the parameters have 8; K ≤ 8 keeps the first K (weights renormalised); K > 8 adds
 * components c = 8, 9, … whose means are those of component c mod 8 times exp(0.5 z_g) per gene,
 * z_g standard normal from Philox stream (seed + c, g) — still seeded and block-independent.
 * obs: component (integer: the true component; h5wasm cannot write the categorical anndata reads), size_factor. Cell names are "0" … "N-1".
 * --library-scale F multiplies every cell's expected library size by F (default 1: pbmc3k's depth).
 * Blocks are sampled by --threads worker threads (default: the CPU count, at most 8) and written in
 * order, so at most 2 × threads blocks are in memory. Prints rows/s, the file size and the peak RSS.
 */
import { readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleEntry, root } from './bundle.mjs';

// A sampling thread: blocks { first, n } in, CSR and labels out (transferred).
if (!isMainThread) {
  const lib = await import(pathToFileURL(workerData.bundle).href);
  parentPort.on('message', ({ first, n }) => {
    const b = lib.sampleNbMixture(workerData.params, { n, genes: workerData.d, seed: workerData.seed, first });
    const out = {
      first,
      n: b.n,
      d: b.d,
      indptr: b.indptr,
      indices: b.indices,
      values: b.values,
      component: b.component,
      sizeFactors: b.sizeFactors,
    };
    parentPort.postMessage(out, [b.indptr.buffer, b.indices.buffer, b.values.buffer, b.component.buffer, b.sizeFactors.buffer]);
  });
  await new Promise(() => {});
}

const { values: a } = parseArgs({
  options: {
    cells: { type: 'string' },
    genes: { type: 'string', default: '2000' },
    k: { type: 'string', default: '8' },
    out: { type: 'string' },
    seed: { type: 'string', default: '0' },
    block: { type: 'string', default: '10000' },
    threads: { type: 'string', default: String(Math.min(8, cpus().length)) },
    'library-scale': { type: 'string', default: '1' },
  },
});
const n = Number(a.cells);
const d = Number(a.genes);
const k = Number(a.k);
const seed = Number(a.seed);
const block = Number(a.block);
if (!a.out || !(n >= 1) || !(d >= 1) || !(k >= 1) || !(block >= 1)) {
  console.error('usage: node bench/stream/make-synthetic.mjs --cells N --genes D --k K --out FILE.h5ad [--seed S] [--block ROWS]');
  process.exit(2);
}
const threads = Math.max(1, Number(a.threads));
const bundle = await bundleEntry();
const lib = await import(pathToFileURL(bundle).href);
const base = JSON.parse(gunzipSync(readFileSync(join(root, 'data/pbmc3k/synthetic_nb.json.gz'))).toString());
if (d > base.dispersion.length) throw new Error(`--genes ${d}: the parameters have ${base.dispersion.length} genes`);
const K0 = base.weights.length;
const weights = [];
const means = [];
for (let c = 0; c < k; c++) {
  const src = base.means[c % K0];
  if (c < K0) {
    weights.push(base.weights[c]);
    means.push(src);
  } else {
    const rng = new lib.Rng(seed + c, 0);
    weights.push(base.weights[c % K0]);
    means.push(
      src
        .map(() => 0)
        .map((_, g) => {
          const u1 = (rng.nextU32() + 0.5) / 2 ** 32;
          const u2 = (rng.nextU32() + 0.5) / 2 ** 32;
          return src[g] * Math.exp(0.5 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }),
    );
  }
}
// --library-scale F: deeper sequencing, every cell's size factor times F (the log-normal's log-mean
// shifted by log F; libraryMean kept, so the means scale). F 14 gives ~640 stored counts per cell of
// 2000 genes, the density behind the 2M-cell figure (≥ 10 GB as float32 CSR).
const libraryScale = Number(a['library-scale']);
if (!(libraryScale > 0)) throw new Error(`--library-scale ${a['library-scale']}: pass a positive number`);
const library = { ...base.library, logMean: base.library.logMean + Math.log(libraryScale) };
const params = { ...base, weights, means, library };
const component = k <= 255 ? new Uint8Array(n) : new Uint16Array(n);
const sizeFactor = new Float32Array(n);
const t0 = performance.now();
const pool = Array.from({ length: threads }, () => new Worker(new URL(import.meta.url), { workerData: { bundle, params, d, seed } }));
const waiting = new Map();
for (const w of pool) w.on('message', (b) => waiting.get(b.first)(b));
const ask = (first, k) =>
  new Promise((resolve) => {
    waiting.set(first, resolve);
    pool[k % threads].postMessage({ first, n: Math.min(block, n - first) });
  });
async function* blocks() {
  const starts = [];
  for (let first = 0; first < n; first += block) starts.push(first);
  const pending = [];
  let next = 0;
  // Keep 2 blocks per thread in flight; take them back in order.
  while (next < starts.length && pending.length < 2 * threads) pending.push(ask(starts[next], next++));
  while (pending.length) {
    const b = await pending.shift();
    waiting.delete(b.first);
    if (next < starts.length) pending.push(ask(starts[next], next++));
    component.set(b.component, b.first);
    sizeFactor.set(b.sizeFactors, b.first);
    yield { n: b.n, d: b.d, indptr: b.indptr, indices: b.indices, values: b.values };
  }
}
let lastLog = 0;
const res = await lib.writeH5adCsr(a.out, {
  n,
  d,
  blocks: blocks(),
  genes: params.genes.slice(0, d),
  obs: { component, size_factor: sizeFactor },
  onProgress: (done) => {
    const now = performance.now();
    if (now - lastLog > 10_000 || done === n) {
      lastLog = now;
      console.log(
        `  ${done.toLocaleString('en-US')} / ${n.toLocaleString('en-US')} cells, ${((done / (now - t0)) * 1000).toFixed(0)} rows/s`,
      );
    }
  },
});
for (const w of pool) await w.terminate();
rmSync(bundle, { force: true });
const s = (performance.now() - t0) / 1000;
const rss = process.resourceUsage().maxRSS * 1024;
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
console.log(
  JSON.stringify({
    out: res.path,
    cells: n,
    genes: d,
    k,
    seed,
    block,
    threads,
    nnz: res.nnz,
    bytes: res.bytes,
    seconds: +s.toFixed(2),
    rowsPerSecond: Math.round(n / s),
    peakRssBytes: rss,
  }),
);
console.log(
  `${n} cells × ${d} genes, ${res.nnz} non-zeros: ${mib(res.bytes)} in ${s.toFixed(1)} s (${Math.round(n / s)} rows/s, ${threads} sampling threads), peak RSS ${mib(rss)}`,
);
