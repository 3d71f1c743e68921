#!/usr/bin/env node
/**
 * The demo opening an .h5ad too large for a tab to load whole, in headless Chromium, the way a user
 * would: the file is picked in the page's file input; above the 2 GiB default the worker mounts it
 * (WORKERFS, never copied) and preprocesses it in streamed passes, then the chosen model clusters the
 * PCs. Prints the time to the summary, the passes, the peak chunk, the ARI against the file's label
 * column and the browser's memory: the peak RSS of each Chromium process (sampled from /proc every
 * second) and of all of them together (an upper bound: shared pages count once per process).
 *
 * Why "too large for a tab": loading whole goes through h5wasm's in-memory file system, whose heap is
 * a wasm32 memory (at most 4 GiB) that must hold the whole file, and the loaded CSR alone is
 * 8 bytes per stored value. The script prints both against the file.
 *
 *   npm run build:demo && node bench/stream/demo-big.mjs --file F.h5ad [--model kmeans] [--k 10]
 *        [--n-init 1] [--backend cpu] [--timeout-min 90] [--out bench/results/NAME]
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';
import { preview } from 'vite';
import { chromiumArgs, chromiumExecutable } from '../../scripts/chromium.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: a } = parseArgs({
  options: {
    file: { type: 'string' },
    model: { type: 'string', default: 'kmeans' },
    k: { type: 'string', default: '10' },
    'n-init': { type: 'string', default: '1' },
    backend: { type: 'string', default: 'cpu' },
    'timeout-min': { type: 'string', default: '90' },
    // Only to try the script on a small file: stream above this many bytes instead of the 2 GiB default.
    'stream-above': { type: 'string' },
    out: { type: 'string' },
  },
});
if (!a.file) {
  console.error('usage: node bench/stream/demo-big.mjs --file F.h5ad [--model kmeans] [--k 10] [--out bench/results/NAME]');
  process.exit(2);
}
const file = resolve(a.file);
const fileBytes = statSync(file).size;
const timeout = Number(a['timeout-min']) * 60_000;
const GiB = 2 ** 30;
const lines = [];
const say = (s) => {
  console.log(s);
  lines.push(s);
};

// --- browser memory, sampled from /proc -----------------------------------------------------------
const profile = mkdtempSync(join(tmpdir(), 'emgpu-demo-big-'));
const peak = new Map(); // pid → { kind, rss }
let peakTotal = 0;
function sample() {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes(profile)) continue;
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      const kind = /--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser';
      total += rss;
      const p = peak.get(pid);
      if (!p || rss > p.rss) peak.set(pid, { kind, rss });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  peakTotal = Math.max(peakTotal, total);
}
const sampler = setInterval(sample, 1000);

const server = await preview({
  configFile: join(root, 'demo/vite.config.ts'),
  preview: { port: 0, host: '127.0.0.1' },
  logLevel: 'warn',
});
const browser = await puppeteer.launch({
  executablePath: chromiumExecutable(),
  args: chromiumArgs,
  headless: true,
  protocolTimeout: timeout,
  userDataDir: profile,
});
const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(1);
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1500, height: 900 });
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  const above = a['stream-above'] ? `&streamAbove=${a['stream-above']}` : '';
  await page.goto(`${server.resolvedUrls.local[0]}?backend=${a.backend}${above}`);
  await page.waitForFunction(() => !document.getElementById('load-bundled').disabled, { timeout: 120_000 });
  const heapLimit = await page.evaluate(() => performance.memory?.jsHeapSizeLimit ?? null);

  // Pick the file; print the progress panel's last line every 30 s while the passes run.
  const input = await page.$('input#file');
  await input.uploadFile(file);
  const tick = setInterval(async () => {
    const last = await page.evaluate(() => [...document.querySelectorAll('#progress .stage')].at(-1)?.textContent ?? '').catch(() => '');
    console.log(`  [${secs()} s] ${last.replace(/\s+/g, ' ').trim()}`);
  }, 30_000);
  await page.waitForFunction(() => window.emgpuDemo.summary || document.getElementById('error'), { timeout, polling: 1000 });
  const loadedAt = Number(secs());
  const err = await page.evaluate(() => document.getElementById('error')?.textContent ?? null);
  if (err) throw new Error(`the demo reported: ${err}`);
  const s = await page.evaluate(() => {
    const { summary } = window.emgpuDemo;
    return { ...summary, streamedLine: document.getElementById('streamed')?.textContent ?? null };
  });

  await page.select('#model', a.model);
  await page.$eval('#k', (el, v) => (el.value = String(v)), a.k);
  await page.$eval('#ninit', (el, v) => (el.value = String(v)), a['n-init']);
  await page.evaluate(() => (window.emgpuDemo.cluster = null));
  const c0 = performance.now();
  await page.click('#run');
  await page.waitForFunction(() => window.emgpuDemo.cluster || document.getElementById('error'), { timeout, polling: 1000 });
  const clusterSec = (performance.now() - c0) / 1000;
  clearInterval(tick);
  const err2 = await page.evaluate(() => document.getElementById('error')?.textContent ?? null);
  if (err2) throw new Error(`the demo reported: ${err2}`);
  const c = await page.evaluate(() => window.emgpuDemo.cluster);
  await page.screenshot({ path: join(root, 'test-artifacts', 'demo-big.png') }).catch(() => {});
  sample();

  const nnz = s.nnz;
  say(`# The demo on a backed .h5ad larger than a tab can load (${new Date().toISOString().slice(0, 10)})`);
  say('');
  say(
    `Machine: ${cpus().length} × ${cpus()[0].model}, ${(totalmem() / GiB).toFixed(1)} GiB; load average at the end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}.`,
  );
  say(
    `Browser: ${execSync(`${chromiumExecutable()} --version`).toString().trim()}, headless, backend=${a.backend}. Commit ${execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim()}.`,
  );
  say(`Command: node bench/stream/demo-big.mjs --file ${a.file} --model ${a.model} --k ${a.k} --n-init ${a['n-init']}`);
  say('');
  say(
    `File: ${(fileBytes / 1e9).toFixed(2)} GB; ${s.n.toLocaleString('en')} cells × ${s.d.toLocaleString('en')} genes, ${nnz.toLocaleString('en')} stored values.`,
  );
  say(
    `- Loaded whole it would need the file inside h5wasm's wasm32 heap (≤ 4 GiB): ${(fileBytes / GiB).toFixed(2)} GiB, ${(fileBytes / (4 * GiB)).toFixed(1)}× that limit.`,
  );
  say(
    `- and its CSR (values + indices) takes ${((8 * nnz) / GiB).toFixed(2)} GiB; the tab's JS heap limit is ${heapLimit ? `${(heapLimit / GiB).toFixed(2)} GiB` : 'not reported'}.`,
  );
  say('');
  say('| step | result |');
  say('|---|---|');
  say(`| file picked → summary | ${loadedAt.toFixed(0)} s |`);
  say(`| streamed | ${s.streamedLine} |`);
  say(`| kept | ${s.kept.cells.toLocaleString('en')} cells, ${s.kept.genes.toLocaleString('en')} genes, ${s.kept.hvg} HVG |`);
  say(`| ${a.model} k ${a.k} on the PCs | ${clusterSec.toFixed(0)} s, ARI ${c.ari?.toFixed(4)} against ${s.truthColumn} (${c.backend}) |`);
  say(`| Chromium peak RSS, all processes summed | ${(peakTotal / GiB).toFixed(2)} GiB |`);
  const byKind = new Map();
  for (const { kind, rss } of peak.values()) byKind.set(kind, Math.max(byKind.get(kind) ?? 0, rss));
  say(`| largest process of each kind | ${[...byKind].map(([k, r]) => `${k} ${(r / GiB).toFixed(2)} GiB`).join(', ')} |`);
  say('');
  say(`Cluster sizes: ${c.sizes.join(', ')}.`);
  if (a.out) writeFileSync(join(root, `${a.out}.md`), `${lines.join('\n')}\n`);
} finally {
  clearInterval(sampler);
  await browser.close();
  await new Promise((r) => server.httpServer.close(() => r()));
}
