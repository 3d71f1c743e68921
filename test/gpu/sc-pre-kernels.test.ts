/**
 * The single-cell preprocessing kernels on WebGPU (headless Chromium) against float64: tiled
 * matrix products against exact products, randomized PCA against the exact PCA, and QC /
 * normalisation / gene statistics / HVG / scaling against the CPU reference. Plus what only
 * the GPU path has: chunking, split dispatches, same seed → same bits. Tolerances:
 * test/tolerance.ts and test/fixtures/sc-pre/reference.ts.
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { pca } from '../../src/sc/pca.js';
import { householderQ, gaussianMatrix } from '../../src/sc/linalg.js';
import { GpuDense } from '../../src/backends/webgpu/sc/dense.js';
import { GpuCsrOps } from '../../src/backends/webgpu/sc/csr.js';
import { withGpu } from '../../src/gpu/session.js';
import type { LoadedCsr } from '../../src/io/types.js';
import { qcMetrics } from '../../src/sc/qc.js';
import { highlyVariableGenes } from '../../src/sc/hvg.js';
import { normalizeTotal, scaleData } from '../../src/sc/preprocess.js';
import { F32_PARAM_ATOL, F32_PARAM_RTOL, F32_OBJ_RTOL, expectRelClose } from '../tolerance.js';
import {
  PCA_ANGLE_RAD,
  PCA_EV_RTOL,
  columnMoments,
  exactPca,
  maxPrincipalAngle,
  plantedLowRank,
  denseToCsr,
} from '../fixtures/sc-pre/reference.js';

let gpu: Engine;
let cpu: Engine;
let chunked: Engine;
let split: Engine;
let tiny: Engine;
beforeAll(async () => {
  // One device for every engine of this file, so pipelines compile once (SwiftShader compiles slowly).
  const device = await (await navigator.gpu.requestAdapter())!.requestDevice();
  gpu = await createEngine({ backend: 'webgpu', device });
  chunked = await createEngine({ backend: 'webgpu', device, maxChunkRows: 512 });
  split = await createEngine({ backend: 'webgpu', device, maxWorkgroupsPerDimension: 8 });
  tiny = await createEngine({ backend: 'webgpu', device, maxChunkRows: 37 });
  cpu = await createEngine({ backend: 'reference' });
  expect(gpu.backend).toBe('webgpu');
});

/** Seeded negative-binomial-like counts: cells × genes, a few cell types, some empty genes and one empty cell. */
function syntheticCounts(n: number, d: number, seed: number): LoadedCsr {
  let s = seed >>> 0 || 1;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const poisson = (lam: number) => {
    if (lam > 30) return Math.max(0, Math.round(lam + Math.sqrt(lam) * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())));
    const L = Math.exp(-lam);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= u();
    } while (p > L);
    return k - 1;
  };
  const base = Float64Array.from({ length: d }, (_, g) => (g % 50 === 7 ? 0 : Math.exp(-4 + 6 * u())));
  const types = 4;
  const effect = Float64Array.from({ length: types * d }, () => (u() < 0.1 ? Math.exp(3 * (u() - 0.3)) : 1));
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    if (i === 5) continue; // an empty cell
    const t = i % types;
    const size = Math.exp(0.5 * (u() - 0.5));
    for (let g = 0; g < d; g++) {
      const lam = base[g] * effect[t * d + g] * size;
      // Gamma-Poisson mixing (dispersion 0.5) via a lognormal size factor per entry.
      x[i * d + g] = lam > 0 ? poisson(lam * Math.exp(0.7 * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) - 0.245)) : 0;
    }
  }
  return denseToCsr(x, n, d);
}

describe('tiled matrix products on the GPU against float64', () => {
  const n = 1300;
  const g = 150;
  const l = 20;
  const x = plantedLowRank(n, g, [20, 10, 5], 1, 4);
  const { mean } = columnMoments(x, n, g);
  const xc = Float64Array.from(x, (v, i) => v - mean[i % g]);
  const q = householderQ(gaussianMatrix(g, l, 9), g, l);

  test('Xᵀ(X·Q) and X·V within float32 round-off of the exact products (and ragged sizes: g, l not multiples of 64)', async () => {
    const { z, scores } = await withGpu(gpu, async (runner, chunking) => {
      const op = GpuDense.fromHost(runner, { n, d: g, data: x }, mean, l, chunking);
      const zz = await op.gram(q, l);
      const ss = await op.project(q.subarray(0, g * l), l);
      return { z: zz, scores: ss };
    });
    // Exact Y = X_c Q, Z = X_cᵀ Y, and the absolute-value products that bound float32 round-off.
    const y = new Float64Array(n * l);
    const ya = new Float64Array(n * l);
    for (let i = 0; i < n; i++)
      for (let f = 0; f < g; f++)
        for (let a = 0; a < l; a++) {
          y[i * l + a] += xc[i * g + f] * q[f * l + a];
          ya[i * l + a] += Math.abs(xc[i * g + f] * q[f * l + a]);
        }
    const zRef = new Float64Array(g * l);
    const zAbs = new Float64Array(g * l);
    for (let i = 0; i < n; i++)
      for (let f = 0; f < g; f++)
        for (let a = 0; a < l; a++) {
          zRef[f * l + a] += xc[i * g + f] * y[i * l + a];
          zAbs[f * l + a] += Math.abs(xc[i * g + f]) * ya[i * l + a];
        }
    let worstZ = 0;
    for (let e = 0; e < g * l; e++) worstZ = Math.max(worstZ, Math.abs(z[e] - zRef[e]) / zAbs[e]);
    let worstY = 0;
    for (let e = 0; e < n * l; e++) worstY = Math.max(worstY, Math.abs(scores[e] - y[e]) / ya[e]);
    // Errors relative to Σ|terms| (the natural float32 bound): a few ε₃₂ = 6e-8 per rounding of
    // the inputs, the block sums and the Kahan-folded totals; F32_PARAM_RTOL = 1e-5 leaves a wide margin.
    console.log(`matmul: max |Z − Z₆₄| / (|X|ᵀ|X||Q|) = ${worstZ.toExponential(2)}, max |Y − Y₆₄| / (|X||Q|) = ${worstY.toExponential(2)}`);
    expect(worstZ).toBeLessThan(F32_PARAM_RTOL);
    expect(worstY).toBeLessThan(F32_PARAM_RTOL);
  });
});

