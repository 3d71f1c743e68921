import { describe, expect, test } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { adjustedRandIndex, normalizedMutualInfo } from '../../src/metrics.js';
import { EmgpuError } from '../../src/errors.js';

// Reference values below were computed with Debian's scikit-learn 1.2.1:
//   /usr/bin/python3 -c "from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score; ..."

describe('adjustedRandIndex', () => {
  test('is 1 for the same partition under renamed labels', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    expect(adjustedRandIndex([0, 1, 2, 3], [0, 1, 2, 3])).toBe(1);
  });

  test('equals the hand-solved 8/33 for classes {3,3} against clusters {2,2,2}', () => {
    // Σ C(n_ij,2) = 2, Σ C(a_i,2) = 6, Σ C(b_j,2) = 3, C(6,2) = 15:
    // expected = 6·3/15 = 1.2, max = 4.5, ARI = (2 − 1.2)/(4.5 − 1.2) = 8/33.
    expect(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(8 / 33, 15);
  });

  test('matches scikit-learn on its documented examples, including negative values', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.5714285714285714, 15);
    expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 15);
    expect(adjustedRandIndex([1, 1, 1, 2], [0, 0, 0, 0])).toBe(0);
  });

  test('treats a single cluster against a single class, and empty input, as perfect agreement', () => {
    expect(adjustedRandIndex([0, 0, 0, 0], [5, 5, 5, 5])).toBe(1);
    expect(adjustedRandIndex([], [])).toBe(1);
  });

  test('accepts any label values, strings included, like scikit-learn', () => {
    expect(adjustedRandIndex(['x', 'y', 'x', 'z', 'y', 'x'], [2.5, 2.5, -1, -1, 7, 7])).toBeCloseTo(-0.2962962962962963, 15);
  });

  test('matches scikit-learn on 200,000 samples, where pair counts exceed 2^53', () => {
    const n = 200_000;
    const a = Array.from({ length: n }, (_, i) => i % 3);
    const b = Array.from({ length: n }, (_, i) => (i * i + Math.floor(i / 7)) % 5);
    const b2 = a.map((v, i) => (i % 10 === 0 ? (Math.floor(i / 10) + 1) % 3 : v));
    expect(adjustedRandIndex(a, b)).toBeCloseTo(-1.319633612333628e-5, 15);
    expect(adjustedRandIndex(a, b2)).toBeCloseTo(0.7299972999662496, 14);
  });

  test('rejects labelings of different lengths with a SHAPE_MISMATCH error', () => {
    expect(() => adjustedRandIndex([0, 1], [0, 1, 1])).toThrow(EmgpuError);
    expect(() => adjustedRandIndex([0, 1], [0, 1, 1])).toThrow(/2 and 3 samples/);
  });
});

describe('normalizedMutualInfo', () => {
  test('equals the hand-solved (4/3)·ln2/ln6 for classes {3,3} against clusters {2,2,2}', () => {
    // MI = (2/3)·ln 2, H(a) = ln 2, H(b) = ln 3; arithmetic mean normaliser (ln 2 + ln 3)/2.
    const expected = ((4 / 3) * Math.LN2) / Math.log(6);
    expect(normalizedMutualInfo([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(expected, 15);
    expect(expected).toBeCloseTo(0.5158037429793888, 15);
  });

  test('matches scikit-learn for every average method', () => {
    const a = [0, 0, 0, 1, 1, 1];
    const b = [0, 0, 1, 1, 2, 2];
    expect(normalizedMutualInfo(a, b, 'geometric')).toBeCloseTo(0.5295405780575618, 15);
    expect(normalizedMutualInfo(a, b, 'min')).toBeCloseTo(0.6666666666666666, 15);
    expect(normalizedMutualInfo(a, b, 'max')).toBeCloseTo(0.420619835714305, 15);
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.8, 15);
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 0, 1, 2], 'geometric')).toBeCloseTo(0.8164965809277259, 15);
  });

  test('follows scikit-learn limit cases: 1 for two single clusters, 0 when one side is constant or independent', () => {
    expect(normalizedMutualInfo([0, 0, 0, 0], [3, 3, 3, 3])).toBe(1);
    expect(normalizedMutualInfo([], [])).toBe(1);
    expect(normalizedMutualInfo([1, 1, 1, 2], [0, 0, 0, 0])).toBe(0);
    expect(normalizedMutualInfo([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 1, 0, 1])).toBe(0);
    expect(normalizedMutualInfo([0, 1, 2, 3], [3, 2, 1, 0])).toBe(1);
  });

  test('matches scikit-learn on text and real-valued labels and on 200,000 samples', () => {
    expect(normalizedMutualInfo(['x', 'y', 'x', 'z', 'y', 'x'], [2.5, 2.5, -1, -1, 7, 7])).toBeCloseTo(0.3016631159962042, 15);
    const n = 200_000;
    const a = Array.from({ length: n }, (_, i) => i % 3);
    const b = Array.from({ length: n }, (_, i) => (i * i + Math.floor(i / 7)) % 5);
    const b2 = a.map((v, i) => (i % 10 === 0 ? (Math.floor(i / 10) + 1) % 3 : v));
    expect(normalizedMutualInfo(a, b)).toBeCloseTo(1.9543879501912413e-9, 14);
    expect(normalizedMutualInfo(a, b2)).toBeCloseTo(0.7040967259086909, 14);
  });
});

test('both scores match scikit-learn on the bundled digits labels against a fixed arbitrary labeling', () => {
  const text = gunzipSync(readFileSync(new URL('../../data/digits.csv.gz', import.meta.url))).toString('utf8');
  const y = text
    .trim()
    .split('\n')
    .map((l) => Number(l.slice(l.lastIndexOf(',') + 1)));
  expect(y).toHaveLength(1797);
  const p = y.map((_, i) => (i * 7 + Math.floor(i / 13)) % 9);
  expect(adjustedRandIndex(y, p)).toBeCloseTo(-0.00045533461716443815, 15);
  expect(normalizedMutualInfo(y, p)).toBeCloseTo(0.00800294517212955, 15);
});
