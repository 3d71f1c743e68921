/**
 * The Gaussian mixture's `precision` option off WebGPU: 'f16' is refused on the CPU backends with
 * BAD_OPTION naming the backend, an unknown value is refused, and 'f32' gives the default's bits.
 * The GPU side (test/gpu/gmm-f16.test.ts) checks the fits.
 */
import { describe, test, expect } from 'vitest';
import { gaussianMixture } from '../../src/index.js';

describe("gaussianMixture's precision option", () => {
  const x = [
    [0, 0.1],
    [1, 1.2],
    [0.4, 0.8],
    [5, 5.3],
    [6, 6.1],
    [5.5, 6.6],
  ];
  const opts = { k: 2, nInit: 1, covariance: 'diag' as const };

  test("'f16' is refused off WebGPU, naming the backend", async () => {
    for (const backend of ['reference', 'cpu'] as const) {
      await expect(gaussianMixture(x, { ...opts, precision: 'f16', backend })).rejects.toMatchObject({ code: 'BAD_OPTION' });
      await expect(gaussianMixture(x, { ...opts, precision: 'f16', backend })).rejects.toThrow(/backend is '(reference|wasm)'/);
    }
  });

  test("an unknown precision is refused, and 'f32' is the default's bits", async () => {
    await expect(gaussianMixture(x, { ...opts, precision: 'f8' as 'f16', backend: 'reference' })).rejects.toMatchObject({
      code: 'BAD_OPTION',
    });
    const a = await gaussianMixture(x, { ...opts, precision: 'f32', backend: 'reference' });
    const b = await gaussianMixture(x, { ...opts, backend: 'reference' });
    expect(a.means).toEqual(b.means);
    expect(a.covariances).toEqual(b.covariances);
    expect(a.logLikelihood).toBe(b.logLikelihood);
  });
});
