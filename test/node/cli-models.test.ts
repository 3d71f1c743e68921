import { describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  adjustedRandIndex,
  createEngine,
  gaussianMixture,
  kmeans,
  negativeBinomialMixture,
  normalizedMutualInfo,
  selectK,
  softKMeans,
} from '../../src/index.js';
import { runCli, type CliDeps, type SelectSummary, type Summary } from '../../src/cli/run.js';

// Each matrix command, run in-process with --json on the float64 reference backend, against the
// library called directly with the same options and seed: the same numbers, bit for bit.

function capture(tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const deps: CliDeps = {
    createEngine: (o) => createEngine(o),
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s), isTTY: tty, columns: 120 },
  };
  return { deps, out: () => out.join(''), err: () => err.join('') };
}

async function cli<T>(argv: string[], tty = false): Promise<{ summary: T; err: string }> {
  const c = capture(tty);
  const code = await runCli(argv, c.deps);
  if (code !== 0) throw new Error(`exit ${code}: ${c.err()}`);
  return { summary: JSON.parse(c.out()) as T, err: c.err() };
}

/** A bundled CSV read independently of the library's reader: rows of numbers, the class last. */
function bundled(name: string, skip: number): { X: number[][]; y: number[] } {
  const lines = gunzipSync(readFileSync(new URL(`../../data/${name}`, import.meta.url)))
    .toString('utf8')
    .trim()
    .split('\n')
    .slice(skip);
  const rows = lines.map((l) => l.split(',').map(Number));
  return { X: rows.map((r) => r.slice(0, -1)), y: rows.map((r) => r[r.length - 1]) };
}
const iris = bundled('iris.csv.gz', 1);

/** The CSV --out writes: header, then id,label[,max_posterior]. */
function readLabels(path: string): { header: string; ids: string[]; labels: number[]; maxPosterior: number[] } {
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const f = rows.map((r) => r.split(','));
  return { header, ids: f.map((r) => r[0]), labels: f.map((r) => Number(r[1])), maxPosterior: f.map((r) => Number(r[2])) };
}

const rowMax = (p: number[][]) => p.map((r) => Number(Math.max(...r).toPrecision(6)));
const tmp = () => mkdtempSync(join(tmpdir(), 'emgpu-cli-models-'));

