/**
 * The defects the fifth outside fuzz left open (FUZZ12d, "Still open after"): the shard M-step's
 * prior and given covariances are checked by the model's own rules; first-pass moments of data near
 * float64's limits are finite or a typed error; preprocessStream bounds a declared n and both
 * pipelines refuse negative filter thresholds; a Zarr .zarray with chunks [0] and a damaged
 * X/indptr are FILE_FORMAT errors; `emgpu worker` answers a bad argument with one error line; a
 * failed 'cpu' worker thread is a WORKER_FAILED error; the MAD filter on no cells names itself.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createPool } from '../../src/backends/wasm/pool.js';
import { type BlockKernel, loadWasmRuntime } from '../../src/backends/wasm/runtime.js';
import { type CliDeps, runCli } from '../../src/cli/run.js';
import {
  csrSource,
  EmgpuError,
  filterCells,
  gaussianMixture,
  makeBlobs,
  mStep,
  openZarrSource,
  preprocess,
  preprocessStream,
  readZarr,
  shardGlobals,
  shardStatistics,
  sumStatistics,
} from '../../src/index.js';
import { writeZarrCsr } from '../../src/node.js';
import type { GmmShardParams, GmmStatistics } from '../../src/shard/types.js';
import type { CsrSource } from '../../src/stream/types.js';
import { F64_RTOL } from '../tolerance.js';
import { errorCode as code } from '../helpers/error-code.js';

const B = makeBlobs(60, 3, 3, 5);
const block = { data: B.data, n: 60, d: 3 };
const diagParams: GmmShardParams = {
  covariance: 'diag',
  weights: [1 / 3, 1 / 3, 1 / 3],
  means: [
    [0, 0, 0],
    [5, 5, 5],
    [-5, -5, -5],
  ],
  covariances: [
    [1, 1, 1],
    [1, 1, 1],
    [1, 1, 1],
  ],
};

describe('the shard M-step checks its prior by the model’s own rule', () => {
  test('a prior of 5, a NaN or missing scale and a misspelt name are typed errors; a valid prior pulls the means by (Σrx + κμ)/(N + κ)', async () => {
    const s = (await shardStatistics(block, { model: 'gmm', params: diagParams, backend: 'reference' })) as GmmStatistics;
    expect(await code(mStep('gmm', s, diagParams, { prior: 5 as never }))).toBe('BAD_OPTION');
    expect(await code(mStep('gmm', s, diagParams, { prior: { normal: { scale: Number.NaN } } as never }))).toBe('BAD_OPTION');
    const normal = { kappa: 0.5, mean: [10, 10, 10], dof: 5, scale: [1, 1, 1] };
    expect(await code(mStep('gmm', s, diagParams, { prior: { alpha: 1, normal: { ...normal, scale: [Number.NaN, 1, 1] } } }))).toBe(
      'NON_FINITE',
    );
    expect(await code(mStep('gmm', s, diagParams, { prior: { alpha: -1, normal } }))).toBe('BAD_OPTION');
    expect(await code(mStep('gmm', s, diagParams, { prior: { alpha: 1, nromal: normal } as never }))).toBe('UNKNOWN_OPTION');
    const out = await mStep('gmm', s, diagParams, { prior: { alpha: 1, normal } });
    const p = out.params as GmmShardParams;
    expect(p.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (let c = 0; c < 3; c++)
      for (let j = 0; j < 3; j++) {
        const want = (s.sx[c * 3 + j] + 0.5 * 10) / (s.nk[c] + 0.5);
        expect(Math.abs(p.means[c][j] - want)).toBeLessThanOrEqual(F64_RTOL * Math.abs(want));
      }
    // A full prior's scale travels flat (d·d), as the fit reports it.
    const full: GmmShardParams = {
      ...diagParams,
      covariance: 'full',
      covariances: [0, 1, 2].map(() => [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? 1 : 0)))),
    };
    const sf = await shardStatistics(block, { model: 'gmm', params: full, backend: 'reference' });
    const flat = { kappa: 0.5, mean: [10, 10, 10], dof: 5, scale: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    expect(Number.isFinite((await mStep('gmm', sf, full, { prior: { alpha: 1, normal: flat } })).objective)).toBe(true);
    expect(await code(mStep('gmm', sf, full, { prior: { alpha: 1, normal: { ...flat, scale: [1, 2, 0, 2, 1, 0, 0, 0, 1] } } }))).toBe(
      'BAD_OPTION',
    );
  });
});

describe('a given GMM covariance must be positive definite; the fit’s own iterates pass with their bits', () => {
  // Every pair of variables is within its variances (|ρ| = 0.9), yet the matrix is indefinite (eigenvalue −0.8).
  const indefinite = [
    [1, 0.9, 0.9],
    [0.9, 1, -0.9],
    [0.9, -0.9, 1],
  ];
  const eye = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  const fullParams = (cov: number[][]): GmmShardParams => ({ ...diagParams, covariance: 'full', covariances: [cov, eye, eye] });

  test('an indefinite or asymmetric covariance is refused by shardStatistics and by gaussianMixture’s init (was regularised and used)', async () => {
    expect(await code(shardStatistics(block, { model: 'gmm', params: fullParams(indefinite), backend: 'reference' }))).toBe('BAD_OPTION');
    const asym = eye.map((r, i) => r.map((v, j) => (i === 0 && j === 1 ? 0.5 : v)));
    expect(await code(shardStatistics(block, { model: 'gmm', params: fullParams(asym), backend: 'reference' }))).toBe('BAD_OPTION');
    expect(await code(shardStatistics(block, { model: 'gmm', params: fullParams(eye), backend: 'reference' }))).toBe('accepted');
    const X = Array.from({ length: 60 }, (_, i) => [B.data[3 * i], B.data[3 * i + 1], B.data[3 * i + 2]]);
    const init = { weights: diagParams.weights, means: diagParams.means, covariances: [indefinite, eye, eye] };
    await expect(gaussianMixture(X, { k: 3, init, backend: 'reference' })).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringMatching(/component 0 is not positive definite \(indefinite or singular/),
    });
  });

  test('a collapsed component’s regularised covariance from mStep goes back into shardStatistics unchanged', async () => {
    // Component 1 holds rows on a line (rank 1), and regCovar 0: its covariance is singular and the
    // M-step jitters it; the jittered matrix is what it returns, and it must pass as given.
    const rows: number[] = [];
    for (let i = 0; i < 20; i++) rows.push(Math.sin(i), Math.cos(3 * i), Math.sin(7 * i));
    for (let i = 0; i < 20; i++) rows.push(10 + i, 10 + 2 * i, 10 - i);
    const blk = { data: Float64Array.from(rows), n: 40, d: 3 };
    const p0: GmmShardParams = {
      covariance: 'full',
      weights: [0.5, 0.5],
      means: [
        [0, 0, 0],
        [20, 30, 0],
      ],
      covariances: [eye, eye],
    };
    const s0 = await shardStatistics(blk, { model: 'gmm', params: p0, backend: 'reference', regCovar: 0 });
    const m = await mStep('gmm', s0, p0, { regCovar: 0 });
    expect(m.warnings.join(' ')).toMatch(/regularised beyond regCovar/);
    const p1 = m.params as GmmShardParams;
    const again = JSON.parse(JSON.stringify(p1)) as GmmShardParams;
    const s1 = (await shardStatistics(blk, { model: 'gmm', params: again, backend: 'reference', regCovar: 0 })) as GmmStatistics;
    const s1direct = (await shardStatistics(blk, { model: 'gmm', params: p1, backend: 'reference', regCovar: 0 })) as GmmStatistics;
    expect(s1.loglik).toBe(s1direct.loglik);
    expect(Number.isFinite(s1.loglik)).toBe(true);
  });
});

describe('first-pass moments near float64’s limits', () => {
  test('a variance beyond float64 is OUT_OF_RANGE (was Infinity); a mean of 1.7e308 rows stays finite; ordinary data keep their bits', async () => {
    expect(await code(() => shardGlobals({ n: 2, d: 2, data: [1e300, -1e300, 1e300, 1e300] } as never, { model: 'kmeans' }))).toBe(
      'OUT_OF_RANGE',
    );
    const big = await shardGlobals({ n: 2, d: 1, data: Float64Array.of(1.7e308, 1.7e308) }, { model: 'kmeans' });
    expect(big).toMatchObject({ mean: [1.7e308], m2: [0] });
    const small = await shardGlobals({ n: 3, d: 1, data: Float64Array.of(1, 2, 3) }, { model: 'kmeans' });
    expect(small).toMatchObject({ mean: [2], m2: [2] });
    // Two finite shards whose merged moment is not: a typed error from the sum, not Infinity.
    const a = await shardGlobals({ n: 1, d: 1, data: Float64Array.of(1e300) }, { model: 'kmeans' });
    const b = await shardGlobals({ n: 1, d: 1, data: Float64Array.of(-1e300) }, { model: 'kmeans' });
    expect(await code(() => sumStatistics([a, b] as never))).toBe('OUT_OF_RANGE');
  });
});

describe('preprocessStream and preprocess check sizes and thresholds before the first pass', () => {
  const counts = {
    n: 4,
    d: 3,
    indptr: new Uint32Array([0, 2, 3, 5, 6]),
    indices: new Uint32Array([0, 2, 1, 0, 1, 2]),
    values: new Float32Array([3, 1, 4, 1, 5, 9]),
  };
  test('a source declaring 1e12 cells is BUFFER_LIMIT before any allocation (was a RangeError)', async () => {
    let reads = 0;
    const lie: CsrSource = {
      ...csrSource(counts),
      n: 1e12,
      readRows: async () => {
        reads++;
        throw new Error('must not be read');
      },
    };
    expect(await code(preprocessStream(lie, { backend: 'reference' }))).toBe('BUFFER_LIMIT');
    expect(reads).toBe(0);
  });

  test('negative or NaN filter thresholds are BAD_OPTION in both pipelines (minGenes −1 was accepted)', async () => {
    for (const bad of [
      { cells: { minGenes: -1 } },
      { cells: { maxPctMito: -5 } },
      { cells: { minCounts: Number.NaN } },
      { minCells: -1 },
    ]) {
      expect(await code(preprocessStream(csrSource(counts), { ...bad, backend: 'reference' }))).toBe('BAD_OPTION');
      expect(await code(preprocess(counts, { ...bad, backend: 'reference' }))).toBe('BAD_OPTION');
    }
    expect(
      await code(() =>
        filterCells({ n: 1, totalCounts: Float64Array.of(3), nGenes: Float64Array.of(2), pctMito: Float64Array.of(0) }, { maxGenes: -1 }),
      ),
    ).toBe('BAD_OPTION');
  });

  test('the MAD filter on no cells is an EMPTY_DATA error naming filterCells', () => {
    const none = { n: 0, totalCounts: new Float64Array(0), nGenes: new Float64Array(0), pctMito: new Float64Array(0) };
    expect(filterCells(none, {}).nKept).toBe(0);
    let e: unknown;
    try {
      filterCells(none, { mad: true });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(EmgpuError);
    expect((e as EmgpuError).code).toBe('EMPTY_DATA');
    expect((e as EmgpuError).message).toMatch(/^filterCells: /);
  });
});

describe('Zarr stores whose .zarray or indptr lie', () => {
  const M = {
    n: 6,
    d: 4,
    indptr: new Uint32Array([0, 2, 3, 5, 6, 8, 9]),
    indices: new Uint32Array([0, 2, 1, 0, 3, 2, 1, 3, 0]),
    values: new Float32Array([3, 1, 4, 1, 5, 9, 2, 6, 5]),
  };
  const genes = ['a', 'b', 'c', 'd'];
  const edit = (p: string, key: string, f: (z: Record<string, unknown>) => void) => {
    const z = JSON.parse(readFileSync(join(p, key), 'utf8')) as Record<string, unknown>;
    f(z);
    writeFileSync(join(p, key), JSON.stringify(z));
  };

  test('chunks [0] on data or indices, an emptied or blosc-declared indptr chunk and an indptr ending short are FILE_FORMAT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rob5z-'));
    const raw = join(dir, 'raw.zarr');
    const zlib = join(dir, 'zlib.zarr');
    await writeZarrCsr(raw, { n: 6, d: 4, blocks: [M], genes, chunkEntries: 4, chunkRows: 4, level: 0 });
    await writeZarrCsr(zlib, { n: 6, d: 4, blocks: [M], genes, chunkEntries: 4, chunkRows: 4, level: 1 });
    for (const ok of [raw, zlib]) {
      const src = await openZarrSource(ok);
      const b = await src.readRows(0, 6);
      await src.close();
      expect(Array.from((b as typeof M).values)).toEqual(Array.from(M.values));
    }
    const indptrDtype = (JSON.parse(readFileSync(join(raw, 'X/indptr/.zarray'), 'utf8')) as { dtype: string }).dtype;
    const damages: [string, string, (p: string) => void][] = [
      ['data chunks [0]', raw, (p) => edit(p, 'X/data/.zarray', (z) => void (z.chunks = [0]))],
      ['indices chunks [0]', zlib, (p) => edit(p, 'X/indices/.zarray', (z) => void (z.chunks = [0]))],
      ['indptr chunks [0]', raw, (p) => edit(p, 'X/indptr/.zarray', (z) => void (z.chunks = [0]))],
      ['indptr chunk 0 emptied', raw, (p) => writeFileSync(join(p, 'X/indptr/0'), new Uint8Array(0))],
      [
        'indptr declared blosc over zlib chunks',
        zlib,
        (p) => edit(p, 'X/indptr/.zarray', (z) => void (z.compressor = { id: 'blosc', cname: 'lz4', clevel: 5, shuffle: 1, blocksize: 0 })),
      ],
      [
        'indptr ending one entry short of data',
        raw,
        (p) => {
          // The last chunk holds indptr[4..6] (chunkRows 4); its last offset 9 becomes 8.
          const bytes = new Uint8Array(readFileSync(join(p, 'X/indptr/1')));
          const view = new DataView(bytes.buffer);
          if (indptrDtype === '<i8') view.setBigInt64(16, 8n, true);
          else view.setInt32(8, 8, true);
          writeFileSync(join(p, 'X/indptr/1'), bytes);
        },
      ],
    ];
    const got: string[][] = [];
    for (const [name, base, damage] of damages) {
      const p = join(dir, `${name.replace(/\W+/g, '-')}.zarr`);
      cpSync(base, p, { recursive: true });
      damage(p);
      const viaSource = await code(async () => {
        const s = await openZarrSource(p);
        try {
          await s.readRows(0, 6);
        } finally {
          await s.close();
        }
      });
      got.push([name, viaSource, await code(readZarr(p))]);
    }
    expect(got).toEqual(damages.map(([name]) => [name, 'FILE_FORMAT', 'FILE_FORMAT']));
  });
});

describe('emgpu worker answers a bad argument with one error line, as the other commands do', () => {
  test('an unknown op, an unknown option and a missing value: exit 2, one `error:` line, no usage after it', async () => {
    for (const args of [['frob'], ['--frob'], ['mstep', 'sum'], ['--request'], ['statistcs']]) {
      const out: string[] = [];
      const err: string[] = [];
      const deps: CliDeps = {
        createEngine: () => Promise.reject(new Error('must not be called')),
        stdout: { write: (s: string) => out.push(s) },
        stderr: { write: (s: string) => err.push(s) },
      };
      expect(await runCli(['worker', ...args], deps)).toBe(2);
      expect(out).toEqual([]);
      const lines = err.join('').trimEnd().split('\n');
      expect([args.join(' '), lines.length]).toEqual([args.join(' '), 1]);
      expect(lines[0]).toMatch(/^error: emgpu worker: /);
    }
    const err: string[] = [];
    await runCli(['worker', 'statistcs'], {
      createEngine: () => Promise.reject(new Error('no')),
      stdout: { write: () => {} },
      stderr: { write: (s: string) => err.push(s) },
    });
    expect(err.join('')).toMatch(/did you mean statistics\?/);
  });
});

describe("a failed 'cpu' worker thread", () => {
  test('rejects the run with WORKER_FAILED, and every later run on that pool with the same error', async () => {
    const rt = await loadWasmRuntime();
    const pool = await createPool(rt, { threads: 2 });
    try {
      expect(pool.threads).toBe(2);
      // A kernel the module does not export: each worker throws calling it and reports the failure.
      const missing = 'noSuchKernel' as BlockKernel;
      const first = await pool.run(missing, 10, 0, 0, []).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(EmgpuError);
      expect((first as EmgpuError).code).toBe('WORKER_FAILED');
      expect((first as EmgpuError).message).toMatch(/worker thread failed .*Create a new engine/s);
      const again = await pool.run(missing, 10, 0, 0, []).catch((e: unknown) => e);
      expect((again as EmgpuError).code).toBe('WORKER_FAILED');
    } finally {
      pool.close();
    }
  });
});
