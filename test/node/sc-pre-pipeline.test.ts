/**
 * preprocess() on the CPU reference with the real pbmc68k_reduced counts: every stage's output
 * against the stage functions and independent dense computations, the PCA against an exact
 * PCA of the scaled matrix, the progress events and timings.
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createEngine, type Engine } from '../../src/index.js';
import { preprocess, type StageEvent } from '../../src/sc/preprocess.js';
import { filterGenes } from '../../src/sc/qc.js';
import { subsetCsr } from '../../src/sc/matrix.js';
import { highlyVariableGenes } from '../../src/sc/hvg.js';
import { expectRelClose } from '../tolerance.js';
import { read10xDir } from '../../src/node.js';
import {
  PCA_ANGLE_RAD,
  PCA_EV_RTOL,
  columnMoments,
  csrToDense,
  exactPca,
  maxPrincipalAngle,
  pbmcFromText,
} from '../fixtures/sc-pre/reference.js';

const FIX = new URL('../fixtures/sc-pre/', import.meta.url);
const pbmc = pbmcFromText(
  gunzipSync(readFileSync(new URL('pbmc68k_counts.mtx.gz', FIX))).toString('utf8'),
  gunzipSync(readFileSync(new URL('pbmc68k_genes.tsv.gz', FIX))).toString('utf8'),
);
/** Options used by the CPU and GPU pipeline tests (the data hold 765 pre-selected genes, so lower thresholds). */
const PBMC_OPTIONS = {
  cells: { minGenes: 200, maxPctMito: 5 },
  minCells: 3,
  hvg: { nTopGenes: 400 },
  pca: { nComps: 30, seed: 0 },
} as const;

let cpu: Engine;
beforeAll(async () => {
  cpu = await createEngine({ backend: 'reference' });
});

function column(a: ArrayLike<number>, d: number, k: number, cols: number): Float64Array {
  const out = new Float64Array(d * cols);
  for (let f = 0; f < d; f++) for (let j = 0; j < cols; j++) out[f * cols + j] = a[f * k + j];
  return out;
}

