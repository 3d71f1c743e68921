/**
 * The 'wasm' backend against the float64 reference through the public API, on seeded blobs with
 * an offset (so the column-mean shift matters): same start, same iterations (tol 0). Labels must
 * agree wherever the reference's margin is large (two nearest centres, or two most likely
 * components, clearly apart); objectives and parameters within test/tolerance.ts's float32 policy.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createEngine,
  gaussianMixture,
  kmeans,
  predict,
  softKMeans,
  transform,
  type CovarianceType,
  type Engine,
} from '../../src/index.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { F32_OBJ_RTOL, F32_PROB_ATOL, dataScale, expectParamsClose, expectRelClose } from '../tolerance.js';

let wasm: Engine;
let ref: Engine;
beforeAll(async () => {
  wasm = await createEngine({ backend: 'wasm', threads: 2 });
  ref = await createEngine({ backend: 'reference' });
});
afterAll(() => wasm.destroy());

const flat = (v: unknown): number[] => (Array.isArray(v) ? (v as unknown[]).flatMap(flat) : [v as number]);

/** Rows whose two smallest values (distances) differ by more than rel·smallest + abs. */
function clearRows(table: number[][], rel: number, abs: number): number[] {
  const out: number[] = [];
  table.forEach((row, i) => {
    const s = [...row].sort((a, b) => a - b);
    if (s.length < 2 || s[1] - s[0] > rel * s[0] + abs) out.push(i);
  });
  return out;
}

function expectLabelsWhereClear(a: ArrayLike<number>, b: ArrayLike<number>, rows: number[], n: number, minClear = 0.9): void {
  // Most rows must be clear, or the comparison says little.
  expect(rows.length).toBeGreaterThanOrEqual(minClear * n);
  expect(rows.map((i) => a[i])).toEqual(rows.map((i) => b[i]));
}

describe("'wasm' k-means equals the reference", () => {
  const shapes: [n: number, d: number, k: number][] = [
    [6000, 7, 5],
    [900, 3, 4],
  ];
  for (const [n, d, k] of shapes) {
    const b = makeBlobs(n, d, k, 10 + d, { std: 1.5, spread: 4, offset: 50 });
    const X = { data: b.data, n, d };
    const scale = dataScale(b.data, n, d);

    test(`hard, n=${n}, d=${d}, k=${k}: objectives, centroids, labels, predict and transform`, async () => {
      const o = { k, seed: 5, maxIter: 12, tol: 0 };
      const w = await kmeans(X, { ...o, engine: wasm });
      const r = await kmeans(X, { ...o, engine: ref });
      expect(w.backend).toBe('wasm');
      expect(w.nIter).toBe(r.nIter);
      w.history.forEach((h, i) => expectRelClose(h.objective, r.history[i].objective, F32_OBJ_RTOL, `inertia ${i + 1}`));
      expectRelClose(w.inertia, r.inertia, F32_OBJ_RTOL, 'inertia');
      expectParamsClose(w.centroids, r.centroids, scale);
      const dist = await transform(r, X, { engine: ref });
      const clear = clearRows(dist, 1e-3, 1e-6);
      expectLabelsWhereClear(w.labels, r.labels, clear, n);
      const pw = await predict(r, X, { engine: wasm });
      expectLabelsWhereClear(pw, r.labels, clear, n);
      const tw = await transform(r, X, { engine: wasm });
      expectParamsClose(tw, dist, scale);
    });

    test(`soft, n=${n}, d=${d}, k=${k}: objectives, centres and labels`, async () => {
      const o = { k, seed: 5, beta: 0.4, maxIter: 12, tol: 0, returnResponsibilities: true };
      const w = await softKMeans(X, { ...o, engine: wasm });
      const r = await softKMeans(X, { ...o, engine: ref });
      expect(w.backend).toBe('wasm');
      expect(w.nIter).toBe(r.nIter);
      w.history.forEach((h, i) => expectRelClose(h.objective, r.history[i].objective, F32_OBJ_RTOL, `objective ${i + 1}`));
      expectRelClose(w.objective, r.objective, F32_OBJ_RTOL, 'objective');
      expectParamsClose(w.centroids, r.centroids, scale);
      const dist = await transform(r, X, { engine: ref });
      expectLabelsWhereClear(w.labels, r.labels, clearRows(dist, 1e-3, 1e-6), n);
    });
  }
});

describe("'wasm' Gaussian mixtures equal the reference", () => {
  const types: CovarianceType[] = ['full', 'tied', 'diag', 'spherical'];
  const shapes: [n: number, d: number, k: number][] = [
    [5000, 6, 4],
    [700, 13, 3],
  ];
  for (const [n, d, k] of shapes) {
    const b = makeBlobs(n, d, k, 40 + d, { std: 1.5, spread: 4, offset: 50 });
    const X = { data: b.data, n, d };
    const scale = dataScale(b.data, n, d);
    for (const covariance of types) {
      for (const init of ['random', 'kmeans', 'k-means++'] as const) {
        test(`n=${n}, d=${d}, k=${k}, ${covariance}, init ${init}: lower bounds, parameters, responsibilities, labels`, async () => {
          const o = { k, covariance, init, seed: 3, maxIter: 10, tol: 0 };
          const w = await gaussianMixture(X, { nInit: 1, ...o, engine: wasm });
          const r = await gaussianMixture(X, { nInit: 1, ...o, engine: ref });
          expect(w.backend).toBe('wasm');
          expect(w.nIter).toBe(r.nIter);
          w.history.forEach((h, i) => expectRelClose(h.objective, r.history[i].objective, F32_OBJ_RTOL, `lower bound ${i + 1}`));
          expectParamsClose(w.means, r.means, scale);
          expectParamsClose([flat(w.covariances)], [flat(r.covariances)], scale * scale);
          expectParamsClose([w.weights], [r.weights], 1);
          const pr = await r.predictProba(X);
          const pw = await w.predictProba(X);
          let worst = 0;
          pw.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - pr[i][j])))));
          expect(worst).toBeLessThanOrEqual(F32_PROB_ATOL);
          // Clear rows: the most likely component has probability above 0.51 (the runner-up at most 0.49).
          const clear = pr.map((row, i) => (Math.max(...row) > 0.51 ? i : -1)).filter((i) => i >= 0);
          // After 10 iterations from random responsibilities a tied fit may not have separated yet: no minimum there.
          expectLabelsWhereClear(w.labels, r.labels, clear, n, init === 'random' ? 0 : 0.9);
        });
      }
    }
  }
});
