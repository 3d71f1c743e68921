/**
 * The negative-binomial mixture's one pass over the counts per EM iteration (shaders/nbmm/fused.wgsl,
 * rowstats.wgsl, stats_out.wgsl): the E-step's statistics against the float64 reference E-step at
 * the same parameters for d and k below, at and above the kernel's tile (64 cells per workgroup;
 * K·(J+1) shares per nonzero spread over its 64 threads), bit-identity of the exact fixed-point
 * sums across chunkings, then whole fits: the reference within the float32 policy, the same bits
 * across forced small chunks and repeated runs, and one pass over the data per iteration.
 * Tolerances: test/tolerance.ts.
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { negativeBinomialMixture } from '../../src/nbmm/api.js';
import { sizeFactors, toCounts, type Counts } from '../../src/nbmm/counts.js';
import { cellWeights, makeGrid, type SizeGrid } from '../../src/nbmm/grid.js';
import { paramsFromLabels, type NbParams, type NbStats } from '../../src/nbmm/model.js';
import { referenceNbSession } from '../../src/backends/reference/nbmm.js';
import { gpuBackend } from '../../src/backends/webgpu/nbmm.js';
import { withGpu } from '../../src/gpu/session.js';
import { Rng } from '../../src/core/rng.js';
import { simulateNbMixture, toCsr } from '../nbmm-sim.js';
import { F32_OBJ_RTOL, F32_PROB_ATOL, dataScale, expectParamsClose, expectRelClose, permutationBetween } from '../tolerance.js';

let gpu: Engine;
let cpu: Engine;
beforeAll(async () => {
  gpu = await createEngine({ backend: 'webgpu' });
  cpu = await createEngine({ backend: 'reference' });
});

function randomLabels(n: number, k: number, seed: number): number[] {
  const rng = new Rng(seed, 3);
  return Array.from({ length: n }, () => rng.int(k));
}

/** Exact in float32, zeros and fractions included. */
const weightsFor = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => (i % 9 === 2 ? 0 : 0.25 * (1 + (i % 5))));

/**
 * Bounds on Σ |share| of each statistic (responsibilities ≤ 1): a responsibility off by δ moves it
 * by at most δ times that bound, so F32_PROB_ATOL times it is the float32 policy for these sums.
 */
function bounds(c: Counts, s: Float64Array, grid: SizeGrid, w: Float64Array | null) {
  const J = grid.J;
  const gene = new Float64Array(c.d);
  const row = new Float64Array(J + 2);
  const ell = new Float64Array(J);
  for (let i = 0; i < c.n; i++) {
    cellWeights(grid, s[i], ell, 0);
    const wi = w ? w[i] : 1;
    const m = Math.max(1, ...Array.from(ell, Math.abs));
    for (let l = 0; l < J; l++) row[l] += wi * Math.abs(ell[l]);
    row[J] += wi;
    row[J + 1] += wi * s[i];
    for (let p = c.indptr[i]; p < c.indptr[i + 1]; p++) gene[c.indices[p]] += wi * c.values[p] * m;
  }
  return { gene, row };
}

async function gpuStats(engine: Engine, c: Counts, s: Float64Array, grid: SizeGrid, p: NbParams, w: Float64Array | null): Promise<NbStats> {
  return withGpu(engine, (runner, chunking) => gpuBackend(runner, chunking, c, s, grid, p.k, w).estep(p));
}

const cases: [n: number, d: number, k: number, weighted: boolean][] = [
  [150, 1, 1, false],
  [200, 3, 7, true],
  [130, 17, 7, false],
  [200, 17, 64, true],
  [120, 130, 3, false],
];

describe('the one-pass E-step equals the float64 reference E-step at the same parameters', () => {
  for (const [n, d, k, weighted] of cases) {
    test(`n=${n}, d=${d}, k=${k}${weighted ? ', sample weights' : ''}: log-likelihood within F32_OBJ_RTOL, every row and gene statistic within F32_PROB_ATOL of its bound; 7-row chunks give the same bits`, async () => {
      const sim = simulateNbMixture(n, d, Math.min(k, 4), n + d + k, { foldChange: 2.5, sizeSpread: 0.4 });
      const c = toCounts({ data: sim.counts, n, d });
      const w = weighted ? weightsFor(n) : null;
      const s = sizeFactors(c, undefined, undefined, w).s;
      const grid = makeGrid(s);
      const p = paramsFromLabels(c, s, randomLabels(n, k, 7), k, { kind: 'per-gene' }, w);
      const ref = await referenceNbSession(c, s, grid, w).estep(p);
      const got = await gpuStats(gpu, c, s, grid, p, w);
      const J = grid.J;
      const b = bounds(c, s, grid, w);
      expectRelClose(got.loglik, ref.loglik, F32_OBJ_RTOL, 'log-likelihood');
      let worst = 0;
      ref.rows.forEach((v, t) => {
        const e = Math.abs(got.rows[t] - v) / b.row[t % (J + 2)];
        worst = Math.max(worst, e);
        expect(e, `row statistic ${t}`).toBeLessThanOrEqual(F32_PROB_ATOL);
      });
      ref.genes.forEach((v, t) => {
        const g = Math.floor(t / (k * (J + 1)));
        const e = b.gene[g] > 0 ? Math.abs(got.genes[t] - v) / b.gene[g] : Math.abs(got.genes[t] - v);
        worst = Math.max(worst, e);
        expect(e, `gene statistic ${t} (gene ${g})`).toBeLessThanOrEqual(F32_PROB_ATOL);
      });
      console.log(`one pass n=${n} d=${d} k=${k} J=${J}: worst |Δ statistic| / bound ${worst.toExponential(2)}`);
      const tiny = await createEngine({ backend: 'webgpu', maxChunkRows: 7 });
      const chunked = await gpuStats(tiny, c, s, grid, p, w);
      tiny.destroy();
      expect(chunked.loglik).toBe(got.loglik);
      expect(Array.from(chunked.rows)).toEqual(Array.from(got.rows));
      expect(Array.from(chunked.genes)).toEqual(Array.from(got.genes));
    });
  }
});

