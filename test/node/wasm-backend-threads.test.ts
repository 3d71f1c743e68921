/**
 * The 'wasm' backend through the public API: 1, 2 and 3 threads give identical result bits (fixed
 * row blocks, block-order reduction), the engine describes itself, bad thread counts are typed
 * errors, and an AbortSignal aborted from a timer during a long fit rejects within an iteration.
 */
import { describe, expect, test } from 'vitest';
import { createEngine, gaussianMixture, kmeans, predict, softKMeans, transform, type Engine } from '../../src/index.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { AbortError } from '../../src/errors.js';

async function withEngine<T>(threads: number, fn: (e: Engine) => Promise<T>): Promise<T> {
  const e = await createEngine({ backend: 'wasm', threads });
  try {
    return await fn(e);
  } finally {
    e.destroy();
  }
}

/** Everything a result holds, minus wall-clock timings and the engine's description (which names the thread count). */
function bits(r: object): string {
  return JSON.stringify(r, (key, v) => (/ms|Ms|timing|elapsed|^adapter$/i.test(key) ? undefined : v));
}

describe("'wasm' engine", () => {
  test('reports its name, SIMD and the thread count; the caller chooses threads', async () => {
    await withEngine(2, async (e) => {
      expect(e.backend).toBe('wasm');
      expect(e.adapter).toMatch(/WebAssembly SIMD128, 2 threads/);
    });
    await withEngine(1, async (e) => expect(e.adapter).toMatch(/1 thread\b/));
    await expect(createEngine({ backend: 'wasm', threads: 0 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
  });

  test('1, 2 and 3 threads give identical bits for k-means, soft k-means and every GMM covariance type', async () => {
    // 3 blocks of 4096 rows, the last partial; weights and k-means++ seeding included.
    const n = 10000;
    const d = 7;
    const b = makeBlobs(n, d, 5, 8, { std: 2, spread: 3, offset: 20 });
    const X = { data: b.data, n, d };
    const sampleWeight = Array.from({ length: n }, (_, i) => 1 + (i % 3) * 0.25);
    const run = (threads: number) =>
      withEngine(threads, async (engine) => {
        const km = await kmeans(X, { k: 5, seed: 2, nInit: 2, sampleWeight, engine });
        const out: string[] = [
          bits(km),
          bits(await softKMeans(X, { k: 5, seed: 2, beta: 0.3, sampleWeight, engine })),
          bits(await predict(km, X, { engine })),
          bits(await transform(km, X, { engine })),
        ];
        for (const covariance of ['full', 'tied', 'diag', 'spherical'] as const)
          out.push(
            bits(await gaussianMixture(X, { nInit: 1, k: 5, covariance, init: 'k-means++', seed: 2, maxIter: 8, sampleWeight, engine })),
          );
        return out;
      });
    const one = await run(1);
    const two = await run(2);
    const three = await run(3);
    one.forEach((s, i) => {
      expect(two[i], `result ${i}, 2 threads`).toBe(s);
      expect(three[i], `result ${i}, 3 threads`).toBe(s);
    });
  });

  test('fits overlapping on one engine (and a GMM initialised by k-means inside its session) equal the same fits one after another', async () => {
    const n = 9000;
    const d = 5;
    const b = makeBlobs(n, d, 4, 3, { std: 1.5, spread: 4, offset: 30 });
    const X = { data: b.data, n, d };
    await withEngine(2, async (engine) => {
      const fits = () =>
        [
          () => kmeans(X, { k: 4, seed: 1, engine }),
          () => gaussianMixture(X, { nInit: 1, k: 4, covariance: 'full', init: 'kmeans', seed: 1, maxIter: 6, engine }),
          () => softKMeans(X, { k: 4, seed: 1, beta: 0.5, engine }),
        ] as const;
      const apart: string[] = [];
      for (const f of fits()) apart.push(bits(await f()));
      const together = (await Promise.all(fits().map((f) => f()))).map(bits);
      expect(together).toEqual(apart);
    });
  });

  test.each([1, 2])(
    'an AbortSignal aborted from a timer during a long fit rejects with AbortError within an iteration (%i threads)',
    async (threads) => {
      // Uniform noise: Lloyd keeps moving for many iterations, each a few ms or more.
      const n = 40000;
      const d = 16;
      let s = 12345;
      const data = Float64Array.from({ length: n * d }, () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 10);
      await withEngine(threads, async (engine) => {
        const ctl = new AbortController();
        let iters = 0;
        let itersAtAbort = -1;
        const err = await kmeans(
          { data, n, d },
          {
            k: 32,
            seed: 1,
            maxIter: 300,
            tol: 0,
            engine,
            signal: ctl.signal,
            onIteration: (h) => {
              iters++;
              // The abort comes from a timer, while the fit runs on.
              if (h.iter === 2)
                setTimeout(() => {
                  itersAtAbort = iters;
                  ctl.abort('stop');
                }, 1);
            },
          },
        ).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AbortError);
        expect(itersAtAbort).toBeGreaterThanOrEqual(2);
        // At most the iteration in progress when the timer fired finishes.
        expect(iters - itersAtAbort).toBeLessThanOrEqual(1);
        // The engine still fits after an abort.
        const ok = await kmeans({ data: data.subarray(0, 2000 * d), n: 2000, d }, { k: 3, seed: 1, maxIter: 5, engine });
        expect(ok.backend).toBe('wasm');
      });
    },
  );
});
