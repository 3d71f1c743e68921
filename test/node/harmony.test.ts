/** Harmony (src/harmony) on the float64 reference: hand-solved pieces, a known shift recovered, determinism, errors; LISI by hand. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { harmony, lisi } from '../../src/index.js';
import { implementationFor } from '../../src/core/registry.js';
import type { HarmonyBackend, HarmonySetup } from '../../src/harmony/backend.js';
import { blockBounds, normaliseRows, runHarmony } from '../../src/harmony/fit.js';
import { resolveHarmony } from '../../src/harmony/options.js';
import { ridgeCoefficients } from '../../src/harmony/ridge.js';
import { segmentRows } from '../../src/backends/webgpu/harmony.js';
import { F64_RTOL, expectRelClose } from '../tolerance.js';
import { groupMean, norm, shiftedBatches } from '../shared/harmony-data.js';

/** Dense Gaussian elimination with partial pivoting (independent of ridge.ts's Cholesky). */
function gaussSolve(A: number[][], b: number[][]): number[][] {
  const m = A.length;
  const M = A.map((row, i) => [...row, ...b[i]]);
  for (let c = 0; c < m; c++) {
    let p = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < m; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let j = c; j < M[r].length; j++) M[r][j] -= f * M[c][j];
    }
  }
  return M.map((row, i) => row.slice(m).map((v) => v / M[i][i]));
}

describe('the ridge correction', () => {
  test('one cluster, two batches of 1-D values {0, 2} and {4, 6}, λ = 1: coefficients −4/3 and +4/3 (solved by hand)', () => {
    // Σ R z per batch, then O: batch a: 0 + 2 = 2 over 2 cells; batch b: 4 + 6 = 10 over 2 cells.
    const W = ridgeCoefficients(Float64Array.from([2, 2, 10, 2]), 1, 2, 1, 1);
    expectRelClose(W[0], -4 / 3, F64_RTOL, 'batch a');
    expectRelClose(W[1], 4 / 3, F64_RTOL, 'batch b');
  });

  test('equals the direct solve of the weighted normal equations with an unpenalised intercept (3 clusters, 3 batches, d = 4)', () => {
    const n = 30;
    const d = 4;
    const K = 3;
    const B = 3;
    const lambda = 0.7;
    const z = Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, f) => Math.sin(i * 1.3 + f * 0.7) * (1 + f)));
    const batch = Array.from({ length: n }, (_, i) => (i * 7) % B);
    const R = Array.from({ length: n }, (_, i) => {
      const w = Array.from({ length: K }, (_, k) => 1 + Math.cos(i + 2 * k) ** 2);
      const s = w.reduce((a, b) => a + b, 0);
      return w.map((v) => v / s);
    });
    const S = new Float64Array(K * B * (d + 1));
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < K; k++) {
        const row = (k * B + batch[i]) * (d + 1);
        for (let f = 0; f < d; f++) S[row + f] += R[i][k] * z[i][f];
        S[row + d] += R[i][k];
      }
    }
    const W = ridgeCoefficients(S, K, B, d, lambda);
    for (let k = 0; k < K; k++) {
      // Φ = [1; one-hot(batch)] per cell; A = Φ diag(R_k) Φᵀ + diag(0, λ, λ, λ); rhs = Φ diag(R_k) Z.
      const phi = (i: number) => [1, ...Array.from({ length: B }, (_, b) => (batch[i] === b ? 1 : 0))];
      const A = Array.from({ length: B + 1 }, (_, p) =>
        Array.from(
          { length: B + 1 },
          (_, q) => (p === q && p > 0 ? lambda : 0) + z.reduce((s, _, i) => s + R[i][k] * phi(i)[p] * phi(i)[q], 0),
        ),
      );
      const rhs = Array.from({ length: B + 1 }, (_, p) =>
        Array.from({ length: d }, (_, f) => z.reduce((s, zi, i) => s + R[i][k] * phi(i)[p] * zi[f], 0)),
      );
      const sol = gaussSolve(A, rhs);
      for (let b = 0; b < B; b++) for (let f = 0; f < d; f++) expect(W[(k * B + b) * d + f]).toBeCloseTo(sol[b + 1][f], 12);
    }
  });
});

