// The single-cell pipeline from Node, on the library's public API: what `emgpu sc` does, step by step.
//   node examples/sc.mjs [10x folder]        (after `npm run build`; default: the bundled PBMC 3k)
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { adjustedRandIndex, createEngine, kmeans, negativeBinomialMixture, preprocess, rankGenes, subsetCsr } from 'emgpu';
import { read10xDir } from 'emgpu/node';

const dir = process.argv[2] ?? 'data/pbmc3k';
const data = await read10xDir(dir); // CSR counts, cells × genes, with gene and cell names
const engine = await createEngine(); // 'auto': WebGPU on a GPU, else the CPU backend
console.log(`${data.n} cells × ${data.d} genes on ${engine.adapter}`);

// QC → normalise → log1p → 2000 highly variable genes (Seurat v3) → scale → 50 PCs (the Seurat tutorial's QC).
const pre = await preprocess(data, {
  engine,
  qc: { geneNames: data.genes },
  cells: { minGenes: 200, maxGenes: 2500, maxPctMito: 5 },
  hvg: { flavor: 'seurat_v3', nTopGenes: 2000 },
  pca: { nComps: 50 },
});
console.log(`after QC: ${pre.cells.length} cells, ${pre.genes.length} genes; PCA in ${(pre.timings.pca / 1000).toFixed(1)} s`);

// k-means on the PCs.
const pcs = { data: Float64Array.from(pre.pca.scores), n: pre.pca.n, d: pre.pca.nComps };
const km = await kmeans(pcs, { engine, k: 8, seed: 0 });

// The negative-binomial mixture on the raw counts of the kept cells × highly variable genes.
const cellMask = new Uint8Array(data.n);
for (const c of pre.cells) cellMask[c] = 1;
const geneMask = new Uint8Array(data.d);
for (const g of pre.hvgGenes) geneMask[g] = 1;
const nb = await negativeBinomialMixture(subsetCsr(data, cellMask, geneMask), { engine, k: 8, seed: 0 });

// Agreement with the Seurat tutorial's annotation (bundled with pbmc3k), on the cells that have one.
if (dir === 'data/pbmc3k') {
  const rows = gunzipSync(readFileSync('data/pbmc3k/pbmc3k_labels.csv.gz')).toString().trim().split('\n').slice(1);
  const seurat = new Map(rows.map((r) => r.split(',')).map((f) => [f[0], f[5]]));
  const truth = Array.from(pre.cells, (c) => seurat.get(data.cells[c]) || null);
  const keep = (labels) => labels.filter((_, i) => truth[i] !== null);
  const t = keep(truth);
  console.log(
    `ARI vs Seurat: k-means ${adjustedRandIndex(t, keep(km.labels)).toFixed(4)}, NB mixture ${adjustedRandIndex(t, keep(nb.labels)).toFixed(4)}`,
  );
}

// Top marker genes of the NB clusters (Wilcoxon rank-sum on the log-normalised data, as scanpy).
const markers = rankGenes(pre.normalized, nb.labels, { nTop: 4, geneNames: Array.from(pre.genes, (g) => data.genes[g]) });
markers.forEach((genes, c) => console.log(`cluster ${c} (${nb.clusterSizes[c]} cells): ${genes.map((g) => g.name).join(' ')}`));
engine.destroy();
