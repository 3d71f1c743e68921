/**
 * preprocessStream (src/sc/stream/) against the in-memory pipeline: on pbmc3k (the first 400
 * cells of the 10x file) the streamed QC, filters, totals, HVG (both flavours) and scale
 * statistics are the same numbers as preprocess() on the reference backend, and with one PCA
 * tile the streamed PCA is its exact bits; on seeded synthetic counts with many tiles the PCA
 * agrees within the PCA tolerances, and the chunking does not change a bit.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createEngine, type Engine } from '../../src/index.js';
import { read10xDir } from '../../src/node.js';
import { preprocess, normalizeTotal } from '../../src/sc/preprocess.js';
import { preprocessStream } from '../../src/sc/stream/preprocess.js';
import { normalizeRowsInto } from '../../src/sc/row-ops.js';
import { subsetCsr } from '../../src/sc/matrix.js';
import { sampleNbMixture, type NbMixtureParams } from '../../src/sc/synthetic.js';
import { csrSource } from '../../src/stream/memory.js';
import { subsetSource } from '../../src/stream/subset.js';
import { CsrTiler } from '../../src/stream/tiles.js';
import type { CsrBlock, PassProgress } from '../../src/stream/types.js';
import type { CsrMatrix } from '../../src/sparse.js';
import { PCA_ANGLE_RAD, PCA_EV_RTOL, maxPrincipalAngle } from '../fixtures/sc-pre/reference.js';

const ROOT = new URL('../../', import.meta.url).pathname;
let cpu: Engine;
let pbmc: CsrMatrix & { genes: string[] };
let synth: CsrMatrix & { genes: string[] };

beforeAll(async () => {
  cpu = await createEngine({ backend: 'reference' });
  const d = await read10xDir(join(ROOT, 'data/pbmc3k'));
  const rows = new Uint8Array(d.n);
  rows.fill(1, 0, 400);
  pbmc = { ...subsetCsr(d, rows, new Uint8Array(d.d).fill(1)), genes: d.genes };
  const params = JSON.parse(gunzipSync(readFileSync(join(ROOT, 'data/pbmc3k/synthetic_nb.json.gz'))).toString()) as NbMixtureParams;
  const s = sampleNbMixture(params, { n: 1500, seed: 7, genes: 200 });
  synth = { ...s, genes: s.genes };
}, 60_000);

const arr = (a: ArrayLike<number>) => Array.from(a);

async function readAll(src: ReturnType<typeof csrSource>): Promise<CsrBlock> {
  return src.readRows(0, src.n);
}

describe('preprocessStream on pbmc3k equals preprocess (reference backend)', () => {
  for (const flavor of ['seurat_v3', 'seurat'] as const) {
    test(`${flavor}: QC, MAD and threshold filters, totals, HVG and scale statistics are the same numbers; one tile gives the PCA's bits`, async () => {
      const opts = {
        qc: { geneNames: pbmc.genes },
        cells: { minGenes: 200, maxPctMito: 5, mad: { nmads: 4 } },
        hvg: flavor === 'seurat' ? { flavor, nTopGenes: 200 } : { flavor, nTopGenes: 200 },
        pca: { nComps: 8, seed: 3, nIter: 2 },
      };
      const a = await preprocess(pbmc, { ...opts, engine: cpu });
      const b = await preprocessStream(csrSource(pbmc, { genes: pbmc.genes }), { ...opts, engine: cpu, chunkRows: 128, tileRows: 1 << 20 });
      for (const k of ['totalCounts', 'nGenes', 'mitoCounts', 'pctMito'] as const) expect(arr(b.qc[k])).toEqual(arr(a.qc[k]));
      expect(b.qc.mitoGenes).toBe(a.qc.mitoGenes);
      expect(b.cellFilter.failed).toEqual(a.cellFilter.failed);
      expect(b.cellFilter.mad).toEqual(a.cellFilter.mad);
      expect(arr(b.cellFilter.keep)).toEqual(arr(a.cellFilter.keep));
      expect(arr(b.geneFilter.nCells)).toEqual(arr(a.geneFilter.nCells));
      expect(arr(b.geneFilter.keep)).toEqual(arr(a.geneFilter.keep));
      expect(arr(b.cells)).toEqual(arr(a.cells));
      expect(arr(b.genes)).toEqual(arr(a.genes));
      expect(arr(b.totals)).toEqual(arr(a.totals));
      expect(b.cells.length).toBeGreaterThan(300);
      expect(b.cells.length).toBeLessThan(400);
      expect(arr(b.hvgGenes)).toEqual(arr(a.hvgGenes));
      expect(b.hvgGenes.length).toBe(200);
      expect(arr(b.hvg.variances)).toEqual(arr(a.hvg.variances));
      if (flavor === 'seurat_v3') expect(arr(b.hvg.variancesNorm!)).toEqual(arr(a.hvg.variancesNorm!));
      else expect(arr(b.hvg.dispersionsNorm!)).toEqual(arr(a.hvg.dispersionsNorm!));
      for (const k of ['mean', 'std', 'scaledMean', 'scaledVariance'] as const) expect(arr(b.scale[k])).toEqual(arr(a.scale[k]));
      expect(arr(b.pca.explainedVariance)).toEqual(arr(a.pca.explainedVariance));
      expect(arr(b.pca.loadings)).toEqual(arr(a.pca.loadings));
      expect(b.pca.scores).toBeInstanceOf(Float32Array);
      expect(arr(b.pca.scores)).toEqual(arr(Float32Array.from(a.pca.scores)));
      expect(b.hvgNames).toEqual(arr(b.hvgGenes).map((g) => pbmc.genes[g]));
      // The NB mixture's source: the kept cells × HVG raw counts, with an exact row index.
      const hv = new Uint8Array(pbmc.d);
      for (const g of a.hvgGenes) hv[g] = 1;
      const want = subsetCsr(pbmc, a.cellFilter.keep, hv);
      const got = await b.source.readRows(0, b.source.n);
      expect([b.source.n, b.source.d, b.source.nnz]).toEqual([want.n, want.d, want.nnz]);
      expect(arr(got.indptr)).toEqual(arr(want.indptr));
      expect(arr(got.indices)).toEqual(arr(want.indices));
      expect(arr(got.values)).toEqual(arr(want.values));
    }, 30_000);
  }
});

describe('streamed normalisation', () => {
  test("normalize_total + log1p per chunk gives normalizeTotal's values and totals exactly", async () => {
    const want = await normalizeTotal(synth, { engine: cpu, targetSum: 1e4 });
    const blk = await readAll(csrSource(synth));
    const out = new Float64Array(blk.nnz);
    const totals = normalizeRowsInto(blk, 1e4, true, out);
    expect(arr(totals)).toEqual(arr(want.totals));
    expect(arr(out)).toEqual(arr(want.values));
  });
});

describe('preprocessStream PCA on synthetic counts (1500 cells × 200 genes, 6 tiles)', () => {
  const base = { cells: { minGenes: 20 }, hvg: { nTopGenes: 120 }, pca: { nComps: 6, seed: 11, nIter: 4 } } as const;
  const opts = { ...base, tileRows: 256 };

  test('explained variance within PCA_EV_RTOL and principal angles within PCA_ANGLE_RAD of the in-memory PCA', async () => {
    const a = await preprocess(synth, { ...base, engine: cpu });
    const b = await preprocessStream(csrSource(synth), { ...opts, engine: cpu });
    expect(arr(b.hvgGenes)).toEqual(arr(a.hvgGenes));
    const k = 6;
    for (let j = 0; j < k; j++) {
      expect(Math.abs(b.pca.explainedVarianceRatio[j] / a.pca.explainedVarianceRatio[j] - 1)).toBeLessThan(PCA_EV_RTOL);
    }
    // The leading components are well separated on these data (a gap after the 6th): one angle for the subspace.
    expect(maxPrincipalAngle(a.pca.loadings, b.pca.loadings, b.pca.d, k)).toBeLessThan(PCA_ANGLE_RAD);
    // Tiles sum in another order than one product: the bits differ (this test compares across tilings, not equal bits).
    expect(b.pca.explainedVariance[0]).not.toBe(0);
  }, 30_000);

  test('chunkRows 100, 1000 and all rows give the same bits for the same seed and tiles', async () => {
    const runs = [];
    for (const chunkRows of [100, 1000, synth.n])
      runs.push(await preprocessStream(csrSource(synth), { ...opts, pca: { ...opts.pca, nIter: 2 }, chunkRows, engine: cpu }));
    for (const r of runs.slice(1)) {
      expect(arr(r.pca.scores)).toEqual(arr(runs[0].pca.scores));
      expect(arr(r.pca.explainedVariance)).toEqual(arr(runs[0].pca.explainedVariance));
      expect(r.passes.map((p) => p.pass)).toEqual(runs[0].passes.map((p) => p.pass));
    }
    expect(runs[0].passes[0].chunks).toBe(15);
    expect(runs[1].passes[0].chunks).toBe(2);
    expect(runs[2].passes[0].chunks).toBe(1);
  }, 30_000);
});

describe('preprocessStream on the wasm backend', () => {
  test("the PCA products run per tile on the engine's backend and agree with the in-memory wasm PCA", async () => {
    const wasm = await createEngine({ backend: 'wasm' });
    try {
      const o = { cells: { minGenes: 20 }, hvg: { nTopGenes: 120 }, pca: { nComps: 6, seed: 11, nIter: 4 } } as const;
      const a = await preprocess(synth, { ...o, engine: wasm });
      const b = await preprocessStream(csrSource(synth), { ...o, tileRows: 256, engine: wasm });
      expect(b.backend).toBe('wasm');
      expect(b.pca.backend).toBe('wasm');
      expect(arr(b.hvgGenes)).toEqual(arr(a.hvgGenes));
      for (let j = 0; j < 6; j++)
        expect(Math.abs(b.pca.explainedVarianceRatio[j] / a.pca.explainedVarianceRatio[j] - 1)).toBeLessThan(PCA_EV_RTOL);
      expect(maxPrincipalAngle(a.pca.loadings, b.pca.loadings, b.pca.d, 6)).toBeLessThan(PCA_ANGLE_RAD);
    } finally {
      wasm.destroy();
    }
  }, 30_000);
});

describe('passes, progress and abort', () => {
  test('progress events name each pass and count its rows; the pass list is the documented plan', async () => {
    const events: PassProgress[] = [];
    const r = await preprocessStream(csrSource(synth), {
      cells: { minGenes: 20 },
      hvg: { nTopGenes: 50 },
      pca: { nComps: 4, nIter: 2, seed: 1 },
      chunkRows: 1000,
      engine: cpu,
      onProgress: (p) => events.push(p),
    });
    expect(r.passes.map((p) => p.pass)).toEqual([
      'qc',
      'genes',
      'hvg:raw-identity',
      'hvg:raw-identity-shifted',
      'hvg:raw-identity-clipped-shifted',
      'scale:norm-identity',
      'scale:norm-identity-shifted',
      'scale:norm-scale',
      'scale:norm-scale-shifted',
      'pca-gram-0',
      'pca-gram-1',
      'pca-gram-2',
      'pca-project',
    ]);
    const last = new Map<string, PassProgress>();
    for (const e of events) last.set(e.pass, e);
    expect([...last.keys()]).toEqual(r.passes.map((p) => p.pass));
    expect(last.get('qc')).toMatchObject({ rowsDone: 1500, rowsTotal: 1500, chunksDone: 2, chunksTotal: 2 });
    expect(last.get('pca-project')!.rowsTotal).toBe(r.cells.length);
    expect(r.pca.scores.length).toBe(r.cells.length * 4);
  }, 30_000);

  test('an abort during a pass stops it between chunks with ABORTED', async () => {
    const ac = new AbortController();
    let chunks = 0;
    const run = preprocessStream(csrSource(synth), {
      cells: { minGenes: 20 },
      chunkRows: 100,
      engine: cpu,
      signal: ac.signal,
      onProgress: (p) => {
        chunks++;
        if (p.pass === 'genes' && p.chunksDone === 2) ac.abort('test');
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
    expect(chunks).toBe(15 + 2);
  });

  test('unknown options, a non-source and a block of the wrong shape are refused', async () => {
    await expect(preprocessStream(csrSource(synth), { returnScaled: true } as never)).rejects.toMatchObject({ code: 'UNKNOWN_OPTION' });
    await expect(preprocessStream(synth as never)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(preprocessStream(csrSource(synth), { tileRows: 0 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    // A reader that returns blocks of the wrong width is caught in the first pass, not read past.
    const bad = { ...csrSource(synth), d: synth.d + 1 };
    await expect(preprocessStream(bad, { engine: cpu })).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
  });
});

describe('source views', () => {
  test('subsetSource reads the kept rows × columns as subsetCsr gives them, whatever the block bounds', async () => {
    const rows = Uint32Array.from({ length: 360 }, (_, i) => i * 4 + (i % 3));
    const cols = Uint32Array.from({ length: 60 }, (_, i) => i * 3 + 1);
    const rm = new Uint8Array(synth.n);
    for (const r of rows) rm[r] = 1;
    const cm = new Uint8Array(synth.d);
    for (const c of cols) cm[c] = 1;
    const want = subsetCsr(synth, rm, cm);
    const view = subsetSource(csrSource(synth), { rows, cols });
    const tiler = new CsrTiler(64, view.d);
    const tiles: CsrBlock[] = [];
    for (const [s, e] of [
      [0, 33],
      [33, 200],
      [200, 201],
      [201, 360],
    ]) {
      const blk = await view.readRows(s, e);
      expect(blk.d).toBe(60);
      for (const t of tiler.push(blk)) tiles.push(t.tile);
    }
    tiles.push(tiler.flush()!.tile);
    expect(tiles.map((t) => t.n)).toEqual([...new Array(5).fill(64), 40]);
    const all = await view.readRows(0, 360);
    expect(arr(all.indptr)).toEqual(arr(want.indptr));
    expect(arr(all.indices)).toEqual(arr(want.indices));
    expect(arr(all.values)).toEqual(arr(want.values));
    let p = 0;
    for (const t of tiles) {
      expect(arr(t.values)).toEqual(arr(want.values.subarray(p, p + t.nnz)));
      p += t.nnz;
    }
    expect(p).toBe(want.nnz);
  });
});