type Fit = Awaited<ReturnType<typeof negativeBinomialMixture>>;

function expectSameBits(a: Fit, b: Fit): void {
  expect(a.labels).toEqual(b.labels);
  expect(a.means).toEqual(b.means);
  expect(a.dispersion).toEqual(b.dispersion);
  expect(a.weights).toEqual(b.weights);
  expect(a.history.map((h) => h.objective)).toEqual(b.history.map((h) => h.objective));
  expect(a.logLikelihood).toBe(b.logLikelihood);
}

describe('whole fits with one pass over the counts per iteration', () => {
  test('n=600, d=17, k=7, sample weights: the CPU reference within the float32 policy; chunks of 37, 64 and 65 rows and a repeated run give the same bits; one pass and (n + chunks)·4 + 8·nnz bytes of data per iteration', async () => {
    const n = 600;
    const d = 17;
    const k = 7;
    const sim = simulateNbMixture(n, d, k, 11, { foldChange: 4, sizeSpread: 0.3 });
    const X = toCsr(sim.counts, n, d);
    const sampleWeight = Array.from(weightsFor(n));
    const o = { k, init: sim.truth, nInit: 1, tol: 0, maxIter: 6, sampleWeight };
    const g = await negativeBinomialMixture(X, { ...o, engine: gpu });
    const c = await negativeBinomialMixture(X, { ...o, engine: cpu });
    const perm = permutationBetween(g.labels, c.labels, k);
    expect(g.labels).toEqual(c.labels);
    expectRelClose(g.logLikelihood, c.logLikelihood, F32_OBJ_RTOL, 'log-likelihood');
    g.history.forEach((h, i) => expectRelClose(h.objective, c.history[i].objective, F32_OBJ_RTOL, `log-likelihood of iteration ${i + 1}`));
    expectParamsClose(g.means, c.means, dataScale(sim.counts, n, d), perm);
    expectParamsClose([g.dispersion], [c.dispersion], 1);
    expect(g.gpu!.dataPassesPerIter).toBe(1);
    expect(g.gpu!.dataBytesPerIter).toBe((n + 1) * 4 + 8 * X.indices.length);
    expectSameBits(await negativeBinomialMixture(X, { ...o, engine: gpu }), g);
    for (const rows of [37, 64, 65]) {
      const chunked = await createEngine({ backend: 'webgpu', maxChunkRows: rows });
      const r = await negativeBinomialMixture(X, { ...o, engine: chunked });
      chunked.destroy();
      const chunks = Math.ceil(n / rows);
      expect(r.gpu!.chunks).toBe(chunks);
      expect(r.gpu!.dataPassesPerIter).toBe(1);
      expect(r.gpu!.dataBytesPerIter).toBe((n + chunks) * 4 + 8 * X.indices.length);
      expectSameBits(r, g);
    }
  });
});

describe('the pinned NB cases (test/shared/pinned-suite.ts), whose WebGPU bits the exact sums changed', () => {
  const nb = simulateNbMixture(120, 24, 3, 7);
  const dense = { data: Float64Array.from(nb.counts), n: nb.n, d: nb.d };
  const csr = toCsr(nb.counts, nb.n, nb.d);
  const cases: [string, () => [typeof dense | typeof csr, Parameters<typeof negativeBinomialMixture>[1]]][] = [
    ['nb mixture dense', () => [dense, { k: 3, seed: 1, maxIter: 15, nInit: 1 }]],
    ['nb mixture csr', () => [csr, { k: 3, seed: 1, maxIter: 15, init: 'random', nInit: 2 }]],
  ];
  for (const [name, make] of cases) {
    test(`'${name}' still equals the CPU reference within the float32 policy (same partition, log-likelihood, means, φ)`, async () => {
      const [X, o] = make();
      const g = await negativeBinomialMixture(X, { ...o, engine: gpu });
      const c = await negativeBinomialMixture(X, { ...o, engine: cpu });
      const perm = permutationBetween(g.labels, c.labels, 3);
      expectRelClose(g.logLikelihood, c.logLikelihood, F32_OBJ_RTOL, 'log-likelihood');
      expect(g.nIter).toBe(c.nIter);
      expectParamsClose(g.means, c.means, dataScale(nb.counts, nb.n, nb.d), perm);
      expectParamsClose([g.dispersion], [c.dispersion], 1);
    });
  }
});
