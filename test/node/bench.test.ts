/**
 * Keeps the benchmark harness honest (bench/): `npm run bench:node -- --preset ci --backend cpu`
 * runs end to end through the same code as every benchmark and writes a results file that the
 * schema accepts; the figures it records are the ones a direct fit gives; the peers, started from
 * the same centroids, reach the same inertia; the statistics and the work model are right.
 * Nothing here asserts a time.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEngine, gaussianMixture, kmeans } from '../../src/index.js';
import { INIT_SEED, presetCases, type BlobsSpec } from '../../bench/cases.js';
import { featureVariance, generateBlobs, generateCounts, initialRows, inertiaOf } from '../../bench/data.js';
import { renderMarkdown, slugOf, type BenchResult } from '../../bench/report.js';
import type { CaseResult } from '../../bench/runner/types.js';
import { validateBenchResult } from '../../bench/schema.js';
import { quantile, stats } from '../../bench/stats.js';
import { workPerIteration } from '../../bench/work.js';
import { F32_OBJ_RTOL, F64_RTOL, expectRelClose } from '../tolerance.js';

const root = resolve(__dirname, '../..');
const run = promisify(execFile);

describe('npm run bench:node -- --preset ci --backend cpu', () => {
  let out: string;
  let result: BenchResult;
  let markdown: string;
  let stdout: string;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'emgpu-bench-test-'));
    const r = await run(process.execPath, ['bench/run-node.mjs', '--preset', 'ci', '--backend', 'cpu', '--out', out], {
      cwd: root,
      timeout: 120_000,
      maxBuffer: 1 << 24,
    });
    stdout = r.stdout;
    const files = readdirSync(out);
    const json = files.find((f) => f.endsWith('-node-cpu-ci.json'));
    expect(json, `files written: ${files.join(', ')}`).toBeDefined();
    result = JSON.parse(readFileSync(join(out, json!), 'utf8'));
    markdown = readFileSync(join(out, json!.replace(/\.json$/, '.md')), 'utf8');
  }, 120_000);

  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  test('writes a results file that the schema accepts, and no latest-node.md for a ci run', () => {
    expect(validateBenchResult(result)).toEqual([]);
    expect(result.preset).toBe('ci');
    expect(result.frontEnd).toBe('node');
    expect(result.timing).toBe('wall');
    expect(result.engine).toMatchObject({ requested: 'cpu', backend: 'wasm' });
    expect(result.adapterSlug).toBe('node-cpu');
    expect(existsSync(join(out, 'latest-node.md'))).toBe(false);
    // Every case of the preset ran, none failed.
    expect(result.cases.map((c) => c.id)).toEqual(presetCases('ci').map((c) => c.id));
    for (const c of result.cases) expect(c.status === 'error' ? `${c.id}: ${c.error}` : 'ok').toBe('ok');
  });

  test('says clearly that no GPU ran', () => {
    expect(stdout).toMatch(/NO GPU/);
    expect(markdown).toMatch(/No GPU ran: emgpu used its CPU backend/);
    expect(markdown).toMatch(/## k-means/);
  });

  test('records the objective a direct fit from the same start gives (k-means, GMM)', async () => {
    const cpu = await createEngine({ backend: 'cpu' });
    const byModel = (m: string) => result.cases.find((c) => c.model === m && c.status === 'ok') as CaseResult;
    const km = byModel('kmeans');
    const spec = km.params.data as BlobsSpec;
    const X = generateBlobs(spec);
    const init = initialRows(X, km.params.k as number, INIT_SEED).centroids;
    const direct = await kmeans(
      { data: X.data, n: X.n, d: X.d },
      { k: km.params.k as number, init, nInit: 1, tol: 0, maxIter: km.maxIter, engine: cpu },
    );
    expectRelClose(km.impls[0].objective!, direct.inertia, F64_RTOL, 'recorded k-means inertia');
    expect(km.impls[0].nIter).toBe(direct.nIter);
    expectRelClose(km.impls[0].inertia64!, inertiaOf(X, direct.centroids), F64_RTOL, 'float64 re-scored inertia');

    const gm = result.cases.find((c) => c.model === 'gmm' && c.params.covariance === 'full') as CaseResult;
    const G = generateBlobs(gm.params.data as BlobsSpec);
    const k = gm.params.k as number;
    const means = initialRows(G, k, INIT_SEED).centroids;
    const v = featureVariance(G);
    const covariances = means.map(() => v.map((vi, a) => v.map((_, b) => (a === b ? vi : 0))));
    const g = await gaussianMixture(
      { data: G.data, n: G.n, d: G.d },
      {
        k,
        covariance: 'full',
        init: { weights: means.map(() => 1 / k), means, covariances },
        nInit: 1,
        tol: 0,
        maxIter: gm.maxIter,
        engine: cpu,
      },
    );
    expectRelClose(gm.impls[0].objective!, g.logLikelihood, F64_RTOL, 'recorded GMM log-likelihood');
    cpu.destroy();
  });

  test('the peers, from the same centroids, reach the same inertia and iterations as emgpu', () => {
    const km = result.cases.find((c) => c.model === 'kmeans')!;
    const peers = km.impls.filter((i) => i.impl === 'ml-kmeans' || i.impl === 'skmeans');
    expect(peers.map((p) => p.status)).toEqual(['ok', 'ok']);
    for (const p of peers) {
      expect(Math.abs(p.vsEmgpu!.objectiveRel)).toBeLessThanOrEqual(F64_RTOL);
      expect(p.perIterMs!.median).toBeGreaterThan(0);
    }
    // The ci case converges ('labels') before maxIter: ml-kmeans counts the final unchanged pass as emgpu does,
    // skmeans does not count it.
    const me = km.impls[0];
    expect(me.stopReason).toBe('labels');
    expect(peers[0].nIter).toBe(me.nIter);
    expect(peers[1].nIter).toBe(me.nIter! - 1);
  });

  test('scikit-learn, from the same start on the same float32 data, reaches emgpu objectives (or the row says why it was skipped)', () => {
    const rows = result.cases
      .filter((c) => c.model === 'kmeans' || c.model === 'gmm')
      .map((c) => ({ c, sk: c.impls.find((i) => i.impl === 'scikit-learn')! }));
    expect(rows.length).toBe(3);
    for (const { c, sk } of rows) {
      if (sk.status === 'skipped') {
        expect(sk.note).toMatch(/^skipped: \/usr\/bin\/python3 with scikit-learn/);
        continue;
      }
      expect(sk.status).toBe('ok');
      expect(sk.label).toMatch(/^scikit-learn \d+\.\d+.*float32, \d+ threads?\)/);
      expect(sk.nIter, c.id).toBe(c.impls[0].nIter);
      // k-means: both re-scored in float64 at their final centroids; GMM: each one's own log-likelihood.
      expect(Math.abs(sk.vsEmgpu!.objectiveRel), c.id).toBeLessThanOrEqual(F32_OBJ_RTOL);
    }
  });

  test('k sweeps choose the number of clusters the data were made with', () => {
    for (const c of result.cases.filter((x) => x.model === 'select-k')) {
      expect(c.sweep!.emgpu.bestK).toBe(c.sweep!.trueK);
      expect(c.sweep!.emgpu.rows.map((r) => r.k)).toEqual(c.params.ks);
    }
  });
});

describe('harness pieces', () => {
  test('statistics: quartiles by linear interpolation (numpy default), IQR, spread', () => {
    const s = stats([5, 1, 4, 2, 3]);
    expect(s).toMatchObject({ count: 5, median: 3, min: 1, max: 5, q1: 2, q3: 4, iqr: 2, mean: 3 });
    expect(quantile([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    expect(stats([7]).iqr).toBe(0);
  });

  test('work model: k-means counts 4nd + 16n bytes (one pass) and 3nkd + n(d+2) flops per iteration', () => {
    const c = presetCases('quick').find((x) => x.id === 'kmeans-n100k-d50-k32')!;
    const w = workPerIteration(c, 100_000, 50)!;
    expect(w.bytes).toBe(4 * 100_000 * 50 + 16 * 100_000);
    expect(w.flops).toBe(3 * 100_000 * 32 * 50 + 100_000 * 52);
    const full = presetCases('full').find((x) => x.id === 'gmm-full-n100k-d50-k20')!;
    expect(workPerIteration(full, 100_000, 50)!.flops).toBe(100_000 * 20 * (3 * 2500 + 400 + 9));
  });

  test('presets: quick stays at n ≤ 100k; full has the whole matrix; every case has ≥ 5 repeats or says why', () => {
    const quick = presetCases('quick');
    const full = presetCases('full');
    for (const c of quick) if (c.data.kind !== 'real') expect((c.data as { n: number }).n).toBeLessThanOrEqual(100_000);
    const km = full.filter((c) => c.model === 'kmeans' && c.data.kind === 'blobs').map((c) => c.id);
    for (const n of ['10k', '100k', '1M'])
      for (const d of [16, 50]) for (const k of [8, 32]) expect(km).toContain(`kmeans-n${n}-d${d}-k${k}`);
    expect(full.map((c) => c.id)).toEqual(
      expect.arrayContaining(['gmm-diag-n100k-d50-k20', 'gmm-full-n100k-d50-k20', 'nbmm-n20k-d2000-k10']),
    );
    for (const c of [...quick, ...full]) if (c.repeats < 5) expect(c.note, c.id).toBeTruthy();
  });

  test('synthetic counts have about the density asked for, sorted indices and positive values', () => {
    const c = generateCounts({ kind: 'counts', n: 300, d: 400, clusters: 3, seed: 3, density: 0.1 });
    expect(c.nnz / (c.n * c.d)).toBeGreaterThan(0.07);
    expect(c.nnz / (c.n * c.d)).toBeLessThan(0.13);
    for (let i = 0; i < c.n; i++)
      for (let t = c.indptr[i] + 1; t < c.indptr[i + 1]; t++) expect(c.indices[t]).toBeGreaterThan(c.indices[t - 1]);
    expect(Math.min(...c.values)).toBeGreaterThanOrEqual(1);
  });

  test('the schema validator rejects what the report relies on being there', () => {
    expect(validateBenchResult(null)).not.toEqual([]);
    expect(validateBenchResult({ schema: 'emgpu-bench/1' }).join('\n')).toMatch(/schema/);
  });

  test('adapter slugs name what ran', () => {
    const e = { requested: 'auto', backend: 'webgpu', software: false, fallbackReason: null };
    expect(slugOf({ ...e, adapter: 'nvidia / hopper / NVIDIA H100 80GB HBM3' }, 'node')).toBe('node-nvidia-h100-80gb-hbm3');
    expect(slugOf({ ...e, adapter: 'google / swiftshader', software: true }, 'browser')).toBe('swiftshader');
    expect(slugOf({ ...e, backend: 'reference', adapter: 'cpu (float64 reference)' }, 'node')).toBe('node-cpu');
  });

  test('markdown labels software and CPU runs as such', () => {
    const base = {
      schema: 'emgpu-bench/2',
      date: '2026-01-01',
      createdAt: '',
      preset: 'ci',
      frontEnd: 'browser',
      adapterSlug: 'swiftshader',
      userAgent: null,
      node: 'v20',
      platform: 'linux-x64',
      cpus: null,
      timing: 'wall',
      timingReason: '',
      timestampQuery: true,
      refCapFlops: 3e9,
      repeatsOverride: null,
      notes: [],
      durationMs: 1,
      cases: [],
    } as const;
    const sw = renderMarkdown({
      ...base,
      engine: { requested: 'webgpu', backend: 'webgpu', adapter: 'google / swiftshader', software: true, fallbackReason: null },
    } as unknown as BenchResult);
    expect(sw).toMatch(/SwiftShader is a CPU software rasteriser: these figures measure correctness and GPU traffic/);
    const hw = renderMarkdown({
      ...base,
      engine: { requested: 'webgpu', backend: 'webgpu', adapter: 'nvidia / hopper', software: false, fallbackReason: null },
    } as unknown as BenchResult);
    expect(hw).not.toMatch(/software rasteriser|No GPU ran/);
  });
});
