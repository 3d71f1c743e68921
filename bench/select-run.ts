/**
 * The selection bench (bench/select.mjs): on each public labelled single-cell set in the shared
 * data folder, preprocess as `emgpu sc` does (Seurat-v3 HVGs, log-normalise, scale, PCA), run
 * selectK for k-means (50 PCs), the full-covariance GMM (first 20 PCs) and the NB mixture (HVG
 * counts), with every criterion computed, and report the ARI against the labels at the true k
 * and at each criterion's k. The fits at those k are refitted with the same options (the same
 * bits as the fit inside selectK: see test/node/select-criteria.test.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readMatrixMarketCsr } from '../src/io/index.js';
import { splitFields } from '../src/io/delimited.js';
import { preprocess } from '../src/sc/preprocess.js';
import { subsetCsr } from '../src/sc/matrix.js';
import { adjustedRandIndex } from '../src/metrics.js';
import { createEngine, type Engine } from '../src/index.js';
import { chooseK, selectK, type Criterion, type SelectKRow } from '../src/select/selectK.js';
import type { SelectModel } from '../src/select/fits.js';
import type { CsrMatrix } from '../src/sparse.js';

export interface SetSpec {
  name: string;
  dir: string;
  labels: string;
  column: string;
}

export const SETS: SetSpec[] = [
  { name: 'pbmc3k', dir: 'pbmc3k', labels: 'pbmc3k_labels.csv.gz', column: 'seurat_annotation' },
  { name: 'zeisel2015_subset_1464', dir: 'zeisel2015_subset_1464', labels: 'labels.csv.gz', column: 'cell_type' },
  { name: 'cao2017_worm_neuron', dir: 'cao2017_worm_neuron', labels: 'labels.csv.gz', column: 'label' },
  { name: 'han2018_mouse_bladder_2100', dir: 'han2018_mouse_bladder_2100', labels: 'labels.csv.gz', column: 'label' },
];

export interface SelectBenchOptions {
  dataDir: string;
  sets?: string[];
  models?: SelectModel[];
  ks: number[];
  /** The NB mixture's candidates (its fits cost 10–40 s each on 2 cores). */
  nbKs: number[];
  seed: number;
  backend: 'wasm' | 'reference' | 'webgpu';
  /** The k-means criteria computed (default: all of CRITERIA.kmeans; gap and stability are the costly ones). */
  kmeansCriteria?: Criterion[];
  /** Restarts of the GMM and NB fits (default: the library's, 'auto'). */
  mixtureNInit?: number;
  log?: (line: string) => void;
}

export interface ModelOutcome {
  model: SelectModel;
  input: string;
  fit: Record<string, unknown>;
  trueK: number;
  ariTrueK: number;
  /** ARI of the fit at every k tried. */
  ariByK: Record<number, number>;
  /** criterion → chosen k and its ARI. */
  chosen: Record<string, { k: number; ari: number }>;
  rows: SelectKRow[];
  seconds: number;
}

export interface SetOutcome {
  name: string;
  n: number;
  genes: number;
  classes: number;
  models: ModelOutcome[];
}

function readLabels(path: string, column: string): (string | null)[] {
  const lines = gunzipSync(readFileSync(path)).toString('utf8').trim().split('\n');
  const head = splitFields(lines[0], ',');
  const j = head.indexOf(column);
  if (j < 0) throw new Error(`${path}: no column ${column}`);
  return lines.slice(1).map((l) => {
    const v = splitFields(l, ',')[j];
    return v === undefined || v === '' ? null : v;
  });
}

const CRITERIA: Record<SelectModel, Criterion[]> = {
  kmeans: ['clbic', 'bic', 'xmeans', 'gap', 'silhouette', 'stability', 'inertia', 'aic'],
  gmm: ['bic', 'icl', 'silhouette', 'stability', 'aic'],
  nb: ['bic', 'icl', 'silhouette', 'aic'],
};

// The mixtures run with the library's default restarts unless --mixture-n-init says (the first
// table, 2026-12-07-…-select.md, used nInit 1 for both).
const FIT: Record<SelectModel, Record<string, unknown>> = {
  kmeans: { nInit: 3 },
  gmm: { covariance: 'full' },
  nb: {},
};

function firstColumns(x: Float64Array | Float32Array, n: number, d: number, m: number): { data: Float64Array; n: number; d: number } {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let t = 0; t < m; t++) out[i * m + t] = x[i * d + t];
  return { data: out, n, d: m };
}

/** Each criterion's k from the rows (chooseK, so a saved table re-reads with the current rules) and its ARI. */
export function choices(rows: SelectKRow[], model: SelectModel, ariByK: Record<number, number>): ModelOutcome['chosen'] {
  const out: ModelOutcome['chosen'] = {};
  for (const c of CRITERIA[model]) {
    // A criterion left out of the run (--kmeans-criteria) has no column: skipped.
    const col = c === 'xmeans' ? 'xmeansBic' : c === 'inertia' ? 'objective' : c;
    if (rows.some((r) => (r as unknown as Record<string, unknown>)[col] === undefined)) continue;
    const k = chooseK(rows, c, model);
    out[c] = { k, ari: ariByK[k] };
  }
  return out;
}

