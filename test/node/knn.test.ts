/**
 * knn(data, { k, metric }): a hand-solved case with a tie; every backend against an independent
 * brute force here (all n − 1 float64 distances per row, fully sorted by (distance, index)) on data
 * with duplicate rows, near-ties and rows of zeros; 'wasm' gives the reference's bits on 1, 2 and 3
 * threads over several pool blocks; the refinement's certificate (knn-exact.ts) passes on ordinary
 * data and falls back to brute force where candidates tie; typed errors.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEngine, knn, type Engine, type KnnMetric, type KnnResult } from '../../src/index.js';
import { restartRng } from '../../src/core/rng.js';
import { toDataset } from '../../src/data.js';
import { prepareSearch } from '../../src/graph/knn-exact.js';
import { referenceKnn } from '../../src/backends/reference/knn.js';
import { wasmKnn } from '../../src/backends/wasm/knn.js';

/** A seeded standard normal stream (Box–Muller over the library's Philox). */
function normals(seed: number): { normal(): number } {
  const rng = restartRng(seed, 0);
  return { normal: () => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform()) };
}

/** The test's own oracle: every distance, sorted by (distance, index). */
function bruteForce(x: number[][], k: number, metric: KnnMetric): { indices: number[][]; distances: number[][] } {
  const n = x.length;
  const norm = x.map((r) => Math.sqrt(r.reduce((s, v) => s + v * v, 0)));
  const dist = (i: number, j: number): number => {
    if (metric === 'euclidean') return Math.sqrt(x[i].reduce((s, v, f) => s + (v - x[j][f]) ** 2, 0));
    if (norm[i] === 0 || norm[j] === 0) return 1;
    return Math.max(0, 1 - x[i].reduce((s, v, f) => s + v * x[j][f], 0) / (norm[i] * norm[j]));
  };
  const indices: number[][] = [];
  const distances: number[][] = [];
  for (let i = 0; i < n; i++) {
    const all = [...Array(n).keys()].filter((j) => j !== i).map((j) => ({ j, t: dist(i, j) }));
    all.sort((a, b) => a.t - b.t || a.j - b.j);
    indices.push(all.slice(0, k).map((e) => e.j));
    distances.push(all.slice(0, k).map((e) => Math.fround(e.t)));
  }
  return { indices, distances };
}

function rows(r: KnnResult, a: Int32Array | Float32Array): number[][] {
  return Array.from({ length: r.n }, (_, i) => Array.from(a.subarray(i * r.k, i * r.k + r.k)));
}

/** Clustered rows with duplicates, an exact tie pattern (integer grid) and, optionally, zero rows. */
function testData(n: number, d: number, seed: number, zeros = false): number[][] {
  const rng = normals(seed);
  const centres = Array.from({ length: 5 }, () => Array.from({ length: d }, () => 6 * rng.normal()));
  const x = Array.from({ length: n }, (_, i) => centres[i % 5].map((c) => c + rng.normal()));
  for (let i = 0; i < n; i += 17) x[i] = x[(i * 7 + 3) % n].slice(); // duplicates: ties at distance 0
  for (let i = 5; i < n; i += 23) x[i] = x[i].map((v) => Math.round(v)); // grid rows: equal distances
  if (zeros) for (let i = 2; i < n; i += 41) x[i] = x[i].map(() => 0);
  return x;
}

describe('knn on a hand-solved line', () => {
  // Points 0, 1, 3, 6, 10 on a line; row 2 (at 3) is 3 from both row 0 and row 3: the lower index wins.
  const x = [[0], [1], [3], [6], [10]];
  test.each(['reference', 'wasm'] as const)('gives the solved neighbours and distances on %s', async (backend) => {
    const r = await knn(x, { k: 2, backend });
    expect(r).toMatchObject({ n: 5, k: 2, metric: 'euclidean', backend });
    expect(rows(r, r.indices)).toEqual([
      [1, 2],
      [0, 2],
      [1, 0],
      [2, 4],
      [3, 2],
    ]);
    expect(rows(r, r.distances)).toEqual([
      [1, 3],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 7],
    ]);
  });
});

