#!/usr/bin/env node
/**
 * The full single-cell pipeline, timed per stage, through the demo itself (the same worker code
 * a biologist runs): load (or sample) → QC → filter → normalise → HVG → scale → PCA → k-means
 * (k = 10 on 50 PCs) → NB mixture (k = 10 on HVG counts, 1 restart, optional). Sizes: the
 * bundled pbmc3k (2,700 cells), and synthetic counts sampled from an NB mixture fitted to pbmc3k
 * (200 genes, data/pbmc3k/synthetic_nb.json.gz) at the sizes given. After the fits, the scatter's
 * frame time is measured at that size (20 redraws at changing zoom, each waiting for the GPU when
 * it draws with WebGPU; on a software adapter the demo splats on the CPU, and says so).
 *
 *   npm run bench:pipeline -- [--sizes 2700,100000,1000000] [--backend webgpu|cpu|auto] [--no-nb] [--nb-max N] [--out DIR] [--screenshots DIR]
 *
 * --nb-max skips the NB mixture above N cells (on a software adapter it costs minutes per 100k).
 *
 * Writes bench/results/<date>-<adapter>-pipeline.{json,md}. On a software adapter (SwiftShader) the
 * times measure nothing about GPU speed; the table says so.
 */
import puppeteer from 'puppeteer-core';
import { createServer } from 'vite';
import { mkdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumArgs, chromiumExecutable } from '../scripts/chromium.js';
import { revision } from './cli.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const sizes = opt('sizes', '2700,20000').split(',').map(Number);
const backend = opt('backend', 'webgpu');
const withNb = !args.includes('--no-nb');
const nbMax = Number(opt('nb-max', 'Infinity'));
const outDir = opt('out', join(here, 'results'));
const shotDir = opt('screenshots', join(here, '..', 'test-artifacts', 'pipeline'));
// The code measured (recorded before the run): the commit, and whether the library, the demo
// or the bundled data had uncommitted changes.
const rev = revision(['src', 'shaders', 'demo', 'data']);
const revisionText = rev ? `${rev.commit.slice(0, 7)}${rev.dirty ? ' (with local changes)' : ''}` : 'unknown';