export interface PreparedSet {
  pcs: { data: Float64Array; n: number; d: number };
  hvg: CsrMatrix;
  cellLabels: string[];
  trueK: number;
}

/** A labelled set as the bench fits it: labelled cells, genes in ≥ 3 cells, 2000 Seurat-v3 HVGs, 50 PCs. */
export async function prepareSet(dir: string, set: SetSpec, engine: Engine, seed: number): Promise<PreparedSet> {
  const all = await readMatrixMarketCsr(readFileSync(join(dir, 'matrix.mtx.gz')), { label: `${set.name}/matrix.mtx.gz` });
  const allLabels = readLabels(join(dir, set.labels), set.column);
  // Only labelled cells (pbmc3k: the 2638 that pass the tutorial's QC); no further cell filter.
  const keep = Uint8Array.from(allLabels, (v) => (v === null ? 0 : 1));
  const counts = subsetCsr(all as unknown as CsrMatrix, keep, null) as unknown as CsrMatrix;
  const truth = allLabels.filter((v): v is string => v !== null);
  const pre = await preprocess(counts, {
    engine,
    cells: { minGenes: 0 },
    minCells: 3,
    hvg: { flavor: 'seurat_v3', nTopGenes: Math.min(2000, counts.d) },
    pca: { nComps: 50, seed: seed },
  });
  const cellLabels = Array.from(pre.cells, (c) => truth[c]);
  const pcs = { data: Float64Array.from(pre.pca.scores), n: pre.pca.n, d: pre.pca.nComps };
  const rowsKeep = new Uint8Array(counts.n);
  for (const c of pre.cells) rowsKeep[c] = 1;
  const cols = new Uint8Array(counts.d);
  for (const g of pre.hvgGenes) cols[g] = 1;
  const hvg = subsetCsr(counts, rowsKeep, cols) as unknown as CsrMatrix;
  const trueK = new Set(cellLabels).size;
  return { pcs, hvg, cellLabels, trueK };
}

export async function runSelectBench(o: SelectBenchOptions): Promise<SetOutcome[]> {
  const log = o.log ?? console.log;
  const engine = await createEngine({ backend: o.backend });
  const out: SetOutcome[] = [];
  for (const set of SETS.filter((s) => !o.sets || o.sets.includes(s.name))) {
    const dir = join(o.dataDir, set.dir);
    if (!existsSync(dir)) {
      log(`${set.name}: not found in ${o.dataDir}, skipped`);
      continue;
    }
    const { pcs, hvg, cellLabels, trueK } = await prepareSet(dir, set, engine, o.seed);
    const setOut: SetOutcome = { name: set.name, n: pcs.n, genes: hvg.d, classes: trueK, models: [] };
    log(`${set.name}: ${pcs.n} cells, ${hvg.d} HVGs, ${pcs.d} PCs, ${trueK} classes`);
    for (const model of o.models ?? (['kmeans', 'gmm', 'nb'] as SelectModel[])) {
      const t0 = performance.now();
      const input = model === 'nb' ? hvg : model === 'gmm' ? firstColumns(pcs.data, pcs.n, pcs.d, 20) : pcs;
      const fit = { ...FIT[model], ...(model !== 'kmeans' && o.mixtureNInit ? { nInit: o.mixtureNInit } : {}), seed: o.seed };
      const criteria = model === 'kmeans' && o.kmeansCriteria ? o.kmeansCriteria : CRITERIA[model];
      const opts = { engine, model, criteria, fit, stability: { nBoot: 2 } } as const;
      const ariByK: Record<number, number> = {};
      const r = await selectK(input, {
        ...opts,
        criterion: 'bic',
        ks: model === 'nb' ? o.nbKs : o.ks,
        onK: (row, f) => {
          ariByK[row.k] = adjustedRandIndex(cellLabels, f.labels);
          log(`  ${model} k=${row.k} ${(row.timeMs / 1000).toFixed(1)} s, ARI ${ariByK[row.k].toFixed(3)}`);
        },
      });
      if (ariByK[trueK] === undefined) {
        const one = await selectK(input, { engine, model, fit, ks: [trueK] });
        ariByK[trueK] = adjustedRandIndex(cellLabels, one.best.labels);
      }
      const chosen = choices(r.rows, model, ariByK);
      const ariTrueK = ariByK[trueK];
      const seconds = (performance.now() - t0) / 1000;
      const input_ = model === 'nb' ? `${hvg.d} HVG counts` : model === 'gmm' ? '20 PCs' : `${pcs.d} PCs`;
      setOut.models.push({ model, input: input_, fit, trueK, ariTrueK, ariByK, chosen, rows: r.rows, seconds });
      log(
        `  ${model}: ARI at true k ${ariTrueK.toFixed(3)}; ${Object.entries(chosen)
          .map(([c, v]) => `${c} k=${v.k} ${v.ari.toFixed(3)}`)
          .join(', ')} (${seconds.toFixed(0)} s)`,
      );
    }
    out.push(setOut);
  }
  engine.destroy();
  return out;
}