describe('emgpu COMMAND --json equals the library with the same options (reference backend)', () => {
  test('kmeans on iris', async () => {
    const out = join(tmp(), 'l.csv');
    const argv = [
      'kmeans',
      '--dataset',
      'iris',
      '--backend',
      'reference',
      '--seed',
      '3',
      '--n-init',
      '2',
      '--init',
      'random',
      '--json',
      '-o',
      out,
    ];
    const { summary: s } = await cli<Summary>(argv);
    const r = await kmeans(iris.X, { k: 3, seed: 3, nInit: 2, init: 'random', backend: 'reference' });
    expect(s).toMatchObject({ command: 'kmeans', k: 3, backend: 'reference', seed: 3, nIter: r.nIter, inertia: r.inertia });
    expect(s.input).toEqual({ file: 'data/iris.csv.gz', bundled: true, kind: 'delimited', n: 150, d: 4 });
    expect(s.objective).toEqual({ name: 'inertia', value: r.inertia });
    expect(s.restarts).toEqual(r.restarts);
    expect(s.clusterSizes).toEqual(r.clusterSizes);
    expect(s.scores).toEqual({
      adjustedRandIndex: adjustedRandIndex(iris.y, r.labels),
      normalizedMutualInfo: normalizedMutualInfo(iris.y, r.labels),
      labelSource: 'iris species',
    });
    const f = readLabels(out);
    expect(f.header).toBe('id,label');
    expect(f.labels).toEqual(r.labels);
  });

  test('softkmeans on iris, with max posteriors in --out', async () => {
    const out = join(tmp(), 'l.csv');
    const argv = [
      'softkmeans',
      '--dataset',
      'iris',
      '--backend',
      'reference',
      '--beta',
      '0.5',
      '--seed',
      '1',
      '--max-iter',
      '50',
      '--json',
      '--out',
      out,
    ];
    const { summary: s } = await cli<Summary>(argv);
    const r = await softKMeans(iris.X, { k: 3, beta: 0.5, seed: 1, maxIter: 50, returnResponsibilities: true, backend: 'reference' });
    expect(s).toMatchObject({ command: 'softkmeans', k: 3, nIter: r.nIter, inertia: r.inertia, stopReason: r.stopReason });
    expect(s.objective).toEqual({ name: 'soft objective', value: r.objective });
    expect(s.model).toEqual({ beta: 0.5 });
    const f = readLabels(out);
    expect(f.header).toBe('id,label,max_posterior');
    expect(f.labels).toEqual(r.labels);
    const resp = r.responsibilities!;
    expect(f.maxPosterior).toEqual(rowMax(Array.from({ length: 150 }, (_, i) => resp.slice(3 * i, 3 * i + 3))));
  });

  test('gmm on iris with a diagonal covariance', async () => {
    const out = join(tmp(), 'l.csv');
    const argv = [
      'gmm',
      '--dataset',
      'iris',
      '--backend',
      'reference',
      '--covariance',
      'diag',
      '--seed',
      '2',
      '--n-init',
      '1',
      '--tol',
      '1e-4',
      '--json',
      '--out',
      out,
    ];
    const { summary: s } = await cli<Summary>(argv);
    const r = await gaussianMixture(iris.X, { nInit: 1, k: 3, covariance: 'diag', seed: 2, tol: 1e-4, backend: 'reference' });
    expect(s).toMatchObject({ command: 'gmm', k: 3, nIter: r.nIter, converged: r.converged });
    expect(s.objective).toEqual({ name: 'log-likelihood', value: r.logLikelihood });
    expect(s.model).toEqual({ covariance: 'diag', lowerBound: r.lowerBound, bic: await r.bic(iris.X) });
    expect(s.scores!.adjustedRandIndex).toBe(adjustedRandIndex(iris.y, r.labels));
    const f = readLabels(out);
    expect(f.labels).toEqual(r.labels);
    expect(f.maxPosterior).toEqual(rowMax(await r.predictProba(iris.X)));
  });

  test('nb on a counts FILE (300 digits, pixel intensities as counts) with its label column', async () => {
    const dir = tmp();
    const digits = bundled('digits.csv.gz', 0);
    const n = 300;
    writeFileSync(
      join(dir, 'd.csv'),
      digits.X.slice(0, n)
        .map((r, i) => [...r, digits.y[i]].join(','))
        .join('\n'),
    );
    const out = join(dir, 'l.csv');
    const argv = [
      'nb',
      join(dir, 'd.csv'),
      '--k',
      '6',
      '--backend',
      'reference',
      '--max-iter',
      '15',
      '--seed',
      '4',
      '--n-init',
      '1',
      '--label-column',
      'last',
    ];
    const { summary: s } = await cli<Summary>([...argv, '--json', '--out', out]);
    const r = await negativeBinomialMixture(digits.X.slice(0, n), {
      nInit: 1,
      k: 6,
      maxIter: 15,
      seed: 4,
      returnResponsibilities: true,
      backend: 'reference',
    });
    expect(s).toMatchObject({ command: 'nb', k: 6, nIter: r.nIter, input: { n, d: 64, bundled: false } });
    expect(s.objective).toEqual({ name: 'log-likelihood', value: r.logLikelihood });
    expect(s.model).toMatchObject({ dispersion: 'per-gene', sizeFactors: 'library', lowerBound: r.lowerBound });
    expect(s.scores!.adjustedRandIndex).toBe(adjustedRandIndex(digits.y.slice(0, n), r.labels));
    const f = readLabels(out);
    expect(f.labels).toEqual(r.labels);
    expect(f.maxPosterior).toEqual(rowMax(r.responsibilities!));
  });

  test('select on a 6-row file without --ks tries the default 2..12 capped at 6 rows (FUZZ12 D13)', async () => {
    const file = join(tmp(), 'six.csv');
    writeFileSync(file, '0,0\n0.1,0.2\n5,5\n5.1,4.9\n9,0\n9.2,0.1\n');
    const { summary: s } = await cli<SelectSummary>(['select', file, '--model', 'kmeans', '--backend', 'reference', '--json']);
    expect(s.rows.map((r) => r.k)).toEqual([2, 3, 4, 5, 6]);
  });

  test('select on iris: the BIC table and the chosen k', async () => {
    const out = join(tmp(), 't.csv');
    const { summary: s } = await cli<SelectSummary>([
      'select',
      '--dataset',
      'iris',
      '--ks',
      '1..4',
      '--backend',
      'reference',
      '--json',
      '-o',
      out,
    ]);
    const r = await selectK(iris.X, { model: 'gmm', ks: [1, 2, 3, 4], fit: {}, backend: 'reference' });
    expect(s).toMatchObject({ command: 'select', model: 'gmm', criterion: 'bic', bestK: r.bestK, elbowK: r.elbowK });
    const noTime = (rows: { timeMs: number }[]) => rows.map(({ timeMs: _, ...rest }) => rest);
    expect(noTime(s.rows)).toEqual(noTime(r.rows));
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('k,objective,log_likelihood,bic,aic,n_parameters,n_iter,converged,time_ms');
    expect(lines.slice(1).map((l) => Number(l.split(',')[3]))).toEqual(r.rows.map((x) => x.bic));
  });
});

