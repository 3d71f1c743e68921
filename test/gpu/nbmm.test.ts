/**
 * The negative-binomial mixture on WebGPU: the shared suite (test/nbmm-suite.ts), then the GPU
 * against the float64 CPU reference on seeded simulated counts, the E-step against scipy, and what
 * only the GPU path has: chunking, split dispatches, bounded readbacks. Tolerances: test/tolerance.ts.
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { createEngine, type Engine, type NegativeBinomialMixtureOptions } from '../../src/index.js';
import { negativeBinomialMixture } from '../../src/nbmm/api.js';
import { toCounts } from '../../src/nbmm/counts.js';
import { makeGrid } from '../../src/nbmm/grid.js';
import { gpuBackend } from '../../src/backends/webgpu/nbmm.js';
import { withGpu } from '../../src/gpu/session.js';
import { Rng } from '../../src/core/rng.js';
import { lgamma } from '../../src/nbmm/special.js';
import fixture from '../fixtures/nbmm_scipy.json';
import { nbmmSuite } from '../nbmm-suite.js';
import { simulateNbMixture, toCsr } from '../nbmm-sim.js';
import { F32_OBJ_RTOL, F32_PROB_ATOL, dataScale, expectParamsClose, expectRelClose, permutationBetween } from '../tolerance.js';

let shared: Promise<Engine> | null = null;
nbmmSuite('WebGPU (float32, headless Chromium)', () => (shared ??= createEngine({ backend: 'webgpu' })), true);

let gpu: Engine;
let cpu: Engine;
beforeAll(async () => {
  gpu = await createEngine({ backend: 'webgpu' });
  cpu = await createEngine({ backend: 'reference' });
  expect(gpu.backend).toBe('webgpu');
});

function randomLabels(n: number, k: number, seed: number): number[] {
  const rng = new Rng(seed, 3);
  return Array.from({ length: n }, () => rng.int(k));
}

/** GPU result equals the CPU one within the float32 policy (labels identical up to `perm`). */
function expectParity(
  g: Awaited<ReturnType<typeof negativeBinomialMixture>>,
  c: Awaited<ReturnType<typeof negativeBinomialMixture>>,
  counts: Float64Array,
  perm?: number[],
): void {
  const p = perm ?? permutationBetween(g.labels, c.labels, c.k);
  if (!perm) expect(g.labels).toEqual(c.labels);
  expectRelClose(g.logLikelihood, c.logLikelihood, F32_OBJ_RTOL, 'log-likelihood');
  expect(g.history.length).toBe(c.history.length);
  g.history.forEach((h, i) => expectRelClose(h.objective, c.history[i].objective, F32_OBJ_RTOL, `log-likelihood of iteration ${i + 1}`));
  expectParamsClose(g.means, c.means, dataScale(counts, c.n, c.d), p);
  expectParamsClose([g.dispersion], [c.dispersion], 1);
  expectParamsClose(
    g.weights.map((w) => [w]),
    c.weights.map((w) => [w]),
    1,
    p,
  );
}

const shapes: [n: number, d: number, k: number, opts: Partial<NegativeBinomialMixtureOptions>, note: string][] = [
  [1200, 40, 3, {}, 'library size factors, per-gene φ'],
  [800, 25, 2, { sizeFactors: 'none' }, 'no size factors: one grid node'],
  [1000, 50, 4, { dispersion: 'shared' }, 'shared φ'],
  [600, 30, 3, { dispersion: 0.2 }, 'fixed φ'],
  [400, 200, 2, {}, 'd = 200'],
  [900, 30, 3, { meanEstimator: 'mle' }, "meanEstimator 'mle'"],
];