describe('the block-wise assignment update', () => {
  test("one block of one cell: R ∝ exp(−dist/σ)·((E+1)/(O+1))^θ with O, E from the other cells' softmax assignments (formula by hand)", async () => {
    const z = Float64Array.from([1, 0.2, 0.9, -0.1, 0.1, 1, -0.2, 0.8, 0.7, 0.7]);
    const n = 5;
    const d = 2;
    const K = 2;
    const B = 2;
    const batch = Uint32Array.from([0, 1, 1, 0, 1]);
    const setup: HarmonySetup = {
      n,
      d,
      K,
      B,
      batch,
      sigma: Float64Array.from([0.3, 0.5]),
      theta: Float64Array.from([2, 1.5]),
      prB: Float64Array.from([2 / 5, 3 / 5]),
    };
    const Y = normaliseRows(Float64Array.from([1, 0.1, 0, 1]), K, d);
    const impl = implementationFor<HarmonyBackend>('harmony', 'reference');
    // By hand: softmax of −dist/σ for every cell, O of cells 1..4, then cell 0's new assignment.
    const zc = normaliseRows(z, n, d);
    const soft = Array.from({ length: n }, (_, i) => {
      const e = [0, 1].map((k) => Math.exp(-(2 * (1 - (Y[k * d] * zc[i * d] + Y[k * d + 1] * zc[i * d + 1]))) / setup.sigma[k]));
      return e.map((v) => v / (e[0] + e[1]));
    });
    const O = [0, 0, 0, 0];
    for (let i = 1; i < n; i++) for (let k = 0; k < K; k++) O[k * B + batch[i]] += soft[i][k];
    const b0 = batch[0];
    const raw = [0, 1].map((k) => {
      const E = setup.prB[b0] * (O[k * B] + O[k * B + 1]);
      return soft[0][k] * ((E + 1) / (O[k * B + b0] + 1)) ** setup.theta[b0];
    });
    const expected = raw.map((v) => v / (raw[0] + raw[1]));
    const got = await impl.open({ backend: 'reference', instance: null }, z, setup, async (s) => {
      await s.distances(Y);
      await s.softAssign();
      const Ofull = new Float64Array(K * B);
      for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) Ofull[k * B + batch[i]] += soft[i][k];
      // Block 1 = cell 0 alone, block 2 = cells 1..4 (reassigned after; compare cell 0 after block 1 only).
      await s.updateR(Uint32Array.from([0, 1, 2, 3, 4]), Uint32Array.from([0, 1]), Ofull);
      const { R } = await s.read({ R: true });
      return { R: R!, O: Ofull };
    });
    expect(got.R[0]).toBeCloseTo(expected[0], 12);
    expect(got.R[1]).toBeCloseTo(expected[1], 12);
    // The other cells keep their softmax assignments, and O is back to the column sums of R.
    expect(got.R[2]).toBeCloseTo(soft[1][0], 12);
    expect(got.O[0 * B + b0]).toBeCloseTo(O[0 * B + b0] + expected[0], 12);
  });

  test('blocks split the cells as numpy.array_split: 20 blocks of 103 cells are 6, 6, 6, then 5 each', () => {
    expect(Array.from(blockBounds(103, 0.05))).toEqual([0, 6, 12, 18, 23, 28, 33, 38, 43, 48, 53, 58, 63, 68, 73, 78, 83, 88, 93, 98, 103]);
    expect(Array.from(blockBounds(3, 0.05))).toEqual([0, 1, 2, 3]);
  });
});

