/**
 * End-to-end: the demo, built static and served, driven in real headless Chromium with
 * puppeteer-core on WebGPU. Loads the bundled pbmc3k, clusters it with k-means and the NB mixture
 * at k = 8, checks the ARI against the Seurat annotation reaches scikit-learn's k-means-on-50-PCs
 * baseline (test/fixtures/pbmc3k/kmeans_baseline.py), exports and checks the CSV/JSON/PNG, lassoes
 * and re-clusters, sweeps k, and saves a screenshot of each view under test-artifacts/demo/.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { build, preview, type PreviewServer } from 'vite';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { chromiumArgs, chromiumExecutable } from '../../scripts/chromium.js';
import baseline from '../fixtures/pbmc3k/kmeans_baseline.json';
import { mergeTreeGroups, type MergeTree } from '../../src/index.js';

const CONFIG = 'demo/vite.config.ts';
const ARTIFACTS = 'test-artifacts/demo';
let server: PreviewServer;
let browser: Browser;
let page: Page;

interface DemoState {
  summary: { kept: { cells: number }; truthColumn: string | null } | null;
  labels: Int32Array | null;
  cluster: { ari: number | null; k: number; model: string; backend: string } | null;
}

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
const state = () =>
  page.evaluate(() => {
    const s = (window as unknown as { emgpuDemo: DemoState }).emgpuDemo;
    return { summary: s.summary, cluster: s.cluster, labels: s.labels ? Array.from(s.labels) : null };
  });
const error = () => page.evaluate(() => document.getElementById('error')?.textContent ?? null);

/** Per label column: the share of each cell's 15 nearest cells in the shown layout that carry its label. */
const agreementOf = (columns: string[], embedding?: string): Promise<Record<string, number>> =>
  page.evaluate(
    (cols: string[], name: string | null) => {
      const s = (
        window as unknown as {
          emgpuDemo: { embeddings: Record<string, Float32Array>; embedding: string; obs: Record<string, (string | null)[]> };
        }
      ).emgpuDemo;
      const xy = s.embeddings[name ?? s.embedding];
      const n = xy.length / 2;
      const dist = new Float64Array(n);
      const near: number[][] = [];
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) dist[j] = (xy[2 * i] - xy[2 * j]) ** 2 + (xy[2 * i + 1] - xy[2 * j + 1]) ** 2;
        dist[i] = Infinity;
        near.push(
          Array.from(dist.keys())
            .sort((a, b) => dist[a] - dist[b] || a - b)
            .slice(0, 15),
        );
      }
      const out: Record<string, number> = {};
      for (const c of cols) {
        const labels = s.obs[c];
        let agree = 0,
          total = 0;
        for (let i = 0; i < n; i++) {
          if (labels[i] === null) continue;
          for (const j of near[i]) {
            if (labels[j] === null) continue;
            total++;
            if (labels[j] === labels[i]) agree++;
          }
        }
        out[c] = agree / total;
      }
      return out;
    },
    columns,
    embedding ?? null,
  );

async function cluster(model: string, k: number, nInit: number): Promise<NonNullable<DemoState['cluster']>> {
  await page.select('#model', model);
  await page.$eval('#k', (el, v) => ((el as HTMLInputElement).value = String(v)), k);
  await page.$eval('#ninit', (el, v) => ((el as HTMLInputElement).value = String(v)), nInit);
  await page.evaluate(() => ((window as unknown as { emgpuDemo: DemoState }).emgpuDemo.cluster = null));
  await page.click('#run');
  await page.waitForFunction(() => (window as unknown as { emgpuDemo: DemoState }).emgpuDemo.cluster || document.getElementById('error'), {
    timeout: 900_000,
    polling: 500,
  });
  expect(await error()).toBeNull();
  return (await state()).cluster!;
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await build({ configFile: CONFIG, logLevel: 'warn' });
  server = await preview({ configFile: CONFIG, preview: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' });
  const url = server.resolvedUrls!.local[0];
  browser = await puppeteer.launch({
    executablePath: chromiumExecutable(),
    args: chromiumArgs,
    headless: true,
    protocolTimeout: 1_800_000,
    userDataDir: mkdtempSync(join(tmpdir(), 'emgpu-demo-')),
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1500, height: 900 });
  page.on('pageerror', (e) => console.error('[demo page error]', (e as Error).message));
  await page.goto(`${url}?backend=webgpu`);
  await page.waitForFunction(() => !(document.getElementById('load-bundled') as HTMLButtonElement).disabled, { timeout: 120_000 });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.httpServer.close(() => resolve()));
});

