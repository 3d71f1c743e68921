#!/usr/bin/env node
/**
 * node bench/select-leiden.mjs [--sets pbmc3k,…] [--seeds 0,1,2] [--n-boot 20] [--out bench/results]
 *
 * Leiden with the resolution chosen by selectResolution (chooseR) on the public labelled sets
 * (bench/select-leiden.ts). Writes <date>-select-leiden.json and the "## Results" section of
 * <date>-select-leiden.md (everything above that heading, the pre-registered rule, and the
 * "## Verdict" section after it are kept).
 * Peers (scikit-learn / mclust with BIC-chosen k) and the mixture rows are quoted from issue 14 and
 * 2026-12-07-cpu-wasm-2-cores-select-2.md, not rerun.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVite, revision } from './cli.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const PEERS = { pbmc3k: 0.635, zeisel2015_subset_1464: 0.645, cao2017_worm_neuron: 0.409, han2018_mouse_bladder_2100: 0.616 };
// Quoted from 2026-12-07-cpu-wasm-2-cores-select-2.md (seed 0): GMM (full, 20 PCs) + BIC, k-means (50 PCs) + clbic.
const MIXTURES = {
  pbmc3k: { gmm: [7, 0.651], kmeans: [7, 0.549] },
  zeisel2015_subset_1464: { gmm: [4, 0.626], kmeans: [3, 0.94] },
  cao2017_worm_neuron: { gmm: [15, 0.396], kmeans: [13, 0.345] },
  han2018_mouse_bladder_2100: { gmm: [7, 0.597], kmeans: [8, 0.631] },
};

const dataDir = resolve(
  opt(
    'data',
    [process.env.EMGPU_DATA_DIR, join(here, '..', '..', 'shared', 'data'), '/work/shared/data'].find(
      (p) => p && existsSync(join(p, 'pbmc3k')),
    ),
  ),
);
const seeds = opt('seeds', '0,1,2').split(',').map(Number);
const outDir = opt('out', join(here, 'results'));
const date = new Date().toISOString().slice(0, 10);
const rev = revision(['src', 'bench']);
const machine = `${cpus()[0]?.model.trim() ?? 'cpu'} x${cpus().length}`;
const load0 = loadavg()[0];
const server = await createVite();
const t0 = performance.now();
let result;
try {
  const { run } = await server.ssrLoadModule('/bench/select-leiden.ts');
  result = await run({
    dataDir,
    seeds,
    sets: opt('sets') ? opt('sets').split(',') : undefined,
    nBoot: opt('n-boot') ? Number(opt('n-boot')) : undefined,
  });
} finally {
  await server.close();
}
const seconds = (performance.now() - t0) / 1000;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const f3 = (v) => (Number.isNaN(v) ? 'NaN' : v.toFixed(3));
const summary = (s, c) => {
  const a = s.seeds.map((x) => x.chosen[c].ari);
  return {
    mean: mean(a),
    lo: Math.min(...a),
    hi: Math.max(...a),
    picks: s.seeds.map((x) => `${x.chosen[c].resolution}→${x.chosen[c].k}`).join(', '),
  };
};
const lines = [
  '## Results',
  '',
  `Machine: ${machine} (2 cores shared with other agents; load ${load0.toFixed(1)} at the start), Node ${process.version}, backend 'wasm' (${result.adapter}) for the kNN; revision ${rev ? `${rev.commit.slice(0, 9)}${rev.dirty ? ' with local changes' : ''}` : 'unknown'}; ${seconds.toFixed(0)} s in all.`,
  `Command: \`node bench/select-leiden.mjs${args.length ? ` ${args.join(' ')}` : ''}\`. selectResolution defaults (nBoot 20, fraction 0.8, 20 PCs, k.param 20, prune 1/15, the 13-resolution grid); seeds ${seeds.join(', ')}.`,
  'Cells: "γ→k per seed" the chosen resolution and its number of communities for each seed; ARI: mean (min–max) over the seeds; time: one selectResolution call, mean over the seeds.',
  '',
  '| set (n, classes) | chooseR (co-clustering) γ→k per seed | ARI | PC silhouette (alternative) γ→k | ARI | peer BIC ARI | GMM+BIC (k: ARI) | k-means+clbic (k: ARI) | time |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const s of result.sets) {
  const a = summary(s, 'cocluster');
  const b = summary(s, 'silhouette');
  const m = MIXTURES[s.name];
  lines.push(
    `| ${s.name} (${s.n}, ${s.classes}) | ${a.picks} | **${f3(a.mean)}** (${f3(a.lo)}–${f3(a.hi)}) | ${b.picks} | ${f3(b.mean)} (${f3(b.lo)}–${f3(b.hi)}) | ${PEERS[s.name]} | ${m.gmm[0]}: ${m.gmm[1]} | ${m.kmeans[0]}: ${m.kmeans[1]} | ${mean(s.seeds.map((x) => x.seconds)).toFixed(0)} s |`,
  );
}
lines.push(
  '',
  'Every resolution, seed 0 (k: communities of all cells; co-clustering median [95% BCa]; PC silhouette; ARI of that partition — shown after the choice, never used for it):',
  '',
);
for (const s of result.sets) {
  const sd = s.seeds[0];
  lines.push(
    `**${s.name}** (threshold ${f3(sd.threshold)}; SNN edges ${s.edges})`,
    '',
    '| γ | k | co-clustering median [low, high] | PC silhouette | ARI |',
    '|---|---|---|---|---|',
  );
  for (const r of sd.rows)
    lines.push(
      `| ${r.resolution} | ${r.k} | ${f3(r.cocluster)} [${f3(r.coclusterLow)}, ${f3(r.coclusterHigh)}] | ${f3(r.silhouette)} | ${f3(r.ari)} |`,
    );
  lines.push('');
}
const md = join(outDir, `${date}-select-leiden.md`);
const old = existsSync(md) ? readFileSync(md, 'utf8') : '# Choosing the Leiden resolution automatically';
const head = old.split('\n## Results')[0].trimEnd();
// The hand-written verdict after the results is kept (a rerun may make it stale: reread it).
const verdict = old.includes('\n## Verdict') ? `\n${old.slice(old.indexOf('\n## Verdict')).trim()}\n` : '';
writeFileSync(md, `${head}\n\n${lines.join('\n')}\n${verdict}`);
writeFileSync(
  join(outDir, `${date}-select-leiden.json`),
  `${JSON.stringify({ machine, revision: rev, seconds, seeds, ...result }, null, 1)}\n`,
);
console.log(lines.join('\n'));
console.log(`wrote ${md}`);
