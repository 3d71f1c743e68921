/**
 * The single-cell stages on the 'wasm' backend against the float64 reference, on the real
 * pbmc68k_reduced counts (test/fixtures/sc-pre). The CSR values, the 'norm' layer and the dense
 * PCA matrix are float32 on 'wasm' (as on WebGPU); every sum is float64. So QC sums and totals are
 * exact, and the rest is held to test/tolerance.ts's float32 policy and the PCA tolerances of
 * test/fixtures/sc-pre/reference.ts, as the WebGPU tests (test/gpu/sc-pre-*.test.ts) are.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { highlyVariableGenes } from '../../src/sc/hvg.js';
import { pca } from '../../src/sc/pca.js';
import { normalizeTotal, preprocess, scaleData } from '../../src/sc/preprocess.js';
import { qcMetrics } from '../../src/sc/qc.js';
import type { CsrMatrix } from '../../src/sparse.js';
import { PCA_ANGLE_RAD, PCA_EV_RTOL, maxPrincipalAngle, pbmcFromText } from '../fixtures/sc-pre/reference.js';
import { F32_PARAM_ATOL, F32_PARAM_RTOL, expectRelClose } from '../tolerance.js';

const FIX = new URL('../fixtures/sc-pre/', import.meta.url);
const mtx = gunzipSync(readFileSync(new URL('pbmc68k_counts.mtx.gz', FIX))).toString('utf8');
const genesTsv = gunzipSync(readFileSync(new URL('pbmc68k_genes.tsv.gz', FIX))).toString('utf8');
const pbmc = pbmcFromText(mtx, genesTsv);

const OPTIONS = {
  cells: { minGenes: 200, maxPctMito: 5 },
  minCells: 3,
  hvg: { nTopGenes: 400 },
  pca: { nComps: 30, seed: 0 },
  returnScaled: true,
} as const;

let ref: Engine;
let w1: Engine;
let w2: Engine;
beforeAll(async () => {
  ref = await createEngine({ backend: 'reference' });
  w1 = await createEngine({ backend: 'wasm', threads: 1 });
  w2 = await createEngine({ backend: 'wasm', threads: 2 });
});
afterAll(() => {
  w1?.destroy();
  w2?.destroy();
});

/** Largest |a − b| / (1 + |b|). */
function worstRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < b.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return w;
}

/** Columns 0..take−1 of a d × k row-major matrix. */
function cols(a: ArrayLike<number>, d: number, k: number, take: number): Float64Array {
  const out = new Float64Array(d * take);
  for (let f = 0; f < d; f++) for (let j = 0; j < take; j++) out[f * take + j] = a[f * k + j];
  return out;
}

/** The pbmc cells repeated `times` times (rows), so the matrix spans several 4096-cell blocks. */
function tiled(m: CsrMatrix, times: number): CsrMatrix {
  const nnz = m.indptr[m.n];
  const indptr = new Uint32Array(m.n * times + 1);
  const indices = new Uint32Array(nnz * times);
  const values = new Float32Array(nnz * times);
  for (let t = 0; t < times; t++) {
    for (let i = 0; i < m.n; i++) indptr[t * m.n + i + 1] = t * nnz + m.indptr[i + 1];
    for (let p = 0; p < nnz; p++) {
      indices[t * nnz + p] = m.indices[p];
      // Vary the copies a little so blocks differ.
      values[t * nnz + p] = m.values[p] + (t % 3 === 0 && m.values[p] > 1 ? 1 : 0);
    }
  }
  return { n: m.n * times, d: m.d, nnz: nnz * times, indptr, indices, values };
}