test('WebGPU segments of the cell sums: 256 rows on small data; on a million cells, more rows so the partials stay within 64 MiB', () => {
  expect(segmentRows(300, 6 * 2 * 7)).toBe(256);
  const width = 100 * 2 * 51;
  const rows = segmentRows(1_000_000, width);
  expect(rows % 256).toBe(0);
  expect(rows).toBeGreaterThan(256);
  expect(Math.ceil(1_000_000 / rows) * width * 4).toBeLessThanOrEqual(64 * 1024 * 1024);
});

describe('harmony on a known shift', () => {
  const s = shiftedBatches(100, 10, 1);
  const X = { data: s.data, n: s.n, d: s.d };
  const shiftNorm = norm(s.shift);

  test('3 cell types × 2 batches, batch b moved by a vector of length 3: the per-type batch means meet within 0.1·|shift|, the shift is recovered, iLISI rises and cLISI stays 1', async () => {
    const r = await harmony(X, s.batch, { backend: 'reference', seed: 0 });
    expect(r.backend).toBe('reference');
    expect(r.batches).toEqual(['a', 'b']);
    expect(r.nClusters).toBe(20);
    expect(r.corrected).toBeInstanceOf(Float64Array);
    expect(r.objectives.length).toBe(r.iterations + 1);
    expect(r.converged).toBe(true);
    for (let t = 0; t < 3; t++) {
      const inType = (b: string) => (i: number) => s.type[i] === t && s.batch[i] === b;
      const before = norm(groupMean(s.data, s.n, s.d, inType('b')).map((v, f) => v - groupMean(s.data, s.n, s.d, inType('a'))[f]));
      const a = groupMean(r.corrected, s.n, s.d, inType('a'));
      const gap = groupMean(r.corrected, s.n, s.d, inType('b')).map((v, f) => v - a[f]);
      expect(before).toBeGreaterThan(0.9 * shiftNorm);
      expect(norm(gap)).toBeLessThan(0.1 * shiftNorm);
    }
    // Recovered shift: what Harmony moved batch b by, relative to batch a.
    const moved = (b: string) =>
      groupMean(
        s.data.map((v, j) => v - r.corrected[j]),
        s.n,
        s.d,
        (i) => s.batch[i] === b,
      );
    const ma = moved('a');
    const recovered = moved('b').map((v, f) => v - ma[f]);
    expect(norm(recovered.map((v, f) => v - s.shift[f]))).toBeLessThan(0.1 * shiftNorm);
    const mean = (x: Float64Array) => x.reduce((p, q) => p + q, 0) / x.length;
    const iBefore = mean(lisi(X, s.batch));
    const iAfter = mean(lisi({ ...X, data: r.corrected }, s.batch));
    expect(iBefore).toBeLessThan(1.5);
    expect(iAfter).toBeGreaterThan(1.8);
    expect(mean(lisi({ ...X, data: r.corrected }, Array.from(s.type)))).toBeLessThan(1.01);
  });

  test('the same seed gives the same bits; the R matrix comes back only when asked, rows summing to 1', async () => {
    const a = await harmony(X, s.batch, { backend: 'reference', seed: 5, maxIter: 2, returnR: true });
    const b = await harmony(X, s.batch, { backend: 'reference', seed: 5, maxIter: 2 });
    expect(Buffer.from(a.corrected.buffer).equals(Buffer.from(b.corrected.buffer))).toBe(true);
    expect(a.objectives).toEqual(b.objectives);
    expect(b.R).toBeUndefined();
    expect(a.R!.length).toBe(s.n * a.nClusters);
    for (let i = 0; i < s.n; i += 37) {
      let sum = 0;
      for (let k = 0; k < a.nClusters; k++) sum += a.R![i * a.nClusters + k];
      expect(sum).toBeCloseTo(1, 12);
    }
  });

  test('onProgress reports each outer iteration with its objective; an aborted signal stops the run with ABORTED', async () => {
    const seen: { iteration: number; objective: number }[] = [];
    const r = await harmony(X, s.batch, { backend: 'reference', seed: 2, maxIter: 3, epsilonHarmony: 0, onProgress: (p) => seen.push(p) });
    expect(r.iterations).toBe(3);
    expect(r.converged).toBe(false);
    expect(seen).toEqual([1, 2, 3].map((iteration) => ({ iteration, objective: r.objectives[iteration] })));
    const ac = new AbortController();
    const run = harmony(X, s.batch, { backend: 'reference', signal: ac.signal, onProgress: () => ac.abort() });
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
  });

  test("the 'cpu' backend runs the Harmony iterations on wasm's own kernels, with no fallback warning (test/node/harmony-wasm.test.ts compares them)", async () => {
    const r = await harmony(X, s.batch, { backend: 'cpu', seed: 0, maxIter: 1 });
    expect(r.backend).toBe('wasm');
    expect(r.corrected).toBeInstanceOf(Float32Array);
    expect(r.warnings.some((w) => w.includes('no Harmony kernels'))).toBe(false);
  });
});

