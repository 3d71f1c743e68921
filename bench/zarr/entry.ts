/**
 * One phase of bench/zarr.mjs, run in its own Node process so its peak RSS is its own:
 *   write  <store> <n> <block> <params.json.gz>   sampleNbMixture blocks (pbmc3k's fitted parameters, 2,000 genes) → writeZarrCsr
 *   stream <store> <chunkMiB>   one pass over openZarrSource (forEachChunk): per-gene sums
 *   whole  <store>              readZarr (the whole CSR in memory), then the same per-gene sums
 * Prints one JSON line: seconds, peak RSS, and a checksum of the gene sums (so the passes can be compared).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { openZarrSource, readZarr } from '../../src/io/zarr/index.js';
import { writeZarrCsr } from '../../src/io/zarr/write.js';
import { sampleNbMixture, type NbMixtureParams } from '../../src/sc/synthetic.js';
import { forEachChunk } from '../../src/stream/pass.js';
import type { CsrBlock } from '../../src/stream/types.js';

const [phase, store, a, b, paramsPath] = process.argv.slice(2);
const peakMiB = (): number => process.resourceUsage().maxRSS / 1024;
const checksum = (sums: Float64Array): number => sums.reduce((t, v, j) => t + v * ((j % 7) + 1), 0);
const t0 = performance.now();

if (phase === 'write') {
  const params = JSON.parse(gunzipSync(readFileSync(paramsPath)).toString()) as NbMixtureParams;
  const n = Number(a);
  const block = Number(b);
  const genes = params.genes as string[];
  const blocks = function* (): Generator<CsrBlock> {
    for (let s = 0, k = 0; s < n; s += block, k++) yield sampleNbMixture(params, { n: Math.min(block, n - s), seed: k });
  };
  const r = await writeZarrCsr(store, { n, d: genes.length, blocks: blocks(), genes, cellPrefix: 'cell', overwrite: true });
  console.log(
    JSON.stringify({ phase, seconds: (performance.now() - t0) / 1000, peakMiB: peakMiB(), nnz: r.nnz, bytesWritten: r.bytesWritten }),
  );
} else if (phase === 'stream') {
  const src = await openZarrSource(store, { maxBytes: Infinity });
  if (src.kind !== 'csr') throw new Error('expected CSR');
  const sums = new Float64Array(src.d);
  let chunks = 0;
  // sum: every value in row order, as bench/stream/backed-pass.mjs sums an .h5ad (same counts → same bits).
  let sum = 0;
  await forEachChunk(src, 'gene-sums', { chunkBytes: Number(a) * 2 ** 20 }, (blk: CsrBlock) => {
    chunks++;
    for (let k = 0; k < blk.nnz; k++) {
      sums[blk.indices[k]] += blk.values[k];
      sum += blk.values[k];
    }
  });
  console.log(
    JSON.stringify({
      phase,
      seconds: (performance.now() - t0) / 1000,
      peakMiB: peakMiB(),
      chunks,
      nnz: src.nnz,
      checksum: checksum(sums),
      sum,
    }),
  );
} else if (phase === 'whole') {
  const m = await readZarr(store, { maxBytes: Infinity });
  const sums = new Float64Array(m.d);
  for (let k = 0; k < m.nnz; k++) sums[m.indices[k]] += m.values[k];
  console.log(
    JSON.stringify({ phase, seconds: (performance.now() - t0) / 1000, peakMiB: peakMiB(), nnz: m.nnz, checksum: checksum(sums) }),
  );
} else throw new Error(`unknown phase ${phase}`);
