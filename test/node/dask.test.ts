/**
 * The Dask driver (examples/dask/emgpu_dask.py) on a LocalCluster of two workers, each task a
 * request to a long-lived `emgpu worker --serve`: k-means, the GMM and the NB mixture over three
 * row-range shards equal the single-process streamed fits with the same shards and start, bit for
 * bit, and the in-memory fits within the tolerance policy. Needs /usr/bin/python3 with Debian's
 * python3-distributed (.ci/run installs it); fails without it unless EMGPU_DASK=0.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { gaussianMixture, gmmStream, kmeans, kmeansStream, nbStream, negativeBinomialMixture } from '../../src/index.js';
import { openRowSource } from '../../src/io/open-source.js';
import { sizeFactors, toCounts } from '../../src/nbmm/counts.js';
import { paramsFromLabels } from '../../src/nbmm/model.js';
import { simulateNbMixture, toCsr } from '../nbmm-sim.js';
import { F64_RTOL, NB_ORDER_PARAM_RTOL } from '../tolerance.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = '/usr/bin/python3';
const SKIP = process.env.EMGPU_DASK === '0';
const ROWS_PER_SHARD = 50;

const rows = (x: ArrayLike<number>, k: number, d: number) =>
  Array.from({ length: k }, (_, j) => Array.from({ length: d }, (_, f) => x[j * d + f]));
const csv = (x: ArrayLike<number>, n: number, d: number) =>
  `${Array.from({ length: d }, (_, j) => `c${j}`).join(',')}\n${rows(x, n, d)
    .map((r) => r.map(String).join(','))
    .join('\n')}\n`;
const close = (a: unknown, b: unknown, rtol: number) => {
  const x = [a].flat(4) as number[];
  const y = [b].flat(4) as number[];
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(y[i])));
};
const trace = (h: { objective: number; shift: number; changed?: number }[]) => h.map((r) => [r.objective, r.shift, r.changed]);

describe.skipIf(SKIP)('Dask distributed fits (EMGPU_DASK=0 skips)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emgpu-dask-'));
  const blobs = makeBlobs(120, 3, 3, 11, { std: 1.2 });
  const sim = simulateNbMixture(120, 10, 3, 4);
  const blobFile = join(dir, 'blobs.csv');
  const countFile = join(dir, 'counts.csv');
  const start = rows(blobs.data, 3, 3);
  const nbLabels = Int32Array.from(sim.truth, (t, i) => (i % 5 === 0 ? (t + 1) % 3 : t));
  let results: Array<{ model: string; params: never; history: never[]; labels: number[]; objective: number; nIter: number }>;
  let gmmInit: { weights: number[]; means: number[][]; covariances: number[][][] };
  let nbInit: { weights: number[]; means: number[][]; dispersion: number[] };

  beforeAll(async () => {
    const probe = spawnSync(PYTHON, ['-c', 'import distributed'], { encoding: 'utf8' });
    if (probe.status !== 0)
      throw new Error(
        `${PYTHON} cannot import distributed (${probe.error?.message ?? probe.stderr.trim()}). Install Debian's python3-distributed (apt-get install python3-distributed), or set EMGPU_DASK=0 to skip.`,
      );
    // A build of its own (not dist/, which cli-e2e may be rebuilding at the same time), and a launcher for it.
    const out = join(dir, 'dist');
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn', '--outDir', out, '--emptyOutDir'],
      {
        cwd: ROOT,
        stdio: 'pipe',
      },
    );
    writeFileSync(
      join(dir, 'emgpu.mjs'),
      "const { main } = await import(new URL('./dist/cli.js', import.meta.url).href);\n" +
        "const code = await main(process.argv.slice(2));\nprocess.stdout.write('', () => process.exit(code));\n",
    );
    writeFileSync(blobFile, csv(blobs.data, 120, 3));
    writeFileSync(countFile, csv(sim.counts, 120, 10));
    const g = await gaussianMixture(
      { data: blobs.data, n: 120, d: 3 },
      { k: 3, init: 'k-means++', maxIter: 1, nInit: 1, backend: 'reference' },
    );
    gmmInit = { weights: g.weights, means: g.means, covariances: g.covariances as number[][][] };
    const c = toCounts(toCsr(sim.counts, 120, 10));
    const p = paramsFromLabels(c, sizeFactors(c, 'library').s, nbLabels, 3, { kind: 'per-gene' });
    nbInit = { weights: Array.from(p.weights), means: rows(p.means, 3, 10), dispersion: Array.from(p.phi) };
    const common = { rows_per_shard: ROWS_PER_SHARD, backend: 'reference' };
    const jobs = [
      { model: 'kmeans', data: blobFile, k: 3, init: { centroids: start }, ...common },
      { model: 'kmeans', data: blobFile, k: 3, init: null, sample_rows: 40, seed: 3, ...common },
      { model: 'gmm', data: blobFile, k: 3, init: { covariance: 'full', ...gmmInit }, options: { covariance: 'full' }, ...common },
      { model: 'nbmm', data: countFile, k: 3, init: nbInit, ...common },
    ];
    writeFileSync(join(dir, 'jobs.json'), JSON.stringify(jobs));
    const result = join(dir, 'result.json');
    const driver = join(ROOT, 'examples', 'dask', 'emgpu_dask.py');
    const emgpu = `${process.execPath} ${join(dir, 'emgpu.mjs')}`;
    const r = spawnSync(PYTHON, [driver, '--jobs', join(dir, 'jobs.json'), '--out', result, '--workers', '2', '--emgpu', emgpu], {
      encoding: 'utf8',
      timeout: 150_000,
    });
    if (r.status !== 0) throw new Error(`emgpu_dask.py failed (${r.status}): ${r.stderr.slice(-2000)}`);
    results = JSON.parse(readFileSync(result, 'utf8'));
  }, 180_000);

  const opts = { chunkRows: ROWS_PER_SHARD, backend: 'reference' as const };

  test('k-means on two Dask workers is the streamed fit bit for bit (given and sampled starts), and the in-memory fit', async () => {
    const [given, seeded] = results;
    const one = await kmeansStream(await openRowSource(blobFile), { init: { centroids: start }, ...opts });
    expect(given.params).toEqual(one.params);
    expect(trace(given.history)).toEqual(trace(one.history));
    expect(given.labels).toEqual(Array.from(one.labels!));
    expect(given.objective).toBe(one.objective);
    const two = await kmeansStream(await openRowSource(blobFile), { k: 3, sampleRows: 40, seed: 3, ...opts });
    expect(seeded.params).toEqual(two.params);
    expect(trace(seeded.history)).toEqual(trace(two.history));
    const ref = await kmeans({ data: blobs.data, n: 120, d: 3 }, { k: 3, init: start, backend: 'reference' });
    expect(given.nIter).toBe(ref.nIter);
    close((given.params as { centroids: number[][] }).centroids, ref.centroids, F64_RTOL);
    close(given.objective, ref.inertia, F64_RTOL);
  });

  test('the GMM on two Dask workers is the streamed fit bit for bit, and the in-memory fit', async () => {
    const fit = results[2];
    const one = await gmmStream(await openRowSource(blobFile), { init: { covariance: 'full', ...gmmInit }, covariance: 'full', ...opts });
    expect(fit.params).toEqual(one.params);
    expect(trace(fit.history)).toEqual(trace(one.history));
    expect(fit.objective).toBe(one.objective);
    const ref = await gaussianMixture({ data: blobs.data, n: 120, d: 3 }, { k: 3, init: gmmInit, backend: 'reference' });
    expect(fit.nIter).toBe(ref.nIter);
    close((fit.params as { means: number[][] }).means, ref.means, F64_RTOL);
    close((fit.params as { covariances: number[][][] }).covariances, ref.covariances, F64_RTOL);
    close(fit.objective, ref.logLikelihood, F64_RTOL);
  });

  test('the NB mixture on two Dask workers is the streamed fit bit for bit, and the in-memory fit', async () => {
    const fit = results[3];
    const one = await nbStream(await openRowSource(countFile), { init: nbInit, ...opts });
    expect(fit.params).toEqual(one.params);
    expect(trace(fit.history)).toEqual(trace(one.history));
    expect(fit.labels).toEqual(Array.from(one.labels!));
    expect(fit.objective).toBe(one.objective);
    const ref = await negativeBinomialMixture(toCsr(sim.counts, 120, 10), { k: 3, init: nbLabels, backend: 'reference' });
    expect(fit.nIter).toBe(ref.nIter);
    close((fit.params as { means: number[][] }).means, ref.means, NB_ORDER_PARAM_RTOL);
    close((fit.params as { dispersion: number[] }).dispersion, ref.dispersion, NB_ORDER_PARAM_RTOL);
    close(fit.objective, ref.logLikelihood, F64_RTOL);
  });
});
