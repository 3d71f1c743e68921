#!/usr/bin/env node
// npm run bench:harmony   (HARMONYPY_PATH=<folder holding the numpy harmonypy> adds the peer;
//                          PEER_PYTHON defaults to /usr/bin/python3; EMGPU_DATA_DIR to ../shared/data)
//
// Harmony on two real PBMC sets together (bench/harmony-entry.ts): iLISI, cLISI and k-means ARI
// before and after integration; writes bench/results/<date>-harmony-pbmc.{json,md} with the machine named.
import { existsSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { createVite, exitWith, revision, root } from './cli.mjs';

async function main() {
  const dataDir = [
    process.env.EMGPU_DATA_DIR,
    resolve(root, '..', 'shared', 'data'),
    resolve(root, '..', '..', 'shared', 'data'),
    '/work/shared/data',
  ]
    .filter(Boolean)
    .find((p) => existsSync(join(p, 'pbmc3k', 'matrix.mtx.gz')));
  if (!dataDir) throw new Error('pbmc3k not found: set EMGPU_DATA_DIR to the shared data folder');
  const outDir = join(root, 'bench', 'results');
  const rev = revision();
  const server = await createVite();
  try {
    const { runHarmonyBench } = await server.ssrLoadModule('/bench/harmony-entry.ts');
    const seeds = [0, 1, 2];
    // The peer: harmonypy (numpy version) through Debian's Python; HARMONYPY_PATH names a folder holding it.
    const peer = {
      python: process.env.PEER_PYTHON ?? '/usr/bin/python3',
      pythonPath: process.env.HARMONYPY_PATH ?? '',
      script: join(root, 'bench', 'peers', 'harmonypy_run.py'),
    };
    const r = await runHarmonyBench(dataDir, (s) => console.log(s), seeds, peer);
    const machine = `${cpus()[0]?.model ?? 'cpu'} × ${cpus().length} (Node ${process.version}, no GPU)`;
    const date = new Date().toISOString().slice(0, 10);
    const base = join(outDir, `${date}-harmony-pbmc`);
    writeFileSync(`${base}.json`, `${JSON.stringify({ date, revision: rev, machine, ...r }, null, 2)}\n`);
    const f = (x) => x.toFixed(3);
    const avg = (a) => a.reduce((p, q) => p + q, 0) / a.length;
    const lines = [
      `# Harmony on pbmc3k + zheng2017 frozen PBMC donor A (${date})`,
      '',
      `Machine: ${machine}. Revision ${rev ? `${rev.commit.slice(0, 10)}${rev.dirty ? ' (uncommitted changes)' : ''}` : 'unknown'}. ${r.n} cells after QC, ${r.nShared} shared genes, 2000 HVGs (seurat_v3), 50 PCs;`,
      `batch = source. iLISI over all cells (1 = one batch around a cell, 2 = both equally); cLISI and ARI on the ${r.nLabelled}`,
      `labelled pbmc3k cells (Seurat tutorial types, ${r.kTypes}). ARI against those labels: k-means (k = ${r.kTypes}, nInit 10, seeds ${seeds.join(', ')})`,
      'fitted on the labelled cells only, or jointly on all cells of both sets (then scored on the labelled ones), and a diagonal GMM',
      `(k = ${r.kTypes}, seed 0) fitted on all cells. Mean over seeds in brackets.`,
      '',
      '| embedding | iLISI mean | iLISI median | cLISI mean | k-means ARI, labelled cells | k-means ARI, joint | diag GMM ARI, joint |',
      '|---|---|---|---|---|---|---|',
      ...r.rows.map(
        (x) =>
          `| ${x.embedding} | ${f(x.iLisiMean)} | ${f(x.iLisiMedian)} | ${f(x.cLisiMean)} | ${x.ari.map(f).join(', ')} (${f(avg(x.ari))}) | ${x.ariJoint.map(f).join(', ')} (${f(avg(x.ariJoint))}) | ${f(x.ariGmmJoint)} |`,
      ),
      '',
      '| Harmony run | seconds | outer iterations | converged |',
      '|---|---|---|---|',
      ...r.runs.map((x) => `| ${x.backend} | ${x.seconds.toFixed(1)} | ${x.iterations} | ${x.converged} |`),
      '',
      r.lisiCheck,
      '',
      'harmonypy: slowkow/harmonypy at commit 7e73cb3 (the numpy implementation; later versions need PyTorch), run from source with',
      'HARMONYPY_PATH on Debian Python 3 (numpy, pandas, scikit-learn 1.2.1); theta 2 passed explicitly (its default there is 1). Its k-means',
      "initialisation is scikit-learn's, so its clusters start elsewhere than ours: compare the metrics, not the coordinates.",
      '',
    ];
    writeFileSync(`${base}.md`, lines.join('\n'));
    console.log(lines.join('\n'));
  } finally {
    await server.close();
  }
}

exitWith(main());
