/**
 * The demo's backed mode, end to end in headless Chromium: pbmc3k written as an .h5ad, opened
 * through the page's file input with ?streamAbove=1 (so it is streamed from disk in passes), and
 * again without it (loaded whole). The streamed run must keep the same cells with the same PCA
 * variance ratios, colour a gene with the in-memory values, cluster with k-means on its PCs, and
 * fit the NB mixture through nbStream. Screenshots go to test-artifacts/demo/.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { build, preview, type PreviewServer } from 'vite';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumArgs, chromiumExecutable } from '../../scripts/chromium.js';
import { read10xDir, writeH5adCsr } from '../../src/node.js';
import { PCA_EV_RTOL } from '../fixtures/sc-pre/reference.js';
import { F32_PARAM_ATOL } from '../tolerance.js';
import baseline from '../fixtures/pbmc3k/kmeans_baseline.json';

const CONFIG = 'demo/vite.config.ts';
const ARTIFACTS = 'test-artifacts/demo';
let server: PreviewServer;
let browser: Browser;
let file: string;

interface Summary {
  n: number;
  kept: { cells: number; hvg: number };
  explainedVarianceRatio: number[];
  truthColumn: string | null;
  obsColumns: string[];
  backed?: { fileBytes: number; passes: number; peakChunkBytes: number; peakChunkRows: number; access: string; matrix: string };
  warnings: string[];
}
interface Cluster {
  model: string;
  k: number;
  backend: string;
  sizes: number[];
  ari: number | null;
  markers: unknown[];
  markersOff?: string;
  streamedPasses?: number;
}
type Demo = { emgpuDemo: { summary: Summary | null; cluster: Cluster | null; gene: { name: string; values: Float32Array } | null } };

async function open(query: string): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1500, height: 900 });
  page.on('pageerror', (e) => console.error('[demo page error]', (e as Error).message));
  await page.goto(`${server.resolvedUrls!.local[0]}?${query}`);
  await page.waitForFunction(() => !(document.getElementById('load-bundled') as HTMLButtonElement).disabled, { timeout: 60_000 });
  return page;
}

const error = (page: Page) => page.evaluate(() => document.getElementById('error')?.textContent ?? null);

/** Pick the file with the page's file input and wait for the summary. */
async function load(page: Page): Promise<Summary> {
  const input = (await page.$('input#file'))!;
  await input.uploadFile(file);
  await page.waitForFunction(() => (window as unknown as Demo).emgpuDemo.summary || document.getElementById('error'), {
    timeout: 60_000,
    polling: 200,
  });
  expect(await error(page)).toBeNull();
  return page.evaluate(() => (window as unknown as Demo).emgpuDemo.summary!);
}

async function cluster(page: Page, model: string, k: number, nInit = 1): Promise<Cluster> {
  await page.select('#model', model);
  await page.$eval('#k', (el, v) => ((el as HTMLInputElement).value = String(v)), k);
  await page.$eval('#ninit', (el, v) => ((el as HTMLInputElement).value = String(v)), nInit);
  await page.evaluate(() => ((window as unknown as Demo).emgpuDemo.cluster = null));
  await page.click('#run');
  await page.waitForFunction(() => (window as unknown as Demo).emgpuDemo.cluster || document.getElementById('error'), {
    timeout: 120_000,
    polling: 200,
  });
  expect(await error(page)).toBeNull();
  return page.evaluate(() => (window as unknown as Demo).emgpuDemo.cluster!);
}