describe('WebGPU negative-binomial mixture equals the CPU reference on seeded simulated counts', () => {
  for (const [n, d, k, opts, note] of shapes) {
    test(`n=${n}, d=${d}, k=${k} (${note}): same labels, log-likelihood path, means and dispersions within the float32 policy`, async () => {
      // Fold change 2.5 from random labels: EM has real work to do for all 12 iterations.
      const sim = simulateNbMixture(n, d, k, n + d + k, { foldChange: 2.5, sizeSpread: opts.sizeFactors === 'none' ? 0 : 0.3 });
      const X = { data: sim.counts, n, d };
      const o = { k, init: randomLabels(n, k, n), tol: 0, maxIter: 12, ...opts };
      const g = await negativeBinomialMixture(X, { nInit: 1, ...o, engine: gpu });
      const c = await negativeBinomialMixture(X, { nInit: 1, ...o, engine: cpu });
      expectParity(g, c, sim.counts);
      expect(g.backend).toBe('webgpu');
    });
  }

  test('default options (k-means start on each backend): the same partition up to renaming', async () => {
    const sim = simulateNbMixture(1500, 60, 3, 21);
    const X = { data: sim.counts, n: sim.n, d: sim.d };
    const g = await negativeBinomialMixture(X, { nInit: 1, k: 3, seed: 4, engine: gpu });
    const c = await negativeBinomialMixture(X, { nInit: 1, k: 3, seed: 4, engine: cpu });
    const perm = permutationBetween(g.labels, c.labels, 3);
    expectRelClose(g.logLikelihood, c.logLikelihood, F32_OBJ_RTOL, 'log-likelihood');
    expectParamsClose(g.means, c.means, dataScale(sim.counts, sim.n, sim.d), perm);
  });

  test('the E-step alone equals scipy’s log-probabilities and posteriors (size factors 0.05–20, φ 1e-6–50)', async () => {
    // Per cell, log p(x_i) is a sum of terms as large as log x_ig! (up to 2e4 here) that cancel to a
    // few tens, so float32 cannot get closer than ~ε₃₂ × their size: the bound is
    // 1e-6·(|log p(x_i)| + Σ_g log x_ig!). Those terms do not depend on the component, so posteriors
    // keep F32_PROB_ATOL, and the total log-likelihood F32_OBJ_RTOL (the policy for sums).
    const f = fixture as {
      n: number;
      d: number;
      k: number;
      counts: number[][];
      weights: number[];
      means: number[][];
      phi: number[];
      sizeFactors: number[];
      logp: number[];
      resp: number[][];
    };
    const c = toCounts(f.counts);
    const s = Float64Array.from(f.sizeFactors);
    const grid = makeGrid(s);
    const p = {
      k: f.k,
      d: f.d,
      weights: Float64Array.from(f.weights),
      means: Float64Array.from(f.means.flat()),
      phi: Float64Array.from(f.phi),
    };
    const ev = await withGpu(gpu, (runner, chunking) =>
      gpuBackend(runner, chunking, c, s, grid, f.k).evaluate(p, { resp: true, logProb: true }),
    );
    let worstLp = 0;
    let total = 0;
    f.logp.forEach((v, i) => {
      const terms = Math.abs(v) + f.counts[i].reduce((a, x) => a + lgamma(x + 1), 0);
      worstLp = Math.max(worstLp, Math.abs(ev.logProb![i] - v) / terms);
      total += v;
    });
    let worstResp = 0;
    f.resp.forEach((row, i) => row.forEach((v, j) => (worstResp = Math.max(worstResp, Math.abs(ev.resp![i * f.k + j] - v)))));
    console.log(
      `GPU E-step vs scipy (J = ${grid.J} grid nodes): max |Δ log p(x_i)| / (|log p| + Σ log x!) ${worstLp.toExponential(2)}, ` +
        `total log-likelihood relative ${(Math.abs(ev.loglik - total) / Math.abs(total)).toExponential(2)}, max |Δ posterior| ${worstResp.toExponential(2)}`,
    );
    expect(worstLp).toBeLessThanOrEqual(1e-6);
    expectRelClose(ev.loglik, total, F32_OBJ_RTOL, 'total log-likelihood');
    expect(worstResp).toBeLessThanOrEqual(F32_PROB_ATOL);
    expect(Array.from(ev.labels)).toEqual(f.resp.map((row) => row.indexOf(Math.max(...row))));
  });
});