/** A hash of the bytes of typed arrays (their element types included). */
function digest(...arrays: ArrayBufferView[]): string {
  const h = createHash('sha256');
  for (const a of arrays) h.update(a.constructor.name).update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

function snapshot(m: CsrMatrix): string {
  return digest(m.indptr as Uint32Array, m.indices as Uint32Array, m.values as Float32Array);
}

describe("single-cell stages on 'wasm' against the float64 reference (pbmc68k_reduced)", () => {
  test('qcMetrics: totals, genes detected and mitochondrial counts are exact', async () => {
    const a = await qcMetrics(pbmc.csr, { geneNames: pbmc.genes, engine: w2 });
    const b = await qcMetrics(pbmc.csr, { geneNames: pbmc.genes, engine: ref });
    expect(a.totalCounts).toEqual(b.totalCounts);
    expect(a.nGenes).toEqual(b.nGenes);
    expect(a.mitoCounts).toEqual(b.mitoCounts);
    expect(a.pctMito).toEqual(b.pctMito);
  });

  test('normalizeTotal: totals exact, log1p values within float32 round-off, backend named wasm', async () => {
    const a = await normalizeTotal(pbmc.csr, { engine: w2 });
    const b = await normalizeTotal(pbmc.csr, { engine: ref });
    expect(a.backend).toBe('wasm');
    expect(a.totals).toEqual(b.totals);
    expect(Array.from(a.indptr)).toEqual(Array.from(b.indptr));
    expect(worstRel(a.values, b.values)).toBeLessThan(F32_PARAM_RTOL);
    const plain = await normalizeTotal(pbmc.csr, { engine: w1, log1p: false, targetSum: 1e4 });
    const plainRef = await normalizeTotal(pbmc.csr, { engine: ref, log1p: false, targetSum: 1e4 });
    let worst = 0;
    for (let p = 0; p < plainRef.values.length; p++)
      worst = Math.max(worst, Math.abs(plain.values[p] - plainRef.values[p]) / Math.abs(plainRef.values[p]));
    expect(worst).toBeLessThan(F32_PARAM_RTOL);
  });

  test('highlyVariableGenes: the same genes and variances within the float32 policy, seurat_v3 and seurat', async () => {
    for (const flavor of ['seurat_v3', 'seurat'] as const) {
      const input = flavor === 'seurat' ? await normalizeTotal(pbmc.csr, { engine: ref }) : pbmc.csr;
      const a = await highlyVariableGenes(input, { flavor, nTopGenes: 300, engine: w2 });
      const b = await highlyVariableGenes(input, { flavor, nTopGenes: 300, engine: ref });
      expect(Array.from(a.genes)).toEqual(Array.from(b.genes));
      for (let j = 0; j < b.d; j++) {
        expect(Math.abs(a.means[j] - b.means[j])).toBeLessThanOrEqual(
          F32_PARAM_ATOL * Math.sqrt(b.variances[j]) + F32_PARAM_RTOL * b.means[j],
        );
        if (b.variances[j] > 0) expectRelClose(a.variances[j], b.variances[j], 1e-4, `${flavor} variance ${j}`);
      }
    }
  });

  test('scaleData: gene means and stds, scaled moments and the dense matrix within the float32 policy', async () => {
    const norm = await normalizeTotal(pbmc.csr, { engine: ref });
    const genes = Uint32Array.from({ length: 200 }, (_, i) => (i * 37) % pbmc.csr.d);
    const a = await scaleData(norm, { genes, engine: w2 });
    const b = await scaleData(norm, { genes, engine: ref });
    expect(a.backend).toBe('wasm');
    expect([a.n, a.d]).toEqual([b.n, b.d]);
    for (let j = 0; j < genes.length; j++) {
      expect(Math.abs(a.mean[j] - b.mean[j])).toBeLessThanOrEqual(F32_PARAM_ATOL * b.std[j] + F32_PARAM_RTOL * Math.abs(b.mean[j]));
      expectRelClose(a.std[j], b.std[j], 1e-4, `std ${j}`);
      expect(Math.abs(a.scaledMean[j] - b.scaledMean[j])).toBeLessThan(F32_PARAM_ATOL);
      expect(Math.abs(a.scaledVariance[j] - b.scaledVariance[j])).toBeLessThan(F32_PARAM_ATOL);
    }
    let worst = 0;
    for (let e = 0; e < b.data.length; e++) worst = Math.max(worst, Math.abs(a.data[e] - b.data[e]));
    expect(worst).toBeLessThan(F32_PARAM_ATOL);
  });

  test('pca on a dense input: explained variance, subspace and scores agree with the reference', async () => {
    const norm = await normalizeTotal(pbmc.csr, { engine: ref });
    const s = await scaleData(norm, { engine: ref });
    const X = { n: s.n, d: s.d, data: s.data };
    const a = await pca(X, { nComps: 20, seed: 0, engine: w2 });
    const b = await pca(X, { nComps: 20, seed: 0, engine: ref });
    expect(a.backend).toBe('wasm');
    for (let j = 0; j < 5; j++) expectRelClose(a.explainedVariance[j], b.explainedVariance[j], PCA_EV_RTOL, `explained variance ${j}`);
    expect(maxPrincipalAngle(cols(a.loadings, s.d, 20, 5), cols(b.loadings, s.d, 20, 5), s.d, 5)).toBeLessThan(PCA_ANGLE_RAD);
    for (let j = 0; j < 5; j++) {
      const sd = Math.sqrt(b.explainedVariance[j]);
      let worst = 0;
      for (let i = 0; i < s.n; i++) worst = Math.max(worst, Math.abs(a.scores[i * 20 + j] - b.scores[i * 20 + j]));
      expect(worst).toBeLessThan(1e-3 * sd);
    }
  });

  test('preprocess: the same cells, genes and HVGs; scaled matrix and PCA within the tolerances', async () => {
    const opts = { ...OPTIONS, qc: { geneNames: pbmc.genes } };
    const a = await preprocess(pbmc.csr, { ...opts, engine: w2 });
    const b = await preprocess(pbmc.csr, { ...opts, engine: ref });
    expect(a.backend).toBe('wasm');
    expect(a.pca.backend).toBe('wasm');
    expect(a.qc.totalCounts).toEqual(b.qc.totalCounts);
    expect(a.cells).toEqual(b.cells);
    expect(a.genes).toEqual(b.genes);
    expect(a.totals).toEqual(b.totals);
    expect(worstRel(a.normalized!.values, b.normalized!.values)).toBeLessThan(F32_PARAM_RTOL);
    expect(Array.from(a.hvg.genes)).toEqual(Array.from(b.hvg.genes));
    for (let j = 0; j < b.hvg.d; j++) {
      const r = b.hvg.variancesNorm![j];
      if (r > 0) expectRelClose(a.hvg.variancesNorm![j], r, 1e-4, `normalised variance ${j}`);
    }
    for (let j = 0; j < b.scale.mean.length; j++)
      expect(Math.abs(a.scale.scaledMean[j] - b.scale.scaledMean[j])).toBeLessThan(F32_PARAM_ATOL);
    let worstScaled = 0;
    for (let e = 0; e < b.scaled!.data.length; e++) worstScaled = Math.max(worstScaled, Math.abs(a.scaled!.data[e] - b.scaled!.data[e]));
    expect(worstScaled).toBeLessThan(F32_PARAM_ATOL);
    const G = b.scaled!.d;
    for (let j = 0; j < 7; j++)
      expectRelClose(a.pca.explainedVariance[j], b.pca.explainedVariance[j], PCA_EV_RTOL, `explained variance ${j}`);
    expect(maxPrincipalAngle(cols(a.pca.loadings, G, 30, 6), cols(b.pca.loadings, G, 30, 6), G, 6)).toBeLessThan(PCA_ANGLE_RAD);
    for (let j = 0; j < 6; j++) {
      const sd = Math.sqrt(b.pca.explainedVariance[j]);
      let worst = 0;
      for (let i = 0; i < b.scaled!.n; i++) worst = Math.max(worst, Math.abs(a.pca.scores[i * 30 + j] - b.pca.scores[i * 30 + j]));
      expect(worst).toBeLessThan(1e-3 * sd);
    }
  });
});

describe("single-cell stages on 'wasm': threads and caller arrays", () => {
  test('1, 2 and 3 threads give identical bits over several 4096-cell blocks; the caller arrays are unchanged', async () => {
    const big = tiled(pbmc.csr, 13); // 9100 cells: 3 blocks, the last partial
    const before = snapshot(big);
    const opts = {
      qc: { geneNames: pbmc.genes },
      cells: { minGenes: 200 },
      hvg: { nTopGenes: 300 },
      pca: { nComps: 10, seed: 1, nIter: 3 },
      returnScaled: true,
    };
    // Typed arrays by a hash of their bytes (their element type included), so big results compare quickly.
    const bits = (r: object) =>
      JSON.stringify(r, (k, v) =>
        /ms|Ms|timing/i.test(k)
          ? undefined
          : ArrayBuffer.isView(v)
            ? `${v.constructor.name}:${createHash('sha256')
                .update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
                .digest('hex')}`
            : v,
      );

    const a = await preprocess(big, { ...opts, engine: w1 });
    const b = await preprocess(big, { ...opts, engine: w2 });
    expect(bits(b)).toBe(bits(a));
    const w3 = await createEngine({ backend: 'wasm', threads: 3 });
    try {
      expect(bits(await preprocess(big, { ...opts, engine: w3 }))).toBe(bits(a));
    } finally {
      w3.destroy();
    }
    const v3 = { flavor: 'seurat_v3' as const, nTopGenes: 200 };
    expect(bits(await highlyVariableGenes(big, { ...v3, engine: w2 }))).toBe(bits(await highlyVariableGenes(big, { ...v3, engine: w1 })));
    expect(snapshot(big)).toBe(before);
    // A dense input to pca is not changed either.
    const X = { n: a.scaled!.n, d: a.scaled!.d, data: Float64Array.from(a.scaled!.data) };
    const x0 = digest(X.data);
    const p1 = await pca(X, { nComps: 8, seed: 2, engine: w1 });
    const p2 = await pca(X, { nComps: 8, seed: 2, engine: w2 });
    expect(bits(p2)).toBe(bits(p1));
    expect(digest(X.data)).toBe(x0);
  });
});
