import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, createEngine, csrSource, denseSource } from '../../src/index.js';
import { kmeans } from '../../src/kmeans/api.js';
import { Rng } from '../../src/core/rng.js';
import { miniBatchKMeans, partialFit } from '../../src/online/minibatch-api.js';
import { miniBatchStep } from '../../src/online/minibatch.js';
import { Convergence, reassignDue, updateCentres } from '../../src/online/minibatch-step.js';
import { kmeansBlockStats } from '../../src/online/block-stats.js';
import { F64_RTOL } from '../tolerance.js';

const fx = JSON.parse(readFileSync(new URL('../fixtures/online/sklearn_minibatch.json', import.meta.url), 'utf8'));
const blobsRaw = readFileSync(new URL('../fixtures/online/blobs.f32', import.meta.url));
const blobs = new Float32Array(blobsRaw.buffer, blobsRaw.byteOffset, blobsRaw.byteLength / 4);
const { n: bn, d: bd, k: bk } = fx.blobs;

const flat = (rows: number[][]): Float64Array => Float64Array.from(rows.flat());
const close = (a: ArrayLike<number>, b: ArrayLike<number>, rtol = F64_RTOL): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(b[i])));
};
const batchOf = (rows: number[]) => {
  const d = fx.X[0].length;
  return {
    n: rows.length,
    d,
    x: Float64Array.from(rows.flatMap((r) => fx.X[r])),
    w: Float64Array.from(rows, (r) => fx.sampleWeight[r]),
  };
};

describe('mini-batch k-means steps (scikit-learn 1.2 _mini_batch_step fixtures)', () => {
  it('six weighted steps from the same centres give scikit-learn centres, counts and batch inertias to 1e-9', async () => {
    const engine = await createEngine({ backend: 'reference' });
    const k = fx.centres0.length;
    const d = fx.X[0].length;
    const centres = flat(fx.centres0);
    const counts = new Float64Array(k);
    for (const [t, rows] of (fx.batches as number[][]).entries()) {
      const st = await kmeansBlockStats(engine, batchOf(rows), centres, k);
      updateCentres(centres, counts, st.sums, st.counts, d);
      close([st.objective], [fx.steps[t].inertia]);
      close(centres, flat(fx.steps[t].centres));
      close(counts, fx.steps[t].counts);
    }
  });

  it('reassigns the centre whose count is below ratio × max to a batch row and gives it the smallest other count', async () => {
    const engine = await createEngine({ backend: 'reference' });
    const r = fx.reassign;
    const k = r.centres.length;
    const d = fx.X[0].length;
    // Due: 10·k rows seen since the last reassignment.
    const core = { centres: flat(r.centres), counts: Float64Array.from(r.counts), nSinceReassign: 10 * k };
    const b = batchOf(r.batch);
    const out = await miniBatchStep(engine, core, b, k, b.n, r.ratio, new Rng(3));
    close([out.inertia], [r.inertia]);
    expect(out.reassigned).toEqual([3]);
    close(core.counts, r.countsAfter);
    close(core.centres.subarray(0, 3 * d), flat(r.centresAfter).subarray(0, 3 * d));
    const moved = Array.from(core.centres.subarray(3 * d));
    expect(r.batch.some((row: number) => fx.X[row].every((v: number, f: number) => v === moved[f]))).toBe(true);
  });

  it('the EWA inertia and both stopping rules follow _mini_batch_convergence step by step', () => {
    const c = fx.convergence;
    for (const [rule, tol, mni] of [
      ['noImprovement', 0, 3],
      ['tol', 0.05, 10],
    ] as const) {
      const conv = new Convergence(c.batchSize, c.nSamples, tol, mni);
      const want = c[rule] as { stop: boolean; ewa: number | null }[];
      for (const [i, w] of want.entries()) {
        const [inertia, diff] = c.sequence[i];
        expect(conv.check(i, tol > 0 ? diff : 0, inertia) !== false).toBe(w.stop);
        if (w.ewa === null) expect(conv.ewa).toBeNull();
        else close([conv.ewa!], [w.ewa]);
      }
      expect(want.at(-1)!.stop).toBe(true);
    }
  });

  it('reassignment falls due as _random_reassign: every 10·k rows, and at once when a centre has no weight', () => {
    const s = fx.schedule;
    const state = { nSinceReassign: 0 };
    const flags = s.flags.map((_: boolean, t: number) =>
      reassignDue(state, Float64Array.from(t === s.zeroAt ? [1, 0, 3, 4, 5] : [1, 2, 3, 4, 5]), s.batchSize),
    );
    expect(flags).toEqual(s.flags);
  });
});

