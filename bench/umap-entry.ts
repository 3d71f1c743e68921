/**
 * bench:umap's Node side (loaded through Vite's SSR loader, for the `.wgsl?raw` imports):
 * `prepare` writes the 50 PCs of the standard pipeline (QC, minGenes 200, minCells 3, Seurat-v3
 * HVGs, scale, PCA; src/sc preprocess defaults) of pbmc3k, zeisel2015_subset_1464 and
 * han2018_mouse_bladder_2100 as float32 files; `layout` runs our UMAP on such a file; `synthetic`
 * makes n × 50 Gaussian-blob "PCs" for timings.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { makeBlobs } from '../src/datasets/blobs.js';
import { createEngine, preprocess, umap } from '../src/index.js';
import { read10xDir } from '../src/io/node-sc.js';
import type { CsrMatrix } from '../src/sparse.js';
import type { BackendChoice } from '../src/types.js';

const repo = join(import.meta.dirname, '..');
const shared = join(repo, '..', 'shared', 'data');

/** A MatrixMarket genes × cells file as cells × genes CSR (the scDeepCluster sets have no names). */
function readGenesByCells(path: string): CsrMatrix<Float64Array, Uint32Array> {
  const lines = gunzipSync(readFileSync(path)).toString('utf8').split('\n');
  let l = 0;
  while (lines[l].startsWith('%')) l++;
  const [genes, cells] = lines[l++].trim().split(/\s+/).map(Number);
  const entries: [number, number, number][] = [];
  for (; l < lines.length; l++) {
    const t = lines[l].trim();
    if (!t) continue;
    const [g, c, v] = t.split(/\s+/).map(Number);
    entries.push([c - 1, g - 1, v]);
  }
  entries.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const indptr = new Uint32Array(cells + 1);
  for (const e of entries) indptr[e[0] + 1]++;
  for (let i = 0; i < cells; i++) indptr[i + 1] += indptr[i];
  return {
    n: cells,
    d: genes,
    nnz: entries.length,
    indptr,
    indices: Uint32Array.from(entries, (e) => e[1]),
    values: Float64Array.from(entries, (e) => e[2]),
  };
}

export async function prepare(outDir: string): Promise<string[]> {
  const sets: [string, () => Promise<{ m: CsrMatrix; genes?: string[] }>][] = [
    [
      'pbmc3k',
      async () => {
        const d = await read10xDir(join(repo, 'data/pbmc3k'));
        return { m: d, genes: d.genes };
      },
    ],
    [
      'zeisel2015',
      async () => {
        const d = await read10xDir(join(shared, 'zeisel2015_subset_1464'));
        return { m: d, genes: d.genes };
      },
    ],
    ['han2018_bladder', async () => ({ m: readGenesByCells(join(shared, 'han2018_mouse_bladder_2100/matrix.mtx.gz')) })],
  ];
  const engine = await createEngine({ backend: 'reference' });
  const names: string[] = [];
  for (const [name, load] of sets) {
    const { m, genes } = await load();
    const r = await preprocess(m, { engine, ...(genes ? { qc: { geneNames: genes } } : {}), pca: { nComps: 50, seed: 0 } });
    const pcs = Float32Array.from(r.pca.scores);
    writeFileSync(join(outDir, `${name}.f32`), Buffer.from(pcs.buffer));
    writeFileSync(join(outDir, `${name}.json`), JSON.stringify({ n: r.pca.n, d: r.pca.nComps, cells: Array.from(r.cells) }));
    names.push(name);
    console.log(`${name}: ${r.pca.n} cells × ${r.pca.nComps} PCs`);
  }
  return names;
}

export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Our UMAP of an n × d float32 file; writes the embedding beside it and returns the timings. */
export async function layout(inPath: string, n: number, d: number, outPath: string, backend: BackendChoice, seed = 0) {
  const data = readF32(inPath);
  const r = await umap({ data, n, d }, { backend, seed });
  writeFileSync(outPath, Buffer.from(r.embedding.buffer));
  return r.timings;
}

/** n × 50 Gaussian blobs (20 centres) as float32, for timings. */
export function synthetic(n: number, seed = 1): { data: Float32Array; n: number; d: number } {
  const b = makeBlobs(n, 50, 20, seed, { std: 2 });
  return { data: Float32Array.from(b.data), n, d: 50 };
}
