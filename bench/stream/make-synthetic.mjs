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
 * Prints rows/s, the file size and this process's peak RSS.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadEntry, root } from './bundle.mjs';

const { values: a } = parseArgs({
  options: {
    cells: { type: 'string' },
    genes: { type: 'string', default: '2000' },
    k: { type: 'string', default: '8' },
    out: { type: 'string' },
    seed: { type: 'string', default: '0' },
    block: { type: 'string', default: '10000' },
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
const lib = await loadEntry();
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
const params = { ...base, weights, means };
const component = k <= 255 ? new Uint8Array(n) : new Uint16Array(n);
const sizeFactor = new Float32Array(n);
const t0 = performance.now();
let sampleMs = 0;
function* blocks() {
  for (let first = 0; first < n; first += block) {
    const s0 = performance.now();
    const b = lib.sampleNbMixture(params, { n: Math.min(block, n - first), genes: d, seed, first });
    sampleMs += performance.now() - s0;
    component.set(b.component, first);
    sizeFactor.set(b.sizeFactors, first);
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
    nnz: res.nnz,
    bytes: res.bytes,
    seconds: +s.toFixed(2),
    samplingSeconds: +(sampleMs / 1000).toFixed(2),
    rowsPerSecond: Math.round(n / s),
    peakRssBytes: rss,
  }),
);
console.log(
  `${n} cells × ${d} genes, ${res.nnz} non-zeros: ${mib(res.bytes)} in ${s.toFixed(1)} s (${Math.round(n / s)} rows/s; sampling ${(sampleMs / 1000).toFixed(1)} s), peak RSS ${mib(rss)}`,
);