describe('miniBatchKMeans end to end on 6000 × 8 blobs', () => {
  const data = { data: blobs, n: bn, d: bd };
  it('inertia is within 1 % of scikit-learn MiniBatchKMeans (mean of 5 seeds) and of full k-means, ARI to the truth > 0.99', async () => {
    const res = await miniBatchKMeans(data, { k: bk, batchSize: 256, seed: 1, backend: 'reference' });
    const sk = fx.blobs.mbkInertia.reduce((a: number, b: number) => a + b, 0) / fx.blobs.mbkInertia.length;
    expect(Math.abs(res.inertia / sk - 1)).toBeLessThan(0.01);
    expect(Math.abs(res.inertia / fx.blobs.kmeansInertia - 1)).toBeLessThan(0.01);
    expect(adjustedRandIndex(res.labels!, fx.blobs.labels)).toBeGreaterThan(0.99);
    // Early stopping by the EWA rule well before 100 passes.
    expect(res.stopReason).toBe('noImprovement');
    expect(res.nSteps).toBeLessThan(res.nIter * Math.ceil(bn / 256) + 1);
    const full = await kmeans(data, { k: bk, nInit: 3, seed: 0, backend: 'reference' });
    expect(res.inertia / full.inertia).toBeLessThan(1.01);
  });

  it('from a RowSource (shuffled chunks) the inertia is within 1 % of full k-means too, and a pass visits every chunk once', async () => {
    const seen: number[] = [];
    const src = denseSource(blobs, bn, bd);
    const read = src.readRows.bind(src);
    src.readRows = (a, b, sig) => {
      seen.push(a);
      return read(a, b, sig);
    };
    const res = await miniBatchKMeans(src, {
      k: bk,
      batchSize: 500,
      maxIter: 2,
      maxNoImprovement: null,
      computeLabels: true,
      seed: 2,
      backend: 'reference',
    });
    expect(Math.abs(res.inertia / fx.blobs.kmeansInertia - 1)).toBeLessThan(0.01);
    expect(res.nSteps).toBe(24);
    // After the init (validation + 3 candidates: 3 chunks each) the two passes read chunks 0..11 in two different orders.
    const passes = seen.slice(12, 36);
    expect([...passes.slice(0, 12)].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i * 500));
    expect([...passes.slice(12)].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i * 500));
    expect(passes.slice(0, 12)).not.toEqual(passes.slice(12));
  });

  it('a CSR source of the same rows gives the same bits as the dense source (blocks are densified)', async () => {
    const n = 1200;
    const x = blobs.subarray(0, n * bd);
    const indptr = new Uint32Array(n + 1);
    const indices: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < bd; f++) {
        if (x[i * bd + f] === 0) continue;
        indices.push(f);
        values.push(x[i * bd + f]);
      }
      indptr[i + 1] = indices.length;
    }
    const csr = csrSource({ n, d: bd, indptr, indices: Uint32Array.from(indices), values: Float32Array.from(values) });
    const o = { k: 4, batchSize: 100, maxIter: 2, seed: 3, backend: 'reference' as const };
    const a = await miniBatchKMeans(csr, o);
    const b = await miniBatchKMeans(denseSource(x, n, bd), o);
    expect(a.centroids).toEqual(b.centroids);
    expect(a.labels).toEqual(b.labels);
    expect(a.inertia).toBe(b.inertia);
  });

  it('the same seed gives the same bits; another seed another path', async () => {
    const o = { k: bk, batchSize: 128, maxIter: 1, computeLabels: false, backend: 'reference' as const };
    const a = await miniBatchKMeans(data, { ...o, seed: 5 });
    const b = await miniBatchKMeans(data, { ...o, seed: 5 });
    const c = await miniBatchKMeans(data, { ...o, seed: 6 });
    expect(a.centroids).toEqual(b.centroids);
    expect(a.history.map((h) => h.objective)).toEqual(b.history.map((h) => h.objective));
    expect(a.centroids).not.toEqual(c.centroids);
  });

  it('partialFit over the caller batches moves the centres as the steps do and its state round-trips through JSON', async () => {
    let st = await partialFit(null, fx.X.slice(0, 64), { k: 4, seed: 0, backend: 'reference', computeLabels: false });
    const start = st.centroids;
    for (let t = 1; t < 6; t++)
      st = JSON.parse(JSON.stringify(await partialFit(st, fx.X.slice(t * 32, t * 32 + 32), { backend: 'reference' })));
    expect(st.nSteps).toBe(6);
    expect(st.counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(64 + 5 * 32 - 1);
    expect(st.labels).toHaveLength(32);
    expect(st.centroids).not.toEqual(start);
  });
});

describe('miniBatchKMeans options', () => {
  const data = [
    [0, 0],
    [1, 1],
    [2, 2],
    [3, 3],
  ];
  it('refuses unknown names, bad values and k > n with typed errors', async () => {
    await expect(miniBatchKMeans(data, { k: 2, batch_size: 2 } as never)).rejects.toMatchObject({
      code: 'UNKNOWN_OPTION',
      message: expect.stringContaining("'batchSize'"),
    });
    await expect(miniBatchKMeans(data, { k: 2, batchSize: 0 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(miniBatchKMeans(data, { k: 2, reassignmentRatio: -1 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(miniBatchKMeans(data, { k: 9 })).rejects.toMatchObject({ code: 'K_TOO_LARGE' });
    await expect(miniBatchKMeans(data, { k: 2, init: 'kmeans' as never })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(partialFit(null, data, {})).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(miniBatchKMeans(data, { k: 2, signal: AbortSignal.abort(), backend: 'reference' })).rejects.toMatchObject({
      code: 'ABORTED',
    });
  });
});
