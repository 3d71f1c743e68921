#!/usr/bin/env node
/**
 * The streamed single-cell pipeline end to end on a backed .h5ad, in one plain Node process (no
 * Vite dev server; the built dist/emgpu.js), measuring time per pass and peak RSS: openH5adSource → preprocessStream (QC, filters,
 * seurat_v3 HVG, normalise/log1p/scale on the fly, randomized PCA) → k-means on the PCs in memory →
 * the NB mixture on the streamed kept-cells × HVG counts (nbStream: one pass per EM iteration). ARI
 * against the file's obs column (the synthetic files' true `component`).
 *
 *   node bench/stream/e2e.mjs --file F.h5ad [--k 10] [--hvg 1000] [--n-comps 50] [--pca-iter 4]
 *        [--nb-max-iter 5] [--chunk-mib 64] [--backend cpu] [--truth component] [--out bench/results/NAME]
 *
 * Peak RSS is process.resourceUsage().maxRSS (the process with its HDF5 and wasm worker threads);
 * RSS is also sampled after every chunk, so each pass has its own peak.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The built library (npm run build:js): its wasm kernels and WGSL are bundled the way users get them.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'dist', 'emgpu.js');
if (!existsSync(dist)) {
  console.error('dist/emgpu.js is missing: run `npm run build:js` first.');
  process.exit(2);
}

const { values: a } = parseArgs({
  options: {
    file: { type: 'string' },
    k: { type: 'string', default: '10' },
    hvg: { type: 'string', default: '1000' },
    'n-comps': { type: 'string', default: '50' },
    'pca-iter': { type: 'string', default: '4' },
    'nb-max-iter': { type: 'string', default: '5' },
    'chunk-mib': { type: 'string', default: '64' },
    backend: { type: 'string', default: 'cpu' },
    truth: { type: 'string', default: 'component' },
    out: { type: 'string' },
  },
});
if (!a.file) {
  console.error('usage: node bench/stream/e2e.mjs --file F.h5ad [--k 10] [--hvg 1000] [--nb-max-iter 5] [--out bench/results/NAME]');
  process.exit(2);
}
const lib = await import(pathToFileURL(dist).href);
const k = Number(a.k);
const chunkBytes = Number(a['chunk-mib']) * 2 ** 20;
const gib = (b) => (b / 2 ** 30).toFixed(2);
const sec = (ms) => (ms / 1000).toFixed(1);
const rssNow = () => process.memoryUsage().rss;
const peakRss = () => process.resourceUsage().maxRSS * 1024;

// The truth column, read straight from the file (h5wasm's Node build reads by position, not whole).
async function truthOf(path, column) {
  const h5wasm = (await import('h5wasm/node')).default;
  await h5wasm.ready;
  const f = new h5wasm.File(path, 'r');
  try {
    const x = f.get(`obs/${column}`);
    // A plain column, or a categorical (a group of codes and categories): the codes are the labels.
    const ds = x && x.value === undefined && typeof x.get === 'function' ? x.get('codes') : x;
    return ds?.value ? Array.from(ds.value) : null;
  } finally {
    f.close();
  }
}

const passes = [];
let passPeak = 0;
let lastPass = null;
const onProgress = (p) => {
  if (p.pass !== lastPass) {
    lastPass = p.pass;
    passPeak = 0;
  }
  passPeak = Math.max(passPeak, rssNow());
  if (p.chunksDone === p.chunksTotal) {
    passes.push({ pass: p.pass, chunks: p.chunksTotal, ms: p.elapsedMs, peakRssBytes: passPeak });
    console.log(`  pass ${p.pass}: ${p.chunksTotal} chunks, ${sec(p.elapsedMs)} s, RSS peak ${gib(passPeak)} GiB`);
  }
};

const t0 = performance.now();
const engine = await lib.createEngine({ backend: a.backend });
const source = await lib.openH5adSource(a.file);
const openMs = performance.now() - t0;
console.log(
  `${a.file}: ${source.n.toLocaleString('en-US')} cells × ${source.d} genes, ${source.nnz.toLocaleString('en-US')} stored (${gib(source.nnz * 8 + (source.n + 1) * 8)} GiB as CSR), opened in ${sec(openMs)} s`,
);

const tp = performance.now();
const pre = await lib.preprocessStream(source, {
  engine,
  cells: { minCounts: 1 },
  hvg: { flavor: 'seurat_v3', nTopGenes: Number(a.hvg) },
  pca: { nComps: Number(a['n-comps']), seed: 0, nIter: Number(a['pca-iter']) },
  chunkBytes,
  onProgress,
});
const preMs = performance.now() - tp;
console.log(
  `preprocessStream: ${sec(preMs)} s, ${pre.cells.length} cells kept, ${pre.hvgGenes.length} HVGs, RSS peak so far ${gib(peakRss())} GiB`,
);

const tk = performance.now();
const { scores, nComps, n } = pre.pca;
const km = await lib.kmeans({ data: scores, n, d: nComps }, { k, seed: 0, engine });
const kmMs = performance.now() - tk;
console.log(`k-means on ${nComps} PCs: ${sec(kmMs)} s, ${km.nIter} iterations, RSS peak so far ${gib(peakRss())} GiB`);

const tn = performance.now();
const nbIters = [];
const nb = await lib.nbStream(pre.source, {
  k,
  seed: 0,
  maxIter: Number(a['nb-max-iter']),
  returnLabels: true,
  chunkBytes,
  engine,
  onProgress,
  onIteration: (it) => nbIters.push({ iter: it.iter, ms: it.ms ?? null, objective: it.objective }),
});
const nbMs = performance.now() - tn;
console.log(
  `NB mixture (streamed): ${sec(nbMs)} s, ${nb.nIter} iterations (${nb.stopReason}), ${nb.passes} passes, per iteration ${sec(nb.timings.perIterMs)} s`,
);
await source.close();

const truthAll = await truthOf(a.file, a.truth);
const truth = truthAll ? Array.from(pre.cells, (c) => truthAll[c]) : null;
const ariKm = truth ? lib.adjustedRandIndex(truth, km.labels) : null;
const ariNb = truth && nb.labels ? lib.adjustedRandIndex(truth, Array.from(nb.labels)) : null;
const totalMs = performance.now() - t0;
const out = {
  file: a.file,
  n: source.n,
  d: source.d,
  nnz: source.nnz,
  kept: pre.cells.length,
  hvg: pre.hvgGenes.length,
  options: {
    k,
    hvg: Number(a.hvg),
    nComps: Number(a['n-comps']),
    pcaIter: Number(a['pca-iter']),
    nbMaxIter: Number(a['nb-max-iter']),
    chunkBytes,
    backend: engine.backend,
  },
  openMs,
  preprocessMs: preMs,
  kmeansMs: kmMs,
  kmeansIter: km.nIter,
  nbMs,
  nbIter: nb.nIter,
  nbPerIterMs: nb.timings.perIterMs,
  nbInitMs: nb.timings.initMs,
  nbStop: nb.stopReason,
  ari: { kmeans: ariKm, nb: ariNb },
  totalMs,
  peakRssBytes: peakRss(),
  passes,
  nbIters,
  machine: {
    cpu: cpus()[0].model,
    cores: cpus().length,
    memGiB: +gib(totalmem()),
    load: loadavg().map((x) => +x.toFixed(1)),
    node: process.version,
  },
  commit: (() => {
    try {
      return execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim();
    } catch {
      return null;
    }
  })(),
};
console.log(`total ${sec(totalMs)} s, peak RSS ${gib(out.peakRssBytes)} GiB; ARI k-means ${ariKm?.toFixed(3)}, NB ${ariNb?.toFixed(3)}`);
if (a.out) {
  writeFileSync(`${a.out}.json`, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${a.out}.json`);
}