describe('the whole algorithm against harmonypy', () => {
  test('from the same initial centroids and block order as harmonypy (fixture): the same objectives, clustering rounds, corrected PCs and R', async () => {
    const fx = JSON.parse(readFileSync(new URL('../fixtures/harmony/harmonypy.json', import.meta.url), 'utf8'));
    const { n, d, K } = fx as { n: number; d: number; K: number };
    const x = Float64Array.from(fx.x as number[]);
    const batch = Uint32Array.from(fx.batch as string[], (b) => (b === 'a' ? 0 : 1));
    const setup: HarmonySetup = {
      n,
      d,
      K,
      B: 2,
      batch,
      sigma: new Float64Array(K).fill(0.1),
      theta: new Float64Array(2).fill(2),
      prB: Float64Array.from([0.5, 0.5]),
    };
    const zc = normaliseRows(x, n, d);
    const centroids = new Float64Array(K * d);
    (fx.init as number[]).forEach((i, k) => centroids.set(zc.subarray(i * d, i * d + d), k * d));
    const r = resolveHarmony({ nClusters: K, returnR: true }, n);
    const impl = implementationFor<HarmonyBackend>('harmony', 'reference');
    const run = await runHarmony(impl, { backend: 'reference', instance: null }, x, setup, centroids, r, {
      blockOrder: (c, m) => Uint32Array.from({ length: m }, (_, i) => (i * fx.A + c * fx.C) % m),
    });
    expect(run.clusteringIterations).toEqual(fx.kmeansRounds);
    expect(run.objectives.length).toBe(fx.objectives.length);
    // harmonypy keeps E incrementally and inverts the ridge matrix; we derive E from O and use Cholesky:
    // only float64 round-off separates the two.
    run.objectives.forEach((o, i) => expectRelClose(o, fx.objectives[i], 1e-9, `objective ${i}`));
    fx.corrected.forEach((v: number, t: number) => expect(Math.abs(run.corrected[t] - v)).toBeLessThan(1e-9));
    fx.R.forEach((v: number, t: number) => expect(Math.abs(run.R![t] - v)).toBeLessThan(1e-9));
  });
});

