#!/usr/bin/env node
/**
 * bench:umap-speed — UMAP layout speed and quality, every method on the same input in the same
 * run: n × 50 Gaussian blobs (20 centres), one exact kNN (k = 14, n_neighbors 15; scikit-learn
 * brute force, not timed), then emgpu 'wasm' on 1 and 2 threads, emgpu 'reference' (float64 TS),
 * umap-js (when installed), uwot (R) on 1 and 2 threads, and emgpu on WebGPU in headless Chromium
 * (SwiftShader without a GPU: says the GPU path finishes at this size, not GPU speed). Each time
 * covers the fuzzy graph, the spectral init and the layout (umap-learn's epochs: 500 up to 10k
 * points, else 200). Beside each: trustworthiness and 15-NN preservation against the 50-d input,
 * averaged over the same 1,000 sampled query cells (bench/umap-speed-entry.ts).
 *
 *   node bench/umap-speed.mjs [--sizes 10000,100000] [--methods wasm1,wasm2,reference,umapjs,uwot1,uwot2,webgpu]
 *                             [--reference-max 10000] [--out FILE.md]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVite, revision } from './cli.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const sizes = opt('sizes', '10000,100000').split(',').map(Number);
const methods = opt('methods', 'wasm1,wasm2,reference,umapjs,uwot1,uwot2,webgpu').split(',');
const referenceMax = Number(opt('reference-max', '10000'));
const here = import.meta.dirname;
const date = new Date().toISOString().slice(0, 10);
const outMd = opt('out', join(here, 'results', `${date}-umap-speed.md`));
const work = mkdtempSync(join(tmpdir(), 'emgpu-umapspeed-'));
const K = 14;
const SAMPLE = 1000;
const rev = revision(['src', 'shaders', 'wasm']);
const umapJsInstalled = existsSync(join(here, '..', 'node_modules', 'umap-js'));

const node = await createVite();
const entry = await node.ssrLoadModule('/bench/umap-speed-entry.ts');
let web = null;
let browser = null;
const rows = [];

function writeOut() {
  const fmt = (ms) => (ms === undefined ? '—' : (ms / 1000).toFixed(1));
  const q = (s) => (s ? `${s.trustworthiness.toFixed(4)} / ${s.knnPreservation.toFixed(4)}` : '—');
  const lines = [
    `# UMAP speed (${date}, ${rev ? rev.commit.slice(0, 7) + (rev.dirty ? ' with local changes' : '') : 'unknown revision'})`,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, shared with other jobs (wall times are upper bounds).`,
    'Input: n × 50 Gaussian blobs (20 centres), one exact kNN k = 14 (n_neighbors 15) given to every method. Times (s) cover graph + spectral init + layout',
    '(the layout alone in brackets for emgpu). CPU: user + system seconds of the whole process, every thread included (on a shared machine the',
    `fairer comparison; wall time also counts waiting for a core). Quality: trustworthiness / 15-NN preservation against the 50-d input, over the same ${SAMPLE} sampled cells.`,
    umapJsInstalled ? '' : 'umap-js: not installed in node_modules (no npm install in this session), so not measured.',
    '',
    '| n | epochs | method | wall (s) | CPU (s) | trustworthiness / 15-NN preservation | note |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.n} | ${r.nEpochs ?? '—'} | ${r.method} | ${fmt(r.totalMs)}${r.layoutMs !== undefined ? ` (${fmt(r.layoutMs)})` : ''} | ${fmt(r.cpuMs)} | ${q(r.scores)} | ${r.note ?? ''} |`,
    ),
    '',
  ];
  writeFileSync(outMd, `${lines.join('\n')}\n`);
  writeFileSync(outMd.replace(/\.md$/, '.json'), `${JSON.stringify({ date, revision: rev, rows }, null, 1)}\n`);
}

try {
  for (const n of sizes) {
    const s = entry.synthetic(n);
    const f = (x) => join(work, `${n}.${x}`);
    writeFileSync(f('f32'), Buffer.from(s.data.buffer));
    execFileSync('/usr/bin/python3', [join(here, 'peers/exact-knn.py'), f('f32'), String(n), '50', String(K), f('i32'), f('dist')]);
    const indices = new Int32Array(readFileSync(f('i32')).buffer.slice(0));
    const distances = new Float32Array(readFileSync(f('dist')).buffer.slice(0));
    const sample = entry.sampleRows(n, SAMPLE);
    const score = (y) => entry.sampledScores(s.data, y, n, 50, 2, K + 1, sample);
    const record = (row) => {
      rows.push(row);
      console.log(JSON.stringify(row));
      writeOut();
    };
    for (const m of methods) {
      if (m === 'wasm1' || m === 'wasm2' || m === 'reference') {
        if (m === 'reference' && n > referenceMax) continue;
        const r = await entry.layoutOn(
          n,
          K,
          indices,
          distances,
          m === 'reference' ? 'reference' : 'wasm',
          m === 'reference' ? undefined : Number(m[4]),
        );
        record({
          n,
          method: m === 'reference' ? "emgpu 'reference' (float64 TS)" : `emgpu 'wasm', ${m[4]} thread${m[4] === '1' ? '' : 's'}`,
          nEpochs: r.nEpochs,
          totalMs: r.timings.graphMs + r.timings.initMs + r.timings.layoutMs,
          layoutMs: r.timings.layoutMs,
          cpuMs: r.cpuMs,
          scores: score(r.embedding),
          note: r.adapter,
        });
      } else if (m === 'uwot1' || m === 'uwot2') {
        const th = m[4];
        const [sec, cpuSec] = execFileSync('Rscript', [
          join(here, 'peers/uwot-knn-layout.R'),
          f('i32'),
          f('dist'),
          String(n),
          String(K),
          th,
          f(`uwot${th}`),
        ])
          .toString()
          .trim()
          .split(/\s+/)
          .map(Number);
        const y = new Float32Array(readFileSync(f(`uwot${th}`)).buffer.slice(0));
        record({
          n,
          method: `uwot ${th} thread${th === '1' ? '' : 's'}`,
          nEpochs: n <= 10000 ? 500 : 200,
          totalMs: sec * 1000,
          cpuMs: cpuSec * 1000,
          scores: score(y),
        });
      } else if (m === 'umapjs') {
        if (!umapJsInstalled) continue;
      } else if (m === 'webgpu') {
        if (!browser) {
          const puppeteer = (await import('puppeteer-core')).default;
          const { chromiumArgs, chromiumExecutable } = await import('../scripts/chromium.js');
          const port = 5190 + Math.floor(Math.random() * 500);
          web = await createVite({ listen: true, port });
          browser = await puppeteer.launch({
            executablePath: chromiumExecutable(),
            args: chromiumArgs,
            headless: true,
            protocolTimeout: 3_600_000,
          });
          browser.page = await browser.newPage();
          await browser.page.goto(`http://127.0.0.1:${port}/bench/index.html`, { waitUntil: 'load' });
        }
        const t0 = Date.now();
        const r = await browser.page.evaluate(
          async (nn, k, i64, d64) => (await import('/bench/umap-speed-page.ts')).run(nn, k, i64, d64),
          n,
          K,
          Buffer.from(indices.buffer).toString('base64'),
          Buffer.from(distances.buffer).toString('base64'),
        );
        const y = new Float32Array(Buffer.from(r.embedding, 'base64').buffer.slice(0));
        const t = r.timings;
        record({
          n,
          method: 'emgpu webgpu (headless Chromium)',
          nEpochs: r.nEpochs,
          totalMs: t.graphMs + t.initMs + t.layoutMs,
          layoutMs: t.layoutMs,
          scores: score(y),
          note: `${r.adapter}; page wall ${((Date.now() - t0) / 1000).toFixed(1)} s`,
        });
      }
    }
  }
} finally {
  await browser?.close();
  await web?.close();
  await node.close();
}
writeOut();
console.log(readFileSync(outMd, 'utf8'));
