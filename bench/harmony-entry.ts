/**
 * Harmony on real data (bench/harmony.mjs loads this through Vite's SSR loader): pbmc3k (10x
 * fresh PBMCs, Seurat tutorial labels) and zheng2017_frozen_pbmc_donorA (10x frozen PBMCs of
 * another donor, no labels) together on their shared gene symbols; scanpy-tutorial preprocessing
 * (QC, normalise, log1p, 2000 HVGs seurat_v3, scale, 50 PCs) with batch = source. Before and
 * after Harmony: iLISI (batch mixing, all cells), cLISI and the ARI of k-means (k = 9, the
 * number of Seurat types) against the labels on the labelled pbmc3k cells (cell-type separation).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { adjustedRandIndex, createEngine, gaussianMixture, harmony, kmeans, lisi, preprocess } from '../src/index.js';
import { read10xDir } from '../src/io/node-sc.js';
import { splitFields } from '../src/io/delimited.js';

export interface HarmonyBenchRow {
  embedding: string;
  iLisiMean: number;
  iLisiMedian: number;
  cLisiMean: number;
  /** k-means (k = types, nInit 10) on the labelled cells, per seed. */
  ari: number[];
  /** k-means on all cells of both sets, ARI on the labelled ones, per seed. */
  ariJoint: number[];
  /** Diagonal GMM (k = types) on all cells, ARI on the labelled ones, seed 0. */
  ariGmmJoint: number;
  seconds?: number;
}

const median = (x: Float64Array): number => {
  const s = Float64Array.from(x).sort();
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mean = (x: Float64Array): number => x.reduce((a, b) => a + b, 0) / x.length;

function subsetRows(x: ArrayLike<number>, d: number, rows: number[]): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((i, r) => {
    for (let f = 0; f < d; f++) out[r * d + f] = x[i * d + f];
  });
  return out;
}

export interface PeerSetup {
  /** Python with numpy, pandas and scikit-learn (Debian's /usr/bin/python3). */
  python: string;
  /** Folder to put on PYTHONPATH so that `import harmonypy` finds the numpy harmonypy, or '' for none. */
  pythonPath: string;
  /** bench/peers/harmonypy_run.py */
  script: string;
}