describe('harmony refuses bad input with typed errors', () => {
  const X = [
    [1, 2],
    [2, 1],
    [3, 3],
    [0, 1],
  ];
  const cases: [string, () => Promise<unknown>, string][] = [
    ['batch of the wrong length', () => harmony(X, ['a', 'b', 'a']), 'SHAPE_MISMATCH'],
    ['one batch only', () => harmony(X, ['a', 'a', 'a', 'a']), 'BAD_OPTION'],
    ['NaN in the PCs', () => harmony([[1, Number.NaN], ...X.slice(1)], ['a', 'b', 'a', 'b']), 'NON_FINITE'],
    ['NaN as a batch label', () => harmony(X, ['a', Number.NaN, 'a', 'b']), 'NON_FINITE'],
    ['null as a batch label', () => harmony(X, ['a', null as unknown as string, 'a', 'b']), 'NON_NUMERIC'],
    ['an unknown option', () => harmony(X, ['a', 'b', 'a', 'b'], { thetaa: 2 } as never), 'UNKNOWN_OPTION'],
    ['negative theta', () => harmony(X, ['a', 'b', 'a', 'b'], { theta: -1 }), 'BAD_OPTION'],
    ['lambda 0', () => harmony(X, ['a', 'b', 'a', 'b'], { lambda: 0 }), 'BAD_OPTION'],
    ['more clusters than cells', () => harmony(X, ['a', 'b', 'a', 'b'], { nClusters: 5 }), 'BAD_OPTION'],
    ['blockSize 0', () => harmony(X, ['a', 'b', 'a', 'b'], { blockSize: 0 }), 'BAD_OPTION'],
    ['two theta values (one batch variable only)', () => harmony(X, ['a', 'b', 'a', 'b'], { theta: [1, 2] }), 'BAD_OPTION'],
    ['theta 1e300 (overflows the diversity penalty)', () => harmony(X, ['a', 'b', 'a', 'b'], { theta: 1e300, nClusters: 2 }), 'BAD_OPTION'],
    ['lambda 1e-300 (a singular ridge system)', () => harmony(X, ['a', 'b', 'a', 'b'], { lambda: 1e-300 }), 'BAD_OPTION'],
    ['blockSize 1e-9 (a billion blocks)', () => harmony(X, ['a', 'b', 'a', 'b'], { blockSize: 1e-9 }), 'BAD_OPTION'],
  ];
  for (const [what, run, code] of cases) {
    test(`${what} → ${code}`, async () => {
      await expect(run()).rejects.toMatchObject({ code });
    });
  }

  test('unknown option names are refused with the nearest known name', async () => {
    await expect(harmony(X, ['a', 'b', 'a', 'b'], { max_iter: 3 } as never)).rejects.toThrow(/maxIter/);
  });

  test('the theta bound is 300 / ln(n + 1) (186 for 4 cells), said in the message; theta at the bound gives finite PCs', async () => {
    await expect(harmony(X, ['a', 'b', 'a', 'b'], { theta: 187, nClusters: 2 })).rejects.toThrow(/\[0, 186\]/);
    const r = await harmony(X, ['a', 'b', 'a', 'b'], { theta: 186, nClusters: 2, backend: 'reference' });
    expect(Array.from(r.corrected).every(Number.isFinite)).toBe(true);
  });

  test('a ridge system that is singular in float64 is a typed OUT_OF_RANGE, not a RangeError', () => {
    // One cluster whose cells are all in batch a: the pivot of batch a is 5 + λ − 5²/5 = 0 at λ = 1e-300.
    expect(() => ridgeCoefficients(Float64Array.from([1, 5, 0, 0]), 1, 2, 1, 1e-300)).toThrow(
      expect.objectContaining({ code: 'OUT_OF_RANGE', message: expect.stringMatching(/larger lambda/) }),
    );
  });
});

describe('harmony honours an abort from a timer', () => {
  test('a 20 ms timer set after the first iteration aborts a long reference run within ~50 ms: the iterations yield to the event loop', async () => {
    const s = shiftedBatches(60, 6, 3);
    const ac = new AbortController();
    let fired = 0;
    const onProgress = (p: { iteration: number }) => {
      if (p.iteration === 1) {
        setTimeout(() => {
          fired = performance.now();
          ac.abort();
        }, 20);
      }
    };
    const opts = { backend: 'reference' as const, signal: ac.signal, onProgress, maxIter: 1000, epsilonHarmony: 0, epsilonCluster: 0 };
    await expect(harmony({ data: s.data, n: s.n, d: s.d }, s.batch, opts)).rejects.toMatchObject({ code: 'ABORTED' });
    expect(fired).toBeGreaterThan(0);
    expect(performance.now() - fired).toBeLessThan(150);
  });
});

