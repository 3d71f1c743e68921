/**
 * preprocess() on WebGPU (headless Chromium) with the real pbmc68k_reduced counts, against the
 * CPU reference run in the same page and the exact PCA. Tolerances: test/tolerance.ts and
 * test/fixtures/sc-pre/reference.ts.
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { commands } from 'vitest/browser';
import { createEngine, type Engine } from '../../src/index.js';
import { preprocess, type PreprocessResult, type StageEvent } from '../../src/sc/preprocess.js';
import { F32_PARAM_ATOL, F32_PARAM_RTOL, expectRelClose } from '../tolerance.js';
import { PCA_ANGLE_RAD, PCA_EV_RTOL, exactPca, maxPrincipalAngle, pbmcFromText } from '../fixtures/sc-pre/reference.js';
import type { LoadedCsr } from '../../src/io/types.js';

async function gunzipFixture(path: string): Promise<string> {
  const b64 = (await commands.readFile(path, { encoding: 'base64' })) as string;
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text();
}

const OPTIONS = {
  cells: { minGenes: 200, maxPctMito: 5 },
  minCells: 3,
  hvg: { nTopGenes: 400 },
  pca: { nComps: 30, seed: 0 },
  returnScaled: true,
} as const;

let gpu: Engine;
let small: Engine;
let pbmc: { csr: LoadedCsr; genes: string[] };
let g: PreprocessResult;
let c: PreprocessResult;
const events: StageEvent[] = [];

beforeAll(async () => {
  // One device for both engines, so pipelines compile once (SwiftShader compiles slowly).
  const device = await (await navigator.gpu.requestAdapter())!.requestDevice();
  gpu = await createEngine({ backend: 'webgpu', device });
  small = await createEngine({ backend: 'webgpu', device, maxChunkRows: 100 });
  const cpu = await createEngine({ backend: 'reference' });
  const [mtx, genes] = await Promise.all([
    gunzipFixture('test/fixtures/sc-pre/pbmc68k_counts.mtx.gz'),
    gunzipFixture('test/fixtures/sc-pre/pbmc68k_genes.tsv.gz'),
  ]);
  pbmc = pbmcFromText(mtx, genes);
  const opts = { ...OPTIONS, qc: { geneNames: pbmc.genes } };
  g = await preprocess(pbmc.csr, { ...opts, onStage: (e) => events.push(e), engine: gpu });
  c = await preprocess(pbmc.csr, { ...opts, engine: cpu });
});

function cols(a: ArrayLike<number>, d: number, k: number, take: number): Float64Array {
  const out = new Float64Array(d * take);
  for (let f = 0; f < d; f++) for (let j = 0; j < take; j++) out[f * take + j] = a[f * k + j];
  return out;
}

describe('preprocess on pbmc68k_reduced: WebGPU against the CPU reference', () => {
  test('QC exact, the same cells and genes kept, totals exact, normalised values within float32 round-off', () => {
    expect(g.backend).toBe('webgpu');
    expect(g.qc.totalCounts).toEqual(c.qc.totalCounts);
    expect(g.qc.nGenes).toEqual(c.qc.nGenes);
    expect(g.qc.mitoCounts).toEqual(c.qc.mitoCounts);
    expect(g.cells).toEqual(c.cells);
    expect(g.genes).toEqual(c.genes);
    expect(g.totals).toEqual(c.totals);
    let worst = 0;
    const a = g.normalized!.values;
    const b = c.normalized!.values;
    for (let p = 0; p < b.length; p++) worst = Math.max(worst, Math.abs(a[p] - b[p]) / (1 + Math.abs(b[p])));
    expect(worst).toBeLessThan(F32_PARAM_RTOL);
    expect(events.map((e) => e.stage)).toEqual(['qc', 'filter', 'normalize', 'hvg', 'scale', 'pca']);
    expect(g.gpu!.readbacks).toBeGreaterThan(0);
  });

  test('HVG: the same genes, normalised variances within the float32 policy', () => {
    expect(Array.from(g.hvg.genes)).toEqual(Array.from(c.hvg.genes));
    let worst = 0;
    for (let j = 0; j < c.hvg.d; j++) {
      const ref = c.hvg.variancesNorm![j];
      if (ref > 0) worst = Math.max(worst, Math.abs(g.hvg.variancesNorm![j] - ref) / ref);
    }
    console.log(`pbmc68k HVG: max relative normalised-variance difference GPU vs CPU ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-4);
    for (let j = 0; j < c.scale.mean.length; j++) {
      expect(Math.abs(g.scale.mean[j] - c.scale.mean[j])).toBeLessThanOrEqual(
        F32_PARAM_ATOL * c.scale.std[j] + F32_PARAM_RTOL * Math.abs(c.scale.mean[j]),
      );
      expect(Math.abs(g.scale.scaledMean[j] - c.scale.scaledMean[j])).toBeLessThan(F32_PARAM_ATOL);
    }
    let worstScaled = 0;
    for (let e = 0; e < c.scaled!.data.length; e++) worstScaled = Math.max(worstScaled, Math.abs(g.scaled!.data[e] - c.scaled!.data[e]));
    expect(worstScaled).toBeLessThan(F32_PARAM_ATOL);
  });

  test('PCA: explained variance, subspace and scores agree with the CPU and the exact PCA', () => {
    const G = c.scaled!.d;
    const n = c.scaled!.n;
    const ex = exactPca(c.scaled!.data, n, G, 30);
    // Leading components (the spectrum is flat after the 7th; see the node test).
    let evCpu = 0;
    let evExact = 0;
    for (let j = 0; j < 7; j++) {
      evCpu = Math.max(evCpu, Math.abs(g.pca.explainedVariance[j] - c.pca.explainedVariance[j]) / c.pca.explainedVariance[j]);
      evExact = Math.max(evExact, Math.abs(g.pca.explainedVariance[j] - ex.variance[j]) / ex.variance[j]);
      expectRelClose(g.pca.explainedVarianceRatio[j], c.pca.explainedVarianceRatio[j], PCA_EV_RTOL, `variance ratio ${j}`);
    }
    let evTail = 0;
    for (let j = 7; j < 30; j++)
      evTail = Math.max(evTail, Math.abs(g.pca.explainedVariance[j] - c.pca.explainedVariance[j]) / c.pca.explainedVariance[j]);
    const angleCpu = maxPrincipalAngle(cols(g.pca.loadings, G, 30, 6), cols(c.pca.loadings, G, 30, 6), G, 6);
    const angleExact = maxPrincipalAngle(cols(g.pca.loadings, G, 30, 6), cols(ex.loadings, G, 30, 6), G, 6);
    console.log(
      `pbmc68k PCA GPU: top-6 angle vs CPU ${angleCpu.toExponential(2)} rad, vs exact ${angleExact.toExponential(2)} rad; ` +
        `EV rel error (1..7) vs CPU ${evCpu.toExponential(2)}, vs exact ${evExact.toExponential(2)}; (8..30) vs CPU ${evTail.toExponential(2)}; ` +
        `GPU timings ${JSON.stringify(Object.fromEntries(Object.entries(g.timings).map(([a, b]) => [a, Math.round(b)])))}, ` +
        `CPU ${JSON.stringify(Object.fromEntries(Object.entries(c.timings).map(([a, b]) => [a, Math.round(b)])))}`,
    );
    expect(evCpu).toBeLessThan(PCA_EV_RTOL);
    expect(evExact).toBeLessThan(PCA_EV_RTOL);
    expect(angleCpu).toBeLessThan(PCA_ANGLE_RAD);
    expect(angleExact).toBeLessThan(PCA_ANGLE_RAD);
    // Scores of the leading components: same signs (svd_flip), values within float32 round-off
    // relative to each component's spread.
    for (let j = 0; j < 6; j++) {
      const sd = Math.sqrt(c.pca.explainedVariance[j]);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(g.pca.scores[i * 30 + j] - c.pca.scores[i * 30 + j]));
      expect(worst).toBeLessThan(1e-3 * sd);
    }
  });

  test('the same engine and seed give the same bits; small chunks agree within the tolerances', async () => {
    const opts = {
      ...OPTIONS,
      qc: { geneNames: pbmc.genes },
      returnNormalized: false,
      returnScaled: false,
      pca: { nComps: 10, seed: 0, nIter: 3 },
    };
    const a = await preprocess(pbmc.csr, { ...opts, engine: gpu });
    const b = await preprocess(pbmc.csr, { ...opts, engine: gpu });
    expect(b.pca.scores).toEqual(a.pca.scores);
    expect(b.pca.explainedVariance).toEqual(a.pca.explainedVariance);
    expect(b.hvg.variancesNorm).toEqual(a.hvg.variancesNorm);
    const s = await preprocess(pbmc.csr, { ...opts, engine: small });
    expect(s.gpu!.chunks).toBe(Math.ceil(a.cells.length / 100));
    expect(Array.from(s.hvg.genes)).toEqual(Array.from(a.hvg.genes));
    for (let j = 0; j < 7; j++)
      expectRelClose(s.pca.explainedVariance[j], a.pca.explainedVariance[j], PCA_EV_RTOL, `explained variance ${j}`);
  });
});
