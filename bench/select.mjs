#!/usr/bin/env node
/**
 * npm run bench:select [-- --sets pbmc3k,zeisel2015_subset_1464 --models kmeans,gmm,nb --ks 2-20 --nb-ks 2,5,8,11,14,17,20 --seed 0 [--mixture-n-init 1] --backend wasm --suffix select-2 --kmeans-criteria clbic,bic,inertia --out bench/results] [-- --from saved.json: re-render a saved run]
 *
 * Choosing k on the public labelled single-cell sets (bench/select-run.ts): ARI against the
 * labels at the true k and at the k each criterion chooses, per model. Prints the table and
 * writes bench/results/<date>-<machine>-select.{json,md}. The peers' figures (scikit-learn and
 * mclust with k chosen by BIC on the same preprocessing) are the ones issue 14 measured; they
 * are quoted, not rerun here.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVite, revision } from './cli.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const range = (s) => {
  const [a, b] = s.split('-').map(Number);
  return b === undefined ? s.split(',').map(Number) : Array.from({ length: b - a + 1 }, (_, i) => a + i);
};
const PEERS = { pbmc3k: 0.635, zeisel2015_subset_1464: 0.645, cao2017_worm_neuron: 0.409, han2018_mouse_bladder_2100: 0.616 };

async function main() {
  const config = {
    dataDir: resolve(opt('data', process.env.EMGPU_DATA_DIR ?? join(here, '..', '..', '..', 'shared', 'data'))),
    sets: opt('sets') ? opt('sets').split(',') : undefined,
    models: opt('models') ? opt('models').split(',') : undefined,
    ks: range(opt('ks', '2-20')),
    nbKs: range(opt('nb-ks', '2,5,8,11,14,17,20')),
    seed: Number(opt('seed', '0')),
    backend: opt('backend', 'wasm'),
    mixtureNInit: opt('mixture-n-init') ? Number(opt('mixture-n-init')) : undefined,
    kmeansCriteria: opt('kmeans-criteria') ? opt('kmeans-criteria').split(',') : undefined,
  };
  const outDir = opt('out', join(here, 'results'));
  let rev = revision();
  let machine = `${cpus()[0]?.model.trim() ?? 'cpu'} x${cpus().length}`;
  const server = await createVite();
  const t0 = performance.now();
  let sets;
  let measuredS;
  try {
    const { runSelectBench, choices } = await server.ssrLoadModule('/bench/select-run.ts');
    if (opt('from')) {
      // Re-read a saved run's rows with the current selection rules (no refitting).
      const saved = JSON.parse(readFileSync(opt('from'), 'utf8'));
      Object.assign(config, saved.config);
      sets = saved.sets;
      for (const s of sets) for (const m of s.models) m.chosen = choices(m.rows, m.model, m.ariByK);
      measuredS = saved.seconds;
      rev = saved.revision;
      machine = saved.machine;
    } else sets = await runSelectBench(config);
  } finally {
    await server.close();
  }
  const seconds = measuredS ?? (performance.now() - t0) / 1000;
  const md = render(sets, config, machine, rev, seconds);
  console.log(`\n${md}`);
  mkdirSync(outDir, { recursive: true });
  const stem = join(
    outDir,
    `${new Date().toISOString().slice(0, 10)}-cpu-${config.backend}-${cpus().length}-cores-${opt('suffix', 'select')}`,
  );
  writeFileSync(`${stem}.json`, `${JSON.stringify({ config, machine, revision: rev, seconds, sets }, null, 1)}\n`);
  writeFileSync(`${stem}.md`, md);
  console.log(`written ${stem}.md and .json`);
}

function render(sets, config, machine, rev, seconds) {
  const crit = [...new Set(sets.flatMap((s) => s.models.flatMap((m) => Object.keys(m.chosen))))];
  const head = ['set', 'model (input)', 'true k: ARI', ...crit, 'peer BIC ARI', 'time'];
  const lines = [
    '# Choosing k on labelled single-cell sets',
    '',
    `Machine: ${machine}, backend '${config.backend}', seed ${config.seed}, k in ${config.ks[0]}..${config.ks.at(-1)} (NB: k in ${config.nbKs.join(',')}, its fits being the costly ones), revision ${rev ? `${rev.commit.slice(0, 9)}${rev.dirty ? ' (dirty)' : ''}` : '?'}, ${seconds.toFixed(0)} s in all.`,
    'Each cell: the k the criterion chose, and the ARI against the labels of the fit at that k ("–": not computed for that model).',
    'Preprocessing: labelled cells only, genes in ≥ 3 cells, 2000 Seurat-v3 HVGs, log-normalise, scale, 50 PCs; k-means on 50 PCs,',
    'GMM (full covariance) on the first 20 PCs, NB mixture on the HVG counts. Peer: best of scikit-learn and mclust with BIC-chosen k',
    'on the same preprocessing, as issue 14 measured it (quoted, not rerun).',
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
  ];
  for (const s of sets) {
    for (const m of s.models) {
      const cells = crit.map((c) => (m.chosen[c] ? `k=${m.chosen[c].k}: ${m.chosen[c].ari.toFixed(3)}` : '–'));
      lines.push(
        `| ${s.name} (n ${s.n}, ${s.classes} classes) | ${m.model} (${m.input}, ${JSON.stringify(m.fit)}) | k=${m.trueK}: ${m.ariTrueK.toFixed(3)} | ${cells.join(' | ')} | ${PEERS[s.name] ?? '–'} | ${m.seconds.toFixed(0)} s |`,
      );
    }
  }
  const ks = [...new Set(sets.flatMap((s) => s.models.flatMap((m) => Object.keys(m.ariByK ?? {}).map(Number))))].sort((a, b) => a - b);
  lines.push('', 'ARI against the labels of the fit at every k tried (the true k in bold):', '');
  lines.push(`| set | model | ${ks.join(' | ')} |`, `|---|---|${ks.map(() => '---').join('|')}|`);
  for (const s of sets) {
    for (const m of s.models) {
      const cell = (k) => (m.ariByK?.[k] === undefined ? '' : k === m.trueK ? `**${m.ariByK[k].toFixed(2)}**` : m.ariByK[k].toFixed(2));
      lines.push(`| ${s.name} | ${m.model} | ${ks.map(cell).join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
