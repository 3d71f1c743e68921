#!/usr/bin/env node
/**
 * UMAP quality against uwot on real data: our layout and uwot's (Rscript, same PCs, same
 * parameters: n_neighbors 15 counting self, min_dist 0.1, spread 1, spectral init, exact kNN,
 * umap-learn's epochs) scored by scikit-learn's trustworthiness and 15-NN preservation
 * (/usr/bin/python3). Writes bench/results/<date>-umap-quality.{json,md} and the test fixture
 * test/fixtures/umap/pbmc3k-1000.* (the first 1,000 cells' PCs, uwot's layout and its scores).
 *
 *   node bench/umap-quality.mjs [--backend reference] [--work DIR]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVite } from './cli.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const backend = opt('backend', 'reference');
const work = opt('work', mkdtempSync(join(tmpdir(), 'emgpu-umapq-')));
mkdirSync(work, { recursive: true });
const here = import.meta.dirname;
const repo = join(here, '..');
const fixtures = join(repo, 'test/fixtures/umap');

const server = await createVite();
try {
  const m = await server.ssrLoadModule('/bench/umap-entry.ts');
  const names = await m.prepare(work);
  // The CI subset: pbmc3k's first 1,000 cells (of its PCs).
  const meta = JSON.parse(readFileSync(join(work, 'pbmc3k.json'), 'utf8'));
  const pcs = m.readF32(join(work, 'pbmc3k.f32'));
  writeFileSync(join(work, 'pbmc3k_1000.f32'), Buffer.from(pcs.slice(0, 1000 * meta.d).buffer));
  writeFileSync(join(work, 'pbmc3k_1000.json'), JSON.stringify({ n: 1000, d: meta.d }));
  const rows = [];
  for (const name of [...names, 'pbmc3k_1000']) {
    const { n, d } = JSON.parse(readFileSync(join(work, `${name}.json`), 'utf8'));
    const t0 = Date.now();
    execFileSync(
      'Rscript',
      [join(here, 'peers/uwot-layout.R'), join(work, `${name}.f32`), String(n), String(d), join(work, `${name}-uwot.f32`)],
      { stdio: 'inherit' },
    );
    const uwotMs = Date.now() - t0;
    const t = await m.layout(join(work, `${name}.f32`), n, d, join(work, `${name}-ours.f32`), backend, 0);
    const scores = JSON.parse(
      execFileSync('/usr/bin/python3', [
        join(here, 'peers/umap-scores.py'),
        join(work, `${name}.f32`),
        String(n),
        String(d),
        join(work, `${name}-uwot.f32`),
        join(work, `${name}-ours.f32`),
      ]).toString(),
    );
    rows.push({ name, n, d, uwotMs, oursMs: t.totalMs, ...scores });
    console.log(name, JSON.stringify(rows.at(-1)));
  }
  // The test fixture: the subset's PCs (float32), uwot's layout and both scores.
  mkdirSync(fixtures, { recursive: true });
  execFileSync('sh', ['-c', `gzip -9 -n -c ${join(work, 'pbmc3k_1000.f32')} > ${join(fixtures, 'pbmc3k-1000-pcs.f32.gz')}`]);
  execFileSync('sh', ['-c', `gzip -9 -n -c ${join(work, 'pbmc3k_1000-uwot.f32')} > ${join(fixtures, 'pbmc3k-1000-uwot.f32.gz')}`]);
  const sub = rows.find((r) => r.name === 'pbmc3k_1000');
  writeFileSync(
    join(fixtures, 'pbmc3k-1000-uwot-scores.json'),
    `${JSON.stringify({ n: 1000, d: meta.d, uwot: sub.uwot, oursAtCommit: sub.ours, backend }, null, 1)}\n`,
  );
  const date = new Date().toISOString().slice(0, 10);
  const md = [
    `# UMAP quality vs uwot (${date}; ours on backend '${backend}', CPU of this machine; uwot ${execFileSync('Rscript', ['-e', 'cat(as.character(packageVersion("uwot")))']).toString()})`,
    '',
    'Same 50 PCs (src/sc preprocess defaults), n_neighbors 15 (self counted), min_dist 0.1, spectral init, exact kNN; seed 0.',
    "Trustworthiness: sklearn.manifold.trustworthiness(X, Y, n_neighbors=15). kNN preservation: mean fraction of each point's 15 nearest PCs-space neighbours among its 15 nearest in the layout.",
    '',
    '| data | n | trust uwot | trust ours | kNN-pres uwot | kNN-pres ours | uwot s | ours s |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.n} | ${r.uwot.trustworthiness.toFixed(4)} | ${r.ours.trustworthiness.toFixed(4)} | ${r.uwot.knnPreservation.toFixed(4)} | ${r.ours.knnPreservation.toFixed(4)} | ${(r.uwotMs / 1000).toFixed(1)} | ${(r.oursMs / 1000).toFixed(1)} |`,
    ),
    '',
    'Times: wall clock on a shared 2-core machine under load (uwot includes R start-up); not a speed comparison.',
  ].join('\n');
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', `${date}-umap-quality.md`), `${md}\n`);
  writeFileSync(join(here, 'results', `${date}-umap-quality.json`), `${JSON.stringify({ date, backend, rows }, null, 1)}\n`);
  console.log(md);
} finally {
  await server.close();
}
