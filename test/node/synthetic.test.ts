// Synthetic counts: the NB, Poisson and gamma samplers against their exact distributions
// (frequencies and means within SAMPLING_Z standard errors, test/tolerance.ts), and the NB-mixture
// sampler: valid CSR, seeded and chunk-independent, component shares and per-gene means as the
// parameters say, typed errors, and the shipped pbmc3k parameters recovered by the NB mixture.
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Rng } from '../../src/core/rng.js';
import { lgamma } from '../../src/nbmm/special.js';
import { sampleGamma, sampleNbMixture, sampleNegativeBinomial, samplePoisson, type NbMixtureParams } from '../../src/sc/synthetic.js';
import { InvalidInputError } from '../../src/errors.js';
import { createEngine, negativeBinomialMixture, adjustedRandIndex } from '../../src/index.js';
import { SAMPLING_Z } from '../tolerance.js';

/** Exact NB(mean m, dispersion φ) pmf (Poisson at φ = 0). */
function nbPmf(x: number, m: number, phi: number): number {
  if (phi === 0) return Math.exp(-m + x * Math.log(m) - lgamma(x + 1));
  const r = 1 / phi;
  return Math.exp(lgamma(x + r) - lgamma(r) - lgamma(x + 1) + r * Math.log(r / (r + m)) + x * Math.log(m / (r + m)));
}

/** Every bin with ≥ 200 expected draws, and the mean, within SAMPLING_Z standard errors. */
function expectDistribution(draws: Int32Array, pmf: (x: number) => number, mean: number, variance: number, what: string): void {
  const N = draws.length;
  const counts = new Map<number, number>();
  let sum = 0;
  for (const x of draws) {
    counts.set(x, (counts.get(x) ?? 0) + 1);
    sum += x;
  }
  const seSum = Math.sqrt(variance / N);
  expect(Math.abs(sum / N - mean), `${what}: mean ${sum / N} vs ${mean}`).toBeLessThanOrEqual(SAMPLING_Z * seSum);
  let checked = 0;
  for (let x = 0; x < 5000; x++) {
    const p = pmf(x);
    if (N * p < 200) {
      if (x > mean) break;
      continue;
    }
    const f = (counts.get(x) ?? 0) / N;
    const se = Math.sqrt((p * (1 - p)) / N);
    expect(Math.abs(f - p), `${what}: P(X=${x}) sampled ${f.toFixed(5)} vs exact ${p.toFixed(5)}`).toBeLessThanOrEqual(SAMPLING_Z * se);
    checked++;
  }
  expect(checked, `${what}: bins checked`).toBeGreaterThan(0);
}

describe('count samplers', () => {
  const N = 200_000;
  // Small means go by inversion, large ones by gamma–Poisson; φ = 0 is Poisson (inversion, then PTRS).
  test.each([
    [0.05, 0.5],
    [1.3, 0.2],
    [8, 2],
    [25, 0.05],
    [39, 1],
    [41, 0.3],
    [120, 0.1],
    [3, 0],
    [60, 0],
    [900, 0],
  ])('NB with mean %s and dispersion %s matches the exact pmf bin by bin', (m, phi) => {
    const rng = new Rng(11, 3);
    const draws = new Int32Array(N);
    for (let t = 0; t < N; t++) draws[t] = sampleNegativeBinomial(rng, m, phi);
    expectDistribution(draws, (x) => nbPmf(x, m, phi), m, m + phi * m * m, `NB(${m}, ${phi})`);
  });

  test('Poisson draws at λ = 15 and 400 (PTRS) match the exact pmf', () => {
    for (const lambda of [15, 400]) {
      const rng = new Rng(5, 0);
      const draws = new Int32Array(N);
      for (let t = 0; t < N; t++) draws[t] = samplePoisson(rng, lambda);
      expectDistribution(draws, (x) => nbPmf(x, lambda, 0), lambda, lambda, `Poisson(${lambda})`);
    }
  });

  test('gamma draws have the mean and variance of their shape, below and above 1', () => {
    for (const shape of [0.2, 1, 3.7]) {
      const rng = new Rng(9, 1);
      let s = 0,
        s2 = 0;
      for (let t = 0; t < N; t++) {
        const g = sampleGamma(rng, shape);
        expect(g).toBeGreaterThan(0);
        s += g;
        s2 += g * g;
      }
      const mean = s / N;
      // Var(mean) = shape/N; Var(x²) = E x⁴ − (E x²)² with E x^j = shape(shape+1)…(shape+j−1).
      expect(Math.abs(mean - shape)).toBeLessThanOrEqual(SAMPLING_Z * Math.sqrt(shape / N));
      const m2 = shape * (shape + 1);
      const m4 = m2 * (shape + 2) * (shape + 3);
      expect(Math.abs(s2 / N - m2)).toBeLessThanOrEqual(SAMPLING_Z * Math.sqrt((m4 - m2 * m2) / N));
    }
  });
});

