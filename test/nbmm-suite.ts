/**
 * Backend-independent negative-binomial mixture tests: test/node/nbmm.test.ts runs them on the
 * float64 CPU reference, test/gpu/nbmm.test.ts on WebGPU in headless Chromium. Expected values come
 * from hand solutions, closed forms and simulation truth, never from the code under test.
 * Tolerances: test/tolerance.ts.
 */
import { describe, test, expect } from 'vitest';
import { adjustedRandIndex, type Engine } from '../src/index.js';
import { negativeBinomialMixture } from '../src/nbmm/api.js';
import {
  F32_OBJ_RTOL,
  F64_RTOL,
  F32_PARAM_ATOL,
  F32_PARAM_RTOL,
  expectRelClose,
  expectParamsClose,
  permutationBetween,
} from './tolerance.js';
import { simulateNbMixture, toCsr } from './nbmm-sim.js';

/** log NB(x; m, r = 2) = log[(x + 1)·(2/(2 + m))²·(m/(2 + m))^x]: with r = 2, Γ(x + 2)/(Γ(2)·x!) = x + 1. */
function logNbR2(x: number, m: number): number {
  return Math.log(x + 1) + 2 * Math.log(2 / (2 + m)) + x * Math.log(m / (2 + m));
}

function logSumExp(a: number[]): number {
  const m = Math.max(...a);
  return m + Math.log(a.reduce((s, v) => s + Math.exp(v - m), 0));
}

/** Log-likelihood never decreases along the recorded iterations (objective = total log-likelihood). */
export function expectNonDecreasing(values: number[], rtol: number): void {
  for (let t = 1; t < values.length; t++) {
    const slack = rtol * Math.abs(values[t - 1]);
    if (!(values[t] >= values[t - 1] - slack)) {
      throw new Error(`log-likelihood fell at iteration ${t + 1}: ${values[t - 1]} → ${values[t]} (slack ${slack.toExponential(3)})`);
    }
  }
}

