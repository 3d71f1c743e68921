import { beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  adjustedRandIndex,
  gaussianMixture,
  kmeans,
  negativeBinomialMixture,
  normalizedMutualInfo,
  preprocess,
  rankGenes,
  selectK,
  subsetCsr,
  type PreprocessResult,
  type SingleCellData,
} from '../../src/index.js';
import { read10xDir, read10xH5File, readH5adFile } from '../../src/node.js';
import { runCli, type ScSummary } from '../../src/cli/run.js';
import { captureCli as capture } from '../helpers/cli-capture.js';

// `emgpu sc` in-process on the reference backend, on the first 400 cells of the bundled pbmc3k
// (a 10x folder written here), against the library's pipeline called directly with the same options.

const ROOT = new URL('../../', import.meta.url).pathname;
const LABELS = join(ROOT, 'data/pbmc3k/pbmc3k_labels.csv.gz');
const N_CELLS = 400;
let dir: string;

/** A 10x MEX folder (genes × cells, as Cell Ranger writes it) of the first N_CELLS cells. */
async function writeSubset(to: string): Promise<void> {
  const d = await read10xDir(join(ROOT, 'data/pbmc3k'));
  const lines: string[] = [];
  for (let i = 0; i < N_CELLS; i++) {
    for (let t = d.indptr[i]; t < d.indptr[i + 1]; t++) lines.push(`${d.indices[t] + 1} ${i + 1} ${d.values[t]}`);
  }
  mkdirSync(to, { recursive: true });
  writeFileSync(
    join(to, 'matrix.mtx'),
    `%%MatrixMarket matrix coordinate integer general\n${d.d} ${N_CELLS} ${lines.length}\n${lines.join('\n')}\n`,
  );
  writeFileSync(join(to, 'genes.tsv'), `${d.genes.map((g, j) => `${d.geneIds?.[j] ?? g}\t${g}`).join('\n')}\n`);
  writeFileSync(join(to, 'barcodes.tsv'), `${d.cells.slice(0, N_CELLS).join('\n')}\n`);
}

/** The Seurat annotation by barcode, read independently of the CLI. */
function seurat(): Map<string, string> {
  const rows = gunzipSync(readFileSync(LABELS)).toString('utf8').trim().split('\n').slice(1);
  return new Map(rows.map((r) => r.split(',')).map((f) => [f[0], f[5]]));
}

async function libraryPipeline(data: SingleCellData, seed: number): Promise<PreprocessResult> {
  return preprocess(data, {
    backend: 'reference',
    qc: { geneNames: data.genes },
    cells: { minGenes: 200 },
    minCells: 3,
    hvg: { flavor: 'seurat_v3', nTopGenes: 300 },
    pca: { nComps: 10, seed },
  });
}

beforeAll(async () => {
  dir = join(mkdtempSync(join(tmpdir(), 'emgpu-cli-sc-')), 'pbmc400');
  await writeSubset(dir);
}, 60_000);

