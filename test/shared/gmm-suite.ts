/**
 * Backend-independent Gaussian-mixture tests (CPU reference in the node project, WebGPU in the
 * gpu project): hand-solved cases, scikit-learn agreement from the same initial parameters,
 * monotone objectives, MAP priors. Tolerances: test/tolerance.ts.
 */
import { describe, test, expect } from 'vitest';
import type { Engine, GaussianMixtureResult, CovarianceType } from '../../src/index.js';
import fixtures from '../fixtures/sklearn_gmm.json';
import { F32_OBJ_RTOL, F64_RTOL, SKLEARN_LL_ATOL, dataScale, expectParamsClose, expectRelClose } from '../tolerance.js';
import { gaussianMixture } from '../../src/index.js';

interface GmmCase {
  name: string;
  covariance_type: CovarianceType;
  n: number;
  d: number;
  k: number;
  tol: number;
  reg_covar: number;
  max_iter: number;
  init: { weights: number[]; means: number[][]; covariances: unknown };
  weights_: number[];
  means_: number[][];
  covariances_: unknown;
  precisions_cholesky_: unknown;
  converged_: boolean;
  n_iter_: number;
  lower_bound_: number;
  lower_bounds: number[];
  labels: number[];
  score_samples: number[];
  score: number;
  bic: number;
  aic: number;
  predict_proba_head: number[][];
  X: number[][];
}
const cases = (fixtures as unknown as { cases: GmmCase[] }).cases;

const flat = (v: unknown): number[] => (Array.isArray(v) ? (v as unknown[]).flatMap(flat) : [v as number]);

/** Non-decreasing (higher is better) within a relative slack. */
export function expectNonDecreasing(values: number[], rtol: number): void {
  for (let t = 1; t < values.length; t++) {
    const slack = rtol * Math.abs(values[t - 1]);
    if (!(values[t] >= values[t - 1] - slack)) throw new Error(`objective fell at step ${t + 1}: ${values[t - 1]} → ${values[t]}`);
  }
}

