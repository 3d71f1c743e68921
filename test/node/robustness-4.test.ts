/**
 * Fifth outside fuzz (FUZZ12d): the issue-16 exports. What a row source's readRows returns is
 * checked before any streaming consumer indexes it; shard statistics, their sums, finishGlobals and
 * mStep check what crosses a process boundary; exact JSON fails with typed errors and keeps
 * strings such as "toString"; subsetSource and the writers check their arguments; the one-pass
 * fits refuse non-finite results and undeclarable column counts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  csrSource,
  denseSource,
  type EmgpuError,
  finishGlobals,
  fromExactJson,
  kmeansStream,
  makeBlobs,
  miniBatchKMeans,
  mStep,
  nbStream,
  onlineGmm,
  onlineNb,
  partialFit,
  shardGlobals,
  shardStatistics,
  subsetSource,
  sumStatistics,
  toExactJson,
} from '../../src/index.js';
import { runCli, type CliDeps } from '../../src/cli/run.js';
import { writeH5adCsr, writeZarrCsr } from '../../src/node.js';
import type { KMeansStatistics, NbGlobals } from '../../src/shard/types.js';
import type { CsrBlock, CsrSource } from '../../src/stream/types.js';
import { errorCode as code } from '../helpers/error-code.js';

const M = {
  n: 6,
  d: 4,
  indptr: new Uint32Array([0, 2, 3, 5, 6, 8, 9]),
  indices: new Uint32Array([0, 2, 1, 0, 3, 2, 1, 3, 0]),
  values: new Float32Array([3, 1, 4, 1, 5, 9, 2, 6, 5]),
};
const B = makeBlobs(60, 3, 3, 5);

/** A CSR source whose blocks are bent by `bend` (the lies a caller's own source can tell). */
function lying(bend: (b: CsrBlock) => unknown, over: Partial<CsrSource> = {}): CsrSource {
  const inner = csrSource(M);
  return { ...inner, name: 'lying', ...over, readRows: async (a: number, b: number) => bend(await inner.readRows(a, b)) as CsrBlock };
}