describe('randomized PCA on the GPU against the exact PCA', () => {
  const n = 3000;
  const d = 200;
  const k = 10;
  const x = plantedLowRank(n, d, [60, 45, 34, 26, 20, 15, 12, 9, 7, 5.5], 0.5, 21);
  const exact = exactPca(x, n, d, k);
  const X = { n, d, data: x };

  test('subspace angle, explained variance, scores; CPU agrees too', async () => {
    const g = await pca(X, { nComps: k, seed: 2, engine: gpu });
    const c = await pca(X, { nComps: k, seed: 2, engine: cpu });
    expect(g.backend).toBe('webgpu');
    const angleG = maxPrincipalAngle(g.loadings, exact.loadings, d, k);
    const angleC = maxPrincipalAngle(c.loadings, exact.loadings, d, k);
    let evG = 0;
    let evC = 0;
    for (let j = 0; j < k; j++) {
      evG = Math.max(evG, Math.abs(g.explainedVariance[j] - exact.variance[j]) / exact.variance[j]);
      evC = Math.max(evC, Math.abs(c.explainedVariance[j] - exact.variance[j]) / exact.variance[j]);
    }
    console.log(
      `PCA n=${n} d=${d} k=${k}: max angle GPU ${angleG.toExponential(2)} rad, CPU ${angleC.toExponential(2)} rad; ` +
        `max rel EV error GPU ${evG.toExponential(2)}, CPU ${evC.toExponential(2)}; GPU ${g.timings.totalMs.toFixed(0)} ms, ${g.gpu!.dispatches} dispatches, ${g.gpu!.readbacks} readbacks`,
    );
    expect(angleG).toBeLessThan(PCA_ANGLE_RAD);
    expect(angleC).toBeLessThan(PCA_ANGLE_RAD);
    expect(evG).toBeLessThan(PCA_EV_RTOL);
    expect(evC).toBeLessThan(PCA_EV_RTOL);
    // Scores: float32 products of float32-rounded data, against the CPU's float64 ones.
    const scale = Math.sqrt(exact.variance[0]);
    let worst = 0;
    for (let e = 0; e < n * k; e++) worst = Math.max(worst, Math.abs(g.scores[e] - c.scores[e]));
    expect(worst).toBeLessThan(F32_PARAM_ATOL * scale * 10);
    expectRelClose(g.totalVariance, exact.total, F32_OBJ_RTOL, 'total variance');
  });

  test('same seed → same bits; chunks of whole segments → same bits; split dispatches → same bits', async () => {
    const o = { nComps: k, seed: 5, nIter: 2 };
    const a = await pca(X, { ...o, engine: gpu });
    const b = await pca(X, { ...o, engine: gpu });
    expect(b.loadings).toEqual(a.loadings);
    expect(b.scores).toEqual(a.scores);
    expect(b.explainedVariance).toEqual(a.explainedVariance);
    const c = await pca(X, { ...o, engine: chunked });
    expect(c.gpu!.chunks).toBe(6);
    expect(c.loadings).toEqual(a.loadings);
    expect(c.scores).toEqual(a.scores);
    const s = await pca(X, { ...o, engine: split });
    expect(s.loadings).toEqual(a.loadings);
    expect(s.scores).toEqual(a.scores);
  });

  test('tiny ragged chunks (37 rows) agree within the tolerances', async () => {
    const y = plantedLowRank(900, 70, [30, 20, 12, 8], 0.5, 8);
    const r = await pca({ n: 900, d: 70, data: y }, { nComps: 4, seed: 1, nIter: 4, engine: tiny });
    const ex = exactPca(y, 900, 70, 4);
    expect(r.gpu!.chunks).toBe(Math.ceil(900 / 37));
    expect(maxPrincipalAngle(r.loadings, ex.loadings, 70, 4)).toBeLessThan(PCA_ANGLE_RAD);
    for (let j = 0; j < 4; j++) expectRelClose(r.explainedVariance[j], ex.variance[j], PCA_EV_RTOL, `explained variance ${j}`);
  });
});

