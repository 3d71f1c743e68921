#!/usr/bin/env node
// node bench/restarts/table.mjs RESULT.json [...] > table.md
// The ARI-over-seeds table of bench/restarts/run.mjs results: per model and nInit, the ARI of each
// seed, their spread (max − min), the mean, and the wall time per fit on the machine that ran it.
import { readFileSync } from 'node:fs';

const runs = process.argv.slice(2).map((f) => JSON.parse(readFileSync(f, 'utf8')));
const rows = runs.flatMap((r) => r.rows);
const groups = new Map();
for (const r of rows) {
  const key = `${r.model} ${r.nInit}`;
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push(r);
}
const f3 = (x) => x.toFixed(3);
const out = [
  '| model | nInit | ARI per seed (0–4) | ARI spread (max − min) | mean ARI | spread of the kept per-cell log-likelihood over seeds | mean s per fit |',
  '|---|---:|---|---:|---:|---:|---:|',
];
for (const [key, g] of groups) {
  const [model, nInit] = key.split(' ');
  g.sort((a, b) => a.seed - b.seed);
  const ari = g.map((r) => r.ari);
  const spread = Math.max(...ari) - Math.min(...ari);
  const mean = ari.reduce((a, b) => a + b, 0) / ari.length;
  const secs = g.reduce((a, r) => a + r.ms, 0) / g.length / 1000;
  // The kept fits' per-cell log-likelihoods: how far apart the seeds' optima are.
  const lb = g.map((r) => r.objective);
  const lbSpread = Math.max(...lb) - Math.min(...lb);
  out.push(
    `| ${model === 'nb' ? 'NB mixture' : 'GMM (full)'} | ${nInit} | ${ari.map(f3).join(', ')} | **${f3(spread)}** | ${f3(mean)} | ${f3(lbSpread)} | ${secs.toFixed(1)} |`,
  );
}
const m = runs[0];
out.push(
  '',
  `Machine: ${m.cpu} (${m.cores} cores, shared with other jobs: times are indicative only); backend '${m.backend}' (${m.adapter}). Run ${runs.map((r) => r.date).join(', ')}.`,
);
console.log(out.join('\n'));
