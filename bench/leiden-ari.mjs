#!/usr/bin/env node
// node bench/leiden-ari.mjs [--out bench/results]: Leiden's ARI on the public labelled sets
// (bench/leiden-ari.ts, loaded through Vite's SSR loader as the other Node benches), printed as a
// Markdown table and written to bench/results/<date>-leiden-ari.md.
import { writeFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVite, revision } from './cli.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outDir = args.includes('--out') ? args[args.indexOf('--out') + 1] : join(here, 'results');
const dataDir = [
  process.env.EMGPU_DATA_DIR,
  join(here, '..', '..', 'shared', 'data'),
  join(here, '..', 'shared', 'data'),
  '/work/shared/data',
].find((p) => p && existsSync(join(p, 'pbmc3k')));
if (!dataDir) throw new Error('the shared data folder (../shared/data) is not there; set EMGPU_DATA_DIR');
const rev = revision(['src', 'bench']);
const server = await createVite();
try {
  const { main } = await server.ssrLoadModule('/bench/leiden-ari.ts');
  const { rows, peerVersion, adapter } = await main(dataDir);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const ari = (xs) => `${mean(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`;
  const lines = [
    `# Leiden ARI on the public labelled sets (${new Date().toISOString().slice(0, 10)})`,
    '',
    `Code: ${rev ? `${rev.commit.slice(0, 7)}${rev.dirty ? ' (with local changes)' : ''}` : 'unknown'}; machine: ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores shared with other jobs), Node ${process.version}, leiden() on one thread; peer: python3-leidenalg ${peerVersion ?? '(did not run)'} on the same graphs in the same run.`,
    '',
    'Preprocessing: all cells kept, genes in ≥ 3 cells, 2000 Seurat-v3 HVGs, scaled (max 10), 50 PCs (float64 reference backend);',
    "the graph on the first `PCs` of them, built by the library: `knn(pcs, { k: 19, metric: 'euclidean' })` (exact; CPU backend,",
    `${adapter}) then \`snnGraph(knn, { pruneSnn: 1 / 15 })\` (Seurat's SNN, k.param 20 = the cell and its 19 neighbours,`,
    'Jaccard |shared|/(40 − |shared|), pruned < 1/15). Before this run the bench built the same graph with a local brute-force kNN and',
    'SNN: on zeisel2015_subset_1464 (50 and 20 PCs) the two graphs were compared and are identical, edge for edge and weight for',
    'weight (bit-equal), and on every dataset at 50 and 20 PCs the SNN edge counts, communities, ARIs (both implementations) and',
    'qualities are the same as in that earlier run (183c0ca).',
    '"ms kNN + SNN": one knn() + snnGraph() call, wall time, workers warmed up beforehand.',
    'leiden(): objective modularity, nIterations 2; leidenalg: RBConfigurationVertexPartition, n_iterations 2. ARI on labelled cells,',
    'mean (min–max) over seeds 0, 1, 2. Resolutions: default 1; "true k" by bisection (seed 0) to the number of annotated types;',
    '"best of grid" the resolution of {0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.2, 1.5, 2, 3} with the highest ARI at seed 0',
    '(an oracle choice, as the issue\'s "Seurat graph clustering (best resolution)" column). Quality: modularity at that resolution (leidenalg\'s scale, /2m).',
    'Leiden times: one call, mean of the seeds, on a loaded shared machine (compare the two columns, not absolute values).',
    '',
    'For comparison, issue 13\'s "Seurat graph clustering (best resolution)" column: cao2017_worm_neuron .545,',
    'han2018_mouse_bladder_2100 .827, zeisel2015_subset_1464 .554 (pbmc3k not listed).',
    '',
    '| dataset (true k) | PCs | cells | SNN edges | ms kNN + SNN | resolution | communities | ARI leiden() | ARI leidenalg | quality leiden() / leidenalg | ms leiden() | ms leidenalg |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    for (const c of r.cells_) {
      lines.push(
        `| ${r.dataset} (${r.trueK}) | ${r.dims} | ${r.cells} | ${r.edges} | ${r.graphMs.toFixed(0)} | ${c.label} ${c.resolution.toFixed(3)} | ${c.nCommunities.join('/')}${c.peer ? ` (leidenalg ${c.peer.nCommunities.join('/')})` : ''} | ${ari(c.ari)} | ${c.peer ? ari(c.peer.ari) : '–'} | ${c.peer ? (mean(c.quality) / mean(c.peer.quality)).toFixed(4) : '–'} | ${c.ms.toFixed(0)} | ${c.peer ? c.peer.ms.toFixed(0) : '–'} |`,
      );
    }
  }
  const md = `${lines.join('\n')}\n`;
  console.log(`\n${md}`);
  const file = join(outDir, `${new Date().toISOString().slice(0, 10)}-leiden-ari.md`);
  writeFileSync(file, md);
  console.log(`wrote ${file}`);
} finally {
  await server.close();
}
