#!/usr/bin/env node
/**
 * preprocessStream against preprocess on synthetic counts (sampleNbMixture with the pbmc3k-fitted
 * parameters, 2000 genes), each in its own Node process so that peak RSS (resourceUsage().maxRSS)
 * is the pipeline's: the counts are sampled once to a binary CSR file, then each child loads the
 * file (its RSS after loading is reported too: the matrix both pipelines start from) and runs one
 * pipeline on the same engine backend. Prints time per stage and per pass, total time, peak RSS
 * and the PCA's agreement (explained variance ratios, largest principal angle of the subspaces).
 *
 *   node bench/stream-preprocess.mjs [--n 200000] [--backend cpu] [--n-comps 50] [--chunk-rows N] [--out bench/results/FILE.md]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVite, revision } from './cli.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

async function child() {
  const server = await createVite();
  try {
    const mod = await server.ssrLoadModule('/bench/stream-preprocess-entry.ts');
    const job = JSON.parse(opt('job'));
    const out = job.sample ? mod.sample(job.dir, job.n, job.seed) : await mod.runOne(job);
    writeFileSync(job.result, JSON.stringify(out));
  } finally {
    await server.close();
  }
}

function run(job) {
  const result = join(job.dir, `${job.mode ?? 'sample'}.json`);
  execFileSync(process.execPath, [join(here, 'stream-preprocess.mjs'), '--child', '--job', JSON.stringify({ ...job, result })], {
    stdio: 'inherit',
  });
  return JSON.parse(readFileSync(result, 'utf8'));
}

/** Largest principal angle between span(A) and span(B), d × k orthonormal columns (power iteration on the residual's Gram). */
function maxAngle(a, b, d, k) {
  const m = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let f = 0; f < d; f++) s += a[f * k + i] * b[f * k + j];
      m[i * k + j] = s;
    }
  const r = new Float64Array(d * k);
  for (let f = 0; f < d; f++)
    for (let j = 0; j < k; j++) {
      let s = b[f * k + j];
      for (let i = 0; i < k; i++) s -= a[f * k + i] * m[i * k + j];
      r[f * k + j] = s;
    }
  const g = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let f = 0; f < d; f++) s += r[f * k + i] * r[f * k + j];
      g[i * k + j] = s;
    }
  let v = new Float64Array(k).fill(1 / Math.sqrt(k));
  let lam = 0;
  for (let it = 0; it < 2000; it++) {
    const w = new Float64Array(k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) w[i] += g[i * k + j] * v[j];
    lam = Math.hypot(...w);
    if (lam === 0) break;
    v = w.map((x) => x / lam);
  }
  return Math.asin(Math.min(1, Math.sqrt(Math.max(0, lam))));
}

