/**
 * The classification BIC of a k-means partition (selectK's 'clbic', the k-means default): solved
 * by hand on two 2-D clusters, and the same k and criterion on the float64 reference backend and
 * the wasm backend (whose PCA and k-means are its own).
 */
import { describe, expect, test } from 'vitest';
import { classificationInformation, createEngine, DEFAULT_CRITERION, information, kmeans, makeBlobs, selectK } from '../../src/index.js';
import { F32_OBJ_RTOL, F64_RTOL } from '../tolerance.js';

describe('the classification BIC of a hard partition', () => {
  test("by hand: 1-D clusters {0, 2} and {10, 14} at their posterior modes under mclust's default prior", () => {
    const x = [0, 2, 10, 14];
    const labels = [0, 0, 1, 1];
    // Prior: μ = 6.5, κ = 0.01, ν = m + 2 = 3, Λ = var(x) / k^(2/m) = (131/3) / 4.
    const lambda = 131 / 3 / 4;
    const shrink = (0.01 * 2) / (0.01 + 2);
    // Σ_j = (Λ + W_j + shrink·(ȳ_j − μ)²) / (ν + n_j + m + 2): W = 2 and 8, (ȳ − μ)² = 5.5² for both.
    const sig = [(lambda + 2 + shrink * 30.25) / 8, (lambda + 8 + shrink * 30.25) / 8];
    const mean = [(2 * 1 + 0.01 * 6.5) / 2.01, (2 * 12 + 0.01 * 6.5) / 2.01];
    let want = 0;
    for (let j = 0; j < 2; j++) want += 2 * Math.log(0.5) - (Math.log(2 * Math.PI) + Math.log(sig[j]));
    x.forEach((v, i) => (want -= (0.5 * (v - mean[labels[i]]) ** 2) / sig[labels[i]]));
    const { logLikelihood, p } = classificationInformation(x, 4, 1, labels, 2);
    expect(logLikelihood).toBeCloseTo(want, 12);
    expect(p).toBe(2 + 2 + 1);
  });

  test('a weight of 2 is the row twice; a cluster with fewer rows than dimensions stays proper; bad labels are refused', () => {
    const x = [0, 0, 2, 2, 0, 2, 2, 0, 10, 10, 12, 12, 11, 10, 11, 12];
    const labels = [0, 0, 0, 0, 1, 1, 1, 1];
    const twice = classificationInformation([...x, ...x], 16, 2, [...labels, ...labels], 2);
    const weighted = classificationInformation(x, 8, 2, labels, 2, new Array(8).fill(2));
    expect(weighted.logLikelihood).toBeCloseTo(twice.logLikelihood, 10);
    expect(weighted.p).toBe(2 * 2 + 2 * 3 + 1);
    // One row in cluster 0 (2-D): its ML covariance is 0, its posterior mode is Λ / (ν + 1 + m + 2).
    expect(Number.isFinite(classificationInformation(x, 8, 2, [0, 1, 1, 1, 1, 1, 1, 1], 2).logLikelihood)).toBe(true);
    expect(() => classificationInformation(x, 8, 2, [0, 0, 0, 0, 1, 1, 1, 2], 2)).toThrow(/not a cluster in 0..1/);
    // No spread: the prior has no scale, so the criterion is not computed (mclust's NA) ...
    expect(classificationInformation([3, 3, 3, 3], 4, 1, [0, 0, 1, 1], 2).logLikelihood).toBeNaN();
  });

  test('on data where it is NaN at every k, the default falls back to the elbow and says so', async () => {
    const flat = { data: new Float64Array(40).fill(2), n: 20, d: 2 };
    const r = await selectK(flat, { backend: 'reference', model: 'kmeans', ks: [1, 2, 3] });
    expect(r.rows.every((row) => Number.isNaN(row.clbic))).toBe(true);
    expect(r.criterion).toBe('inertia');
    await expect(selectK(flat, { backend: 'reference', model: 'kmeans', ks: [1, 2, 3], criterion: 'clbic' })).rejects.toMatchObject({
      code: 'NON_FINITE',
    });
  });

  test('k-means defaults to it; on 24-D blobs the reference and wasm backends agree on the rows and choose the planted k', async () => {
    expect(DEFAULT_CRITERION.kmeans).toBe('clbic');
    // d = 24 > dims = 6: the criterion runs on the leading axes of the data (150 rows a cluster
    // carry 27 parameters each there; with all 24 axes, 324 each, the BIC's log n charge is too
    // heavy for so few rows, as for mclust's VVV).
    const b = makeBlobs(600, 24, 4, 21, { std: 1, spread: 12 });
    const X = { data: b.data, n: b.n, d: b.d };
    const ks = [2, 3, 4, 5, 6];
    const fit = { seed: 3, nInit: 3 };
    const opts = { model: 'kmeans' as const, ks, fit, clbic: { dims: 6 } };
    const ref = await selectK(X, { ...opts, engine: await createEngine({ backend: 'reference' }) });
    const cpu = await selectK(X, { ...opts, engine: await createEngine({ backend: 'wasm' }) });
    expect(ref.criterion).toBe('clbic');
    expect(ref.bestK).toBe(4);
    expect(cpu.bestK).toBe(4);
    for (let i = 0; i < ks.length; i++) {
      expect(Math.abs(cpu.rows[i].clbic! - ref.rows[i].clbic!)).toBeLessThanOrEqual(F32_OBJ_RTOL * Math.abs(ref.rows[i].clbic!));
    }
    const small = await selectK(X, { backend: 'reference', model: 'kmeans', ks: [4], fit, clbic: { dims: 24 } });
    const km = await kmeans(X, { ...fit, k: 4, backend: 'reference' });
    const c = classificationInformation(b.data, b.n, 24, km.labels, 4);
    const want = information(c.logLikelihood, c.p, b.n).bic;
    expect(Math.abs(small.rows[0].clbic! - want)).toBeLessThanOrEqual(F64_RTOL * Math.abs(want));
  });
});
