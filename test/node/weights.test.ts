import { describe, expect, test } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { weightedSample } from '../../src/core/weights.js';
import { createEngine, gaussianMixture, kmeans } from '../../src/index.js';
import { weightsSuite } from '../shared/weights-suite.js';

weightsSuite('the reference backend (float64)', () => createEngine({ backend: 'reference' }), false);

describe('random initialisations with sample weights', () => {
  test('draw rows in proportion to their weight, never a row of weight 0, without replacement', () => {
    const rng = new Rng(7, 1);
    const w = Float64Array.from([0, 1, 0, 3]);
    let firstIs3 = 0;
    const N = 4000;
    for (let t = 0; t < N; t++) {
      const s = weightedSample(w, 2, () => rng.uniform());
      expect([...s].sort()).toEqual([1, 3]);
      if (s[0] === 3) firstIs3++;
    }
    // P(first = 3) = 3/4; 5 standard errors of a binomial proportion.
    expect(Math.abs(firstIs3 / N - 0.75)).toBeLessThan(5 * Math.sqrt((0.75 * 0.25) / N));
    expect(() => weightedSample(w, 3, () => rng.uniform())).toThrow(/Only 2 samples have a positive sampleWeight/);
  });

  test("k-means init 'random' and GMM init 'random-from-data' refuse k above the rows that carry weight", async () => {
    const X = [[0], [1], [2], [3]];
    const sampleWeight = [0, 1, 0, 1];
    await expect(kmeans(X, { k: 3, init: 'random', sampleWeight, backend: 'reference' })).rejects.toMatchObject({ code: 'K_TOO_LARGE' });
    await expect(
      gaussianMixture(X, { nInit: 1, k: 3, init: 'random-from-data', sampleWeight, backend: 'reference' }),
    ).rejects.toMatchObject({
      code: 'K_TOO_LARGE',
    });
  });
});