async function main() {
  const n = Number(opt('n', '200000'));
  const backend = opt('backend', 'cpu');
  const nComps = Number(opt('n-comps', '50'));
  const chunkRows = opt('chunk-rows') ? Number(opt('chunk-rows')) : undefined;
  const dir = join(tmpdir(), `emgpu-stream-bench-${n}`);
  const rev = revision(['src', 'bench']);
  const s = existsSync(join(dir, 'meta.json'))
    ? { ...JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')), ms: 0, cached: true }
    : run({ sample: true, dir, n, seed: 1 });
  console.log(`sampled ${s.n} × ${s.d}, nnz ${s.nnz} (${(s.ms / 1000).toFixed(1)} s${s.cached ? ', cached' : ''})`);
  const res = {};
  const modes = args.includes('--disk-only') ? ['disk'] : ['disk', 'stream', 'memory'];
  for (const mode of modes) {
    res[mode] = run({ dir, mode, backend, nComps, ...(chunkRows ? { chunkRows } : {}) });
    console.log(`${mode}: ${(res[mode].totalMs / 1000).toFixed(1)} s, peak RSS ${(res[mode].maxRssBytes / 2 ** 30).toFixed(2)} GiB`);
  }
  if (!res.memory || !res.stream) return;
  const k = res.stream.nComps;
  const angle = maxAngle(res.memory.loadings, res.stream.loadings, res.stream.g, k);
  const angle10 = maxAngle(
    res.memory.loadings.filter((_, i) => i % k < 10),
    res.stream.loadings.filter((_, i) => i % k < 10),
    res.stream.g,
    10,
  );
  const evrRel = res.stream.evr.map((v, j) => Math.abs(v / res.memory.evr[j] - 1));
  const diskSame = res.disk
    ? res.disk.loadings.every((v, i) => v === res.stream.loadings[i]) && res.disk.evr.every((v, i) => v === res.stream.evr[i])
    : undefined;
  const gib = (b) => (b / 2 ** 30).toFixed(2);
  const sec = (ms) => (ms / 1000).toFixed(1);
  const csrBytes = s.nnz * 8 + (s.n + 1) * 4;
  const cols = [
    ['memory', 'in memory (preprocess)'],
    ['stream', 'streamed, counts in memory (csrSource)'],
    ...(res.disk ? [['disk', 'streamed from disk (file CsrSource)']] : []),
  ];
  const row = (label, f) => `| ${label} | ${cols.map(([m]) => f(res[m])).join(' | ')} |`;
  const lines = [
    `# preprocessStream vs preprocess, ${s.n.toLocaleString('en-US')} × ${s.d} synthetic counts`,
    '',
    `Machine: ${cpus()[0].model}, ${cpus().length} cores (shared with other jobs), ${gib(totalmem())} GiB; Node ${process.version}; backend '${res.stream.backend}'.`,
    `Code: ${rev ? `${rev.commit.slice(0, 7)}${rev.dirty ? ' (with local changes)' : ''}` : 'unknown'}. Command: \`node bench/stream-preprocess.mjs ${args.join(' ')}\`.`,
    '',
    `Data: sampleNbMixture (data/pbmc3k/synthetic_nb.json.gz: 8 components, 2000 genes), seed 1: ${s.nnz.toLocaleString('en-US')} stored entries, ${gib(csrBytes)} GiB as float32 CSR with uint32 indices, written once as binary files.`,
    `Options: cells { minGenes: 50 }, minCells 3, seurat_v3 nTopGenes 2000, PCA nComps ${nComps} (l = ${nComps + 10}, nIter auto = 7), seed 0; streamed: chunks of 64 MiB (default${chunkRows ? `; chunkRows ${chunkRows}` : ''}), tiles of 4096 rows.`,
    "Each pipeline ran in its own process; 'in memory' and 'streamed, counts in memory' first load the whole CSR (RSS after loading below); 'from disk' reads row ranges of the binary files (indptr in memory, positioned reads per chunk). Peak RSS is process.resourceUsage().maxRSS, Vite's SSR loader included in all three.",
    '',
    `| | ${cols.map(([, t]) => t).join(' | ')} |`,
    `|---|${cols.map(() => '---:').join('|')}|`,
    row('cells kept', (r) => r.cells),
    ...['qc', 'filter', 'normalize', 'hvg', 'scale', 'pca'].map((st) => row(`${st} (s)`, (r) => sec(r.timings[st]))),
    row('**total (s)**', (r) => `**${sec(r.totalMs)}**`),
    row('RSS before the pipeline (GiB)', (r) => gib(r.rssLoadedBytes)),
    row('**peak RSS (GiB)**', (r) => `**${gib(r.maxRssBytes)}**`),
    row("peak − before (GiB): the pipeline's own memory", (r) => gib(r.maxRssBytes - r.rssLoadedBytes)),
    '',
    `Passes of the streamed runs (${res.stream.passes.length}):`,
    '',
    `| pass | chunks | s (counts in memory) |${res.disk ? ' s (from disk) |' : ''}`,
    `|---|---:|---:|${res.disk ? '---:|' : ''}`,
    ...res.stream.passes.map((p, i) => `| ${p.pass} | ${p.chunks} | ${sec(p.ms)} |${res.disk ? ` ${sec(res.disk.passes[i].ms)} |` : ''}`),
    '',
    `PCA agreement (streamed against in memory, same seed): explained variance ratio, max relative difference over the first 10 components ${Math.max(...evrRel.slice(0, 10)).toExponential(2)}, over all ${k} ${Math.max(...evrRel).toExponential(2)}; largest principal angle between the top-10 subspaces ${angle10.toExponential(2)} rad, top-${k} ${angle.toExponential(2)} rad.${diskSame === undefined ? '' : ` From disk against counts in memory: ${diskSame ? 'the same bits (loadings and explained variance)' : 'DIFFERENT bits'}.`}`,
    `First explained variance ratios: in memory ${res.memory.evr
      .slice(0, 5)
      .map((v) => v.toFixed(5))
      .join(', ')}; streamed ${res.stream.evr
      .slice(0, 5)
      .map((v) => v.toFixed(5))
      .join(', ')}.`,
  ];
  const out = opt('out', join(here, 'results', `${new Date().toISOString().slice(0, 10)}-stream-preprocess.md`));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${lines.join('\n')}\n`);
  writeFileSync(
    out.replace(/\.md$/, '.json'),
    JSON.stringify(
      { sample: s, stream: { ...res.stream, loadings: undefined }, memory: { ...res.memory, loadings: undefined }, angle, angle10, evrRel },
      null,
      1,
    ),
  );
  console.log(lines.join('\n'));
}

if (args.includes('--child')) await child();
else await main();