const toy: NbMixtureParams = {
  weights: [0.5, 0.3, 0.2],
  means: [
    [0.1, 2, 30, 0, 5],
    [4, 0.2, 1, 0.5, 5],
    [0.01, 8, 0.3, 60, 5],
  ],
  dispersion: [0.3, 0.1, 1.5, 0.05, 0],
  genes: ['A', 'B', 'C', 'D', 'E'],
  library: { logMean: Math.log(1000), logSd: 0.4, libraryMean: 1000 },
};

describe('sampleNbMixture', () => {
  test('gives valid CSR whose component shares and per-gene totals follow the parameters', () => {
    const n = 60_000;
    const before = JSON.stringify(toy);
    const x = sampleNbMixture(toy, { n, seed: 3 });
    expect(JSON.stringify(toy)).toBe(before); // the caller's parameters are not touched
    expect([x.n, x.d, x.indptr[n], x.nnz, x.genes]).toEqual([n, 5, x.nnz, x.indices.length, toy.genes]);
    for (let i = 0; i < n; i++) {
      for (let t = x.indptr[i]; t < x.indptr[i + 1]; t++) {
        if (t > x.indptr[i] && !(x.indices[t] > x.indices[t - 1])) throw new Error(`row ${i}: columns not ascending`);
        if (!(x.values[t] >= 1 && Number.isInteger(x.values[t]))) throw new Error(`row ${i}: value ${x.values[t]}`);
      }
    }
    const share = [0, 0, 0];
    for (const c of x.component) share[c]++;
    toy.weights.forEach((w, c) => expect(Math.abs(share[c] / n - w)).toBeLessThanOrEqual(SAMPLING_Z * Math.sqrt((w * (1 - w)) / n)));
    // Σ_i∈c x_ig against Σ_i∈c s_i μ_cg, with Var = Σ (s μ + φ s² μ²).
    const total = Array.from({ length: 3 }, () => new Float64Array(5));
    const expected = Array.from({ length: 3 }, () => new Float64Array(5));
    const variance = Array.from({ length: 3 }, () => new Float64Array(5));
    for (let i = 0; i < n; i++) {
      const c = x.component[i],
        s = x.sizeFactors[i];
      for (let t = x.indptr[i]; t < x.indptr[i + 1]; t++) total[c][x.indices[t]] += x.values[t];
      for (let g = 0; g < 5; g++) {
        const m = s * toy.means[c][g];
        expected[c][g] += m;
        variance[c][g] += m + toy.dispersion[g] * m * m;
      }
    }
    for (let c = 0; c < 3; c++) {
      for (let g = 0; g < 5; g++) {
        expect(Math.abs(total[c][g] - expected[c][g]), `component ${c} gene ${g}`).toBeLessThanOrEqual(
          SAMPLING_Z * Math.sqrt(variance[c][g]) + 1e-9,
        );
      }
    }
    // Log-normal library sizes: mean of log(s·libraryMean) is logMean.
    let ls = 0;
    for (const s of x.sizeFactors) ls += Math.log(s * 1000);
    expect(Math.abs(ls / n - Math.log(1000))).toBeLessThanOrEqual((SAMPLING_Z * 0.4) / Math.sqrt(n));
  });

  test('same seed gives the same counts, and a cell does not depend on how many are drawn', () => {
    const a = sampleNbMixture(toy, { n: 500, seed: 7 });
    const b = sampleNbMixture(toy, { n: 500, seed: 7 });
    const prefix = sampleNbMixture(toy, { n: 200, seed: 7 });
    const other = sampleNbMixture(toy, { n: 500, seed: 8 });
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
    expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
    const cut = a.indptr[200];
    expect(Array.from(prefix.indptr)).toEqual(Array.from(a.indptr.subarray(0, 201)));
    expect(Array.from(prefix.values)).toEqual(Array.from(a.values.subarray(0, cut)));
    expect(Array.from(other.values.subarray(0, 50))).not.toEqual(Array.from(a.values.subarray(0, 50)));
    expect(a.cells[499]).toBe('synthetic-499');
    expect(a.obs!.component[0]).toBe(`component ${a.component[0]}`);
  });

  test('bad parameters and options are refused with the cause and the fix', () => {
    const bad =
      (p: Partial<NbMixtureParams>, o: { n: number; genes?: number } = { n: 10 }) =>
      () =>
        sampleNbMixture({ ...toy, ...p }, o);
    expect(bad({ means: toy.means.slice(0, 2) })).toThrow(InvalidInputError);
    expect(bad({ means: toy.means.slice(0, 2) })).toThrow(/one row of means per mixture component/);
    expect(bad({ means: [toy.means[0], toy.means[1], [1, 2]] })).toThrow(/should have 5 entries/);
    expect(bad({ dispersion: [0.3, NaN, 1, 1, 1] })).toThrow(expect.objectContaining({ code: 'NON_FINITE' }));
    expect(bad({ weights: [0, 0, 0] })).toThrow(/sum to 0/);
    expect(bad({}, { n: 0 })).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
    expect(bad({}, { n: 10, genes: 6 })).toThrow(/genes=6 should be an integer in \[1, 5\]/);
  });

  test('the shipped pbmc3k parameters sample cells that the NB mixture assigns back to their components', async () => {
    const params = JSON.parse(gunzipSync(readFileSync('data/pbmc3k/synthetic_nb.json.gz')).toString()) as NbMixtureParams & {
      fit: { k: number };
    };
    expect(params.weights).toHaveLength(8);
    expect(params.genes).toHaveLength(2000);
    expect(params.means.every((row) => row.length === 2000)).toBe(true);
    const x = sampleNbMixture(params, { n: 3000, genes: 200, seed: 1 });
    expect(x.genes.slice(0, 3)).toEqual(params.genes!.slice(0, 3));
    // The best any clustering can do: each cell's most probable component under the true
    // parameters; and the log-likelihood of the sample at the true parameters (with the true s_i).
    let trueLogLik = 0;
    const oracle = Array.from({ length: x.n }, (_, i) => {
      const row = new Float64Array(200);
      for (let t = x.indptr[i]; t < x.indptr[i + 1]; t++) row[x.indices[t]] = x.values[t];
      const ll = params.weights.map((w, c) => {
        let v = Math.log(w);
        for (let g = 0; g < 200; g++) v += Math.log(nbPmf(row[g], x.sizeFactors[i] * params.means[c][g], params.dispersion[g]));
        return v;
      });
      const top = Math.max(...ll);
      trueLogLik += top + Math.log(ll.reduce((a, v) => a + Math.exp(v - top), 0));
      return ll.indexOf(top);
    });
    const truth = Array.from(x.component);
    const oracleAri = adjustedRandIndex(oracle, truth);
    const engine = await createEngine({ backend: 'reference' });
    const fit = await negativeBinomialMixture(x, { engine, k: 8, seed: 0, nInit: 2 });
    const ari = adjustedRandIndex(fit.labels, truth);
    console.log(
      `pbmc3k-fitted synthetic cells (3000 × 200 genes): NB mixture ARI ${ari.toFixed(4)}, true-parameter classifier ${oracleAri.toFixed(4)}, against the sampled components; log-likelihood per cell: fit ${(fit.logLikelihood / x.n).toFixed(3)}, true parameters ${(trueLogLik / x.n).toFixed(3)}`,
    );
    expect(oracleAri).toBeGreaterThan(0.8);
    // The fit is a maximum-likelihood estimate on this sample: at least as likely as the truth (its
    // size factors are estimated, so allow 0.5 % of the per-cell log-likelihood), and it recovers
    // most of what the truth can: 8 × 200 means estimated from 3000 cells cost it some ARI.
    expect(fit.logLikelihood).toBeGreaterThan(trueLogLik * 1.005);
    expect(ari).toBeGreaterThan(oracleAri - 0.1);
  }, 120_000);
});