// No HMR or file watching: an edit to demo/ during a run must not reload the page.
const server = await createServer({
  configFile: join(here, '../demo/vite.config.ts'),
  server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
  logLevel: 'warn',
});
await server.listen();
const url = server.resolvedUrls.local[0];
const viewport = { width: 1500, height: 900 };
const browser = await puppeteer.launch({
  executablePath: chromiumExecutable(),
  args: chromiumArgs,
  headless: true,
  protocolTimeout: 7_200_000,
  userDataDir: mkdtempSync(join(tmpdir(), 'emgpu-pipeline-')),
});
const rows = [];
let adapter = '';
try {
  for (const n of sizes) {
    const page = await browser.newPage();
    await page.setViewport(viewport);
    await page.goto(`${url}?backend=${backend}`);
    await page.waitForFunction(() => !document.getElementById('load-bundled').disabled, { timeout: 120_000 });
    adapter = await page.$eval('#backend', (el) => el.textContent);
    const bundled = n === 2700;
    const t0 = Date.now();
    if (bundled) await page.click('#load-bundled');
    else {
      await page.$eval('#synthetic-n', (el, v) => (el.value = String(v)), n);
      await page.click('#synthetic');
    }
    await page.waitForFunction(
      (want) => {
        const s = window.emgpuDemo.summary;
        return (s && (want === 2700 ? s.n === 2700 : s.n === want)) || document.getElementById('error');
      },
      { timeout: 0, polling: 1000 },
      n,
    );
    const err = await page.evaluate(() => document.getElementById('error')?.textContent ?? null);
    if (err) throw new Error(`n=${n}: ${err}`);
    const summary = await page.evaluate(() => window.emgpuDemo.summary);
    const loadWallMs = Date.now() - t0;
    const fit = async (model) => {
      await page.select('#model', model);
      await page.$eval('#k', (el) => (el.value = '10'));
      await page.$eval('#ninit', (el) => (el.value = '1'));
      await page.evaluate(() => (window.emgpuDemo.cluster = null));
      await page.click('#run');
      await page.waitForFunction(() => window.emgpuDemo.cluster || document.getElementById('error'), { timeout: 0, polling: 1000 });
      const c = await page.evaluate(() => window.emgpuDemo.cluster);
      if (!c) throw new Error(await page.evaluate(() => document.getElementById('error')?.textContent));
      return { ms: c.ms, fitMs: c.fitMs, nIter: c.nIter, perIterMs: c.perIterMs, ari: c.ari };
    };
    const kmeans = await fit('kmeans');
    const nb = withNb && n <= nbMax ? await fit('nbmm') : null;
    const scatter = await page.evaluate(() => window.emgpuScatter.measureFrames(20));
    // A screenshot of each size, coloured by cluster, to look at (test-artifacts/ is not committed).
    mkdirSync(shotDir, { recursive: true });
    await page.screenshot({ path: join(shotDir, `pipeline-${n}.png`) });
    rows.push({
      n,
      dataset: summary.name,
      genes: summary.d,
      nnz: summary.nnz,
      kept: summary.kept,
      loadMs: summary.loadMs,
      loadWallMs,
      preprocessMs: summary.preprocessMs,
      kmeans,
      nb,
      scatter,
    });
    console.log(
      `n=${n}: load ${summary.loadMs.toFixed(0)} ms, preprocess ${JSON.stringify(summary.preprocessMs)}, k-means ${kmeans.ms.toFixed(0)} ms${nb ? `, NB ${nb.ms.toFixed(0)} ms` : ''}, scatter ${scatter.renderer} ${scatter.medianMs.toFixed(1)} ms/frame (${scatter.width}×${scatter.height})`,
    );
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}

const software = /swiftshader|llvmpipe|lavapipe|warp|cpu/i.test(adapter);
const date = new Date().toISOString().slice(0, 10);
const slug =
  (adapter.split('·').pop() ?? 'unknown')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'unknown';
mkdirSync(outDir, { recursive: true });
const result = { schema: 'emgpu-bench-pipeline/3', date, revision: rev, adapter, software, backend, timing: 'wall', viewport, rows };
writeFileSync(join(outDir, `${date}-${slug}-pipeline.json`), JSON.stringify(result, null, 1));
const f = (x) => (x == null ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const md = [
  `# emgpu pipeline benchmark, ${date}`,
  '',
  `- Engine: \`${adapter}\`; wall clock in the demo's worker (performance.now per stage); revision ${revisionText}.`,
  software ? '\n> **A software adapter or the CPU backend: these times are not GPU speed.**\n' : '',
  '| cells | genes | non-zeros | load / sample ms | qc | filter | normalize | hvg | scale | pca | preprocess total | k-means k=10 (fit ms, iter) | NB k=10 (fit ms, iter) | ARI k-means / NB | scatter ms/frame (renderer) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.n.toLocaleString('en')} | ${r.genes} | ${r.nnz.toLocaleString('en')} | ${f(r.loadMs)} | ${f(r.preprocessMs.qc)} | ${f(r.preprocessMs.filter)} | ${f(r.preprocessMs.normalize)} | ${f(r.preprocessMs.hvg)} | ${f(r.preprocessMs.scale)} | ${f(r.preprocessMs.pca)} | ${f(r.preprocessMs.totalMs)} | ${f(r.kmeans.fitMs)}, ${r.kmeans.nIter} | ${r.nb ? `${f(r.nb.fitMs)}, ${r.nb.nIter}` : '—'} | ${r.kmeans.ari?.toFixed(3) ?? '—'} / ${r.nb?.ari?.toFixed(3) ?? '—'} | ${f(r.scatter.medianMs)} (${r.scatter.renderer}, max ${f(r.scatter.maxMs)}) |`,
  ),
  '',
  `Scatter: ${rows[0]?.scatter.width ?? '?'}×${rows[0]?.scatter.height ?? '?'} device pixels, median of 20 redraws at changing zoom${rows.some((r) => r.scatter.renderer === 'cpu-splat') ? '; cpu-splat = the CPU fallback drawing into an ImageData (used on software adapters and without WebGPU)' : ''}. Fits are timed alone; the JSON also has each task's total (fit, agreement, marker genes) as \`ms\`. NB: '—' where it was skipped (--nb-max / --no-nb). ARI against the sampled components (synthetic) or the Seurat annotation (pbmc3k).`,
  '',
].join('\n');
writeFileSync(join(outDir, `${date}-${slug}-pipeline.md`), md);
console.log(md);
