/**
 * Backend-independent k-means tests: the node project runs them on the CPU reference, the gpu
 * project on WebGPU in headless Chromium. Expected values come from hand solutions and from
 * scikit-learn fixtures, never from the code under test. Tolerances: test/tolerance.ts.
 */
import { describe, test, expect } from 'vitest';
import type { Engine } from '../../src/index.js';
import fixtures from '../fixtures/sklearn_kmeans.json';
import kmeanspp from '../fixtures/sklearn_kmeanspp.json';
import { F32_OBJ_RTOL, F64_RTOL, SKLEARN_RTOL, dataScale, expectParamsClose, expectRelClose, expectNonIncreasing } from '../tolerance.js';
import { kmeans, predict, softKMeans, transform } from '../../src/index.js';

interface Case {
  name: string;
  n: number;
  d: number;
  k: number;
  tol: number;
  max_iter: number;
  init: number[][];
  labels_: number[];
  cluster_centers_: number[][];
  inertia_: number;
  n_iter_: number;
  transform_head: number[][];
  predict_head: number[];
  X: number[][];
}
const cases = (fixtures as unknown as { cases: Case[] }).cases;

export function kmeansSuite(name: string, getEngine: () => Promise<Engine>, float32: boolean): void {
  const objRtol = float32 ? F32_OBJ_RTOL : F64_RTOL;
  const paramAtol = float32 ? 1e-4 : 1e-9;
  const paramRtol = float32 ? 1e-5 : 1e-9;

  describe(`k-means on ${name}`, () => {
    test('a hand-solved 1-D case gives the solved labels, centroids, inertia and iterations', async () => {
      // x = 0, 1, 10, 11 from centroids 0 and 1:
      //  it 1: labels 0,1,1,1; inertia 0+0+81+100 = 181; centroids 0, 22/3
      //  it 2: labels 0,0,1,1; inertia 1 + (8/3)² + (11/3)² = 194/9; centroids 0.5, 10.5
      //  it 3: labels unchanged → converged; inertia 4 · 0.25 = 1.
      const engine = await getEngine();
      const r = await kmeans([[0], [1], [10], [11]], { k: 2, init: [[0], [1]], engine });
      expect(r.labels).toEqual([0, 0, 1, 1]);
      expectParamsClose(r.centroids, [[0.5], [10.5]], 1, undefined, paramAtol, paramRtol);
      expectRelClose(r.inertia, 1, objRtol, 'inertia');
      expect(r.nIter).toBe(3);
      expect(r.converged).toBe(true);
      expect(r.stopReason).toBe('labels');
      expect(r.history.map((h) => h.changed)).toEqual([4, 1, 0]);
      [181, 194 / 9, 1].forEach((v, i) => expectRelClose(r.history[i].objective, v, objRtol, `objective of iteration ${i + 1}`));
      expect(r.clusterSizes).toEqual([2, 2]);
    });

    test('a 2-D case with one sample per cluster (k = n) has zero inertia', async () => {
      const engine = await getEngine();
      const X = [
        [0, 0],
        [5, 0],
        [0, 5],
        [5, 5],
        [2, 9],
      ];
      const r = await kmeans(X, { k: 5, seed: 1, engine });
      expect(new Set(r.labels).size).toBe(5);
      expect(r.inertia).toBeLessThanOrEqual(1e-9);
      r.labels.forEach((l, i) => expectParamsClose([r.centroids[l]], [X[i]], 1, undefined, paramAtol, paramRtol));
    });

    test('k = 1 gives the column means and the total sum of squares', async () => {
      const engine = await getEngine();
      const X = [
        [1, 2, 3],
        [3, 2, 1],
        [2, 5, 2],
        [6, 3, 2],
      ];
      const r = await kmeans(X, { k: 1, engine });
      expectParamsClose(r.centroids, [[3, 3, 2]], 1, undefined, paramAtol, paramRtol);
      // Σ‖x − mean‖² = (4+1+1)+(0+1+1)+(1+4+0)+(9+0+0) = 22
      expectRelClose(r.inertia, 22, objRtol, 'inertia');
      expect(r.labels).toEqual([0, 0, 0, 0]);
    });

    for (const c of cases) {
      test(`agrees with scikit-learn on '${c.name}' (${c.n}×${c.d}, k=${c.k}) from the same initial centroids`, async () => {
        const engine = await getEngine();
        const r = await kmeans(c.X, { k: c.k, init: c.init, maxIter: c.max_iter, tol: c.tol, engine });
        // Same initial centroids in the same order: labels must match exactly, not just up to renaming.
        expect(r.labels).toEqual(c.labels_);
        expectRelClose(r.inertia, c.inertia_, float32 ? SKLEARN_RTOL : 1e-9, 'inertia');
        expect(r.nIter).toBe(c.n_iter_);
        expectParamsClose(r.centroids, c.cluster_centers_, dataScale(c.X.flat(), c.n, c.d), undefined, paramAtol, paramRtol);
        expectNonIncreasing(
          r.history.map((h) => h.objective),
          objRtol,
        );
        const head = c.X.slice(0, 5);
        expect(await predict(r, head, { engine })).toEqual(c.predict_head);
        const t = await transform(r, head, { engine });
        t.forEach((row, i) =>
          row.forEach((v, j) => expect(Math.abs(v - c.transform_head[i][j])).toBeLessThanOrEqual(1e-4 * (1 + c.transform_head[i][j]))),
        );
      });
    }

    test('an empty cluster is moved to the farthest sample, as scikit-learn does', async () => {
      const engine = await getEngine();
      const c = cases.find((x) => x.name === 'blobs_empty')!;
      const r = await kmeans(c.X, { k: c.k, init: c.init, engine });
      expect(r.labels).toEqual(c.labels_);
      expect(r.warnings.join(' ')).toMatch(/1 empty cluster\(s\) were relocated/);
      const rr = await kmeans(c.X, { k: c.k, init: c.init, emptyCluster: 'random', seed: 3, engine });
      expect(rr.clusterSizes.every((s) => s > 0)).toBe(true);
    });

    for (const pp of (kmeanspp as { cases: { name: string; k: number; n_init: number; inertia_: number }[] }).cases) {
      test(`k-means++ with 10 restarts reaches scikit-learn's best inertia on '${pp.name}'`, async () => {
        const engine = await getEngine();
        const c = cases.find((x) => x.name === pp.name)!;
        const r = await kmeans(c.X, { k: pp.k, nInit: pp.n_init, seed: 0, engine });
        expect(r.inertia).toBeLessThanOrEqual(pp.inertia_ * (1 + SKLEARN_RTOL));
        expect(r.restarts).toHaveLength(10);
        expect(r.inertia).toBe(Math.min(...r.restarts.map((x) => x.objective)));
        // k-means++ picks data points as seeds: every centroid of a 1-iteration fit is a sample.
        const one = await kmeans(c.X, { k: pp.k, maxIter: 1, seed: 5, engine });
        expect(one.history[0].objective).toBeGreaterThan(0);
      });
    }

    test('the same seed gives the same result twice and a different seed a different one', async () => {
      const engine = await getEngine();
      const c = cases.find((x) => x.name === 'digits')!;
      const a = await kmeans(c.X, { k: 10, seed: 11, init: 'random', nInit: 2, engine });
      const b = await kmeans(c.X, { k: 10, seed: 11, init: 'random', nInit: 2, engine });
      expect(b.labels).toEqual(a.labels);
      expect(b.centroids).toEqual(a.centroids);
      expect(b.inertia).toBe(a.inertia);
      expect(b.history).toEqual(a.history.map((h, i) => ({ ...h, elapsedMs: b.history[i].elapsedMs })));
      const other = await kmeans(c.X, { k: 10, seed: 12, init: 'random', nInit: 2, engine });
      expect(other.restarts.map((x) => x.objective)).not.toEqual(a.restarts.map((x) => x.objective));
    });

    test('onIteration sees every iteration of every restart, and an AbortSignal stops the fit', async () => {
      const engine = await getEngine();
      const c = cases.find((x) => x.name === 'blobs_d7')!;
      const seen: string[] = [];
      const r = await kmeans(c.X, { k: 5, nInit: 3, init: 'random', onIteration: (h) => seen.push(`${h.restart}:${h.iter}`), engine });
      expect(seen).toHaveLength(r.restarts.reduce((a, b) => a + b.nIter, 0));
      expect(seen[0]).toBe('0:1');
      const ctl = new AbortController();
      const p = kmeans(c.X, {
        k: 5,
        signal: ctl.signal,
        onIteration: (h) => {
          if (h.iter === 2) ctl.abort('test');
        },
        engine,
      });
      await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
    });

    test('non-convergence is reported in the result, not thrown', async () => {
      const engine = await getEngine();
      const c = cases.find((x) => x.name === 'digits')!;
      const r = await kmeans(c.X, { k: 10, init: c.init, maxIter: 3, engine });
      expect(r.converged).toBe(false);
      expect(r.stopReason).toBe('maxIter');
      expect(r.nIter).toBe(3);
      expect(r.warnings[0]).toMatch(/did not converge within maxIter=3.*Increase maxIter/);
    });

    test('results are plain data that survive JSON round trips', async () => {
      const engine = await getEngine();
      const r = await kmeans([[0], [1], [10], [11]], { k: 2, init: [[0], [1]], engine });
      expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    });

    test('the input arrays are never modified', async () => {
      const engine = await getEngine();
      const c = cases.find((x) => x.name === 'wine_unscaled')!;
      const flat = new Float64Array(c.X.flat());
      const before = flat.slice();
      const init = c.init.map((row) => row.slice());
      await kmeans({ data: flat, n: c.n, d: c.d }, { k: 3, init, engine });
      await softKMeans({ data: flat, n: c.n, d: c.d }, { k: 3, init, beta: 1e-4, engine });
      expect(flat).toEqual(before);
      expect(init).toEqual(c.init);
    });
  });

  describe(`soft k-means on ${name}`, () => {
    test('two symmetric points converge to ±a with a = tanh(2βa), solved by bisection', async () => {
      // x = −1, 1; centroids −a, a. r(−1 → −a) = σ(4βa), so the new centroid is −tanh(2βa).
      const engine = await getEngine();
      const beta = 1;
      let lo = 0.5;
      let hi = 1;
      for (let t = 0; t < 200; t++) {
        const mid = (lo + hi) / 2;
        if (Math.tanh(2 * beta * mid) > mid) lo = mid;
        else hi = mid;
      }
      const a = (lo + hi) / 2;
      const r = await softKMeans([[-1], [1]], { k: 2, beta, init: [[-1], [1]], tol: 1e-20, maxIter: 2000, engine });
      expect(Math.abs(r.centroids[0][0] + a)).toBeLessThan(float32 ? 1e-5 : 1e-9);
      expect(Math.abs(r.centroids[1][0] - a)).toBeLessThan(float32 ? 1e-5 : 1e-9);
      // Objective −(1/β) Σ_i log(e^{−β(1−a)²} + e^{−β(1+a)²}), both samples alike.
      const expected = (-2 / beta) * Math.log(Math.exp(-beta * (1 - a) ** 2) + Math.exp(-beta * (1 + a) ** 2));
      expectRelClose(r.objective, expected, float32 ? 1e-5 : 1e-9, 'objective');
      expect(r.labels).toEqual([0, 1]);
    });

    test('a large stiffness reproduces hard k-means, and the objective never rises', async () => {
      const engine = await getEngine();
      const c = cases.find((x) => x.name === 'iris')!;
      const hard = await kmeans(c.X, { k: 3, init: c.init, engine });
      const soft = await softKMeans(c.X, { k: 3, init: c.init, beta: 1e4, returnResponsibilities: true, engine });
      expect(soft.labels).toEqual(hard.labels);
      expectRelClose(soft.inertia, hard.inertia, objRtol, 'inertia');
      expectRelClose(soft.objective, hard.inertia, 1e-3, 'soft objective vs inertia');
      expectNonIncreasing(
        soft.history.map((h) => h.objective),
        objRtol,
      );
      expect(soft.responsibilities).toHaveLength(c.n * 3);
      const sums = Array.from({ length: c.n }, (_, i) => soft.responsibilities!.slice(i * 3, i * 3 + 3).reduce((x, y) => x + y, 0));
      sums.forEach((s) => expect(Math.abs(s - 1)).toBeLessThan(1e-5));
    });

    test('a soft fit on overlapping clusters decreases its objective monotonically', async () => {
      const engine = await getEngine();
      const c = cases.find((x) => x.name === 'blobs_d7')!;
      const r = await softKMeans(c.X, { k: 5, init: c.init, beta: 0.05, engine });
      expect(r.history.length).toBeGreaterThan(2);
      expectNonIncreasing(
        r.history.map((h) => h.objective),
        objRtol,
      );
      expect(r.objective).toBeLessThanOrEqual(r.history[r.history.length - 1].objective * (1 + objRtol));
    });
  });
}