describe('knn against brute force', () => {
  let wasm1: Engine;
  let wasm2: Engine;
  let wasm3: Engine;
  beforeAll(async () => {
    [wasm1, wasm2, wasm3] = await Promise.all([1, 2, 3].map((threads) => createEngine({ backend: 'wasm', threads })));
  });
  afterAll(() => [wasm1, wasm2, wasm3].forEach((e) => e.destroy()));

  test.each([
    ['euclidean', 7],
    ['cosine', 5],
  ] as const)('reference and wasm equal the brute force exactly (%s, k = %i), ties and duplicates included', async (metric, k) => {
    const x = testData(400, 6, 11, metric === 'cosine');
    const want = bruteForce(x, k, metric);
    for (const engine of [undefined, wasm2]) {
      const r = engine ? await knn(x, { k, metric, engine }) : await knn(x, { k, metric, backend: 'reference' });
      expect(rows(r, r.indices)).toEqual(want.indices);
      expect(rows(r, r.distances)).toEqual(want.distances);
    }
  });

  test('rows float32 cannot tell apart are ranked by float64: the certificate fails and the row is searched again', async () => {
    // Row 0 at 0; rows 1..39 at 1 + (39 − j)·1e-12: one float32 value, but in float64 the higher
    // indices are nearer. Candidates by f32 would be rows 1..m (the tie to the lower index).
    const x = [[0], ...Array.from({ length: 39 }, (_, t) => [1 + (38 - t) * 1e-12])];
    const r = await knn(x, { k: 3, engine: wasm1 });
    expect(Array.from(r.indices.subarray(0, 3))).toEqual([39, 38, 37]);
    expect(rows(r, r.indices)).toEqual(bruteForce(x, 3, 'euclidean').indices);
  });

  test('the wasm kernel (early-abandoned distances) finds the float64 candidates: same rows but f32 near-ties, distances within d·ε₃₂', async () => {
    const n = 3000;
    const d = 12;
    const rng = normals(9);
    // 40 tight clusters far apart: most distances are abandoned after 8 features.
    const centres = Array.from({ length: 40 }, () => Array.from({ length: d }, () => 20 * rng.normal()));
    const data = new Float64Array(n * d).map((_, t) => centres[Math.floor(t / d) % 40][t % d] + rng.normal());
    const prep = prepareSearch(toDataset({ data, n, d }), 'euclidean', 20);
    const want = await referenceKnn.candidates(wasm2, prep.search, {});
    const got = await wasmKnn.candidates(wasm2, prep.search, {});
    let same = 0;
    let worst = 0;
    for (let t = 0; t < n * 20; t++) {
      if (got.indices[t] === want.indices[t]) same++;
      worst = Math.max(worst, Math.abs(got.sq[t] - want.sq[t]) / want.sq[t]);
    }
    expect(same).toBeGreaterThanOrEqual(0.995 * n * 20);
    expect(worst).toBeLessThan(1e-5);
  });

  test('k = n − 1 lists every other row', async () => {
    const x = testData(9, 3, 2);
    const r = await knn(x, { k: 8, backend: 'wasm' });
    expect(rows(r, r.indices)).toEqual(bruteForce(x, 8, 'euclidean').indices);
  });

  test('wasm gives the same bits on 1, 2 and 3 threads over many pool blocks, equal to the reference', async () => {
    // 1500 rows: six blocks of 256 queries; 50 features: the early exit, the 4-wide and the scalar tail.
    const rng = normals(5);
    const n = 1500;
    const d = 50;
    const data = new Float64Array(n * d).map((_, t) => (t % d < 10 ? 5 : 1) * rng.normal() + (Math.floor(t / d) % 7));
    const ref = await knn({ data, n, d }, { k: 15, backend: 'reference' });
    for (const engine of [wasm1, wasm2, wasm3]) {
      const r = await knn({ data, n, d }, { k: 15, engine });
      expect(r.indices).toEqual(ref.indices);
      expect(r.distances).toEqual(ref.distances);
    }
  });
});

describe('knn refuses bad input with typed errors', () => {
  test.each([
    [{ k: 5 }, 'K_TOO_LARGE'],
    [{ k: 0 }, 'BAD_OPTION'],
    [{ k: 1.5 }, 'BAD_OPTION'],
    [{ k: 2, metric: 'manhattan' }, 'BAD_OPTION'],
    [{ k: 2, nNeighbors: 3 }, 'UNKNOWN_OPTION'],
  ])('options %j → %s', async (options, code) => {
    await expect(knn([[0], [1], [2], [3], [4]], { backend: 'reference', ...(options as { k: number }) })).rejects.toMatchObject({ code });
  });

  test('an aborted signal stops the search with ABORTED', async () => {
    const c = new AbortController();
    c.abort('stop');
    await expect(knn([[0], [1], [2]], { k: 1, backend: 'wasm', signal: c.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  test('non-finite data and a missing k', async () => {
    await expect(knn([[0], [Number.NaN], [2]], { k: 1, backend: 'reference' })).rejects.toMatchObject({ code: 'NON_FINITE' });
    await expect(knn([[0], [1]], undefined as never)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(knn([[0]], { k: 1, backend: 'reference' })).rejects.toMatchObject({ code: 'K_TOO_LARGE' });
  });

  test('refuses euclidean distances beyond float32 and keeps cosine neighbours of huge or tiny data (N1)', async () => {
    const x = [
      [0, 0],
      [1, 0],
      [0, 2],
      [5, 5],
      [0.9, 0.1],
      [3, -1],
    ];
    const big = x.map((r) => r.map((v) => v * 1e200));
    await expect(knn(big, { k: 2, backend: 'cpu' })).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
    await expect(
      knn(
        x.map((r) => r.map((v) => v * 1e39)),
        { k: 2, backend: 'reference' },
      ),
    ).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
    const plain = await knn(x, { k: 2, metric: 'cosine', backend: 'reference' });
    for (const s of [1e200, 1e-200]) {
      const r = await knn(
        x.map((row) => row.map((v) => v * s)),
        { k: 2, metric: 'cosine', backend: 'cpu' },
      );
      expect(Array.from(r.indices)).toEqual(Array.from(plain.indices));
      for (let t = 0; t < r.distances.length; t++) expect(Math.abs(r.distances[t] - plain.distances[t])).toBeLessThan(1e-6);
    }
  });

  test('refuses metric: null instead of reading it as the default (D13)', async () => {
    await expect(knn([[0], [1], [2]], { k: 1, metric: null as never, backend: 'reference' })).rejects.toMatchObject({
      code: 'BAD_OPTION',
    });
  });

  test("the reference backend yields while it searches, so a timer's abort lands within ~50 ms (N11)", async () => {
    const rng = normals(3);
    const x = Array.from({ length: 2500 }, () => Array.from({ length: 20 }, () => rng.normal()));
    const engine = await createEngine({ backend: 'reference' });
    await knn(x.slice(0, 20), { k: 15, engine }); // compiled before the clock starts
    const ac = new AbortController();
    const run = knn(x, { k: 15, engine, signal: ac.signal });
    // Timed from when the timer is due: a blocked loop would also delay the timer's own callback.
    const due = performance.now() + 20;
    setTimeout(() => ac.abort(), 20);
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
    expect(performance.now() - due).toBeLessThan(50);
    engine.destroy();
  });
});
