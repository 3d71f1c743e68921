/**
 * `emgpu sc --model leiden` and `--integrate` in-process on the reference backend, on the first 300
 * cells of the bundled pbmc3k (a 10x folder written here), against the library called directly:
 * preprocess → (harmony) → knn → snnGraph → leiden, and selectResolution for --select.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  adjustedRandIndex,
  harmony,
  kmeans,
  knn,
  leiden,
  lisi,
  normalizedMutualInfo,
  preprocess,
  rankGenes,
  selectResolution,
  snnGraph,
  type PreprocessResult,
  type SingleCellData,
} from '../../src/index.js';
import { read10xDir } from '../../src/node.js';
import { UsageError } from '../../src/cli/args.js';
import { parseArgs } from '../../src/cli/commands.js';
import { runCli, type ScSummary } from '../../src/cli/run.js';
import { captureCli as capture } from '../helpers/cli-capture.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const LABELS = join(ROOT, 'data/pbmc3k/pbmc3k_labels.csv.gz');
const N_CELLS = 300;
let dir: string;
let data: SingleCellData;
/** The same cells with a batch effect in run2 (writeSubset). */
let shiftedDir: string;
let shifted: SingleCellData;

async function sc(argv: string[], input = dir): Promise<ScSummary> {
  const c = capture();
  expect(await runCli(['sc', input, ...argv, '--backend', 'reference', '--json'], c.deps)).toBe(0);
  expect(c.err()).toBe('');
  return JSON.parse(c.out()) as ScSummary;
}

/** The CLI's preprocessing, called directly (QC minGenes 200, minCells 3, Seurat v3 HVGs, PCA seeded). */
function pipeline(nTopGenes: number, nComps: number, seed = 0, input = data, returnNormalized = false): Promise<PreprocessResult> {
  return preprocess(input, {
    backend: 'reference',
    returnNormalized,
    qc: { geneNames: input.genes },
    cells: { minGenes: 200 },
    minCells: 3,
    hvg: { flavor: 'seurat_v3', nTopGenes },
    pca: { nComps, seed },
  });
}

function leading(x: ArrayLike<number>, n: number, d: number, dims: number): Float64Array {
  return Float64Array.from({ length: n * dims }, (_, t) => x[Math.floor(t / dims) * d + (t % dims)]);
}

function median(x: Float64Array): number {
  const s = Float64Array.from(x).sort();
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function usageError(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

/** The first BATCH_AT cells: run1; the rest: run2, which lacks the 5 most expressed genes (a technical batch effect, e.g. another gene panel). */
const BATCH_AT = 120;
const BATCH_GENES = 5;
const batchOf = (i: number) => (i < BATCH_AT ? 'run1' : 'run2');

/** A 10x MEX folder (genes × cells) of the first N_CELLS cells of pbmc3k, with run2's batch effect when `shifted`. */
function writeSubset(d: SingleCellData, to: string, shifted: readonly number[] = []): void {
  const shift = new Set(shifted);
  const lines: string[] = [];
  for (let i = 0; i < N_CELLS; i++) {
    const counts = new Map<number, number>();
    for (let t = d.indptr[i]; t < d.indptr[i + 1]; t++) counts.set(d.indices[t], d.values[t]);
    if (i >= BATCH_AT) for (const g of shift) counts.delete(g);
    for (const [g, v] of [...counts].sort((a, b) => a[0] - b[0])) lines.push(`${g + 1} ${i + 1} ${v}`);
  }
  mkdirSync(to, { recursive: true });
  writeFileSync(
    join(to, 'matrix.mtx'),
    `%%MatrixMarket matrix coordinate integer general\n${d.d} ${N_CELLS} ${lines.length}\n${lines.join('\n')}\n`,
  );
  writeFileSync(join(to, 'genes.tsv'), `${d.genes.map((g, j) => `${d.geneIds?.[j] ?? g}\t${g}`).join('\n')}\n`);
  writeFileSync(join(to, 'barcodes.tsv'), `${d.cells.slice(0, N_CELLS).join('\n')}\n`);
}

beforeAll(async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'emgpu-cli-leiden-'));
  const d = await read10xDir(join(ROOT, 'data/pbmc3k'));
  dir = join(tmp, 'pbmc300');
  shiftedDir = join(tmp, 'pbmc300-batch');
  writeSubset(d, dir);
  data = await read10xDir(dir);
  const total = new Float64Array(d.d);
  for (let t = 0; t < d.indptr[N_CELLS]; t++) total[d.indices[t]] += d.values[t];
  const top = Array.from(total.keys()).sort((a, b) => total[b] - total[a] || a - b);
  writeSubset(d, shiftedDir, top.slice(0, BATCH_GENES));
  shifted = await read10xDir(shiftedDir);
}, 60_000);