describe('streaming consumers check the blocks a row source returns', () => {
  const lies: [string, (b: CsrBlock) => unknown, string][] = [
    ['a column index ≥ d', (b) => ({ ...b, indices: b.indices.map((j, p) => (p === 0 ? 9 : j)) }), 'SHAPE_MISMATCH'],
    ['an indptr that goes back', (b) => ({ ...b, indptr: b.indptr.map((v, i) => (i === 1 ? b.indptr[b.n] : v)) }), 'SHAPE_MISMATCH'],
    ['one row more than asked', (b) => ({ ...b, n: b.n + 1, indptr: Uint32Array.from([...b.indptr, b.indptr[b.n]]) }), 'SHAPE_MISMATCH'],
    ['a NaN value', (b) => ({ ...b, values: b.values.map((v, p) => (p === 0 ? Number.NaN : v)) }), 'NON_FINITE'],
    ['null', () => null, 'SHAPE_MISMATCH'],
    ['a dense block', (b) => ({ n: b.n, d: b.d, data: new Float32Array(b.n * b.d) }), 'SHAPE_MISMATCH'],
  ];
  test.each(lies)(
    'a source returning %s is refused by kmeansStream, nbStream, onlineNb, miniBatchKMeans and subsetSource',
    async (_, bend, want) => {
      expect(await code(kmeansStream(lying(bend), { k: 2, seed: 1, backend: 'reference', chunkRows: 3 }))).toBe(want);
      expect(await code(nbStream(lying(bend), { k: 2, seed: 1, backend: 'reference', chunkRows: 3 }))).toBe(want);
      expect(await code(onlineNb(lying(bend), { k: 2, seed: 1, backend: 'reference', batchSize: 3 }))).toBe(want);
      expect(await code(miniBatchKMeans(lying(bend), { k: 2, seed: 1, backend: 'reference', batchSize: 3 }))).toBe(want);
      const view = subsetSource(lying(bend), { cols: new Uint32Array([0, 1]) });
      expect(await code(view.readRows(0, 6))).toBe(want);
    },
  );

  test('a source that declares d = 1e9 is refused before any per-column array (was a hang)', async () => {
    const t0 = performance.now();
    expect(
      await code(
        nbStream(
          lying((b) => b, { d: 1e9 }),
          { k: 3, backend: 'reference' },
        ),
      ),
    ).toBe('BUFFER_LIMIT');
    expect(
      await code(
        onlineNb(
          lying((b) => b, { d: 1e9 }),
          { k: 3, backend: 'reference' },
        ),
      ),
    ).toBe('BUFFER_LIMIT');
    expect(
      await code(
        miniBatchKMeans(
          lying((b) => b, { d: 1e9 }),
          { k: 3, backend: 'reference' },
        ),
      ),
    ).toBe('BUFFER_LIMIT');
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  test('a dense source with a NaN or a short block is refused by onlineGmm', async () => {
    const x = new Float32Array(B.data);
    const nan = {
      ...denseSource(x, 60, 3),
      readRows: async (a: number, b: number) => ({ n: b - a, d: 3, data: x.slice(a * 3, b * 3).fill(Number.NaN, 0, 1) }),
    };
    const short = {
      ...denseSource(x, 60, 3),
      readRows: async (a: number, b: number) => ({ n: b - a, d: 3, data: x.slice(a * 3, b * 3 - 1) }),
    };
    expect(await code(onlineGmm(nan, { k: 3, seed: 1, backend: 'reference', covariance: 'diag' }))).toBe('NON_FINITE');
    expect(await code(onlineGmm(short, { k: 3, seed: 1, backend: 'reference', covariance: 'diag' }))).toBe('SHAPE_MISMATCH');
  });
});

describe('shard functions check what crosses a process boundary', () => {
  test('a CSR shard with a column ≥ d is refused, not scattered into the next row', async () => {
    const block = { n: 2, d: 3, indptr: new Uint32Array([0, 1, 2]), indices: new Uint32Array([3, 0]), values: new Float32Array([1, 2]) };
    const params = {
      centroids: [
        [0, 0, 0],
        [1, 1, 1],
      ],
    };
    expect(await code(shardStatistics(block, { model: 'kmeans', params, backend: 'reference' }))).toBe('SHAPE_MISMATCH');
    expect(await code(shardStatistics({ ...block, n: 1e9, d: 1e9 }, { model: 'kmeans', params, backend: 'reference' }))).toBe(
      'SHAPE_MISMATCH',
    );
  });

  test('sums of mismatched or corrupted statistics are refused; statistics through exact JSON sum to the same bits', async () => {
    const ds = { data: B.data.subarray(0, 60), n: 20, d: 3 };
    const params = {
      centroids: [
        [0, 0, 0],
        [5, 5, 5],
        [-5, -5, -5],
      ],
    };
    const s = (await shardStatistics(ds, { model: 'kmeans', params, backend: 'reference' })) as KMeansStatistics;
    expect(await code(() => sumStatistics([s, { ...s, sums: s.sums.slice(0, 4) }]))).toBe('SHAPE_MISMATCH');
    expect(await code(() => sumStatistics([s, { ...s, counts: [-5, 1, 1] }]))).toBe('SHAPE_MISMATCH');
    expect(await code(() => sumStatistics([s, { ...s, objective: Number.NaN }]))).toBe('SHAPE_MISMATCH');
    const twice = sumStatistics([s, s]);
    const viaJson = sumStatistics([s, fromExactJson<typeof s>(toExactJson(s))]);
    expect(viaJson.sums).toEqual(twice.sums);
    expect(twice.counts).toEqual(s.counts.map((c) => 2 * c));
  });

  test('finishGlobals and mStep refuse empty, NaN or negative inputs instead of returning NaN', async () => {
    const g = await shardGlobals({ data: B.data, n: 60, d: 3 }, { model: 'kmeans' });
    expect(await code(() => finishGlobals({ ...g, n: 0 }))).toBe('EMPTY_DATA');
    expect(await code(() => finishGlobals(g, { tol: Number.NaN }))).toBe('BAD_OPTION');
    expect(await code(() => finishGlobals(g, null as never))).toBe('BAD_OPTION');
    const fin = finishGlobals(g, { tol: 1e-4 }) as { tolScaled: number };
    expect(fin.tolScaled).toBeGreaterThan(0);
    const params = {
      centroids: [
        [0, 0, 0],
        [5, 5, 5],
        [-5, -5, -5],
      ],
    };
    const s = (await shardStatistics({ data: B.data, n: 60, d: 3 }, { model: 'kmeans', params, backend: 'reference' })) as KMeansStatistics;
    expect(await code(mStep('kmeans', s, params, { ...fin, iter: 0 }))).toBe('BAD_OPTION');
    expect(await code(mStep('kmeans', { ...s, counts: [0, -1, 61] }, params, fin))).toBe('SHAPE_MISMATCH');
    const nbBlock = csrSource(M);
    const blk = await nbBlock.readRows(0, 6);
    const ng = finishGlobals(await shardGlobals(blk, { model: 'nbmm' }));
    const nbParams = {
      weights: [0.5, 0.5],
      means: [
        [1, 1, 1, 1],
        [2, 2, 2, 2],
      ],
      dispersion: [1, 1, 1, 1],
      globals: ng as NbGlobals,
    };
    expect(await code(shardStatistics(blk, { model: 'nbmm', params: nbParams, backend: 'reference' }))).toBe('accepted');
    expect(
      await code(shardStatistics(blk, { model: 'nbmm', params: { ...nbParams, dispersion: [0, 1, 1, 1] }, backend: 'reference' })),
    ).toBe('BAD_OPTION');
    expect(
      await code(
        shardStatistics(blk, {
          model: 'nbmm',
          params: {
            ...nbParams,
            means: [
              [-1, 1, 1, 1],
              [2, 2, 2, 2],
            ],
          },
          backend: 'reference',
        }),
      ),
    ).toBe('BAD_OPTION');
  });

  test('exact JSON: cycles, BigInt and bad text are typed errors; "toString" stays a string', async () => {
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    expect(await code(() => toExactJson(cyc))).toBe('BAD_OPTION');
    expect(await code(() => toExactJson({ x: 1n }))).toBe('BAD_OPTION');
    expect(await code(() => fromExactJson('{a:1}'))).toBe('FILE_FORMAT');
    expect(await code(() => fromExactJson(5 as never))).toBe('BAD_OPTION');
    expect(fromExactJson('{"a":"toString","b":"constructor","c":"NaN"}')).toEqual({ a: 'toString', b: 'constructor', c: Number.NaN });
  });
});

describe('arguments of the view, the writers and the one-pass fits', () => {
  test('subsetSource refuses null options, a dense source, plain-array rows and unknown options', async () => {
    expect(await code(() => subsetSource(csrSource(M), null as never))).toBe('BAD_OPTION');
    expect(await code(() => subsetSource(denseSource(new Float32Array(6), 3, 2) as never, {}))).toBe('BAD_OPTION');
    expect(await code(() => subsetSource(csrSource(M), { rows: [0, 1] as never }))).toBe('BAD_OPTION');
    expect(await code(() => subsetSource(csrSource(M), { rowz: 1 } as never))).toBe('UNKNOWN_OPTION');
    const v = subsetSource(csrSource(M), { rows: new Uint32Array([1, 4]), cols: new Uint32Array([1, 2]) });
    const b = await v.readRows(0, 2);
    expect(Array.from(b.indices)).toEqual([0, 0]);
    expect(Array.from(b.values)).toEqual([4, 2]);
  });

  test('the writers answer a folder, a missing folder and null blocks with typed errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rob4-'));
    const genes = ['a', 'b', 'c', 'd'];
    expect(await code(writeH5adCsr(dir, { n: 6, d: 4, blocks: [M], genes }))).toBe('NOT_A_FILE');
    expect(await code(writeH5adCsr(join(dir, 'no', 'x.h5ad'), { n: 6, d: 4, blocks: [M], genes }))).toBe('NOT_A_FILE');
    expect(await code(writeH5adCsr(join(dir, 'c.h5ad'), { n: 6, d: 4, blocks: [M], genes, chunkEntries: 1e12 }))).toBe('BAD_OPTION');
    expect(await code(writeZarrCsr(join(dir, 'a.zarr'), { n: 6, d: 4, blocks: null as never, genes }))).toBe('BAD_OPTION');
    expect(await code(writeZarrCsr(join(dir, 'b.zarr'), { n: 6, d: 4, blocks: [null as never], genes }))).toBe('BAD_OPTION');
  });

  test('partialFit refuses negative counts in a state; one-pass fits of rows near 1e300 end in a typed error, not NaN centres', async () => {
    const x = new Float32Array(B.data);
    const st = await partialFit(null, { data: x.subarray(0, 48), n: 16, d: 3 }, { k: 3, seed: 1, backend: 'reference' });
    expect(await code(partialFit({ ...st, counts: [-1, 1, 1] }, { data: x.subarray(0, 48), n: 16, d: 3 }, { backend: 'reference' }))).toBe(
      'BAD_OPTION',
    );
    const big = Float32Array.from(B.data, (v, i) => (i < 3 ? 1e30 : v));
    expect(await code(miniBatchKMeans(denseSource(big, 60, 3), { k: 3, seed: 1, backend: 'cpu', batchSize: 16 }))).toBe('NON_FINITE');
  });
});