describe('the chunked GPU path', () => {
  const sim = simulateNbMixture(1500, 40, 3, 77, { foldChange: 2.5 });
  const X = { data: sim.counts, n: sim.n, d: sim.d };
  const o = { k: 3, init: randomLabels(1500, 3, 5), tol: 0, maxIter: 10 };

  test('chunks of whole segments (256 rows) give the bits of one chunk: every statistic is an exact fixed-point sum', async () => {
    const chunked = await createEngine({ backend: 'webgpu', maxChunkRows: 300 });
    const whole = await negativeBinomialMixture(X, { nInit: 1, ...o, engine: gpu });
    const parts = await negativeBinomialMixture(X, { nInit: 1, ...o, engine: chunked });
    expect(whole.gpu!.chunks).toBe(1);
    expect(parts.gpu!.chunks).toBe(6);
    expect(parts.labels).toEqual(whole.labels);
    expect(parts.means).toEqual(whole.means);
    expect(parts.dispersion).toEqual(whole.dispersion);
    expect(parts.history.map((h) => h.objective)).toEqual(whole.history.map((h) => h.objective));
    expect(parts.logLikelihood).toBe(whole.logLikelihood);
    chunked.destroy();
  });

  test('tiny ragged chunks (37 rows) agree with the CPU reference', async () => {
    const tiny = await createEngine({ backend: 'webgpu', maxChunkRows: 37 });
    const g = await negativeBinomialMixture(X, { nInit: 1, ...o, engine: tiny });
    const c = await negativeBinomialMixture(X, { nInit: 1, ...o, engine: cpu });
    expect(g.gpu!.chunks).toBe(Math.ceil(1500 / 37));
    expectParity(g, c, sim.counts);
    tiny.destroy();
  });

  test("sample weights on tiny ragged chunks (37 rows): each chunk reads its own cells' weights; agrees with the weighted CPU reference", async () => {
    const tiny = await createEngine({ backend: 'webgpu', maxChunkRows: 37 });
    // Exact in float32; zeros and fractions in every chunk.
    const sampleWeight = Array.from({ length: 1500 }, (_, i) => (i % 11 === 4 ? 0 : 0.5 * (1 + (i % 4))));
    const g = await negativeBinomialMixture(X, { nInit: 1, ...o, sampleWeight, engine: tiny });
    const c = await negativeBinomialMixture(X, { nInit: 1, ...o, sampleWeight, engine: cpu });
    expect(g.gpu!.chunks).toBe(Math.ceil(1500 / 37));
    expectParity(g, c, sim.counts);
    tiny.destroy();
  });

  test('split dispatches (at most 8 workgroups per dimension; 24 to 54 needed) give the same bits', async () => {
    const split = await createEngine({ backend: 'webgpu', maxWorkgroupsPerDimension: 8 });
    const a = await negativeBinomialMixture(toCsr(sim.counts, sim.n, sim.d), { nInit: 1, ...o, engine: split });
    const ref = await negativeBinomialMixture(X, { nInit: 1, ...o, engine: gpu });
    expect(a.labels).toEqual(ref.labels);
    expect(a.means).toEqual(ref.means);
    expect(a.dispersion).toEqual(ref.dispersion);
    expect(a.logLikelihood).toBe(ref.logLikelihood);
    split.destroy();
  });
});

describe('GPU traffic per iteration', () => {
  test('with deviceMStep: false (the float64 host M-step) each iteration reads the counts once, reads back K·(J+2)+1 + D·K·(J+1) floats (O(k·d·J), independent of n) and issues 2 dispatches per chunk + 2', async () => {
    const sim = simulateNbMixture(1200, 30, 4, 3);
    const chunked = await createEngine({ backend: 'webgpu', maxChunkRows: 300 });
    for (const engine of [gpu, chunked]) {
      const r = await negativeBinomialMixture(
        { data: sim.counts, n: sim.n, d: sim.d },
        { k: 4, init: 'random', nInit: 1, seed: 1, maxIter: 4, tol: 0, deviceMStep: false, engine },
      );
      const J = makeGrid(r.sizeFactors).J;
      expect(r.gpu!.bytesReadPerIter).toBe((4 * (J + 2) + 1 + 30 * 4 * (J + 1)) * 4);
      expect(r.gpu!.dispatchesPerIter).toBe(2 * r.gpu!.chunks + 2);
      expect(r.gpu!.dataPassesPerIter).toBe(1);
    }
    chunked.destroy();
  });
});