/** harmonypy on the same PCs (bench/peers/harmonypy_run.py), or why it did not run. */
function runHarmonypy(peer: PeerSetup, pcs: ArrayLike<number>, n: number, d: number, batch: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'harmonypy-'));
  try {
    writeFileSync(join(dir, 'pcs.f64'), new Uint8Array(Float64Array.from(pcs).buffer));
    writeFileSync(join(dir, 'batch.txt'), batch.join('\n'));
    const args = [
      peer.script,
      join(dir, 'pcs.f64'),
      String(n),
      String(d),
      join(dir, 'batch.txt'),
      join(dir, 'out.f64'),
      join(dir, 'lisi.f64'),
    ];
    const env = { ...process.env, ...(peer.pythonPath ? { PYTHONPATH: peer.pythonPath } : {}) };
    const r = spawnSync(peer.python, args, { env, encoding: 'utf8', timeout: 3_600_000 });
    if (r.status !== 0) return { missing: `harmonypy did not run: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` };
    const [seconds, iterations] = r.stdout.trim().split(' ').map(Number);
    const f64 = (name: string) => new Float64Array(new Uint8Array(readFileSync(join(dir, name))).buffer);
    return { corrected: f64('out.f64'), iLisiOfPcs: f64('lisi.f64'), seconds, iterations };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runHarmonyBench(dataDir: string, log: (s: string) => void, seeds: number[], peer: PeerSetup) {
  const a = await read10xDir(join(dataDir, 'pbmc3k'));
  const b = await read10xDir(join(dataDir, 'zheng2017_frozen_pbmc_donorA'));
  // Shared genes by symbol (first occurrence of a repeated symbol).
  const first = (genes: string[]): Map<string, number> => {
    const m = new Map<string, number>();
    genes.forEach((g, j) => {
      if (!m.has(g)) m.set(g, j);
    });
    return m;
  };
  const ga = first(a.genes);
  const gb = first(b.genes);
  const shared = [...ga.keys()].filter((g) => gb.has(g));
  const colA = new Int32Array(a.d).fill(-1);
  const colB = new Int32Array(b.d).fill(-1);
  shared.forEach((g, c) => {
    colA[ga.get(g)!] = c;
    colB[gb.get(g)!] = c;
  });
  const indptr = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const m of [a, b]) {
    const col = m === a ? colA : colB;
    for (let i = 0; i < m.n; i++) {
      const row: [number, number][] = [];
      for (let t = m.indptr[i]; t < m.indptr[i + 1]; t++) if (col[m.indices[t]] >= 0) row.push([col[m.indices[t]], m.values[t]]);
      row.sort((p, q) => p[0] - q[0]);
      for (const [c, v] of row) {
        indices.push(c);
        values.push(v);
      }
      indptr.push(indices.length);
    }
  }
  const n = a.n + b.n;
  const counts = {
    n,
    d: shared.length,
    indptr: Uint32Array.from(indptr),
    indices: Uint32Array.from(indices),
    values: Float32Array.from(values),
  };
  log(`pbmc3k ${a.n} cells + donorA ${b.n} cells, ${shared.length} shared genes`);
  const labelsCsv = gunzipSync(readFileSync(join(dataDir, 'pbmc3k', 'pbmc3k_labels.csv.gz')))
    .toString('utf8')
    .trim()
    .split('\n');
  const header = splitFields(labelsCsv[0], ',');
  const seuratCol = header.indexOf('seurat_annotation');
  const seurat = labelsCsv.slice(1).map((l) => splitFields(l, ',')[seuratCol] ?? '');

  const cpu = await createEngine({ backend: 'cpu' });
  const pre = await preprocess(counts, {
    engine: cpu,
    qc: { geneNames: shared, mitoPrefixes: ['MT-'] },
    cells: { minGenes: 200, maxGenes: 2500, maxPctMito: 5 },
    hvg: { flavor: 'seurat_v3', nTopGenes: 2000 },
    pca: { nComps: 50, seed: 0 },
    returnNormalized: false,
  });
  const cells = Array.from(pre.cells);
  const batch = cells.map((i) => (i < a.n ? 'pbmc3k' : 'donorA'));
  const pcs = pre.pca.scores;
  const d = 50;
  const labelled = cells
    .map((i, r) => [i, r] as const)
    .filter(([i]) => i < a.n && seurat[i] !== '')
    .map(([, r]) => r);
  const truth = labelled.map((r) => seurat[cells[r]]);
  const kTypes = new Set(truth).size;
  log(
    `after QC: ${cells.length} cells (${batch.filter((x) => x === 'pbmc3k').length} pbmc3k, ${labelled.length} labelled, ${kTypes} types)`,
  );

  const evaluate = async (embedding: string, x: ArrayLike<number>): Promise<HarmonyBenchRow> => {
    const all = { data: x, n: cells.length, d };
    const il = lisi(all, batch);
    const sub = { data: subsetRows(x, d, labelled), n: labelled.length, d };
    const cl = lisi(sub, truth);
    const ari: number[] = [];
    const ariJoint: number[] = [];
    const onLabelled = (labels: ArrayLike<number>) => labelled.map((r) => labels[r]);
    for (const seed of seeds) {
      const km = await kmeans(sub, { k: kTypes, nInit: 10, seed, engine: cpu });
      ari.push(adjustedRandIndex(km.labels, truth));
      const joint = await kmeans(all, { k: kTypes, nInit: 10, seed, engine: cpu });
      ariJoint.push(adjustedRandIndex(onLabelled(joint.labels), truth));
    }
    const gmm = await gaussianMixture(all, { k: kTypes, covariance: 'diag', seed: 0, engine: cpu });
    const ariGmmJoint = adjustedRandIndex(onLabelled(gmm.labels), truth);
    return { embedding, iLisiMean: mean(il), iLisiMedian: median(il), cLisiMean: mean(cl), ari, ariJoint, ariGmmJoint };
  };

  const rows: HarmonyBenchRow[] = [await evaluate('PCA (50 PCs)', pcs)];
  const runs: { backend: string; seconds: number; iterations: number; converged: boolean; objectives: number[] }[] = [];
  for (const backend of ['reference', 'cpu'] as const) {
    const t0 = performance.now();
    const h = await harmony({ data: pcs, n: cells.length, d }, batch, { backend, seed: 0 });
    const seconds = (performance.now() - t0) / 1000;
    runs.push({
      backend: `${backend} (ran on ${h.backend})`,
      seconds,
      iterations: h.iterations,
      converged: h.converged,
      objectives: h.objectives,
    });
    log(
      `harmony backend '${backend}': ${seconds.toFixed(1)} s, ${h.iterations} iterations, converged ${h.converged}; ${h.warnings.join(' ')}`,
    );
    if (backend === 'reference') rows.push({ ...(await evaluate('Harmony (defaults, seed 0)', h.corrected)), seconds });
  }
  const py = runHarmonypy(peer, pcs, cells.length, d, batch);
  let lisiCheck: string;
  if (py.missing !== undefined) {
    lisiCheck = py.missing;
    log(py.missing);
  } else {
    runs.push({
      backend: 'harmonypy 0.0.x (numpy; peer)',
      seconds: py.seconds,
      iterations: py.iterations,
      converged: py.iterations < 10,
      objectives: [],
    });
    rows.push({ ...(await evaluate('harmonypy (theta 2, sigma 0.1, lambda 1, random_state 0)', py.corrected)), seconds: py.seconds });
    // Our LISI against harmonypy's compute_lisi on the same PCs.
    const ours = lisi({ data: pcs, n: cells.length, d }, batch);
    let worst = 0;
    ours.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - py.iLisiOfPcs[i]))));
    lisiCheck = `iLISI of the PCs, ours vs harmonypy.compute_lisi: mean ${mean(ours).toFixed(6)} vs ${mean(py.iLisiOfPcs).toFixed(6)}, largest per-cell difference ${worst.toExponential(2)}`;
    log(lisiCheck);
  }
  for (const r of rows) log(JSON.stringify(r));
  return { n: cells.length, nShared: shared.length, nLabelled: labelled.length, kTypes, rows, runs, lisiCheck };
}
