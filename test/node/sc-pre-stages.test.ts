/**
 * QC, filters, normalisation, HVG and scaling on the CPU reference: hand-solved cases, the real
 * pbmc68k_reduced counts (test/fixtures/sc-pre), and independent float64 computations on dense
 * copies. HVG seurat_v3 is checked against scanpy's formula evaluated here on R's loess fit.
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { createEngine, type Engine } from '../../src/index.js';
import { qcMetrics, filterCells, filterGenes, isOutlier, mitoMaskFor } from '../../src/sc/qc.js';
import { subsetCsr } from '../../src/sc/matrix.js';
import { highlyVariableGenes, equalWidthBins } from '../../src/sc/hvg.js';
import { normalizeTotal, scaleData } from '../../src/sc/preprocess.js';
import { F64_RTOL, expectRelClose } from '../tolerance.js';
import { columnMoments, csrToDense, denseToCsr, lineSplitTotals, pbmcFromText } from '../fixtures/sc-pre/reference.js';
import loessFixture from '../fixtures/sc-pre/loess_r.json';

const FIX = new URL('../fixtures/sc-pre/', import.meta.url);
const mtxBytes = readFileSync(new URL('pbmc68k_counts.mtx.gz', FIX));
const mtx = gunzipSync(mtxBytes).toString('utf8');
const genesTsv = gunzipSync(readFileSync(new URL('pbmc68k_genes.tsv.gz', FIX))).toString('utf8');
const pbmc = pbmcFromText(mtx, genesTsv);

let cpu: Engine;
beforeAll(async () => {
  cpu = await createEngine({ backend: 'reference' });
});

// 3 cells × 4 genes; gene 3 is mitochondrial; cell 2 is empty.
//   cell 0: [1, 0, 2, 1]   cell 1: [0, 5, 0, 3]   cell 2: []
const tiny = denseToCsr([1, 0, 2, 1, 0, 5, 0, 3, 0, 0, 0, 0], 3, 4);

describe('QC metrics', () => {
  test('hand-solved totals, genes detected and mitochondrial share', async () => {
    const q = await qcMetrics(tiny, { geneNames: ['A', 'B', 'C', 'MT-CO1'], engine: cpu });
    expect(Array.from(q.totalCounts)).toEqual([4, 8, 0]);
    expect(Array.from(q.nGenes)).toEqual([3, 2, 0]);
    expect(Array.from(q.mitoCounts)).toEqual([1, 3, 0]);
    expect(Array.from(q.pctMito)).toEqual([25, 37.5, 0]);
    expect(q.mitoGenes).toBe(1);
    // Lower-case mouse prefix, explicit mask, and mismatched lengths.
    expect(Array.from(mitoMaskFor(3, { geneNames: ['mt-Nd1', 'Actb', 'MTOR'] }))).toEqual([1, 0, 0]);
    expect(Array.from(mitoMaskFor(3, { mitoMask: [0, 1, 1] }))).toEqual([0, 1, 1]);
    await expect(qcMetrics(tiny, { mitoMask: [1, 0], engine: cpu })).rejects.toThrow(/one per gene/);
  });

  test('pbmc68k: fixture bytes as documented; per-cell totals equal a line-split sum of the file', async () => {
    expect(createHash('sha256').update(mtxBytes).digest('hex')).toBe('39591dd6d183d4a48895d9ef9d60a9fbf7cb7980d6b356de978e0e2df7a4578b');
    expect(pbmc.csr.n).toBe(700);
    expect(pbmc.csr.d).toBe(765);
    expect(pbmc.csr.nnz).toBe(174400);
    const q = await qcMetrics(pbmc.csr, { geneNames: pbmc.genes, engine: cpu });
    const expected = lineSplitTotals(mtx);
    expect(Array.from(q.totalCounts)).toEqual(Array.from(expected));
    // Genes detected = entries per cell (the file stores no zeros); one mitochondrial gene (MT-ND3).
    for (let i = 0; i < 700; i++) expect(q.nGenes[i]).toBe(pbmc.csr.indptr[i + 1] - pbmc.csr.indptr[i]);
    expect(q.mitoGenes).toBe(1);
    const mt = pbmc.genes.indexOf('MT-ND3');
    for (let i = 0; i < 700; i += 50) expect(q.mitoCounts[i]).toBe(pbmc.dense[i * 765 + mt]);
  });

  test('rejects malformed CSR input', async () => {
    await expect(qcMetrics({ ...tiny, indptr: Uint32Array.from([0, 3, 2, 5]) }, { engine: cpu })).rejects.toThrow(/decreases/);
    await expect(qcMetrics({ ...tiny, indices: Uint32Array.from([0, 2, 3, 9, 3]) }, { engine: cpu })).rejects.toThrow(/gene index/);
    await expect(qcMetrics({ ...tiny, values: Float32Array.from([1, NaN, 1, 5, 3]) }, { engine: cpu })).rejects.toThrow(/non-finite/);
    await expect(qcMetrics({ ...tiny, indices: Uint32Array.from([0, 2, 0, 1, 3]) }, { engine: cpu })).rejects.toThrow(/twice in cell 0/);
  });
});

describe('filters', () => {
  test('fixed thresholds, hand-solved', () => {
    const m = {
      n: 4,
      totalCounts: Float64Array.from([100, 2000, 50000, 900]),
      nGenes: Float64Array.from([80, 900, 3000, 500]),
      pctMito: Float64Array.from([1, 4, 2, 30]),
    };
    const r = filterCells(m, { minGenes: 200, maxGenes: 2500, maxPctMito: 5, minCounts: 500 });
    expect(Array.from(r.keep)).toEqual([0, 1, 0, 0]);
    expect(r.nKept).toBe(1);
    expect(r.failed).toEqual({ minCounts: 1, minGenes: 1, maxGenes: 1, maxPctMito: 1 });
  });

  test("MAD outliers as scater's isOutlier, hand-solved", () => {
    // median 3; |x − 3| = 2, 1, 0, 1, 97 → median 1; MAD = 1.4826; bounds 3 ± 3·1.4826.
    const r = isOutlier([1, 2, 3, 4, 100]);
    expect(r.median).toBe(3);
    expect(r.mad).toBeCloseTo(1.4826, 12);
    expect(r.upper).toBeCloseTo(3 + 3 * 1.4826, 12);
    expect(Array.from(r.outlier)).toEqual([0, 0, 0, 0, 1]);
    // Even count: medians average the middle pair; 'lower' only; log1p scale.
    const e = isOutlier([0, 10, 20, 30], { type: 'lower', nmads: 1, constant: 1 });
    expect(e.median).toBe(15);
    expect(e.mad).toBe(10);
    expect(Array.from(e.outlier)).toEqual([1, 0, 0, 0]);
    expect(e.upper).toBe(Infinity);
    const l = isOutlier([Math.E - 1, Math.E ** 2 - 1, Math.E ** 3 - 1], { log1p: true, nmads: 0.5, constant: 1 });
    expect(l.median).toBeCloseTo(2, 14);
    expect(Array.from(l.outlier)).toEqual([1, 0, 1]);
    // In filterCells: 5 MADs on log1p counts and genes, 3 above on pctMito.
    const cells = {
      n: 6,
      totalCounts: Float64Array.from([1000, 1100, 950, 1050, 20, 1000]),
      nGenes: Float64Array.from([500, 520, 480, 510, 490, 505]),
      pctMito: Float64Array.from([2, 2.5, 3, 2.2, 2.4, 40]),
    };
    const f = filterCells(cells, { mad: true });
    expect(Array.from(f.keep)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(f.failed.madTotalCounts).toBe(1);
    expect(f.failed.madPctMito).toBe(1);
  });

  test('gene filter (min cells over kept cells) and subsetting, hand-solved', () => {
    const g = filterGenes(tiny, { minCells: 1 });
    expect(Array.from(g.nCells)).toEqual([1, 1, 1, 2]);
    expect(Array.from(g.keep)).toEqual([1, 1, 1, 1]);
    const g2 = filterGenes(tiny, { minCells: 1, cells: [0, 1, 0] });
    expect(Array.from(g2.keep)).toEqual([0, 1, 0, 1]);
    const s = subsetCsr(tiny, [1, 1, 0], g2.keep);
    expect(s.n).toBe(2);
    expect(s.d).toBe(2);
    expect(Array.from(csrToDense(s))).toEqual([0, 1, 5, 3]);
    expect(s.values).toBeInstanceOf(Float32Array);
  });
});

describe('normalize_total + log1p', () => {
  test('hand-solved, and an empty cell stays empty', async () => {
    const r = await normalizeTotal(tiny, { targetSum: 100, engine: cpu });
    // cell 0: total 4 → ×25: 25, 50, 25; cell 1: total 8 → ×12.5: 62.5, 37.5.
    expect(Array.from(r.values)).toEqual([25, 50, 25, 62.5, 37.5].map(Math.log1p));
    expect(Array.from(r.totals)).toEqual([4, 8, 0]);
    const plain = await normalizeTotal(tiny, { targetSum: 100, log1p: false, engine: cpu });
    expect(Array.from(plain.values)).toEqual([25, 50, 25, 62.5, 37.5]);
    await expect(normalizeTotal(tiny, { targetSum: 0, engine: cpu })).rejects.toThrow(/targetSum/);
  });

  test('pbmc68k: each cell sums to 1e4 before log1p', async () => {
    const r = await normalizeTotal(pbmc.csr, { log1p: false, engine: cpu });
    for (let i = 0; i < 700; i++) {
      let s = 0;
      for (let p = r.indptr[i]; p < r.indptr[i + 1]; p++) s += r.values[p];
      expectRelClose(s, 1e4, F64_RTOL, `cell ${i} total`);
    }
  });
});

describe('highly variable genes', () => {
  const fx = (
    loessFixture as unknown as {
      cases: { name: string; x: number[]; y: number[]; interpolate: number[]; direct: number[]; gene_index: number[] }[];
    }
  ).cases.find((c) => c.name === 'pbmc68k-seurat_v3')!;

  test("seurat_v3 on pbmc68k equals scanpy's formula on R's loess fit", async () => {
    const n = 700;
    const d = 765;
    const X = pbmc.dense;
    const { mean, variance } = columnMoments(X, n, d);
    // The regression input matches R's (computed independently in make_loess.R).
    fx.gene_index.forEach((g, i) => {
      // R's one-pass variance (Σx² − n·m²)/(n − 1) against the two-pass one here: round-off only.
      expect(Math.abs(Math.log10(mean[g]) - fx.x[i])).toBeLessThan(1e-12);
      expect(Math.abs(Math.log10(variance[g]) - fx.y[i])).toBeLessThan(1e-12);
    });
    // scanpy: reg_std = √10^fit, clip at reg_std·√n + mean, normalised variance of clipped counts.
    const fit = new Float64Array(d);
    fx.gene_index.forEach((g, i) => (fit[g] = fx.interpolate[i]));
    const expected = new Float64Array(d);
    for (let g = 0; g < d; g++) {
      const regStd = Math.sqrt(10 ** fit[g]);
      const clip = regStd * Math.sqrt(n) + mean[g];
      let s1 = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const v = Math.min(X[i * d + g], clip);
        s1 += v;
        s2 += v * v;
      }
      expected[g] = (n * mean[g] ** 2 + s2 - 2 * s1 * mean[g]) / ((n - 1) * regStd * regStd);
    }
    const r = await highlyVariableGenes(pbmc.csr, { nTopGenes: 200, engine: cpu });
    expect(r.flavor).toBe('seurat_v3');
    for (let g = 0; g < d; g++) {
      expectRelClose(r.means[g], mean[g], 1e-12, `mean ${g}`);
      expectRelClose(r.variances[g], variance[g], 1e-12, `variance ${g}`);
      expectRelClose(r.variancesNorm![g], expected[g], 1e-9, `normalised variance ${g}`);
    }
    const order = Array.from({ length: d }, (_, g) => g).sort((a, b) => expected[b] - expected[a]);
    expect(Array.from(r.genes)).toEqual(order.slice(0, 200).sort((a, b) => a - b));
    expect(r.rank![order[0]]).toBe(0);
    expect(r.rank![order[199]]).toBe(199);
    expect(r.rank![order[200]]).toBeNaN();
    // The 'direct' surface moves the fit enough to change the ranking near the cut-off.
    const direct = await highlyVariableGenes(pbmc.csr, { nTopGenes: 200, loessSurface: 'direct', engine: cpu });
    expect(direct.genes.length).toBe(200);
  });

  test('seurat (dispersion) flavour: dispersions and their bin z-scores against an independent computation', async () => {
    const lognorm = await normalizeTotal(pbmc.csr, { engine: cpu });
    const n = 700;
    const d = 765;
    const E = Float64Array.from(csrToDense(lognorm), Math.expm1);
    const { mean, variance } = columnMoments(E, n, d);
    const logDisp = Float64Array.from(mean, (m, g) => Math.log(variance[g] / m));
    const logMean = Float64Array.from(mean, (m) => Math.log1p(m));
    // 20 equal-width bins over [min, max] of log mean (right-closed; the lowest edge lowered by 0.1 % of the range).
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of logMean) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const width = (hi - lo) / 20;
    const bin = Int32Array.from(logMean, (v) => Math.min(19, Math.max(0, Math.ceil((v - lo) / width) - 1)));
    const r = await highlyVariableGenes(lognorm, { flavor: 'seurat', nTopGenes: 100, engine: cpu });
    const binsLib = equalWidthBins(logMean, 20);
    // Independent binning agrees except possibly at exact edges (none here).
    expect(Array.from(binsLib)).toEqual(Array.from(bin));
    for (let b = 0; b < 20; b++) {
      const members = [...bin.keys()].filter((g) => bin[g] === b);
      if (members.length < 2) continue;
      const avg = members.reduce((s, g) => s + logDisp[g], 0) / members.length;
      const sd = Math.sqrt(members.reduce((s, g) => s + (logDisp[g] - avg) ** 2, 0) / (members.length - 1));
      for (const g of members) {
        expectRelClose(r.dispersions![g], logDisp[g], 1e-9, `log dispersion ${g}`);
        expect(Math.abs(r.dispersionsNorm![g] - (logDisp[g] - avg) / sd)).toBeLessThan(1e-9);
      }
    }
    // Top 100 by normalised dispersion.
    const sorted = Array.from(r.dispersionsNorm!)
      .filter((v) => !Number.isNaN(v))
      .sort((a, b) => b - a);
    const cut = sorted[99];
    for (let g = 0; g < d; g++) expect(r.highlyVariable[g]).toBe(r.dispersionsNorm![g] >= cut ? 1 : 0);
    // Cut-offs instead of nTopGenes (scanpy's defaults): mean in (0.0125, 3), z > 0.5.
    const c = await highlyVariableGenes(lognorm, { flavor: 'seurat', engine: cpu });
    for (let g = 0; g < d; g++) {
      const z = Number.isNaN(c.dispersionsNorm![g]) ? 0 : c.dispersionsNorm![g];
      expect(c.highlyVariable[g]).toBe(logMean[g] > 0.0125 && logMean[g] < 3 && z > 0.5 ? 1 : 0);
    }
  });

  test("equal-width bins as pandas.cut, and scanpy's rule for a bin holding one gene (z = 1)", async () => {
    const bins = equalWidthBins(Float64Array.from([0, 0.1, 0.2, 5, 10]), 20);
    // Edges 0, 0.5, …, 10 (the lowest lowered by 0.01): right-closed, so 5 falls in bin 9.
    expect(Array.from(bins)).toEqual([0, 0, 0, 9, 19]);
    // Ten genes with small values and one with large values: the large one is alone in the top
    // bin, whose standard deviation is undefined; scanpy then uses dev = avg, avg = 0 → z = 1.
    const n = 40;
    const d = 11;
    const X = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let g = 0; g < 10; g++) X[i * d + g] = (i * 7 + g * 3) % 5 === 0 ? 0.3 + 0.05 * g : 0;
      X[i * d + 10] = 3 + ((i * 13) % 7) * 0.2;
    }
    const r = await highlyVariableGenes(denseToCsr(X, n, d), { flavor: 'seurat', engine: cpu });
    expect(r.dispersionsNorm![10]).toBeCloseTo(1, 14);
  });
});

describe('scale', () => {
  test('(x − mean)/std with ddof 1, constant genes → 0, clipped at ±maxValue; against a dense computation', async () => {
    const lognorm = await normalizeTotal(pbmc.csr, { engine: cpu });
    const genes = [0, 5, 17, 300, 764];
    const r = await scaleData(lognorm, { genes, maxValue: 2.5, engine: cpu });
    const D = csrToDense(lognorm);
    const { mean, variance } = columnMoments(D, 700, 765);
    let clipped = 0;
    genes.forEach((g, c) => {
      const sd = Math.sqrt(variance[g]);
      expectRelClose(r.mean[c], mean[g], 1e-12, 'mean');
      expectRelClose(r.std[c], sd, 1e-12, 'std');
      for (let i = 0; i < 700; i++) {
        const v = Math.min(2.5, Math.max(-2.5, (D[i * 765 + g] - mean[g]) / sd));
        if (Math.abs(v) === 2.5) clipped++;
        expect(Math.abs(r.data[i * genes.length + c] - v)).toBeLessThan(1e-12);
      }
    });
    expect(clipped).toBeGreaterThan(0);
    // A constant gene: std 1, scaled to 0; no clip with maxValue null.
    const flat = denseToCsr([3, 1, 3, 2, 3, 0], 3, 2);
    const f = await scaleData(flat, { maxValue: null, engine: cpu });
    expect(Array.from(f.std)).toEqual([1, 1]);
    expect(Array.from(f.data)).toEqual([0, 0, 0, 1, 0, -1]);
  });
});