describe('the single-cell demo in headless Chromium', () => {
  test('loads the bundled pbmc3k and preprocesses it on WebGPU', async () => {
    expect(await page.$eval('#backend', (el) => el.textContent)).toMatch(/^webgpu/);
    await page.click('#load-bundled');
    await page.waitForFunction(
      () => (window as unknown as { emgpuDemo: DemoState }).emgpuDemo.summary || document.getElementById('error'),
      { timeout: 900_000, polling: 500 },
    );
    expect(await error()).toBeNull();
    const s = (await state()).summary!;
    // The tutorial QC keeps 2638 of the 2700 cells and 13,714 genes (scanpy's and Seurat's figures).
    expect(s.kept.cells).toBe(2638);
    expect((s.kept as { genes?: number }).genes).toBe(13714);
    expect(s.truthColumn).toBe('seurat_annotation');
    await shot('01-loaded');
  }, 900_000);

  test('after loading, the kNN graph and a UMAP are computed and shown, and the UMAP separates the Seurat cell types far better than PC1/PC2', async () => {
    await page.waitForFunction(
      () =>
        (window as unknown as { emgpuDemo: { embeddings: Record<string, unknown> } }).emgpuDemo.embeddings.UMAP ||
        document.getElementById('error'),
      { timeout: 900_000, polling: 500 },
    );
    expect(await error()).toBeNull();
    const shown = await page.evaluate(() => {
      const d = (window as unknown as { emgpuDemo: { embeddings: Record<string, unknown>; embedding: string } }).emgpuDemo;
      return { shown: d.embedding, names: Object.keys(d.embeddings) };
    });
    const agreement = {
      ...shown,
      umap: (await agreementOf(['seurat_annotation'], 'UMAP')).seurat_annotation,
      pcs: (await agreementOf(['seurat_annotation'], 'PC1/PC2')).seurat_annotation,
    };
    console.log(`pbmc3k 15-NN label agreement: UMAP ${agreement.umap.toFixed(3)}, PC1/PC2 ${agreement.pcs.toFixed(3)}`);
    expect(agreement.shown).toBe('UMAP');
    expect(agreement.names).toEqual(['PC1/PC2', 'UMAP']);
    // Measured 0.921 against 0.799 (SwiftShader, seed 0).
    expect(agreement.umap).toBeGreaterThan(0.88);
    expect(agreement.umap).toBeGreaterThan(agreement.pcs + 0.08);
    await page.select('#color-by', 'obs:seurat_annotation');
    await shot('01b-umap-annotation');
    await page.select('#color-by', 'cluster');
  }, 900_000);

  test('Leiden on the kNN graph (resolution 0.8) reaches the k-means baseline ARI against the Seurat annotation', async () => {
    await page.$eval('#resolution', (el) => ((el as HTMLInputElement).value = '0.8'));
    const c = await cluster('leiden', 8, 1);
    expect(c.model).toBe('leiden');
    console.log(`demo Leiden (resolution 0.8): ${c.k} communities, ARI ${c.ari!.toFixed(4)}`);
    expect(c.k).toBeGreaterThanOrEqual(6);
    expect(c.k).toBeLessThanOrEqual(14);
    expect(c.ari!).toBeGreaterThanOrEqual(baseline.ari_median);
    await shot('01c-leiden-umap');
  }, 900_000);

  test('the scatter draws every cell (CPU splat on a software adapter), redraws in milliseconds, and hover names a cell', async () => {
    const stats = await page.evaluate(
      () => (window as unknown as { emgpuScatter: { stats: { renderer: string; points: number; frames: number } } }).emgpuScatter.stats,
    );
    // SwiftShader: no WebGPU canvas (presenting one would reset the worker's device).
    expect(stats).toMatchObject({ renderer: 'cpu-splat', points: 2638 });
    expect(stats.frames).toBeGreaterThan(0);
    const frames = await page.evaluate(() =>
      (
        window as unknown as { emgpuScatter: { measureFrames(n: number): Promise<{ medianMs: number; width: number; height: number }> } }
      ).emgpuScatter.measureFrames(10),
    );
    console.log(`demo scatter: 2638 points, ${frames.width}×${frames.height} px, ${frames.medianMs.toFixed(1)} ms per frame (CPU splat)`);
    // The canvas is not blank: most of it is white, but the cells leave ink.
    const ink = await page.$eval('#scatter', (c) => {
      const g = (c as HTMLCanvasElement).getContext('2d')!;
      const d = g.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
      let inked = 0;
      for (let p = 0; p < d.length; p += 4) if (d[p] < 240 || d[p + 1] < 240 || d[p + 2] < 240) inked++;
      return inked / (d.length / 4);
    });
    expect(ink).toBeGreaterThan(0.01);
    expect(ink).toBeLessThan(0.9);
    // Hover over cell 0: the tooltip names a barcode.
    const at = await page.evaluate(() => {
      const plot = (
        window as unknown as {
          emgpuScatter: { canvas: HTMLCanvasElement; transform(): { sx: number; sy: number; ox: number; oy: number }; xy: Float32Array };
        }
      ).emgpuScatter;
      const t = plot.transform();
      const r = plot.canvas.getBoundingClientRect();
      const cx = plot.xy[0] * t.sx + t.ox,
        cy = plot.xy[1] * t.sy + t.oy;
      return { x: r.left + ((cx + 1) / 2) * r.width, y: r.top + ((1 - cy) / 2) * r.height };
    });
    await page.mouse.move(at.x, at.y);
    await page.waitForFunction(() => !(document.getElementById('tooltip') as HTMLElement).hidden, { timeout: 10_000 });
    expect(await page.$eval('#tooltip', (el) => el.textContent!.split('\n')[0])).toMatch(/^[ACGT]+-1$/);
    await page.mouse.move(1, 1);
  }, 120_000);

  test(`k-means at k = 8 reaches scikit-learn's ARI (${baseline.ari_median.toFixed(3)}) against the Seurat annotation`, async () => {
    const c = await cluster('kmeans', 8, 3);
    expect(c.backend).toBe('webgpu');
    expect(c.ari!).toBeGreaterThanOrEqual(baseline.ari_median);
    const shown = Number(await page.$eval('#ari', (el) => el.textContent));
    expect(shown).toBeCloseTo(c.ari!, 4);
    console.log(`demo k-means ARI ${c.ari!.toFixed(4)} (scikit-learn median ${baseline.ari_median.toFixed(4)})`);
    await shot('02-kmeans-clusters');
    for (const [value, name] of [
      ['obs:seurat_annotation', '03-colour-annotation'],
      ['entropy', '04-colour-entropy'],
    ] as const) {
      await page.select('#color-by', value);
      await shot(name);
    }
    await page.$eval('#gene', (el) => {
      (el as HTMLInputElement).value = 'MS4A1';
      el.dispatchEvent(new Event('change'));
    });
    await page.waitForFunction(() => (document.getElementById('legend')?.textContent ?? '').includes('MS4A1'), { timeout: 60_000 });
    await shot('05-colour-gene-MS4A1');
    await page.select('#color-by', 'cluster');
  }, 900_000);

  test('exports a labels CSV, the config JSON and a PNG that match the result', async () => {
    const { csv, json, png } = await page.evaluate(async () => {
      const x = (window as unknown as { emgpuExports: { labelsCsv(): string; configJson(): string; png(): Promise<string> } }).emgpuExports;
      return { csv: x.labelsCsv(), json: x.configJson(), png: await x.png() };
    });
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('cell,label,max_posterior,entropy');
    expect(lines).toHaveLength(2639);
    const labels = (await state()).labels!;
    lines.slice(1).forEach((line, i) => {
      const [cell, label, mp, ent] = line.split(',');
      expect(cell).toMatch(/^[ACGT]+-1$/);
      expect(Number(label)).toBe(labels[i]);
      expect(Number(mp)).toBe(1);
      expect(Number(ent)).toBe(0);
    });
    const config = JSON.parse(json);
    expect(config).toMatchObject({
      model: 'kmeans',
      k: 8,
      backend: 'webgpu',
      preprocessing: { hvg: { flavor: 'seurat_v3', nTopGenes: 2000 } },
    });
    expect(png.startsWith('data:image/png;base64,')).toBe(true);
    expect(png.length).toBeGreaterThan(10_000);
  });

  test(`the NB mixture on HVG counts at k = 8 also reaches the baseline ARI, with soft assignments`, async () => {
    const c = await cluster('nbmm', 8, 1);
    expect(c.ari!).toBeGreaterThanOrEqual(baseline.ari_median);
    console.log(`demo NB mixture ARI ${c.ari!.toFixed(4)}`);
    const csv = await page.evaluate(() => (window as unknown as { emgpuExports: { labelsCsv(): string } }).emgpuExports.labelsCsv());
    const mps = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[2]));
    expect(mps.every((p) => p >= 1 / 8 - 1e-6 && p <= 1 + 1e-6)).toBe(true);
    await shot('06-nbmm-clusters');
    await page.select('#color-by', 'maxpost');
    await shot('07-nbmm-max-posterior');
    await page.select('#color-by', 'cluster');
  }, 900_000);

  test("the NB mixture's merge tree is drawn, and cutting it at 4 colours the cells by the argmax of their posteriors summed per group", async () => {
    const tree = await page.evaluate(
      () => (window as unknown as { emgpuDemo: { cluster: { mergeTree: MergeTree } } }).emgpuDemo.cluster.mergeTree,
    );
    expect(tree.k).toBe(8);
    expect(tree.merges).toHaveLength(7);
    expect(await page.$eval('#merge-svg', (el) => el.getAttribute('data-merges'))).toBe('7');
    // Two uprights and a bar per merge.
    expect(await page.$$eval('#merge-svg path', (p) => p.length)).toBe(21);
    await page.select('#merge-k', '4');
    await page.waitForFunction(() => (window as unknown as { emgpuDemo: { mergeCut: { k: number } | null } }).emgpuDemo.mergeCut?.k === 4, {
      timeout: 60_000,
    });
    const { labels, resp } = await page.evaluate(() => {
      const s = (window as unknown as { emgpuDemo: { mergeCut: { labels: Float32Array }; resp: Float32Array } }).emgpuDemo;
      return { labels: Array.from(s.mergeCut.labels), resp: Array.from(s.resp) };
    });
    const groups = mergeTreeGroups(tree, 4);
    let compared = 0;
    labels.forEach((l, i) => {
      const sums = groups.map((g) => g.reduce((t, j) => t + resp[i * 8 + j], 0));
      const sorted = [...sums].sort((a, b) => b - a);
      // The page holds float32 posteriors; the worker cut float64 ones: skip near-ties.
      if (sorted[0] - sorted[1] < 1e-5) return;
      expect(l).toBe(sums.indexOf(sorted[0]));
      compared++;
    });
    expect(compared).toBeGreaterThan(labels.length * 0.9);
    expect(await page.$eval('#color-by', (el) => (el as HTMLSelectElement).value)).toBe('merge');
    await shot('07b-nbmm-merge-tree-cut-4');
    await page.select('#color-by', 'cluster');
  }, 120_000);

  test('a lasso re-clusters only the selected cells', async () => {
    const box = (await page.$('#scatter'))!;
    const r = (await box.boundingBox())!;
    const path = [
      [0.05, 0.05],
      [0.5, 0.05],
      [0.5, 0.95],
      [0.05, 0.95],
    ].map(([fx, fy]) => [r.x + fx * r.width, r.y + fy * r.height]);
    await page.keyboard.down('Shift');
    await page.mouse.move(path[0][0], path[0][1]);
    await page.mouse.down();
    for (const [x, y] of [...path.slice(1), path[0]]) await page.mouse.move(x, y, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const c = await cluster('kmeans', 3, 1);
    const labels = (await state()).labels!;
    const inside = labels.filter((l) => l >= 0).length;
    expect(inside).toBeGreaterThan(100);
    expect(inside).toBeLessThan(2638);
    expect(new Set(labels.filter((l) => l >= 0))).toEqual(new Set([0, 1, 2]));
    expect(c.k).toBe(3);
    await shot('08-lasso-recluster');
    await page.click('#clear-lasso');
  }, 900_000);

  test('a k sweep draws the elbow curve and proposes a k', async () => {
    await page.select('#model', 'kmeans');
    await page.$eval('#ninit', (el) => ((el as HTMLInputElement).value = '1'));
    await page.click('#sweep');
    await page.waitForFunction(
      () => /chooses k = \d+/.test(document.getElementById('progress')?.textContent ?? '') || document.getElementById('error'),
      { timeout: 900_000, polling: 500 },
    );
    expect(await error()).toBeNull();
    const k = Number(await page.$eval('#k', (el) => (el as HTMLInputElement).value));
    expect(k).toBeGreaterThanOrEqual(2);
    expect(k).toBeLessThanOrEqual(15);
    await shot('09-sweep');
  }, 900_000);

  test('dropping an .h5ad file on the page loads it (obs labels, the stored UMAP) and warns that it is not counts', async () => {
    // scanpy's pbmc68k_reduced: 700 cells × 765 genes, raw/X log-normalised, obs bulk_labels, obsm X_umap.
    const bytes = readFileSync('/work/shared/data/pbmc68k_reduced/10x_pbmc68k_reduced.h5ad').toString('base64');
    await page.evaluate(() => ((window as unknown as { emgpuDemo: DemoState }).emgpuDemo.summary = null));
    await page.evaluate((b64: string) => {
      const raw = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([raw], '10x_pbmc68k_reduced.h5ad', { type: 'application/x-hdf5' }));
      const target = document.getElementById('drop')!;
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, bytes);
    await page.waitForFunction(
      () => (window as unknown as { emgpuDemo: DemoState }).emgpuDemo.summary || document.getElementById('error'),
      { timeout: 900_000, polling: 500 },
    );
    expect(await error()).toBeNull();
    const s = (await state()).summary as unknown as {
      name: string;
      n: number;
      d: number;
      embedding: string;
      truthColumn: string;
      obsColumns: string[];
      warnings: string[];
      kept: { cells: number };
    };
    expect(s).toMatchObject({ name: '10x_pbmc68k_reduced.h5ad', n: 700, d: 765, embedding: 'X_umap', truthColumn: 'bulk_labels' });
    expect(s.obsColumns).toEqual(expect.arrayContaining(['bulk_labels', 'louvain']));
    expect(s.kept.cells).toBeGreaterThan(600);
    // Said once (by the loader), and shown with the data summary.
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/raw\/X does not hold raw counts/);
    expect(await page.$eval('#data-summary', (el) => el.textContent)).toMatch(/raw\/X does not hold raw counts/);
    // Dropped once, loaded once: the drop zone's event bubbles, and must not open the file twice.
    expect(await page.evaluate(() => (window as unknown as { emgpuDemo: { fileLoads: number } }).emgpuDemo.fileLoads)).toBe(1);
    await page.$eval('#embedding-name', (el) => el.scrollIntoView());
    const c = await cluster('kmeans', 10, 1);
    expect(c.ari!).toBeGreaterThan(0.2);
    console.log(`dropped pbmc68k_reduced.h5ad: ${s.kept.cells} cells kept, k-means k=10 ARI ${c.ari!.toFixed(4)} against bulk_labels`);
    await page.select('#color-by', 'obs:bulk_labels');
    await shot('11-dropped-h5ad-umap');
  }, 900_000);

  test('integrating by a batch column (Harmony on the PCs) mixes that column in the UMAP and keeps the cell types apart', async () => {
    // pbmc68k_reduced's 'phase' (cell-cycle phase) stands in for a batch: after integration the
    // UMAP's neighbours should no longer share it, while bulk_labels stay together.
    await page.waitForFunction(
      () =>
        (window as unknown as { emgpuDemo: { embeddings: Record<string, unknown> } }).emgpuDemo.embeddings.UMAP ||
        document.getElementById('error'),
      { timeout: 900_000, polling: 500 },
    );
    const before = await agreementOf(['phase', 'bulk_labels']);
    await page.evaluate(() => ((window as unknown as { emgpuDemo: { integratedBy: string | null } }).emgpuDemo.integratedBy = null));
    await page.select('#integrate', 'phase');
    await page.waitForFunction(
      () =>
        (window as unknown as { emgpuDemo: { integratedBy: string | null } }).emgpuDemo.integratedBy === 'phase' ||
        document.getElementById('error'),
      { timeout: 900_000, polling: 500 },
    );
    expect(await error()).toBeNull();
    expect(await page.$eval('#embedding-name', (el) => el.textContent)).toMatch(/^integrated by phase; UMAP on /);
    const after = await agreementOf(['phase', 'bulk_labels']);
    console.log(
      `pbmc68k_reduced 15-NN agreement in the UMAP, before → after Harmony by phase: phase ${before.phase.toFixed(3)} → ${after.phase.toFixed(3)}, bulk_labels ${before.bulk_labels.toFixed(3)} → ${after.bulk_labels.toFixed(3)}`,
    );
    expect(after.phase).toBeLessThan(before.phase);
    expect(after.bulk_labels).toBeGreaterThan(before.bulk_labels - 0.05);
    await shot('12-integrated-by-phase');
  }, 900_000);

  test('a damaged .h5ad on which HDF5 loops is stopped with FILE_TIMEOUT, and the page then loads a sound file', async () => {
    // The global heap header zeroed: h5wasm spins forever inside one read (scripts/make-corrupt-fixtures.mjs).
    const spin = gunzipSync(readFileSync('test/fixtures/corrupt/gcol-zeroed-header.h5ad.gz')).toString('base64');
    const drop = async (b64: string, name: string): Promise<void> =>
      page.evaluate(
        (b: string, n: string) => {
          const raw = Uint8Array.from(atob(b), (ch) => ch.charCodeAt(0));
          const dt = new DataTransfer();
          dt.items.add(new File([raw], n, { type: 'application/x-hdf5' }));
          document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
        },
        b64,
        name,
      );
    await page.evaluate(() => {
      const s = (window as unknown as { emgpuDemo: DemoState & { loadTimeoutMs: number } }).emgpuDemo;
      s.summary = null;
      s.loadTimeoutMs = 5000;
    });
    const t0 = Date.now();
    await drop(spin, 'spin.h5ad');
    await page.waitForFunction(() => document.getElementById('error'), { timeout: 120_000, polling: 250 });
    const stoppedAfter = Date.now() - t0;
    expect(await error()).toMatch(
      /^FILE_TIMEOUT: reading spin\.h5ad sent nothing for 5 s and was stopped\. The file is most likely damaged/,
    );
    expect(stoppedAfter).toBeLessThan(60_000);
    // A fresh worker took over: the page is ready again and reads a sound file.
    await page.waitForFunction(() => !(document.getElementById('load-bundled') as HTMLButtonElement).disabled, { timeout: 120_000 });
    await page.evaluate(() => ((window as unknown as { emgpuDemo: { loadTimeoutMs: number } }).emgpuDemo.loadTimeoutMs = 60_000));
    await drop(readFileSync('/work/shared/data/pbmc68k_reduced/10x_pbmc68k_reduced.h5ad').toString('base64'), '10x_pbmc68k_reduced.h5ad');
    await page.waitForFunction(
      () => (window as unknown as { emgpuDemo: DemoState }).emgpuDemo.summary || document.getElementById('error'),
      { timeout: 900_000, polling: 500 },
    );
    expect(await error()).toBeNull();
    expect((await state()).summary).toMatchObject({ truthColumn: 'bulk_labels' });
    console.log(`damaged .h5ad stopped after ${(stoppedAfter / 1000).toFixed(1)} s (limit 5 s), then a sound file loaded`);
  }, 900_000);
});

