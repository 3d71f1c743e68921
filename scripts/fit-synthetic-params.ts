/**
 * Fits the negative-binomial mixture that the synthetic datasets are sampled from, and writes
 * it to data/pbmc3k/synthetic_nb.json.gz. Run with `node scripts/fit-synthetic-params.mjs`.
 *
 * The fit is the demo's own pipeline on the bundled pbmc3k, on the CPU backend (float64, so the
 * file does not depend on a GPU): the tutorial QC (200–2500 genes, < 5 % mitochondrial), genes in
 * ≥ 3 cells, Seurat v3 HVGs (2000), then an NB mixture with k = 8 on the raw HVG counts (library
 * size factors, per-gene dispersion, seed 0). Genes are listed most variable first (HVG rank), so
 * sampling the first d genes takes the d most variable ones. Library sizes: the mean and standard
 * deviation of log(total HVG counts) over the kept cells.
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createEngine, negativeBinomialMixture, preprocess, subsetCsr } from '../src/index.js';
import { read10xDir } from '../src/node.js';
import { rowSums } from '../src/io/csr.js';

export async function fitSyntheticParams(out: string): Promise<void> {
  const engine = await createEngine({ backend: 'cpu' });
  const data = await read10xDir('data/pbmc3k');
  const pre = await preprocess(data, {
    qc: { geneNames: data.genes },
    cells: { minGenes: 200, maxGenes: 2500, maxPctMito: 5 },
    hvg: { flavor: 'seurat_v3', nTopGenes: 2000 },
    pca: { nComps: 2, seed: 0 },
    returnNormalized: false,
    engine,
  });
  const rowMask = new Uint8Array(data.n);
  for (const i of pre.cells) rowMask[i] = 1;
  const colMask = new Uint8Array(data.d);
  for (const g of pre.hvgGenes) colMask[g] = 1;
  const counts = subsetCsr(data, rowMask, colMask);
  const k = 8;
  const t0 = performance.now();
  const fit = await negativeBinomialMixture(counts, { engine, k, seed: 0, maxIter: 200 });
  console.log(
    `NB mixture k=${k} on ${counts.n} cells × ${counts.d} HVGs: ${fit.nIter} iterations (${fit.stopReason}), log-likelihood ${fit.logLikelihood.toFixed(1)}, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  // Columns are the HVGs in ascending gene order; list them by HVG rank instead.
  const rank = pre.hvg.rank!;
  const order = Array.from(pre.hvg.genes, (g, j) => ({ j, r: rank[g] }))
    .sort((a, b) => a.r - b.r)
    .map((o) => o.j);
  const sig = (x: number) => Number(x.toPrecision(7));
  const logLib = Array.from(rowSums(counts), (s) => Math.log(Math.max(1, s)));
  const logMean = logLib.reduce((a, b) => a + b, 0) / logLib.length;
  const logSd = Math.sqrt(logLib.reduce((a, b) => a + (b - logMean) ** 2, 0) / (logLib.length - 1));
  const params = {
    description:
      'Negative-binomial mixture fitted to pbmc3k (10x Genomics, CC BY 4.0) by emgpu, for sampling synthetic single-cell counts (sampleNbMixture).',
    source: 'data/pbmc3k (see data/SOURCES.md); made by scripts/fit-synthetic-params.mjs',
    pipeline: { qc: { minGenes: 200, maxGenes: 2500, maxPctMito: 5 }, minCells: 3, hvg: { flavor: 'seurat_v3', nTopGenes: 2000 } },
    fit: {
      k,
      seed: 0,
      cells: counts.n,
      genes: counts.d,
      nIter: fit.nIter,
      converged: fit.converged,
      logLikelihood: fit.logLikelihood,
      sizeFactors: 'library',
      dispersion: 'per-gene',
    },
    genes: order.map((j) => data.genes[pre.hvgGenes[j]]),
    weights: fit.weights.map(sig),
    means: fit.means.map((row) => order.map((j) => sig(row[j]))),
    dispersion: order.map((j) => sig(fit.dispersion[j])),
    library: { logMean: sig(logMean), logSd: sig(logSd), libraryMean: sig(fit.libraryMean) },
  };
  writeFileSync(out, gzipSync(JSON.stringify(params)));
  console.log(
    `wrote ${out}: weights ${params.weights.join(' ')}; library log-mean ${params.library.logMean}, sd ${params.library.logSd}, mean ${params.library.libraryMean}`,
  );
  engine.destroy();
}
