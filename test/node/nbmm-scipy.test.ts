/**
 * The CPU reference's log-probabilities against scipy.stats.nbinom.logpmf (test/fixtures/
 * nbmm_scipy.json, made by test/fixtures/make_nbmm_scipy.py): per-cell log p(x_i) and posterior
 * probabilities for a 3-component mixture with φ from 1e-6 (Poisson-like) to 50 and size factors
 * from 0.05 to 20. float64 against float64: F64_RTOL.
 */
import { test, expect } from 'vitest';
import fixture from '../fixtures/nbmm_scipy.json';
import { predictProba, scoreSamples, predict } from '../../src/index.js';
import { F64_RTOL, expectRelClose } from '../tolerance.js';

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
const model = { weights: f.weights, means: f.means, dispersion: f.phi, sizeFactorMode: 'given' as const };

test('per-cell log-likelihoods and posteriors equal scipy’s', async () => {
  const lp = await scoreSamples(model, f.counts, { sizeFactors: f.sizeFactors });
  lp.forEach((v, i) => expectRelClose(v, f.logp[i], F64_RTOL, `log p(x_${i})`));
  const pr = await predictProba(model, f.counts, { sizeFactors: f.sizeFactors });
  // Probabilities to F64_RTOL absolute: scipy's r·log p at r = 1e6 (φ = 1e-6) carries ~1e-10 of
  // cancellation in each component's log-probability, which shows up as ~1e-11 here.
  let worst = 0;
  pr.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - f.resp[i][j])))));
  expect(worst).toBeLessThanOrEqual(F64_RTOL);
  const labels = await predict(model, f.counts, { sizeFactors: f.sizeFactors });
  expect(labels).toEqual(f.resp.map((row) => row.indexOf(Math.max(...row))));
});