describe('QC, normalisation, gene statistics, HVG and scaling: WebGPU = CPU reference', () => {
  const counts = syntheticCounts(2000, 400, 17);

  test('QC metrics: exact for whole-number counts', async () => {
    const mitoMask = Uint8Array.from({ length: 400 }, (_, g) => (g % 40 === 3 ? 1 : 0));
    const a = await qcMetrics(counts, { mitoMask, engine: gpu });
    const b = await qcMetrics(counts, { mitoMask, engine: cpu });
    expect(a.backend).toBe('webgpu');
    expect(a.totalCounts).toEqual(b.totalCounts);
    expect(a.nGenes).toEqual(b.nGenes);
    expect(a.mitoCounts).toEqual(b.mitoCounts);
    expect(a.pctMito).toEqual(b.pctMito);
    expect(a.totalCounts[5]).toBe(0);
  });

  test('normalize_total + log1p within float32 round-off', async () => {
    const a = await normalizeTotal(counts, { engine: gpu });
    const b = await normalizeTotal(counts, { engine: cpu });
    expect(a.totals).toEqual(b.totals);
    let worst = 0;
    for (let p = 0; p < counts.nnz; p++) worst = Math.max(worst, Math.abs(a.values[p] - b.values[p]) / (1 + Math.abs(b.values[p])));
    expect(worst).toBeLessThan(F32_PARAM_RTOL);
  });

  test('seurat_v3 HVG: normalised variances within float32 policy, the same genes', async () => {
    const a = await highlyVariableGenes(counts, { nTopGenes: 100, engine: gpu });
    const b = await highlyVariableGenes(counts, { nTopGenes: 100, engine: cpu });
    let worst = 0;
    for (let g = 0; g < 400; g++) {
      worst = Math.max(worst, Math.abs(a.variancesNorm![g] - b.variancesNorm![g]) / Math.max(b.variancesNorm![g], 1e-300));
      expect(Math.abs(a.means[g] - b.means[g])).toBeLessThanOrEqual(F32_PARAM_RTOL * b.means[g]);
    }
    expect(worst).toBeLessThan(1e-4);
    expect(Array.from(a.genes)).toEqual(Array.from(b.genes));
  });

  test('seurat (dispersion) HVG on log-normalised data; scaling', async () => {
    const lognorm = await normalizeTotal(counts, { engine: cpu });
    const a = await highlyVariableGenes(lognorm, { flavor: 'seurat', engine: gpu });
    const b = await highlyVariableGenes(lognorm, { flavor: 'seurat', engine: cpu });
    for (let g = 0; g < 400; g++) {
      if (Number.isNaN(b.dispersionsNorm![g])) {
        expect(a.dispersionsNorm![g]).toBeNaN();
        continue;
      }
      expect(Math.abs(a.dispersionsNorm![g] - b.dispersionsNorm![g])).toBeLessThan(1e-4 * (1 + Math.abs(b.dispersionsNorm![g])));
    }
    expect(Array.from(a.genes)).toEqual(Array.from(b.genes));
    const sa = await scaleData(lognorm, { genes: b.genes, engine: gpu });
    const sb = await scaleData(lognorm, { genes: b.genes, engine: cpu });
    let worst = 0;
    for (let e = 0; e < sb.data.length; e++) worst = Math.max(worst, Math.abs(sa.data[e] - sb.data[e]));
    // Scaled values are O(1) (clipped at 10): absolute float32 policy on unit-scale data.
    expect(worst).toBeLessThan(F32_PARAM_ATOL);
    for (let c = 0; c < b.genes.length; c++) expect(Math.abs(sa.scaledMean[c] - sb.scaledMean[c])).toBeLessThan(F32_PARAM_ATOL);
    // The dense matrix built from CSR chunks (37 rows) into dense chunks (100 rows): every kind of
    // partial overlap between the two row partitions; the same values as one chunk of each.
    const build = (csrRows: number | undefined, denseRows: number | undefined) =>
      withGpu(gpu, async (runner) => {
        const ops = new GpuCsrOps(runner, lognorm, csrRows ? { maxChunkRows: csrRows } : {});
        const dense = await GpuDense.fromCsr(
          runner,
          ops,
          'raw',
          b.genes,
          sb.mean,
          sb.std,
          10,
          sb.scaledMean,
          1,
          denseRows ? { maxChunkRows: denseRows } : {},
        );
        expect(ops.chunks.length).toBe(csrRows ? Math.ceil(2000 / csrRows) : 1);
        expect(dense.chunks.length).toBe(denseRows ? Math.ceil(2000 / denseRows) : 1);
        return (await dense.read()) as Float32Array;
      });
    expect(await build(37, 100)).toEqual(await build(undefined, undefined));
  });
});