describe('emgpu sc on 400 pbmc3k cells (reference backend)', () => {
  test('k-means and the NB mixture: labels CSV, markers and summary equal the library run the same way', async () => {
    const out = join(dir, '..', 'out');
    const argv = [
      'sc',
      dir,
      '--k',
      '4',
      '--model',
      'kmeans,nb',
      '--n-top-genes',
      '300',
      '--n-pcs',
      '10',
      '--max-iter',
      '20',
      '--seed',
      '1',
      '--n-init',
      '1',
    ];
    const more = ['--labels', `${LABELS}:seurat_annotation`, '--markers', '3', '--backend', 'reference', '--out', out, '--json'];
    const c = capture();
    expect(await runCli([...argv, ...more], c.deps)).toBe(0);
    expect(c.err()).toBe('');
    const s = JSON.parse(c.out()) as ScSummary;
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(s);

    const data = await read10xDir(dir);
    const pre = await libraryPipeline(data, 1);
    expect(s.input).toEqual({ files: [dir], format: '10x-mtx', cells: N_CELLS, genes: 32738 });
    expect(s.preprocessed).toMatchObject({ cells: pre.cells.length, genes: pre.genes.length, hvg: 300, pcs: 10 });
    expect(s.backend).toBe('reference');

    const pcs = { data: Float64Array.from(pre.pca.scores), n: pre.pca.n, d: 10 };
    const km = await kmeans(pcs, { k: 4, seed: 1, maxIter: 20, backend: 'reference' });
    const rows = new Uint8Array(data.n).fill(1);
    const cols = new Uint8Array(data.d);
    for (const g of pre.hvgGenes) cols[g] = 1;
    const nb = await negativeBinomialMixture(subsetCsr(data, rows, cols), {
      nInit: 1,
      k: 4,
      seed: 1,
      maxIter: 20,
      returnResponsibilities: true,
      backend: 'reference',
    });
    expect(pre.cells.length).toBe(data.n); // every one of these cells passes minGenes 200: the counts above are the kept cells'

    const truth = seurat();
    const barcodes = Array.from(pre.cells, (i) => data.cells[i]);
    // Cells that failed the tutorial's QC have an empty annotation: they are left out of the scores.
    const labelled = barcodes.map((b) => truth.get(b) || null);
    expect(labelled.filter((t) => t === null)).toHaveLength(12);
    const score = (labels: number[]) => {
      const keep = labelled.map((t, i) => [t, labels[i]] as const).filter(([t]) => t !== null);
      const t = keep.map(([x]) => x as string);
      const l = keep.map(([, y]) => y);
      return { adjustedRandIndex: adjustedRandIndex(t, l), normalizedMutualInfo: normalizedMutualInfo(t, l), nLabelled: keep.length };
    };

    const [sk, sn] = s.models;
    expect(sk).toMatchObject({ model: 'kmeans', k: 4, nIter: km.nIter, clusterSizes: km.clusterSizes, features: '10 PCs' });
    expect(sk.objective).toEqual({ name: 'inertia', value: km.inertia });
    expect(sk.scores).toEqual({ ...score(km.labels), labelSource: 'seurat_annotation of pbmc3k_labels.csv.gz' });
    expect(sn).toMatchObject({ model: 'nb', k: 4, nIter: nb.nIter, clusterSizes: nb.clusterSizes, features: 'counts of 300 HVGs' });
    expect(sn.objective).toEqual({ name: 'log-likelihood', value: nb.logLikelihood });
    expect(sn.scores).toMatchObject(score(nb.labels));
    // Clustering these cells should recover much of the annotation, not noise.
    expect(sk.scores!.adjustedRandIndex).toBeGreaterThan(0.3);

    const csv = (f: string) => readFileSync(f, 'utf8').trim().split('\n');
    const kmCsv = csv(join(out, 'labels-kmeans.csv'));
    expect(kmCsv[0]).toBe('cell,label,max_posterior');
    expect(kmCsv.slice(1)).toEqual(barcodes.map((b, i) => `${b},${km.labels[i]},1`));
    const nbCsv = csv(join(out, 'labels-nb.csv'));
    const post = nb.responsibilities!.map((r) => Number(Math.max(...r).toPrecision(6)));
    expect(nbCsv.slice(1)).toEqual(barcodes.map((b, i) => `${b},${nb.labels[i]},${post[i]}`));

    const markers = rankGenes(pre.normalized!, km.labels, { nTop: 3, geneNames: Array.from(pre.genes, (g) => data.genes[g]) });
    expect(sk.markers!.map((m) => m.genes.map((g) => g.name))).toEqual(markers.map((m) => m.map((g) => g.name)));
    const mk = csv(join(out, 'markers-kmeans.csv'));
    expect(mk[0]).toBe('cluster,rank,gene,score,log_fold_change,p_value_adjusted,pct_in,pct_out');
    expect(mk).toHaveLength(1 + 4 * 3);
    expect(mk[1].split(',').slice(0, 4)).toEqual(['0', '1', markers[0][0].name, String(markers[0][0].score)]);
  });

  test('--select on the three files of the folder picks k as selectK does, then fits it', async () => {
    const files = ['matrix.mtx', 'genes.tsv', 'barcodes.tsv'].map((f) => join(dir, f));
    const argv = [
      'sc',
      ...files,
      '--select',
      '--ks',
      '2..4',
      '--model',
      'gmm',
      '--covariance',
      'diag',
      '--n-top-genes',
      '300',
      '--n-pcs',
      '10',
      '--n-init',
      '1',
    ];
    const c = capture();
    expect(await runCli([...argv, '--backend', 'reference', '--json'], c.deps)).toBe(0);
    const s = JSON.parse(c.out()) as ScSummary;
    const pre = await libraryPipeline(await read10xDir(dir), 0);
    const pcs = { data: Float64Array.from(pre.pca.scores), n: pre.pca.n, d: 10 };
    const sel = await selectK(pcs, { model: 'gmm', ks: [2, 3, 4], fit: { covariance: 'diag', nInit: 1 }, backend: 'reference' });
    const g = await gaussianMixture(pcs, { nInit: 1, k: sel.bestK, covariance: 'diag', backend: 'reference' });
    const m = s.models[0];
    expect(m.selection).toMatchObject({ criterion: 'bic', bestK: sel.bestK, ks: [2, 3, 4] });
    expect(m.selection!.rows.map((r) => r.bic)).toEqual(sel.rows.map((r) => r.bic));
    expect(m).toMatchObject({ model: 'gmm', k: sel.bestK, clusterSizes: g.clusterSizes, details: { covariance: 'diag' } });
    expect(m.objective.value).toBe(g.logLikelihood);
    expect(m.scores).toBeUndefined();
  });

  test('prints a readable summary with the ARI per model, and progress on a terminal only', async () => {
    const c = capture(true);
    const argv = [
      'sc',
      dir,
      '--k',
      '3',
      '--n-top-genes',
      '300',
      '--n-pcs',
      '10',
      '--labels',
      `${LABELS}:seurat_annotation`,
      '--backend',
      'reference',
    ];
    expect(await runCli(argv, c.deps)).toBe(0);
    // Each pipeline stage, then the fit's iterations, on one line redrawn with \r and erased at the end.
    expect(c.err().startsWith('\rpreprocess: qc done (1/6)\x1b[K\rpreprocess: filter done (2/6)')).toBe(true);
    expect(c.err()).toContain('preprocess: pca done (6/6)');
    expect(c.err()).toMatch(/\r\[[#-]+\] restart 1\/1 {2}iter 1 {2}inertia \d/);
    expect(c.err().endsWith('\r\x1b[K')).toBe(true);
    const text = c.out();
    expect(text).toMatch(new RegExp(`^emgpu sc on ${dir}\\n {2}backend +cpu \\(float64 reference\\)\\n`));
    expect(text).toContain(`data      ${N_CELLS} cells x 32738 genes (10x-mtx)`);
    expect(text).toMatch(/\nk-means on 10 PCs, k = 3\n/);
    expect(text).toMatch(
      /\n {2}ARI +0\.\d{4} \(adjusted Rand index vs seurat_annotation of pbmc3k_labels\.csv\.gz, \d+ labelled cells\)\n/,
    );
  });

  test("nb --select keeps the chosen k's fit: the library's NB mixture at that k, chosen by BIC", async () => {
    const argv = [
      'sc',
      dir,
      '--select',
      '--ks',
      '2..3',
      '--model',
      'nb',
      '--n-top-genes',
      '300',
      '--n-pcs',
      '10',
      '--max-iter',
      '10',
      '--n-init',
      '1',
    ];
    const c = capture();
    expect(await runCli([...argv, '--backend', 'reference', '--json'], c.deps)).toBe(0);
    const m = (JSON.parse(c.out()) as ScSummary).models[0];
    const data = await read10xDir(dir);
    const pre = await libraryPipeline(data, 0);
    const cols = new Uint8Array(data.d);
    for (const g of pre.hvgGenes) cols[g] = 1;
    const counts = subsetCsr(data, new Uint8Array(data.n).fill(1), cols);
    const fit = async (k: number) => {
      const r = await negativeBinomialMixture(counts, { nInit: 1, k, maxIter: 10, backend: 'reference' });
      // k·d means, k − 1 weights, d per-gene dispersions.
      return { r, bic: -2 * r.logLikelihood + (k * 300 + (k - 1) + 300) * Math.log(counts.n) };
    };
    const [b2, b3] = [await fit(2), await fit(3)];
    const best = b2.bic <= b3.bic ? b2 : b3;
    expect(m.selection!.rows.map((r) => r.bic)).toEqual([b2.bic, b3.bic]);
    expect(m.selection!.bestK).toBe(best.r.k);
    expect(m).toMatchObject({ model: 'nb', k: best.r.k, nIter: best.r.nIter, clusterSizes: best.r.clusterSizes });
    expect(m.objective.value).toBe(best.r.logLikelihood);
  });

  test('reads a 10x .h5 file, and an .h5ad scored against one of its obs columns', async () => {
    const h5 = join(ROOT, 'test/fixtures/sc/3.0.0/filtered_feature_bc_matrix.h5');
    const small = ['--k', '3', '--n-top-genes', '100', '--n-pcs', '5', '--min-genes', '10', '--backend', 'reference', '--json'];
    const a = capture();
    expect(await runCli(['sc', h5, ...small], a.deps)).toBe(0);
    const sa = JSON.parse(a.out()) as ScSummary;
    const d10 = await read10xH5File(h5);
    expect(sa.input).toEqual({ files: [h5], format: '10x-h5', cells: d10.n, genes: d10.d });

    const h5ad = '/work/shared/data/pbmc68k_reduced/10x_pbmc68k_reduced.h5ad';
    const b = capture();
    expect(await runCli(['sc', h5ad, ...small, '--labels', 'bulk_labels'], b.deps)).toBe(0);
    const sb = JSON.parse(b.out()) as ScSummary;
    const ad = await readH5adFile(h5ad);
    const pre = await preprocess(ad, {
      backend: 'reference',
      qc: { geneNames: ad.genes },
      cells: { minGenes: 10 },
      minCells: 3,
      hvg: { flavor: 'seurat_v3', nTopGenes: 100 },
      pca: { nComps: 5, seed: 0 },
    });
    const km = await kmeans({ data: Float64Array.from(pre.pca.scores), n: pre.pca.n, d: 5 }, { k: 3, backend: 'reference' });
    const truth = Array.from(pre.cells, (c) => String(ad.obs!.bulk_labels[c]));
    expect(sb.input.format).toBe('h5ad');
    expect(sb.models[0].scores).toEqual({
      adjustedRandIndex: adjustedRandIndex(truth, km.labels),
      normalizedMutualInfo: normalizedMutualInfo(truth, km.labels),
      labelSource: 'bulk_labels',
      nLabelled: pre.cells.length,
    });
    // The loader's warning (this file's matrix is log-normalised, not counts) reaches the summary.
    expect(sb.warnings).toEqual(ad.source.warnings);
    expect(sb.warnings.length).toBeGreaterThan(0);
  });

  test('exits 1 with one error line for inputs it cannot use', async () => {
    const run = async (argv: string[]) => {
      const c = capture();
      const code = await runCli([...argv, '--backend', 'reference'], c.deps);
      return { code, out: c.out(), err: c.err() };
    };
    const missing = await run(['sc', join(dir, 'nope'), '--k', '2']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error: .*nope: no such file or directory\. Pass an AnnData \.h5ad/);
    const csvFile = join(dir, '..', 'x.csv');
    writeFileSync(csvFile, '1,2\n');
    expect((await run(['sc', csvFile, '--k', '2'])).err).toMatch(/^error: .*x\.csv: not a single-cell file emgpu sc reads\./);
    const noColumn = await run(['sc', dir, '--k', '2', '--labels', `${LABELS}:cell_type`]);
    expect(noColumn.code).toBe(1);
    expect(noColumn.err).toMatch(
      /^error: .*pbmc3k_labels\.csv\.gz: no column 'cell_type' after the barcode column \(the header has: barcode, n_genes/,
    );
    expect(noColumn.out).toBe('');
    const obs = await run(['sc', dir, '--k', '2', '--labels', 'louvain']);
    expect(obs.err).toMatch(/^error: --labels louvain: the input has no obs column 'louvain' \(it has no obs columns\)/);
    for (const r of [missing, noColumn, obs]) expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(existsSync(join(dir, '..', 'out-never'))).toBe(false);
  });
});