describe('emgpu worker and aborts of the one-pass fits', () => {
  function capture(): { deps: CliDeps; out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    const deps: CliDeps = {
      createEngine: () => Promise.reject(new Error('must not be called')),
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
    };
    return { deps, out, err };
  }

  test('a missing or folder --request and an unknown --backend are one error line (was a Node stack trace)', async () => {
    for (const [args, want] of [
      [['worker', '--request', '/nonexistent/request.json'], 1],
      [['worker', '--request', tmpdir()], 1],
      [['worker', '--backend', 'gpu9'], 2],
    ] as const) {
      const { deps, out, err } = capture();
      expect(await runCli([...args], deps)).toBe(want);
      expect(out).toEqual([]);
      expect(err.join('').trim().split('\n')).toHaveLength(1);
      expect(err.join('')).toMatch(/^error: emgpu worker: /);
    }
  });

  test("an abort from a timer stops miniBatchKMeans on 'reference' over a source within a batch (the loop now yields)", async () => {
    const x = new Float32Array(20000 * 8).map((_, i) => Math.sin(i));
    const ac = new AbortController();
    let fired = 0;
    setTimeout(() => {
      fired = performance.now();
      ac.abort();
    }, 50);
    const t0 = performance.now();
    const e = await miniBatchKMeans(denseSource(x, 20000, 8), {
      k: 8,
      seed: 1,
      backend: 'reference',
      batchSize: 256,
      maxIter: 500,
      tol: 0,
      maxNoImprovement: null,
      signal: ac.signal,
    }).catch((err: unknown) => err);
    expect((e as EmgpuError).code).toBe('ABORTED');
    expect(fired).toBeGreaterThan(0);
    expect(fired - t0).toBeLessThan(1000);
    expect(performance.now() - fired).toBeLessThan(500);
  });
});