export function nbmmSuite(name: string, getEngine: () => Promise<Engine>, float32: boolean): void {
  const objRtol = float32 ? F32_OBJ_RTOL : F64_RTOL;
  const paramAtol = float32 ? F32_PARAM_ATOL : 1e-9;
  const paramRtol = float32 ? F32_PARAM_RTOL : 1e-9;
  const probAtol = float32 ? 1e-4 : 1e-12;

  describe(`negative-binomial mixture on ${name}`, () => {
    test('a hand-solved EM step: 4 cells × 2 genes, φ = 0.5 fixed, no size factors', async () => {
      // Init labels 0,1,0,1 → μ₀ = means of cells 0 and 2, μ₁ = of cells 1 and 3, π = ½, ½.
      // With r = 1/φ = 2 the NB pmf is (x + 1)·(2/(2+m))²·(m/(2+m))^x, so everything below is
      // a few lines of arithmetic. E-step → log-likelihood and responsibilities; with all s = 1 the
      // weighted mean Σ w x / Σ w is the exact M-step for μ.
      const X = [
        [0, 3],
        [5, 1],
        [1, 2],
        [4, 0],
      ];
      const engine = await getEngine();
      const r = await negativeBinomialMixture(X, {
        nInit: 1,
        k: 2,
        dispersion: 0.5,
        sizeFactors: 'none',
        init: [0, 1, 0, 1],
        maxIter: 1,
        returnResponsibilities: true,
        engine,
      });
      const mu0 = [
        [0.5, 2.5],
        [4.5, 0.5],
      ];
      const logp = (mu: number[][], pi: number[]) =>
        X.map((x) => mu.map((m, j) => Math.log(pi[j]) + logNbR2(x[0], m[0]) + logNbR2(x[1], m[1])));
      const a0 = logp(mu0, [0.5, 0.5]);
      const ll0 = a0.reduce((s, row) => s + logSumExp(row), 0);
      const w = a0.map((row) => row.map((v) => Math.exp(v - logSumExp(row))));
      const N = [0, 1].map((j) => w.reduce((s, row) => s + row[j], 0));
      const mu1 = [0, 1].map((j) => [0, 1].map((g) => w.reduce((s, row, i) => s + row[j] * X[i][g], 0) / N[j]));
      const pi1 = N.map((v) => v / 4);
      const a1 = logp(mu1, pi1);
      const ll1 = a1.reduce((s, row) => s + logSumExp(row), 0);
      expect(r.nIter).toBe(1);
      expectRelClose(r.history[0].objective, ll0, objRtol, 'log-likelihood at the initial parameters');
      expectParamsClose(r.means, mu1, 1, undefined, paramAtol, paramRtol);
      r.weights.forEach((v, j) => expectRelClose(v, pi1[j], float32 ? 1e-5 : F64_RTOL, `weight ${j}`));
      expect(r.dispersion).toEqual([0.5, 0.5]);
      expectRelClose(r.logLikelihood, ll1, objRtol, 'log-likelihood after one step');
      expect(r.logLikelihood).toBeGreaterThanOrEqual(ll0);
      expectRelClose(r.lowerBound, ll1 / 4, objRtol, 'lower bound');
      const resp1 = a1.map((row) => row.map((v) => Math.exp(v - logSumExp(row))));
      r.responsibilities!.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - resp1[i][j])).toBeLessThanOrEqual(probAtol)));
      expect(r.labels).toEqual(resp1.map((row) => (row[1] > row[0] ? 1 : 0)));
      expect(r.sizeFactors).toEqual([1, 1, 1, 1]);
    });

    test('one component with per-gene dispersion: μ is the column mean and φ maximises the profile likelihood', async () => {
      // For k = 1 and s = 1 the joint MLE has μ = mean exactly; φ_g then maximises
      // Σ_i [Σ_{j<x_i} log(r + j) + r·log(r/(r + μ)) + x_i·log(μ/(r + μ))] over r = 1/φ, found here by
      // golden-section search in log r (no log Γ needed for integer counts).
      const sim = simulateNbMixture(300, 3, 1, 5, { phi: [0.1, 1], baseMean: [3, 10], sizeSpread: 0 });
      const engine = await getEngine();
      const r = await negativeBinomialMixture(
        { data: sim.counts, n: 300, d: 3 },
        { nInit: 1, k: 1, sizeFactors: 'none', tol: 0, maxIter: 30, engine },
      );
      for (let g = 0; g < 3; g++) {
        const xs = Array.from({ length: 300 }, (_, i) => sim.counts[i * 3 + g]);
        const mu = xs.reduce((a, b) => a + b, 0) / 300;
        expectRelClose(r.means[0][g], mu, float32 ? 1e-5 : F64_RTOL, `mean of gene ${g}`);
        const prof = (lr: number): number => {
          const rr = Math.exp(lr);
          return xs.reduce((s, x) => {
            let t = rr * Math.log(rr / (rr + mu)) + x * Math.log(mu / (rr + mu));
            for (let j = 0; j < x; j++) t += Math.log(rr + j);
            return s + t;
          }, 0);
        };
        let lo = Math.log(1e-3);
        let hi = Math.log(1e4);
        const phiG = (Math.sqrt(5) - 1) / 2;
        for (let it = 0; it < 120; it++) {
          const m1 = hi - phiG * (hi - lo);
          const m2 = lo + phiG * (hi - lo);
          if (prof(m1) < prof(m2)) lo = m1;
          else hi = m2;
        }
        const phiHat = Math.exp(-(lo + hi) / 2);
        expectRelClose(r.dispersion[g], phiHat, float32 ? 1e-3 : 1e-6, `dispersion of gene ${g}`);
      }
      expect(r.weights).toEqual([1]);
    });

    test('simulated NB mixture: labels recovered (ARI ≥ 0.95), means within 10 %, φ close', async () => {
      // 1500 cells, 3 components of 500, 60 genes each up 6-fold in one component, base means in
      // [4, 30], φ_g in [0.03, 0.15], log size factors N(0, 0.3²). With the true size factors given,
      // the standard error of μ̂ is about μ·sqrt((1/μ + φ)/500) ≤ 2.8 % of μ (μ ≥ 4), so 10 % is
      // ≥ 3.5 standard errors; the test also bounds the largest error in standard errors.
      const sim = simulateNbMixture(1500, 60, 3, 11, { baseMean: [4, 30], phi: [0.03, 0.15] });
      const engine = await getEngine();
      const X = { data: sim.counts, n: sim.n, d: sim.d };
      const lib = await negativeBinomialMixture(X, { nInit: 1, k: 3, seed: 1, engine });
      const ariLib = adjustedRandIndex(lib.labels, sim.truth);
      expect(ariLib).toBeGreaterThanOrEqual(0.95);
      const r = await negativeBinomialMixture(X, { nInit: 1, k: 3, seed: 1, sizeFactors: sim.s, engine });
      expect(adjustedRandIndex(r.labels, sim.truth)).toBeGreaterThanOrEqual(0.95);
      const perm = permutationBetween(r.labels, sim.truth, 3);
      let worstMean = 0;
      let worstZ = 0;
      r.means.forEach((row, j) =>
        row.forEach((v, g) => {
          const truth = sim.means[perm[j] * sim.d + g];
          const se = truth * Math.sqrt((1 / truth + sim.phi[g]) / r.clusterSizes[j]);
          worstZ = Math.max(worstZ, Math.abs(v - truth) / se);
          if (truth >= 1) worstMean = Math.max(worstMean, Math.abs(v - truth) / truth);
        }),
      );
      expect(worstMean).toBeLessThanOrEqual(0.1);
      expect(worstZ).toBeLessThanOrEqual(4.5);
      // φ_g from 1500 cells is much noisier than μ (relative standard error ~ sqrt(2/n)·(1 + 1/(μφ))):
      // the median relative error must be under 15 %, and none above 60 %.
      const phiErr = r.dispersion.map((v, g) => Math.abs(v - sim.phi[g]) / sim.phi[g]).sort((a, b) => a - b);
      expect(phiErr[Math.floor(phiErr.length / 2)]).toBeLessThanOrEqual(0.15);
      expect(phiErr[phiErr.length - 1]).toBeLessThanOrEqual(0.6);
      r.weights.forEach((v) => expect(Math.abs(v - 1 / 3)).toBeLessThan(0.02));
      console.log(
        `[${name}] simulated: ARI ${ariLib.toFixed(4)} (library size factors); with the true size factors: worst relative mean error ` +
          `${worstMean.toFixed(4)} (${worstZ.toFixed(2)} standard errors), φ relative error median ${phiErr[30].toFixed(3)} max ${phiErr[59].toFixed(3)}, ${r.nIter} iterations`,
      );
    });

    test("meanEstimator 'mle' solves the NB score equation; 'weighted' gives Σx/Σs; equal size factors make them one", async () => {
      // k = 1 (all responsibilities 1), φ fixed at 0.4, size factors spread over e^±1: the exact
      // M-step μ satisfies Σ_i (x_i − s_i μ)/(r + s_i μ) = 0 (checked by a direct sum over cells),
      // the weighted mean is Σ x_i / Σ s_i, and the exact one has the higher log-likelihood.
      const sim = simulateNbMixture(400, 4, 1, 12, { phi: 0.4, sizeSpread: 0.5 });
      const engine = await getEngine();
      const X = { data: sim.counts, n: 400, d: 4 };
      const o = { k: 1, dispersion: 0.4, sizeFactors: sim.s, tol: 0, maxIter: 3 };
      const mle = await negativeBinomialMixture(X, { nInit: 1, ...o, meanEstimator: 'mle', engine });
      const wm = await negativeBinomialMixture(X, { nInit: 1, ...o, meanEstimator: 'weighted', engine });
      const r = 1 / 0.4;
      const sumS = sim.s.reduce((a, b) => a + b, 0);
      for (let g = 0; g < 4; g++) {
        let score = 0;
        let size = 0;
        let sumX = 0;
        for (let i = 0; i < 400; i++) {
          const x = sim.counts[i * 4 + g];
          const m = sim.s[i] * mle.means[0][g];
          score += (x - m) / (r + m);
          size += (x + m) / (r + m);
          sumX += x;
        }
        expect(Math.abs(score) / size).toBeLessThanOrEqual(float32 ? 1e-5 : 1e-12);
        // With one component and fixed φ, every weighted-mean step is an improvement from the start.
        expectRelClose(wm.means[0][g], sumX / sumS, float32 ? 1e-5 : F64_RTOL, `weighted mean of gene ${g}`);
      }
      expect(mle.logLikelihood).toBeGreaterThan(wm.logLikelihood);
      expect(mle.meanEstimator).toBe('mle');
      const equalS = await negativeBinomialMixture(X, { nInit: 1, ...o, sizeFactors: 'none', meanEstimator: 'mle', engine });
      const equalW = await negativeBinomialMixture(X, { nInit: 1, ...o, sizeFactors: 'none', engine });
      expectParamsClose(equalS.means, equalW.means, 1, undefined, paramAtol, paramRtol);
    });

    test('shared dispersion recovers the common φ; a fixed φ stays fixed', async () => {
      const sim = simulateNbMixture(900, 30, 3, 4, { phi: 0.2 });
      const engine = await getEngine();
      const X = { data: sim.counts, n: sim.n, d: sim.d };
      const shared = await negativeBinomialMixture(X, { nInit: 1, k: 3, dispersion: 'shared', sizeFactors: sim.s, engine });
      expect(new Set(shared.dispersion).size).toBe(1);
      expect(Math.abs(shared.dispersion[0] - 0.2) / 0.2).toBeLessThan(0.1);
      expect(shared.dispersionMode).toBe('shared');
      const fixed = await negativeBinomialMixture(X, { nInit: 1, k: 3, dispersion: 0.3, engine });
      expect(fixed.dispersion).toEqual(new Array(30).fill(0.3));
      expect(fixed.dispersionMode).toBe('fixed');
      expect(adjustedRandIndex(fixed.labels, sim.truth)).toBeGreaterThanOrEqual(0.95);
    });

    test('the log-likelihood never decreases, on overlapping components from a random start', async () => {
      // Fold change 1.6 and strong overdispersion make the components overlap, so EM takes many
      // steps; every recorded log-likelihood must be ≥ the previous (float32: F32_OBJ_RTOL slack).
      const sim = simulateNbMixture(600, 20, 3, 8, { foldChange: 1.6, phi: [0.3, 1] });
      const engine = await getEngine();
      const X = { data: sim.counts, n: sim.n, d: sim.d };
      for (const [dispersion, meanEstimator] of [
        ['per-gene', 'weighted'],
        ['shared', 'weighted'],
        ['per-gene', 'mle'],
      ] as const) {
        const r = await negativeBinomialMixture(X, {
          k: 3,
          init: 'random',
          nInit: 1,
          seed: 3,
          tol: 0,
          maxIter: 40,
          dispersion,
          meanEstimator,
          engine,
        });
        expect(r.history.length).toBe(40);
        const ll = r.history.map((h) => h.objective);
        expect(ll[ll.length - 1] - ll[0]).toBeGreaterThan(0);
        expectNonDecreasing(ll, objRtol);
        expect(r.logLikelihood).toBeGreaterThanOrEqual(ll[ll.length - 1] - objRtol * Math.abs(ll[ll.length - 1]));
      }
    });

    test('dense and CSR inputs give the same fit', async () => {
      const sim = simulateNbMixture(400, 25, 2, 2);
      const engine = await getEngine();
      const dense = await negativeBinomialMixture({ data: sim.counts, n: sim.n, d: sim.d }, { nInit: 1, k: 2, seed: 2, engine });
      const rows = Array.from({ length: sim.n }, (_, i) => Array.from(sim.counts.subarray(i * sim.d, (i + 1) * sim.d)));
      const csr = await negativeBinomialMixture(toCsr(sim.counts, sim.n, sim.d), { nInit: 1, k: 2, seed: 2, engine });
      const nested = await negativeBinomialMixture(rows, { nInit: 1, k: 2, seed: 2, engine });
      for (const other of [csr, nested]) {
        expect(other.labels).toEqual(dense.labels);
        expect(other.means).toEqual(dense.means);
        expect(other.dispersion).toEqual(dense.dispersion);
        expect(other.logLikelihood).toBe(dense.logLikelihood);
      }
    });

    test('restarts keep the highest log-likelihood; same seed, same result', async () => {
      const sim = simulateNbMixture(300, 12, 3, 6, { foldChange: 2 });
      const engine = await getEngine();
      const X = { data: sim.counts, n: sim.n, d: sim.d };
      const a = await negativeBinomialMixture(X, { k: 3, init: 'random', nInit: 3, seed: 9, maxIter: 30, engine });
      expect(a.restarts).toHaveLength(3);
      expect(a.logLikelihood).toBe(Math.max(...a.restarts.map((x) => x.objective)));
      const b = await negativeBinomialMixture(X, { k: 3, init: 'random', nInit: 3, seed: 9, maxIter: 30, engine });
      expect(b.labels).toEqual(a.labels);
      expect(b.means).toEqual(a.means);
      expect(b.logLikelihood).toBe(a.logLikelihood);
    });

    test('results are plain data; responsibilities are rows summing to 1; onIteration and abort work', async () => {
      const sim = simulateNbMixture(200, 10, 2, 3);
      const engine = await getEngine();
      const X = { data: sim.counts, n: sim.n, d: sim.d };
      const seen: number[] = [];
      const r = await negativeBinomialMixture(X, {
        nInit: 1,
        k: 2,
        returnResponsibilities: true,
        onIteration: (h) => seen.push(h.iter),
        engine,
      });
      expect(JSON.parse(JSON.stringify(r))).toEqual(r);
      expect(r.model).toBe('nbmm');
      expect(seen).toHaveLength(r.nIter);
      expect(r.responsibilities).toHaveLength(200);
      r.responsibilities!.forEach((row) => expect(Math.abs(row[0] + row[1] - 1)).toBeLessThan(1e-5));
      expect(r.sizeFactors).toHaveLength(200);
      expect(r.sizeFactors.reduce((a, b) => a + b, 0) / 200).toBeCloseTo(1, 12);
      expect(r.clusterSizes.reduce((a, b) => a + b, 0)).toBe(200);
      const ctl = new AbortController();
      const p = negativeBinomialMixture(X, {
        nInit: 1,
        k: 2,
        tol: 0,
        maxIter: 50,
        signal: ctl.signal,
        onIteration: (h) => {
          if (h.iter === 2) ctl.abort('test');
        },
        engine,
      });
      await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
    });
  });
}