describe('emgpu COMMAND output on a terminal and off it', () => {
  test('gmm draws a progress line on a TTY naming the log-likelihood, and prints the same summary as off it', async () => {
    const argv = ['gmm', '--dataset', 'iris', '--backend', 'reference', '--seed', '1', '--n-init', '1'];
    const tty = capture(true);
    expect(await runCli(argv, tty.deps)).toBe(0);
    expect(tty.err()).toMatch(/^\r\[[#-]+\] restart 1\/1 {2}iter 1 {2}log-likelihood -\d/);
    expect(tty.err().endsWith('\r\x1b[K')).toBe(true);
    expect(tty.out()).toMatch(/^emgpu gmm on iris \(bundled\)\n {2}backend +cpu \(float64 reference\)\n/);
    expect(tty.out()).toMatch(/\n {2}clusters +k = 3, covariance full, bic \d+\.\d+\n/);
    const pipe = capture(false);
    expect(await runCli([...argv, '--no-progress'], pipe.deps)).toBe(0);
    expect(pipe.err()).toBe('');
    const strip = (t: string) => t.replace(/ {2}time .*\n/, '');
    expect(strip(pipe.out())).toBe(strip(tty.out()));
    const quiet = capture(true);
    expect(await runCli([...argv, '-q'], quiet.deps)).toBe(0);
    expect(quiet.out() + quiet.err()).toBe('');
  });

  test('select prints its table with the chosen k', async () => {
    const c = capture();
    expect(await runCli(['select', '--dataset', 'iris', '--model', 'kmeans', '--ks', '2..5', '--backend', 'reference'], c.deps)).toBe(0);
    const r = await selectK(iris.X, { model: 'kmeans', ks: [2, 3, 4, 5], fit: {}, backend: 'reference' });
    // The k-means default became the classification BIC (issue 14's second table).
    expect(r.criterion).toBe('clbic');
    expect(c.out()).toContain(`chosen   k = ${r.bestK} (by lowest CLBIC; elbow at k = ${r.elbowK})`);
    expect(c.out()).toMatch(/\n +k +objective +BIC +AIC +iterations +time\n +2 /);
  });
});