describe('Zarr chunks that do not match their .zarray', () => {
  test('a float32 data chunk declared <f8, or emptied, is a FILE_FORMAT error, not other numbers', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { openZarrSource } = await import('../../src/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'rob4z-'));
    const genes = ['a', 'b', 'c', 'd'];
    const ok = join(dir, 'ok.zarr');
    await writeZarrCsr(ok, { n: 6, d: 4, blocks: [M], genes, chunkEntries: 4, level: 0 });
    const src = await openZarrSource(ok);
    const b = (await src.readRows(0, 6)) as CsrBlock;
    await src.close();
    expect(Array.from(b.values)).toEqual(Array.from(M.values));
    for (const [name, damage] of [
      [
        'dtype',
        (p: string) => writeFileSync(join(p, 'X/data/.zarray'), readFileSync(join(p, 'X/data/.zarray'), 'utf8').replace('<f4', '<f8')),
      ],
      ['empty', (p: string) => writeFileSync(join(p, 'X/data/0'), new Uint8Array(0))],
    ] as const) {
      const p = join(dir, `${name}.zarr`);
      const { cpSync } = await import('node:fs');
      cpSync(ok, p, { recursive: true });
      damage(p);
      const s = await openZarrSource(p);
      expect(await code(s.readRows(0, 6))).toBe('FILE_FORMAT');
      await s.close();
    }
  });
});