describe('preprocess on pbmc68k_reduced (CPU reference)', () => {
  test('stages, outputs, progress and timings', async () => {
    const events: StageEvent[] = [];
    const r = await preprocess(pbmc.csr, {
      ...PBMC_OPTIONS,
      qc: { geneNames: pbmc.genes },
      returnScaled: true,
      onStage: (e) => events.push(e),
      engine: cpu,
    });
    expect(r.backend).toBe('reference');
    expect(events.map((e) => e.stage)).toEqual(['qc', 'filter', 'normalize', 'hvg', 'scale', 'pca']);
    expect(events.map((e) => e.done)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.every((e) => e.total === 6 && e.ms >= 0)).toBe(true);
    const stageSum = events.reduce((s, e) => s + e.ms, 0);
    expect(r.timings.totalMs).toBeGreaterThanOrEqual(stageSum - 1);
    events.forEach((e) => expect(r.timings[e.stage]).toBe(e.ms));

    // Filters: cells with ≥ 200 genes and ≤ 5 % mito; genes in ≥ 3 of the cells with ≥ 200 genes
    // (scanpy's tutorial order: the gene filter comes after min_genes, before the other cuts).
    const keepCells = Array.from({ length: 700 }, (_, i) => (r.qc.nGenes[i] >= 200 && r.qc.pctMito[i] <= 5 ? 1 : 0));
    expect(Array.from(r.cellFilter.keep)).toEqual(keepCells);
    const gf = filterGenes(pbmc.csr, { minCells: 3, cells: Array.from({ length: 700 }, (_, i) => (r.qc.nGenes[i] >= 200 ? 1 : 0)) });
    expect(Array.from(r.geneFilter.keep)).toEqual(Array.from(gf.keep));
    expect(r.cells.length).toBe(r.cellFilter.nKept);
    expect(r.genes.length).toBe(gf.nKept);
    expect(r.cells.length).toBeGreaterThan(400);

    // Normalised values: log1p(x / total · 1e4) over the kept genes.
    const filtered = subsetCsr(pbmc.csr, keepCells, gf.keep);
    const n = filtered.n;
    let worstNorm = 0;
    for (let i = 0; i < n; i++) {
      let t = 0;
      for (let p = filtered.indptr[i]; p < filtered.indptr[i + 1]; p++) t += filtered.values[p];
      expect(r.totals[i]).toBe(t);
      for (let p = filtered.indptr[i]; p < filtered.indptr[i + 1]; p++) {
        worstNorm = Math.max(worstNorm, Math.abs(r.normalized!.values[p] - Math.log1p((filtered.values[p] / t) * 1e4)));
      }
    }
    expect(worstNorm).toBeLessThan(1e-12);

    // HVG: the stage function on the filtered counts; hvgGenes are original gene indices.
    const h = await highlyVariableGenes(filtered, { nTopGenes: 400, engine: cpu });
    expect(Array.from(r.hvg.genes)).toEqual(Array.from(h.genes));
    expect(Array.from(r.hvgGenes)).toEqual(Array.from(h.genes, (g) => r.genes[g]));

    // Scaled matrix against a dense computation.
    const G = h.genes.length;
    const L = csrToDense(r.normalized!);
    const sub = new Float64Array(n * G);
    for (let i = 0; i < n; i++) for (let c = 0; c < G; c++) sub[i * G + c] = L[i * filtered.d + h.genes[c]];
    const { mean, variance } = columnMoments(sub, n, G);
    const scaled = Float64Array.from(sub, (v, e) => Math.min(10, Math.max(-10, (v - mean[e % G]) / Math.sqrt(variance[e % G]))));
    let worst = 0;
    for (let e = 0; e < n * G; e++) worst = Math.max(worst, Math.abs(r.scaled!.data[e] - scaled[e]));
    expect(worst).toBeLessThan(1e-12);

    // PCA against the exact PCA of that matrix. The spectrum of these data is flat after the 7th
    // component (variances 40.7, 21.3, 12.6, 9.37, 8.44, 7.81, 4.33 | 3.25, 3.17, 2.81, 2.59, …),
    // so the subspace is checked where there is a gap; randomized subspace iteration converges like
    // (λ_{l+1}/λ_k)^(nIter+1), slowly in the flat tail (reported, and see the next test).
    const ex = exactPca(scaled, n, G, 30);
    // Subspace of the top 6 (λ6/λ7 = 1.8); explained variances of the top 7.
    const k = 7;
    const angle = maxPrincipalAngle(column(r.pca.loadings, G, 30, 6), column(ex.loadings, G, 30, 6), G, 6);
    expect(angle).toBeLessThan(PCA_ANGLE_RAD);
    for (let j = 0; j < k; j++) expectRelClose(r.pca.explainedVariance[j], ex.variance[j], PCA_EV_RTOL, `explained variance ${j}`);
    expectRelClose(r.pca.totalVariance, ex.total, 1e-12, 'total variance');
    let tail = 0;
    let head = 0;
    for (let j = 0; j < k; j++) head = Math.max(head, Math.abs(r.pca.explainedVariance[j] - ex.variance[j]) / ex.variance[j]);
    for (let j = k; j < 30; j++) tail = Math.max(tail, Math.abs(r.pca.explainedVariance[j] - ex.variance[j]) / ex.variance[j]);
    console.log(
      `pbmc68k CPU: ${n} cells, ${r.genes.length} genes, ${G} HVGs; top-6 angle ${angle.toExponential(2)} rad; ` +
        `EV rel error on 1..${k}: ${head.toExponential(2)}, worst on ${k + 1}..30: ${tail.toExponential(2)}; timings ${JSON.stringify(Object.fromEntries(Object.entries(r.timings).map(([a, b]) => [a, Math.round(b)])))}`,
    );
    // Randomized SVD never overstates a variance (Ritz values are lower bounds).
    for (let j = 0; j < 30; j++) expect(r.pca.explainedVariance[j]).toBeLessThanOrEqual(ex.variance[j] * (1 + 1e-12));
  });

  test('a flat-spectrum tail converges with more power iterations and oversampling', async () => {
    const r = await preprocess(pbmc.csr, {
      ...PBMC_OPTIONS,
      returnNormalized: false,
      returnScaled: true,
      pca: { nComps: 10, nIter: 16, oversampling: 20 },
      engine: cpu,
    });
    const G = r.scaled!.d;
    const ex = exactPca(r.scaled!.data, r.scaled!.n, G, 10);
    let worst = 0;
    for (let j = 0; j < 10; j++) worst = Math.max(worst, Math.abs(r.pca.explainedVariance[j] - ex.variance[j]) / ex.variance[j]);
    console.log(`pbmc68k CPU, nIter 16, oversampling 20: worst EV rel error over 10 components ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(PCA_EV_RTOL);
    expect(r.normalized).toBeUndefined();
  });

  test('too strict filters are reported with the fix', async () => {
    await expect(preprocess(pbmc.csr, { cells: { minGenes: 10_000 }, engine: cpu })).rejects.toThrow(/Loosen the cell filters/);
  });
});

describe('preprocess on the bundled pbmc3k, as the scanpy and Seurat tutorials filter it', () => {
  test('the tutorial QC keeps 2638 cells and 13,714 genes; counting genes over the kept cells instead gives 13,656', async () => {
    const data = await read10xDir('data/pbmc3k');
    const base = {
      qc: { geneNames: data.genes },
      cells: { minGenes: 200, maxGenes: 2500, maxPctMito: 5 },
      minCells: 3,
      hvg: { nTopGenes: 2000 },
      pca: { nComps: 2, seed: 0 },
      returnNormalized: false,
    } as const;
    const r = await preprocess(data, { ...base, engine: cpu });
    // scanpy: filter_cells(min_genes=200) removes none of the 2700, filter_genes(min_cells=3) leaves 13714,
    // then n_genes < 2500 and pct_counts_mt < 5 leave 2638 cells (the tutorial's 2638 × 13714).
    expect([r.cells.length, r.genes.length]).toEqual([2638, 13714]);
    expect(r.cellFilter.failed).toMatchObject({ minGenes: 0 });
    const kept = await preprocess(data, { ...base, geneFilterCells: 'kept', engine: cpu });
    expect([kept.cells.length, kept.genes.length]).toEqual([2638, 13656]);
    await expect(preprocess(data, { ...base, geneFilterCells: 'all' as 'kept', engine: cpu })).rejects.toThrow(
      /geneFilterCells='all' is not one of/,
    );
  }, 120_000);
});