describe('LISI', () => {
  test('six equidistant points labelled a,a,a,b,b,b: every neighbour weighs 1/5, so LISI = 1/((2/5)² + (3/5)²) = 25/13 (by hand)', () => {
    const eye = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => (i === j ? 1 : 0)));
    const l = lisi(eye, ['a', 'a', 'a', 'b', 'b', 'b'], { perplexity: 2 });
    for (const v of l) expectRelClose(v, 25 / 13, 1e-12, 'LISI');
  });

  test('two far-apart groups with one label each: LISI is 1 for every cell', () => {
    const rows = Array.from({ length: 40 }, (_, i) => [i < 20 ? 0 : 100, (i % 20) * 0.1]);
    const l = lisi(
      rows,
      rows.map((_, i) => (i < 20 ? 'x' : 'y')),
      { perplexity: 5 },
    );
    for (const v of l) expect(v).toBeCloseTo(1, 9);
  });

  test("equals harmonypy's compute_lisi (the lisi R package's algorithm) on 240 seeded points, two label columns, perplexity 30 and 10", () => {
    const fx = JSON.parse(readFileSync(new URL('../fixtures/harmony/lisi.json', import.meta.url), 'utf8'));
    const X = { data: fx.x as number[], n: fx.n as number, d: fx.d as number };
    for (const p of [30, 10]) {
      for (const col of ['batch', 'type'] as const) {
        const ours = lisi(X, fx[col], { perplexity: p });
        const theirs: number[] = fx[`perplexity${p}`][col];
        // Same neighbours, same bisection (tolerance 1e-5 on the entropy): only summation order differs.
        theirs.forEach((v, i) => expectRelClose(ours[i], v, 1e-9, `LISI ${col} p=${p} cell ${i}`));
      }
    }
  });

  test('data scaled by 1e300 (or 1e-300) give the same LISI as the data themselves, all finite', () => {
    const rows = Array.from({ length: 40 }, (_, i) => [Math.sin(i) * 3 + (i < 20 ? 0 : 4), Math.cos(i * 1.7)]);
    const labels = rows.map((_, i) => (i % 3 === 0 ? 'x' : 'y'));
    const base = lisi(rows, labels, { perplexity: 5 });
    expect(Array.from(base).every((v) => v >= 1 && v <= 2)).toBe(true);
    for (const c of [1e300, 1e-300]) {
      const big = lisi(
        rows.map((r) => r.map((v) => v * c)),
        labels,
        { perplexity: 5 },
      );
      big.forEach((v, i) => expectRelClose(v, base[i], 1e-4, `LISI ×${c} cell ${i}`));
    }
  });

  const E = [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
    [2, 2],
  ];
  const L = ['a', 'b', 'a', 'b', 'a'];
  const bad: [string, () => unknown, string | RegExp][] = [
    ['a misspelt option (with the right name suggested)', () => lisi(E, L, { perplexty: 2 } as never), /perplexity/],
    ['a number as the options', () => lisi(E, L, 5 as never), 'BAD_OPTION'],
    ['null as the options', () => lisi(E, L, null as never), 'BAD_OPTION'],
    ['perplexity 0.1 (an entropy below 0)', () => lisi(E, L, { perplexity: 0.1 }), /\(1, n − 1 = 4\)/],
    ['perplexity 1 (one neighbour)', () => lisi(E, L, { perplexity: 1 }), 'BAD_OPTION'],
    ['perplexity as many as the neighbours', () => lisi(E, L, { perplexity: 4 }), 'BAD_OPTION'],
    ['two rows', () => lisi(E.slice(0, 2), L.slice(0, 2), { perplexity: 1.5 }), 'EMPTY_DATA'],
  ];
  for (const [what, run, want] of bad) {
    test(`lisi refuses ${what} with a typed error`, () => {
      if (typeof want === 'string') expect(run).toThrow(expect.objectContaining({ code: want }));
      else {
        expect(run).toThrow(want);
        expect(run).toThrow(expect.objectContaining({ code: expect.any(String) }));
      }
    });
  }
});