async function gene(page: Page, name: string): Promise<number[]> {
  await page.$eval(
    '#gene',
    (el, v) => {
      (el as HTMLInputElement).value = v;
      el.dispatchEvent(new Event('change'));
    },
    name,
  );
  await page.waitForFunction(
    (v: string) => (window as unknown as Demo).emgpuDemo.gene?.name === v || document.getElementById('error'),
    {
      timeout: 60_000,
      polling: 200,
    },
    name,
  );
  expect(await error(page)).toBeNull();
  return page.evaluate(() => Array.from((window as unknown as Demo).emgpuDemo.gene!.values));
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // pbmc3k (2700 cells × 32,738 genes) as a CSR .h5ad: the tutorial QC applies to it.
  const m = await read10xDir('data/pbmc3k');
  // obs: the Seurat annotation ('' for the 62 cells the tutorial drops).
  const rows = gunzipSync(readFileSync('data/pbmc3k/pbmc3k_labels.csv.gz')).toString().trim().split('\n');
  const head = rows[0].split(',');
  const [b, a] = [head.indexOf('barcode'), head.indexOf('seurat_annotation')];
  const byBarcode = new Map(rows.slice(1).map((r) => [r.split(',')[b], r.split(',')[a]]));
  const seurat_annotation = m.cells.map((c) => byBarcode.get(c) ?? '');
  file = join(mkdtempSync(join(tmpdir(), 'emgpu-backed-')), 'pbmc3k.h5ad');
  await writeH5adCsr(file, { n: m.n, d: m.d, blocks: [m], genes: m.genes, cells: m.cells, obs: { seurat_annotation } });
  await build({ configFile: CONFIG, logLevel: 'warn' });
  server = await preview({ configFile: CONFIG, preview: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' });
  browser = await puppeteer.launch({
    executablePath: chromiumExecutable(),
    args: chromiumArgs,
    headless: true,
    protocolTimeout: 300_000,
    userDataDir: mkdtempSync(join(tmpdir(), 'emgpu-demo-backed-')),
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.httpServer.close(() => resolve()));
});

describe('the demo streams an .h5ad from disk above ?streamAbove', () => {
  let whole: { summary: Summary; ms4a1: number[] };

  test('loaded whole (no parameter), pbmc3k keeps the tutorial 2638 cells', async () => {
    const page = await open('backend=cpu');
    try {
      const summary = await load(page);
      expect(summary.backed).toBeUndefined();
      expect(summary.kept.cells).toBe(2638);
      expect(summary.truthColumn).toBe('seurat_annotation');
      whole = { summary, ms4a1: await gene(page, 'MS4A1') };
    } finally {
      await page.close();
    }
  }, 120_000);

  test('with ?streamAbove=1 it is streamed: the same cells and PCA variance ratios, gene colours, k-means on the PCs, the NB mixture through nbStream', async () => {
    // 4 MB chunks: each pass reads pbmc3k's 18 MB of CSR in five or six.
    const page = await open('backend=cpu&streamAbove=1&chunkBytes=4000000');
    try {
      const s = await load(page);
      expect(s.backed).toMatchObject({ access: 'mounted', matrix: 'X' });
      // QC, genes, 3 HVG, 4 scale, 8 PCA passes (seurat_v3, nIter 7): 18.
      expect(s.backed!.passes).toBe(18);
      expect(s.backed!.peakChunkBytes).toBeGreaterThan(2_000_000);
      // Rows per chunk come from the file's average bytes per cell: a run of denser cells goes a little over.
      expect(s.backed!.peakChunkBytes).toBeLessThanOrEqual(1.25 * 4_000_000);
      expect(s.backed!.peakChunkRows).toBeLessThan(1000);
      expect(await page.$eval('#streamed', (el) => el.textContent)).toMatch(
        /^streamed from disk \(backed\): [\d.]+ MiB file \(X, mounted\), 18 passes over it, peak chunk [\d.]+ MiB \(\d{3} cells\)$/,
      );
      expect(s.kept).toEqual(whole.summary.kept);
      // Of obs, the label column was read (and only the label and batch columns are asked for).
      expect(s.obsColumns).toEqual(['seurat_annotation']);
      expect(s.truthColumn).toBe('seurat_annotation');
      expect(s.warnings).toEqual([]);
      expect(s.explainedVarianceRatio).toHaveLength(10);
      s.explainedVarianceRatio.forEach((r, j) =>
        expect(Math.abs(r / whole.summary.explainedVarianceRatio[j] - 1)).toBeLessThan(PCA_EV_RTOL),
      );
      // One gene read in a streamed pass equals the in-memory log-normalised column.
      const ms4a1 = await gene(page, 'MS4A1');
      expect(ms4a1).toHaveLength(2638);
      expect(Math.max(...ms4a1)).toBeGreaterThan(1);
      expect(Math.max(...ms4a1.map((v, i) => Math.abs(v - whole.ms4a1[i])))).toBeLessThan(F32_PARAM_ATOL);

      const km = await cluster(page, 'kmeans', 8, 3);
      expect(km.k).toBe(8);
      expect(km.ari!).toBeGreaterThanOrEqual(baseline.ari_median);
      expect(km.sizes.reduce((a, b) => a + b, 0)).toBe(2638);
      expect(km.markers).toEqual([]);
      expect(await page.$eval('#markers-off', (el) => el.textContent)).toMatch(/need the normalised matrix in memory/);

      const nb = await cluster(page, 'nbmm', 4);
      expect(nb.backend).toMatch(/\(nbStream\)$/);
      expect(nb.k).toBe(4);
      expect(nb.streamedPasses!).toBeGreaterThanOrEqual(3);
      expect(nb.sizes.reduce((a, b) => a + b, 0)).toBe(2638);
      expect(await page.$eval('#streamed-fit', (el) => el.textContent)).toBe(
        `streamed from disk: ${nb.streamedPasses} passes over the file (one per EM iteration)`,
      );
      console.log(
        `demo backed: ${s.backed!.passes} passes to preprocess, peak chunk ${s.backed!.peakChunkBytes} B (${s.backed!.peakChunkRows} cells); k-means ARI ${km.ari!.toFixed(4)}; NB mixture ${nb.streamedPasses} passes, ARI ${nb.ari!.toFixed(4)}`,
      );
      await page.screenshot({ path: join(ARTIFACTS, '13-backed-h5ad-nbstream.png') });
    } finally {
      await page.close();
    }
  }, 180_000);
});
