#!/usr/bin/env node
/**
 * bench:umap — UMAP timings: n × 50 Gaussian blobs (20 centres) at each size, one exact kNN
 * (k = 14, i.e. n_neighbors 15; scikit-learn brute force, not timed: the kNN has its own bench),
 * then on that kNN in the same run: emgpu's CPU path ('wasm', the plain-TS layout) in Node,
 * emgpu on WebGPU in headless Chromium (SwiftShader without a GPU: a correctness-at-scale figure,
 * not GPU speed), and uwot (R) on 1 thread and on 2. Each timing covers the fuzzy graph, the
 * spectral init and the layout (umap-learn's epochs: 500 up to 10k points, else 200).
 *
 *   npm run bench:umap -- [--sizes 10000,100000] [--skip cpu,gpu,uwot] [--out DIR]
 *
 * Writes bench/results/<date>-umap-timings.{json,md}.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { chromiumArgs, chromiumExecutable } from '../scripts/chromium.js';
import { createVite, revision } from './cli.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const sizes = opt('sizes', '10000,100000').split(',').map(Number);
const skip = new Set(opt('skip', '').split(','));
const here = import.meta.dirname;
const outDir = opt('out', join(here, 'results'));
const work = mkdtempSync(join(tmpdir(), 'emgpu-umapbench-'));
const K = 14;
const rev = revision(['src', 'shaders']);

const node = await createVite();
const entry = await node.ssrLoadModule('/bench/umap-entry.ts');
const { umap } = await node.ssrLoadModule('/src/index.ts');
const port = 5190 + Math.floor(Math.random() * 500);
const web = skip.has('gpu') ? null : await createVite({ listen: true, port });
const browser = web
  ? await puppeteer.launch({ executablePath: chromiumExecutable(), args: chromiumArgs, headless: true, protocolTimeout: 3_600_000 })
  : null;
function writeOut() {
  const date = new Date().toISOString().slice(0, 10);
  const fmt = (ms) => (ms === undefined ? '—' : (ms / 1000).toFixed(1));
  const adapter = rows.find((r) => r.webgpu)?.webgpu.adapter ?? 'not run';
  const md = [
    `# UMAP timings (${date}, ${rev ? rev.commit.slice(0, 7) + (rev.dirty ? ' with local changes' : '') : 'unknown revision'})`,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} (shared with other jobs: wall times are upper bounds); WebGPU adapter: ${adapter}.`,
    'Input: n × 50 Gaussian blobs, exact kNN k = 14 (n_neighbors 15) given to every method; times in seconds cover graph + spectral init + layout.',
    '',
    '| n | epochs | edges | emgpu cpu (graph / init / layout) | emgpu webgpu (graph / init / layout) | uwot 1 thread | uwot 2 threads |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const c = r.cpu;
      const g = r.webgpu;
      const e = c ?? g;
      return `| ${r.n} | ${e?.nEpochs ?? '—'} | ${e?.nEdges ?? '—'} | ${c ? `${fmt(c.totalMs)} (${fmt(c.graphMs)} / ${fmt(c.initMs)} / ${fmt(c.layoutMs)})` : '—'} | ${g ? `${fmt(g.totalMs)} (${fmt(g.graphMs)} / ${fmt(g.initMs)} / ${fmt(g.layoutMs)})` : '—'} | ${fmt(r.uwot1?.totalMs)} | ${fmt(r.uwot2?.totalMs)} |`;
    }),
    '',
    /swiftshader/i.test(adapter)
      ? 'The WebGPU column ran on SwiftShader (a CPU emulation of a GPU): it shows the GPU path completes at this size, not GPU speed.'
      : '',
  ].join('\n');
  mkdirSync(outDir, { recursive: true });
  const slug = /swiftshader/i.test(adapter) ? 'swiftshader' : 'cpu';
  const tag = [...skip].filter(Boolean).length ? `-without-${[...skip].filter(Boolean).join('-')}` : '';
  writeFileSync(join(outDir, `${date}-${slug}-umap-timings-${sizes.map((s) => `${s / 1000}k`).join('-')}${tag}.md`), `${md}\n`);
  writeFileSync(
    join(outDir, `${date}-${slug}-umap-timings-${sizes.map((s) => `${s / 1000}k`).join('-')}${tag}.json`),
    `${JSON.stringify({ date, revision: rev, adapter, rows }, null, 1)}\n`,
  );
  return md;
}

const rows = [];
try {
  let page = null;
  if (browser) {
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/bench/index.html`, { waitUntil: 'load' });
  }
  for (const n of sizes) {
    const s = entry.synthetic(n);
    const f = (x) => join(work, `${n}.${x}`);
    writeFileSync(f('f32'), Buffer.from(s.data.buffer));
    execFileSync('/usr/bin/python3', [join(here, 'peers/exact-knn.py'), f('f32'), String(n), '50', String(K), f('i32'), f('dist')]);
    const indices = new Int32Array(readFileSync(f('i32')).buffer.slice(0));
    const distances = new Float32Array(readFileSync(f('dist')).buffer.slice(0));
    const row = { n, d: 50, k: K };
    rows.push(row); // written out after each measurement, so a long run keeps what it measured
    if (!skip.has('cpu')) {
      const r = await umap({ n, k: K, metric: 'euclidean', indices, distances, backend: 'python' }, { backend: 'wasm', seed: 0 });
      row.cpu = { ...r.timings, nEpochs: r.nEpochs, nEdges: r.nEdges };
      console.log(n, 'cpu', JSON.stringify(row.cpu));
      writeOut();
    }
    if (page) {
      const t0 = Date.now();
      const r = await page.evaluate(
        async (nn, k, i64, d64) => (await import('/bench/umap-page.ts')).run(nn, k, i64, d64),
        n,
        K,
        Buffer.from(indices.buffer).toString('base64'),
        Buffer.from(distances.buffer).toString('base64'),
      );
      row.webgpu = { ...r.timings, wallMs: Date.now() - t0, adapter: r.adapter, nEpochs: r.nEpochs, nEdges: r.nEdges };
      console.log(n, 'webgpu', JSON.stringify(row.webgpu));
      writeOut();
    }
    if (!skip.has('uwot')) {
      for (const th of [1, 2]) {
        const sec = Number(
          execFileSync('Rscript', [join(here, 'peers/uwot-timing.R'), f('i32'), f('dist'), String(n), String(K), String(th)])
            .toString()
            .trim(),
        );
        row[`uwot${th}`] = { totalMs: sec * 1000 };
        console.log(n, `uwot ${th} thread(s)`, sec);
        writeOut();
      }
    }
  }
} finally {
  await browser?.close();
  await web?.close();
  await node.close();
}

console.log(writeOut());
