/**
 * bench/stream-preprocess.mjs's work, loaded through Vite's SSR loader: sample the synthetic
 * counts once to a binary CSR file, or run one pipeline (in memory or streamed) on that file and
 * return its timings, peak RSS and PCA.
 */
import { closeSync, openSync, readFileSync, readSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createEngine } from '../src/index.js';
import { preprocess } from '../src/sc/preprocess.js';
import { preprocessStream } from '../src/sc/stream/preprocess.js';
import { sampleNbMixture, type NbMixtureParams } from '../src/sc/synthetic.js';
import { csrSource } from '../src/stream/memory.js';
import type { CsrBlock, CsrSource } from '../src/stream/types.js';

export function sample(dir: string, n: number, seed: number): { n: number; d: number; nnz: number; ms: number } {
  const t0 = performance.now();
  const params = JSON.parse(gunzipSync(readFileSync('data/pbmc3k/synthetic_nb.json.gz')).toString()) as NbMixtureParams;
  const x = sampleNbMixture(params, { n, seed });
  mkdirSync(dir, { recursive: true });
  const nnz = x.indptr[x.n];
  writeFileSync(join(dir, 'indptr.bin'), Buffer.from(Uint32Array.from(x.indptr).buffer));
  writeFileSync(join(dir, 'indices.bin'), Buffer.from(Uint32Array.from(x.indices.subarray(0, nnz)).buffer));
  writeFileSync(join(dir, 'values.bin'), Buffer.from(Float32Array.from(x.values.subarray(0, nnz)).buffer));
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ n: x.n, d: x.d, nnz, genes: x.genes }));
  return { n: x.n, d: x.d, nnz, ms: performance.now() - t0 };
}

const view = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);

/**
 * The binary CSR files as a CsrSource read from disk by row ranges (the bench's own minimal reader:
 * indptr in memory, 8 bytes per row; indices and values read with positioned reads per block).
 */
function fileSource(dir: string, meta: { n: number; d: number; nnz: number; genes: string[] }): CsrSource {
  const indptr = new Uint32Array(view(readFileSync(join(dir, 'indptr.bin'))));
  const fi = openSync(join(dir, 'indices.bin'), 'r');
  const fv = openSync(join(dir, 'values.bin'), 'r');
  return {
    kind: 'csr',
    n: meta.n,
    d: meta.d,
    nnz: meta.nnz,
    name: 'disk',
    genes: meta.genes,
    nnzIn: (a, b) => indptr[b] - indptr[a],
    async readRows(start, end): Promise<CsrBlock> {
      const a = indptr[start];
      const nnz = indptr[end] - a;
      const indices = new Uint32Array(nnz);
      const values = new Float32Array(nnz);
      readSync(fi, new Uint8Array(indices.buffer), 0, nnz * 4, a * 4);
      readSync(fv, new Uint8Array(values.buffer), 0, nnz * 4, a * 4);
      const ip = Uint32Array.from(indptr.subarray(start, end + 1), (p) => p - a);
      return { n: end - start, d: meta.d, nnz, indptr: ip, indices, values };
    },
    async close() {
      closeSync(fi);
      closeSync(fv);
    },
  };
}

export async function runOne(o: { dir: string; mode: 'memory' | 'stream' | 'disk'; backend: string; chunkRows?: number; nComps: number }) {
  const meta = JSON.parse(readFileSync(join(o.dir, 'meta.json'), 'utf8')) as { n: number; d: number; nnz: number; genes: string[] };
  const engine0 = o.mode === 'disk' ? await createEngine({ backend: o.backend as 'cpu' }) : null;
  if (engine0) {
    const rss0 = process.memoryUsage().rss;
    const src = fileSource(o.dir, meta);
    const t0 = performance.now();
    const r = await preprocessStream(src, {
      qc: { geneNames: meta.genes },
      cells: { minGenes: 50 },
      hvg: { flavor: 'seurat_v3', nTopGenes: 2000 },
      pca: { nComps: o.nComps, seed: 0 },
      engine: engine0,
      ...(o.chunkRows ? { chunkRows: o.chunkRows } : {}),
    });
    await src.close();
    return report(o, r.backend, performance.now() - t0, r.timings, r.passes, r.pca, rss0, r.cells.length);
  }
  const m = {
    n: meta.n,
    d: meta.d,
    indptr: new Uint32Array(view(readFileSync(join(o.dir, 'indptr.bin')))),
    indices: new Uint32Array(view(readFileSync(join(o.dir, 'indices.bin')))),
    values: new Float32Array(view(readFileSync(join(o.dir, 'values.bin')))),
  };
  const rssLoaded = process.memoryUsage().rss;
  const engine = await createEngine({ backend: o.backend as 'cpu' });
  const opts = {
    qc: { geneNames: meta.genes },
    cells: { minGenes: 50 },
    hvg: { flavor: 'seurat_v3' as const, nTopGenes: 2000 },
    pca: { nComps: o.nComps, seed: 0 },
    engine,
  };
  const t0 = performance.now();
  if (o.mode === 'memory') {
    const r = await preprocess(m, { ...opts, returnNormalized: false });
    const ms = performance.now() - t0;
    return report(o, r.backend, ms, r.timings, [], r.pca, rssLoaded, r.cells.length);
  }
  const r = await preprocessStream(csrSource(m), { ...opts, ...(o.chunkRows ? { chunkRows: o.chunkRows } : {}) });
  const ms = performance.now() - t0;
  return report(o, r.backend, ms, r.timings, r.passes, r.pca, rssLoaded, r.cells.length);
}

function report(
  o: { mode: string },
  backend: string,
  ms: number,
  timings: Record<string, number>,
  passes: { pass: string; rows: number; chunks: number; ms: number }[],
  pca: { explainedVarianceRatio: Float64Array; loadings: Float64Array; nComps: number; d: number },
  rssLoaded: number,
  cells: number,
) {
  return {
    mode: o.mode,
    backend,
    cells,
    totalMs: ms,
    timings,
    passes,
    rssLoadedBytes: rssLoaded,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    evr: Array.from(pca.explainedVarianceRatio),
    loadings: Array.from(pca.loadings),
    nComps: pca.nComps,
    g: pca.d,
  };
}