describe('emgpu sc --model leiden (reference backend, 300 pbmc3k cells)', () => {
  test('defaults: Leiden at resolution 1 on the SNN graph of 20 PCs with 19 neighbours, as knn + snnGraph + leiden give; labels CSV, markers and ARI', async () => {
    const out = join(dir, '..', 'out-leiden');
    const s = await sc([
      '--model',
      'leiden',
      '--markers',
      '2',
      '--n-top-genes',
      '300',
      '--n-pcs',
      '25',
      '--labels',
      `${LABELS}:seurat_annotation`,
      '--out',
      out,
    ]);
    const pre = await pipeline(300, 25, 0, data, true);
    const n = pre.pca.n;
    const nn = await knn({ data: leading(pre.pca.scores, n, 25, 20), n, d: 20 }, { k: 19, backend: 'reference' });
    const g = snnGraph(nn);
    const ref = await leiden(g, { resolution: 1, seed: 0 });
    const m = s.models[0];
    expect(m).toMatchObject({ model: 'leiden', k: ref.nCommunities, nIter: ref.iterations, features: 'the SNN graph of 20 PCs' });
    expect(m.details).toMatchObject({ resolution: 1, graphPcs: 20, neighbors: 19, edges: g.indptr[n] / 2, modularity: ref.modularity });
    expect(m.objective).toEqual({ name: 'quality', value: ref.quality });
    expect(ref.nCommunities).toBeGreaterThan(2);

    const barcodes = Array.from(pre.cells, (i) => data.cells[i]);
    const lines = readFileSync(join(out, 'labels-leiden.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('cell,label,max_posterior');
    expect(lines.slice(1)).toEqual(barcodes.map((b, i) => `${b},${ref.labels[i]},1`));
    expect(m.clusterSizes).toEqual(Array.from({ length: ref.nCommunities }, (_, c) => ref.labels.filter((l) => l === c).length));
    const markers = rankGenes(pre.normalized!, Array.from(ref.labels), { nTop: 2, geneNames: Array.from(pre.genes, (g) => data.genes[g]) });
    expect(m.markers!.map((c) => c.genes.map((x) => x.name))).toEqual(markers.map((c) => c.map((x) => x.name)));
    const mk = readFileSync(join(out, 'markers-leiden.csv'), 'utf8').trim().split('\n');
    expect(mk).toHaveLength(1 + 2 * ref.nCommunities);
    expect(mk[1].split(',').slice(0, 4)).toEqual(['0', '1', markers[0][0].name, String(markers[0][0].score)]);

    // The Seurat annotation by barcode, read independently of the CLI (QC-failed cells have none).
    const rows = gunzipSync(readFileSync(LABELS)).toString('utf8').trim().split('\n').slice(1);
    const truth = new Map(rows.map((r) => r.split(',')).map((f) => [f[0], f[5]]));
    const keep = barcodes.map((b, i) => [truth.get(b), ref.labels[i]] as const).filter(([t]) => t);
    const t = keep.map(([x]) => x as string);
    const l = keep.map(([, y]) => y);
    expect(m.scores).toEqual({
      adjustedRandIndex: adjustedRandIndex(t, l),
      normalizedMutualInfo: normalizedMutualInfo(t, l),
      labelSource: 'seurat_annotation of pbmc3k_labels.csv.gz',
      nLabelled: keep.length,
    });
    expect(m.scores!.adjustedRandIndex).toBeGreaterThan(0.3);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(s);
  });

  test('--resolution, --neighbors, --graph-pcs and --seed reach the graph and Leiden; --k is for the other models listed', async () => {
    const more = ['--n-top-genes', '300', '--n-pcs', '10', '--seed', '3', '--n-init', '1'];
    const s2 = await sc(['--model', 'kmeans,leiden', '--k', '3', '--resolution', '0.5', '--neighbors', '12', '--graph-pcs', '6', ...more]);
    expect(s2.models.map((m) => m.model)).toEqual(['kmeans', 'leiden']);
    const pre = await pipeline(300, 10, 3);
    const n = pre.pca.n;
    const nn = await knn({ data: leading(pre.pca.scores, n, 10, 6), n, d: 6 }, { k: 12, backend: 'reference' });
    const ref = await leiden(snnGraph(nn), { resolution: 0.5, seed: 3 });
    const [km, ld] = s2.models;
    expect(km.k).toBe(3);
    expect(ld).toMatchObject({ model: 'leiden', k: ref.nCommunities, seed: 3, details: { resolution: 0.5, graphPcs: 6, neighbors: 12 } });
    expect(ld.objective.value).toBe(ref.quality);
    expect(ld.clusterSizes).toEqual(Array.from({ length: ref.nCommunities }, (_, c) => ref.labels.filter((l) => l === c).length));
  });

  test("--select picks selectResolution's resolution and keeps its partition", async () => {
    const s = await sc(['--model', 'leiden', '--select', '--resolutions', '0.2,0.5,1', '--n-top-genes', '300', '--n-pcs', '10']);
    const pre = await pipeline(300, 10);
    const r = await selectResolution(
      { data: Float64Array.from(pre.pca.scores), n: pre.pca.n, d: 10 },
      { resolutions: [0.2, 0.5, 1], backend: 'reference' },
    );
    const m = s.models[0];
    expect(m.resolutionSelection).toMatchObject({
      criterion: 'cocluster',
      bestResolution: r.bestResolution,
      bestK: r.bestK,
      resolutions: [0.2, 0.5, 1],
    });
    expect(m.resolutionSelection!.rows.map((x) => [x.k, x.cocluster, x.coclusterLow])).toEqual(
      r.rows.map((x) => [x.k, x.cocluster, x.coclusterLow]),
    );
    expect(m).toMatchObject({ k: r.bestK, details: { resolution: r.bestResolution, graphPcs: 10, neighbors: 19 } });
    expect(m.objective.value).toBe(r.best.quality);
  });
});

describe('emgpu sc --integrate (Harmony before every model)', () => {
  test('equals harmony on the PCs, then k-means and Leiden on the corrected PCs; iLISI before and after as lisi gives', async () => {
    // Two batches, run1 and run2 (with its batch effect), from a CSV keyed by barcode.
    const csv = join(dir, '..', 'batches.csv');
    writeFileSync(csv, `barcode,run\n${data.cells.map((c, i) => `${c},${batchOf(i)}`).join('\n')}\n`);
    const s = await sc(
      [
        '--model',
        'kmeans,leiden',
        '--k',
        '4',
        '--integrate',
        `${csv}:run`,
        '--harmony-theta',
        '1',
        '--n-top-genes',
        '300',
        '--n-pcs',
        '10',
        '--n-init',
        '1',
      ],
      shiftedDir,
    );
    const pre = await pipeline(300, 10, 0, shifted);
    const n = pre.pca.n;
    const pcs = { data: Float64Array.from(pre.pca.scores), n, d: 10 };
    const batch = Array.from(pre.cells, (c) => batchOf(c));
    const h = await harmony(pcs, batch, { theta: 1, seed: 0, backend: 'reference' });
    const corrected = { data: Float64Array.from(h.corrected), n, d: 10 };
    const km = await kmeans(corrected, { k: 4, nInit: 1, backend: 'reference' });
    const ld = await leiden(snnGraph(await knn(corrected, { k: 19, backend: 'reference' })), { resolution: 1, seed: 0 });
    expect(s.integration).toMatchObject({
      method: 'harmony',
      batchSource: 'run of batches.csv',
      batches: ['run1', 'run2'],
      cellsPerBatch: [batch.filter((b) => b === 'run1').length, batch.filter((b) => b === 'run2').length],
      missing: 0,
      pcs: 10,
      theta: 1,
      iterations: h.iterations,
      converged: h.converged,
    });
    expect(s.integration!.ilisi).toEqual({
      before: median(lisi(pcs, batch, { perplexity: 30 })),
      after: median(lisi(corrected, batch, { perplexity: 30 })),
      cells: n,
      perplexity: 30,
    });
    // The runs are apart before (about one batch around a cell); Harmony mixes them (1.13 -> 1.64 when written).
    expect(s.integration!.ilisi!.before).toBeLessThan(1.3);
    expect(s.integration!.ilisi!.after).toBeGreaterThan(s.integration!.ilisi!.before + 0.3);
    const [mk, ml] = s.models;
    expect(mk).toMatchObject({ features: '10 Harmony-corrected PCs', clusterSizes: km.clusterSizes });
    expect(mk.objective.value).toBe(km.inertia);
    expect(ml).toMatchObject({ features: 'the SNN graph of 10 Harmony-corrected PCs', k: ld.nCommunities });
    expect(ml.objective.value).toBe(ld.quality);

    // The text summary; cells the CSV leaves out form a batch of their own, with a warning.
    const partial = join(dir, '..', 'batches-partial.csv');
    writeFileSync(
      partial,
      `barcode,run\n${data.cells
        .slice(0, N_CELLS - 10)
        .map((c, i) => `${c},${batchOf(i)}`)
        .join('\n')}\n`,
    );
    const c = capture();
    const argv = ['sc', shiftedDir, '--model', 'leiden', '--integrate', `${partial}:run`, '--n-top-genes', '300', '--n-pcs', '10'];
    expect(await runCli([...argv, '--backend', 'reference'], c.deps)).toBe(0);
    expect(c.out()).toMatch(
      /\n {2}integrated +Harmony by run of batches-partial\.csv: 3 batches, theta 2, \d+ iterations(?: \(not converged\))? on reference; median iLISI \d\.\d\d -> \d\.\d\d of 3 \(300 cells\)/,
    );
    expect(c.err()).toBe("warning: --integrate run: 10 kept cells have no batch; Harmony treats them as one batch '(none)'.\n");
    expect(c.out()).toMatch(
      /\nLeiden on the SNN graph of 10 Harmony-corrected PCs, k = \d+\n {2}graph +SNN of 10 PCs, 19 neighbours, \d+ edges/,
    );
  });

  test('an obs column of an .h5ad, streamed from disk too', async () => {
    const h5ad = '/work/shared/data/pbmc68k_reduced/10x_pbmc68k_reduced.h5ad';
    const argv = ['sc', h5ad, '--model', 'leiden', '--integrate', 'phase', '--n-top-genes', '100', '--n-pcs', '8', '--min-genes', '10'];
    const runs: ScSummary[] = [];
    for (const extra of [[], ['--stream']]) {
      const c = capture();
      const code = await runCli([...argv, ...extra, '--backend', 'reference', '--json'], c.deps);
      expect(code, c.err()).toBe(0);
      runs.push(JSON.parse(c.out()) as ScSummary);
    }
    for (const s of runs)
      expect(s.integration).toMatchObject({ batchSource: 'phase', batches: ['G1', 'S', 'G2M'], cellsPerBatch: [501, 182, 17] });
    expect(runs[1].models[0].k).toBeGreaterThan(2);
  });
});

describe('emgpu sc: leiden and --integrate refusals', () => {
  test('refuses options that contradict, or values out of range, with the cause then the fix', () => {
    const base = ['sc', 'a.h5ad', '--model', 'leiden'];
    expect(usageError([...base, '--resolution', '0'])).toBe("--resolution expects a number > 0 (e.g. 0.8), got '0'.");
    expect(usageError([...base, '--resolution', '-1'])).toBe("--resolution expects a number > 0 (e.g. 0.8), got '-1'.");
    expect(usageError([...base, '--resolution', 'high'])).toBe("--resolution expects a number > 0 (e.g. 0.8), got 'high'.");
    expect(usageError([...base, '--k', '5'])).toMatch(
      /^--k sets the number of clusters of kmeans, gmm and nb; Leiden finds its own .* Drop --k/,
    );
    expect(usageError([...base, '--select', '--ks', '2..5'])).toMatch(
      /^--ks lists candidate ks for kmeans, gmm and nb; for leiden pass --resolutions/,
    );
    expect(usageError([...base, '--select', '--resolution', '1'])).toMatch(/^--resolution and --select contradict each other/);
    expect(usageError([...base, '--resolutions', '0.5,1'])).toMatch(/^--resolutions lists the candidates of --select/);
    expect(usageError([...base, '--select', '--resolutions', '0.5,0.5'])).toMatch(/lists a resolution twice/);
    expect(usageError([...base, '--select', '--criterion', 'bic'])).toBe("--criterion expects one of cocluster, silhouette; got 'bic'.");
    expect(usageError([...base, '--n-init', '5'])).toMatch(/^--n-init applies to kmeans, gmm and nb; Leiden runs once .* Drop --n-init/);
    expect(usageError([...base, '--max-iter', '5'])).toMatch(/^--max-iter applies to kmeans, gmm and nb/);
    expect(usageError([...base, '--graph-pcs', '0'])).toBe("--graph-pcs expects a positive integer, got '0'.");
    expect(usageError(['sc', 'a.h5ad', '--k', '3', '--resolution', '1'])).toMatch(/^--resolution applies to --model leiden only/);
    expect(usageError(['sc', 'a.h5ad', '--model', 'kmeans,leiden'])).toMatch(
      /^emgpu sc needs --k K .* \(kmeans need it; leiden has --resolution instead\.\)$/,
    );
    expect(usageError(['sc', 'a.h5ad', '--k', '3', '--model', 'nb', '--integrate', 'batch'])).toMatch(
      /^--integrate corrects the PCs, but the NB mixture fits the raw counts.* Drop nb from --model, or drop --integrate\.$/,
    );
    expect(usageError(['sc', 'a.h5ad', '--k', '3', '--harmony-theta', '1'])).toMatch(
      /^--harmony-theta applies with --integrate COLUMN only/,
    );
    expect(usageError(['sc', 'a.h5ad', '--k', '3', '--integrate', 'b', '--harmony-theta', '-2'])).toMatch(
      /^--harmony-theta expects a number >= 0/,
    );
    expect(usageError(['sc', 'a.h5ad', '--k', '3', '--integrate', 'x.csv:'])).toMatch(/^--integrate expects FILE:COLUMN/);
    // Accepted: leiden alone needs no --k; with other models --k is theirs.
    expect(parseArgs(base)).toMatchObject({ models: ['leiden'], leiden: { graphPcs: 20, neighbors: 19, resolution: 1 } });
    expect(parseArgs(['sc', 'a.h5ad', '--model', 'gmm,leiden', '--select', '--criterion', 'aic'])).toMatchObject({
      criterion: 'aic',
      ks: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      leiden: { graphPcs: 20, neighbors: 19 },
    });
  });

  test('exits 1 with one error line for an unknown batch column or too many neighbours', async () => {
    const run = async (argv: string[]) => {
      const c = capture();
      const code = await runCli(['sc', dir, '--n-top-genes', '300', '--n-pcs', '10', ...argv, '--backend', 'reference'], c.deps);
      return { code, err: c.err(), out: c.out() };
    };
    const obs = await run(['--model', 'leiden', '--integrate', 'batch']);
    expect(obs.code).toBe(1);
    expect(obs.err).toMatch(
      /^error: --integrate batch: the input has no obs column 'batch' \(it has no obs columns\)\. Pass an obs column, or FILE:COLUMN/,
    );
    const col = await run(['--model', 'leiden', '--integrate', `${LABELS}:donor`]);
    expect(col.err).toMatch(/^error: .*pbmc3k_labels\.csv\.gz: no column 'donor' after the barcode column/);
    const nb = await run(['--model', 'leiden', '--neighbors', '400']);
    expect(nb.code).toBe(1);
    expect(nb.err).toMatch(/^error: --neighbors 400: only \d+ cells were kept, so each has \d+ others\. Pass --neighbors \d+ or fewer\./);
    for (const r of [obs, col, nb]) {
      expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.out).toBe('');
    }
  });
});