describe('the demo without WebGPU, and at synthetic scale', () => {
  test("backend cpu shows the banner, runs 'wasm' on workers (the page is cross-origin isolated), and the synthetic NB dataset loads, preprocesses and clusters", async () => {
    const cpuPage = await browser.newPage();
    try {
      await cpuPage.setViewport({ width: 1500, height: 900 });
      await cpuPage.goto(`${server.resolvedUrls!.local[0]}?backend=cpu`);
      await cpuPage.waitForFunction(() => !(document.getElementById('synthetic') as HTMLButtonElement).disabled, { timeout: 120_000 });
      const banner = await cpuPage.$eval('#banner', (el) => ({ hidden: (el as HTMLElement).hidden, text: el.textContent }));
      expect(banner.hidden).toBe(false);
      expect(banner.text).toMatch(
        /runs on the CPU backend, cpu \(wasm: WebAssembly SIMD128, \d+ threads?\)\..*take longer.*100k cells preprocess in about \d+ s/,
      );
      // The demo's server sends COOP/COEP, so the CPU backend can share memory with its workers.
      expect(await cpuPage.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
      expect(banner.text).not.toMatch(/one thread/);
      await cpuPage.$eval('#synthetic-n', (el) => ((el as HTMLInputElement).value = '2000'));
      await cpuPage.click('#synthetic');
      await cpuPage.waitForFunction(
        () => {
          const s = (window as unknown as { emgpuDemo: { summary: { n: number } | null } }).emgpuDemo.summary;
          return (s && s.n === 2000) || document.getElementById('error');
        },
        { timeout: 900_000, polling: 500 },
      );
      expect(await cpuPage.evaluate(() => document.getElementById('error')?.textContent ?? null)).toBeNull();
      const s = await cpuPage.evaluate(
        () => (window as unknown as { emgpuDemo: { summary: { d: number; truthColumn: string; nnz: number } } }).emgpuDemo.summary,
      );
      expect(s.d).toBe(200);
      expect(s.truthColumn).toBe('component');
      expect(s.nnz).toBeGreaterThan(2000 * 200 * 0.02);
      await cpuPage.click('#run');
      await cpuPage.waitForFunction(
        () => (window as unknown as { emgpuDemo: { cluster: unknown } }).emgpuDemo.cluster || document.getElementById('error'),
        { timeout: 900_000, polling: 500 },
      );
      const ari = await cpuPage.evaluate(
        () => (window as unknown as { emgpuDemo: { cluster: { ari: number; backend: string } } }).emgpuDemo.cluster,
      );
      expect(ari.backend).toBe('wasm');
      expect(ari.ari).toBeGreaterThan(0.1);
      await cpuPage.screenshot({ path: join(ARTIFACTS, '10-synthetic-cpu.png') });
    } finally {
      await cpuPage.close();
    }
  }, 900_000);
});
