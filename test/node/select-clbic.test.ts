/**
 * The classification BIC of a k-means partition (selectK's 'clbic', the k-means default): solved
 * by hand on two 2-D clusters, and the same k and criterion on the float64 reference backend and
 * the wasm backend (whose PCA and k-means are its own).
 */
import { describe, expect, test } from 'vitest';
import { classificationInformation, createEngine, DEFAULT_CRITERION, information, kmeans, makeBlobs, selectK } from '../../src/index.js';
import { F32_OBJ_RTOL, F64_RTOL } from '../tolerance.js';

// Cluster A: the corners of a 2 × 2 square (mean (1, 1), covariance I, |Σ| = 1). Cluster B:
// deviations (−1,−1), (1,1), (0,−1), (0,1) from (11, 11): Sxx = 0.5, Syy = 1, Sxy = 0.5, |Σ| = 0.25.
const x = [0, 0, 2, 2, 0, 2, 2, 0, 10, 10, 12, 12, 11, 10, 11, 12];
const labels = [0, 0, 0, 0, 1, 1, 1, 1];

describe('the classification BIC of a hard partition', () => {
  test('by hand: a full covariance per cluster, with the scale-free ridge on the diagonal', () => {
    // Ridge: 1e-6 × the mean variance of the axes about the grand mean (6, 6): (206 + 208) / (8·2).
    const r = (1e-6 * 414) / 16;
    const detA = (1 + r) * (1 + r);
    const detB = (0.5 + r) * (1 + r) - 0.25;
    const term = (det: number) => 4 * Math.log(0.5) - 2 * (2 * Math.log(2 * Math.PI) + Math.log(det) + 2);
    const { logLikelihood, p } = classificationInformation(x, 8, 2, labels, 2);
    expect(logLikelihood).toBeCloseTo(term(detA) + term(detB), 10);
    expect(p).toBe(2 * 2 + 2 * 3 + 1);
    // Weight 2 on every row is the data twice over (the ridge, a mean variance, is unchanged).
    const twice = classificationInformation([...x, ...x], 16, 2, [...labels, ...labels], 2);
    const weighted = classificationInformation(x, 8, 2, labels, 2, new Array(8).fill(2));
    expect(weighted.logLikelihood).toBeCloseTo(twice.logLikelihood, 10);
    expect(twice.logLikelihood).toBeCloseTo(2 * (term(detA) + term(detB)), 8);
    // A cluster of m = 2 rows has no full-rank covariance: not computed (NaN), as mclust's NA.
    expect(classificationInformation(x, 8, 2, [0, 0, 1, 1, 1, 1, 1, 1], 2).logLikelihood).toBeNaN();
    expect(() => classificationInformation(x, 8, 2, [0, 0, 0, 0, 1, 1, 1, 2], 2)).toThrow(/not a cluster in 0..1/);
  });

  test('k-means defaults to it; on 30-D blobs the reference and wasm backends agree on the rows and choose the planted k', async () => {
    expect(DEFAULT_CRITERION.kmeans).toBe('clbic');
    // d = 30 > dims = 20: the criterion runs on each backend's own PCA of the data.
    const b = makeBlobs(500, 30, 4, 21, { std: 1, spread: 12 });
    const X = { data: b.data, n: b.n, d: b.d };
    const ks = [2, 3, 4, 5, 6, 7];
    const fit = { seed: 3, nInit: 3 };
    const ref = await selectK(X, { engine: await createEngine({ backend: 'reference' }), model: 'kmeans', ks, fit });
    const cpu = await selectK(X, { engine: await createEngine({ backend: 'wasm' }), model: 'kmeans', ks, fit });
    expect(ref.criterion).toBe('clbic');
    expect(ref.bestK).toBe(4);
    expect(cpu.bestK).toBe(4);
    for (let i = 0; i < ks.length; i++) {
      expect(Math.abs(cpu.rows[i].clbic! - ref.rows[i].clbic!)).toBeLessThanOrEqual(F32_OBJ_RTOL * Math.abs(ref.rows[i].clbic!));
    }
    // With d ≤ dims the rows are the data itself: the row is the helper's value on the kept fit's labels.
    const small = await selectK(X, { backend: 'reference', model: 'kmeans', ks: [4], fit, clbic: { dims: 30 } });
    const km = await kmeans(X, { ...fit, k: 4, backend: 'reference' });
    const c = classificationInformation(b.data, b.n, 30, km.labels, 4);
    const want = information(c.logLikelihood, c.p, b.n).bic;
    expect(Math.abs(small.rows[0].clbic! - want)).toBeLessThanOrEqual(F64_RTOL * Math.abs(want));
  });
});