export function gmmSuite(name: string, getEngine: () => Promise<Engine>, float32: boolean): void {
  const objRtol = float32 ? F32_OBJ_RTOL : F64_RTOL;
  const atol = float32 ? 1e-4 : 1e-9;
  const rtol = float32 ? 1e-5 : 1e-9;

  describe(`Gaussian mixtures on ${name}`, () => {
    test('one component on hand-solved 1-D data gives the sample mean, variance and log-likelihood', async () => {
      // x = 1, 2, 3, 6: mean 3, variance (4+1+0+9)/4 = 3.5 (+ regCovar 0);
      // Σ log N(x | 3, 3.5) = −2 log(2π·3.5) − 14/7 = −2 log(7π) − 2.
      const engine = await getEngine();
      for (const covariance of ['full', 'diag', 'spherical', 'tied'] as const) {
        const r = await gaussianMixture([[1], [2], [3], [6]], { nInit: 1, k: 1, covariance, regCovar: 0, engine });
        expectRelClose(r.means[0][0], 3, rtol, `${covariance} mean`);
        expectRelClose(flat(r.covariances)[0], 3.5, rtol, `${covariance} variance`);
        expectRelClose(r.logLikelihood, -2 * Math.log(7 * Math.PI) - 2, objRtol, `${covariance} log-likelihood`);
        expect(r.weights[0]).toBeCloseTo(1, 12);
        expect(r.labels).toEqual([0, 0, 0, 0]);
      }
    });

    test('two far-apart pairs: weights, means, variances and responsibilities solved by hand', async () => {
      // Pairs {0, 2} and {10, 12}: each component gets one pair exactly (responsibilities
      // underflow to 0/1), mean 1 and 11, variance 1 (+ regCovar), weights 1/2.
      const engine = await getEngine();
      const r = await gaussianMixture([[0], [2], [10], [12]], {
        nInit: 1,
        k: 2,
        covariance: 'diag',
        init: { weights: [0.5, 0.5], means: [[0], [12]], covariances: [[4], [4]] },
        regCovar: 0,
        engine,
      });
      expectParamsClose(r.means, [[1], [11]], 1, undefined, atol, rtol);
      expectParamsClose(r.covariances as number[][], [[1], [1]], 1, undefined, atol, rtol);
      expect(r.weights.map((w) => Number(w.toFixed(9)))).toEqual([0.5, 0.5]);
      // log p(x) = log(½ N(x|1,1)) for every point (the other component contributes < e^−40).
      const expected = 4 * (Math.log(0.5) - 0.5 * Math.log(2 * Math.PI) - 0.5);
      expectRelClose(r.logLikelihood, expected, objRtol, 'log-likelihood');
      const proba = await r.predictProba([[1], [11], [6]]);
      expect(proba[0][0]).toBeCloseTo(1, 6);
      expect(proba[1][1]).toBeCloseTo(1, 6);
      expect(proba[2][0]).toBeCloseTo(0.5, 5);
    });

    for (const c of cases) {
      test(`agrees with scikit-learn on '${c.name}' (${c.n}×${c.d}, k=${c.k}, ${c.covariance_type}) from the same initial parameters`, async () => {
        const engine = await getEngine();
        const r = await gaussianMixture(c.X, {
          nInit: 1,
          k: c.k,
          covariance: c.covariance_type,
          tol: c.tol,
          regCovar: c.reg_covar,
          maxIter: c.max_iter,
          init: c.init as never,
          engine,
        });
        expect(r.labels).toEqual(c.labels);
        expect(r.nIter).toBe(c.n_iter_);
        expect(r.converged).toBe(c.converged_);
        const llTol = float32 ? 1e-4 : SKLEARN_LL_ATOL;
        r.history.forEach((h, i) => expect(Math.abs(h.objective - c.lower_bounds[i])).toBeLessThanOrEqual(llTol));
        expect(Math.abs(r.lowerBound - c.lower_bound_)).toBeLessThanOrEqual(llTol);
        const scale = dataScale(c.X.flat(), c.n, c.d);
        expectParamsClose(r.means, c.means_, scale, undefined, atol, rtol);
        expectParamsClose([flat(r.covariances)], [flat(c.covariances_)], scale * scale, undefined, atol, rtol);
        expectParamsClose([r.weights], [c.weights_], 1, undefined, atol, rtol);
        expectNonDecreasing(
          r.history.map((h) => h.objective),
          objRtol,
        );
        const ss = await r.scoreSamples(c.X);
        ss.forEach((v, i) => expect(Math.abs(v - c.score_samples[i])).toBeLessThanOrEqual(1e-4));
        // BIC/AIC are −2·n·(mean log-likelihood) + penalty: the per-sample tolerance times 2n.
        expect(Math.abs((await r.bic(c.X)) - c.bic)).toBeLessThanOrEqual(2 * c.n * llTol);
        expect(Math.abs((await r.aic(c.X)) - c.aic)).toBeLessThanOrEqual(2 * c.n * llTol);
        const head = await r.predictProba(c.X.slice(0, 5));
        head.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - c.predict_proba_head[i][j])).toBeLessThanOrEqual(1e-4)));
        expect(await r.predict(c.X)).toEqual(c.labels);
      });
    }

    test('a collapsed component is regularised, reported with the fix, and never NaN', async () => {
      const engine = await getEngine();
      const c = cases.find((x) => x.name === 'degenerate' && x.covariance_type === 'full')!;
      const r = await gaussianMixture(c.X, { nInit: 1, k: c.k, covariance: 'full', init: c.init as never, engine });
      expect(flat(r.covariances).every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(r.logLikelihood)).toBe(true);
      expect(r.warnings.join(' ')).toMatch(
        /collapsed onto \(nearly\) a single point.*decrease the number of components, or increase regCovar/,
      );
    });

    test('every initialisation runs, restarts keep the best lower bound, and the same seed repeats exactly', async () => {
      const engine = await getEngine();
      const c = cases.find((x) => x.name === 'iris' && x.covariance_type === 'full')!;
      for (const init of ['kmeans', 'k-means++', 'random', 'random-from-data'] as const) {
        const r = await gaussianMixture(c.X, { k: 3, covariance: 'diag', init, seed: 1, nInit: 2, engine });
        expect(r.restarts).toHaveLength(2);
        expect(r.lowerBound).toBe(Math.max(...r.restarts.map((x) => x.objective)));
        expectNonDecreasing(
          r.history.map((h) => h.objective),
          objRtol,
        );
        const again = await gaussianMixture(c.X, { k: 3, covariance: 'diag', init, seed: 1, nInit: 2, engine });
        expect(again.means).toEqual(r.means);
        expect(again.labels).toEqual(r.labels);
      }
    });

    test('JSON keeps the parameters and drops the methods', async () => {
      const engine = await getEngine();
      const r: GaussianMixtureResult = await gaussianMixture([[1], [2], [3], [6]], { nInit: 1, k: 1, engine });
      const round = JSON.parse(JSON.stringify(r));
      expect(round.means).toEqual(r.means);
      expect(round.bic).toBeUndefined();
      expect(structuredClone(r).weights).toEqual(r.weights);
    });
  });

  describe(`MAP Gaussian mixtures on ${name}`, () => {
    const c = cases.find((x) => x.name === 'd5_k4_rr' && x.covariance_type === 'full')!;

    for (const covariance of ['full', 'diag', 'spherical', 'tied'] as const) {
      test(`the log-posterior never decreases with a Dirichlet and Normal-inverse-Wishart prior (${covariance})`, async () => {
        const engine = await getEngine();
        const r = await gaussianMixture(c.X, {
          nInit: 1,
          k: 4,
          covariance,
          init: 'random',
          seed: 3,
          maxIter: 60,
          tol: 1e-8,
          prior: { weightConcentration: 2, normal: true },
          engine,
        });
        expect(r.history.length).toBeGreaterThan(3);
        expectNonDecreasing(
          r.history.map((h) => h.objective),
          objRtol,
        );
        expect(r.logPosterior).toBeDefined();
        expect(r.logPosterior!).toBeLessThan(r.logLikelihood + 1e6);
      });
    }

    test('the MAP M-step matches the closed form on a hand-checkable 1-D case', async () => {
      // k = 1, x = 1, 2, 3, 6: n = 4, ȳ = 3, W = 14. Prior: κ = 1, μ_P = 0, ν = 3, Λ = 2.
      // μ = (4·3 + 0)/(4 + 1) = 2.4; Σ = (Λ + κn/(κ+n)(ȳ−μ_P)² + W)/(ν + n + d + 2) = (2 + 0.8·9 + 14)/10 = 2.32.
      const engine = await getEngine();
      const r = await gaussianMixture([[1], [2], [3], [6]], {
        nInit: 1,
        k: 1,
        covariance: 'full',
        regCovar: 0,
        maxIter: 1,
        prior: { normal: { shrinkage: 1, mean: [0], dof: 3, scale: [[2]] } },
        engine,
      });
      expectRelClose(r.means[0][0], 2.4, rtol, 'MAP mean');
      expectRelClose(flat(r.covariances)[0], 2.32, rtol, 'MAP variance');
    });

    test('a Dirichlet prior with α < 1 empties out and drops surplus components', async () => {
      const engine = await getEngine();
      const blobs = cases.find((x) => x.name === 'blobs_aniso' && x.covariance_type === 'diag')!;
      const r = await gaussianMixture(blobs.X, {
        nInit: 1,
        k: 8,
        covariance: 'diag',
        init: 'random',
        seed: 2,
        maxIter: 200,
        prior: { weightConcentration: 0.01 },
        engine,
      });
      expect(r.k).toBeLessThan(8);
      expect(r.dropped.length).toBe(8 - r.k);
      expect(r.weights).toHaveLength(r.k);
      expect(Math.max(...r.labels)).toBeLessThan(r.k);
      expect(r.warnings.join(' ')).toMatch(/Dirichlet prior \(α < 1\) emptied and dropped/);
    });

    test('α > 1 pulls the weights toward uniform', async () => {
      const engine = await getEngine();
      const init = { weights: [0.9, 0.1], means: [[0], [10]], covariances: [[1], [1]] };
      const X = [...Array.from({ length: 18 }, (_, i) => [(i % 3) - 1]), [9], [11]];
      const mle = await gaussianMixture(X, { nInit: 1, k: 2, covariance: 'diag', init, maxIter: 1, engine });
      const map = await gaussianMixture(X, {
        nInit: 1,
        k: 2,
        covariance: 'diag',
        init,
        maxIter: 1,
        prior: { weightConcentration: 11 },
        engine,
      });
      // MLE: 18/20, 2/20. MAP: (18 + 10)/(20 + 20) = 0.7, (2 + 10)/40 = 0.3.
      expectRelClose(mle.weights[0], 0.9, 1e-6, 'MLE weight');
      expectRelClose(map.weights[0], 0.7, 1e-6, 'MAP weight');
    });
  });
}
