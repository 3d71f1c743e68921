/**
 * Entropy merging of mixture components (Baudry et al. 2010): a hand-solved three-component case,
 * mclust's clustCombi on Old Faithful (fixture and script in test/fixtures/merge/), and the tree's
 * own laws on seeded posteriors: a cut at k is the argmax of the posteriors summed by the cut's
 * groups, and the recorded entropies are those of the merged posteriors.
 */
import { describe, expect, test } from 'vitest';
import {
  cutMergeTree,
  gaussianMixture,
  makeBlobs,
  mergeComponents,
  mergeTreeGroups,
  negativeBinomialMixture,
  predictProba,
} from '../../src/index.js';
import { Rng } from '../../src/core/rng.js';
import { F64_RTOL } from '../tolerance.js';
import { simulateNbMixture, toCsr } from '../nbmm-sim.js';
import combi from '../fixtures/merge/clustcombi-faithful.json';

const H = (...p: number[]): number => -p.reduce((s, x) => s + (x > 0 ? x * Math.log(x) : 0), 0);
const close = (a: number, b: number, scale = 1): void =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(F64_RTOL * Math.max(scale, Math.abs(b)));

describe('a hand-solved three-component case', () => {
  // Components 0 and 1 overlap on the first two samples; 2 is apart. Pair decreases, by hand:
  // (0,1): ln 2 + H(.4,.6) + [.2 ln .2 − 2·.1 ln .1] = 1.50479; (0,2) = (1,2) = H(.1,.8) part = 0.31395.
  const tau = [
    [0.5, 0.5, 0],
    [0.4, 0.6, 0],
    [0.1, 0.1, 0.8],
    [0, 0, 1],
  ];
  test('merges 0 and 1 first, then the rest, with the entropies worked out by hand', async () => {
    const tree = await mergeComponents(tau);
    close(tree.entropy, H(0.5, 0.5) + H(0.4, 0.6) + H(0.1, 0.1, 0.8));
    expect(tree.merges.map(([a, b]) => [a, b])).toEqual([
      [0, 1],
      [3, 2],
    ]);
    close(tree.merges[0][2], H(0.2, 0.8));
    expect(tree.merges[1][2]).toBe(0);
  });
  test('cuts at 3, 2 and 1 clusters give the argmax of the summed posteriors', async () => {
    const tree = await mergeComponents(tau);
    expect(mergeTreeGroups(tree, 2)).toEqual([[0, 1], [2]]);
    // Row 0 ties 0.5/0.5 at k = 3: the lower cluster wins.
    expect(cutMergeTree(tree, 3)).toEqual([0, 1, 2, 2]);
    expect(cutMergeTree(tree, 2)).toEqual([0, 0, 1, 1]);
    expect(cutMergeTree(tree, 1)).toEqual([0, 0, 0, 0]);
  });
});

test("agrees with mclust's clustCombi on Old Faithful over-clustered into 6: the same partition and entropy at every k", async () => {
  const tree = await mergeComponents(combi.z);
  expect(tree.k).toBe(6);
  for (const level of combi.levels) {
    const labels = cutMergeTree(tree, level.K);
    // The same partition: cluster ids map one to one.
    const map = new Map<number, number>();
    labels.forEach((l, i) => {
      if (!map.has(l)) map.set(l, level.classification[i]);
      expect(map.get(l)).toBe(level.classification[i]);
    });
    expect(new Set(map.values()).size).toBe(map.size);
    const e = level.K === 6 ? tree.entropy : tree.merges[6 - level.K - 1][2];
    expect(Math.abs(e - level.entropy), `entropy at K = ${level.K}`).toBeLessThanOrEqual(1e-9 * Math.max(1, level.entropy));
  }
});

/** Seeded posteriors n×k: softmax of normals (Box–Muller) × 3, so rows are sharp but overlapping. */
function randomPosteriors(n: number, k: number, seed: number): number[][] {
  const rng = new Rng(seed, 1);
  return Array.from({ length: n }, () => {
    const z = Array.from({ length: k }, () => 3 * Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform()));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
}

test('a cut at any k equals the argmax of the posteriors summed by its groups, with labels in 0..k−1 and the recorded entropy', async () => {
  const tau = randomPosteriors(300, 8, 5);
  const tree = await mergeComponents(tau, { keepPosteriors: false });
  expect(tree.posteriors).toBeUndefined();
  let previous = tree.entropy;
  for (let k = 8; k >= 1; k--) {
    const groups = mergeTreeGroups(tree, k);
    expect(groups).toHaveLength(k);
    expect(groups.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const merged = tau.map((row) => groups.map((g) => g.reduce((s, j) => s + row[j], 0)));
    const expected = merged.map((row) => row.indexOf(Math.max(...row)));
    const labels = cutMergeTree(tree, k, tau);
    expect(labels).toEqual(expected);
    expect(new Set(labels).size).toBeLessThanOrEqual(k);
    expect(labels.every((l) => Number.isInteger(l) && l >= 0 && l < k)).toBe(true);
    const e = k === 8 ? tree.entropy : tree.merges[8 - k - 1][2];
    close(e, H(...merged.flat()), 1);
    expect(e).toBeLessThanOrEqual(previous);
    previous = e;
  }
});

test('the greedy choice is the largest decrease: no other pair at the first step lowers the entropy more', async () => {
  const tau = randomPosteriors(200, 6, 9);
  const tree = await mergeComponents(tau);
  const [a, b, after] = tree.merges[0];
  for (let x = 0; x < 6; x++) {
    for (let y = x + 1; y < 6; y++) {
      const e = H(...tau.flatMap((r) => [...r.filter((_, j) => j !== x && j !== y), r[x] + r[y]]));
      expect(after, `pair (${x}, ${y}) against chosen (${a}, ${b})`).toBeLessThanOrEqual(e + 1e-9);
    }
  }
});

test('a Gaussian mixture result with its data, and an NB result with responsibilities, give the tree of their posteriors', async () => {
  const blobs = makeBlobs(120, 2, 3, 4, { std: 1.2 });
  const X = { data: blobs.data, n: blobs.n, d: blobs.d };
  const g = await gaussianMixture(X, { k: 5, nInit: 1, seed: 1, backend: 'reference' });
  const fromResult = await mergeComponents(g, { data: X, backend: 'reference' });
  const fromPosteriors = await mergeComponents(await predictProba(g, X, { backend: 'reference' }));
  expect(fromResult).toEqual(fromPosteriors);
  const sim = simulateNbMixture(90, 12, 3, 2);
  const nb = await negativeBinomialMixture(toCsr(sim.counts, sim.n, sim.d), {
    k: 4,
    nInit: 1,
    seed: 0,
    maxIter: 10,
    returnResponsibilities: true,
    backend: 'reference',
  });
  const tree = await mergeComponents(nb);
  expect(tree.posteriors).toEqual(nb.responsibilities);
  expect(tree.merges).toHaveLength(3);
});

test('refuses posteriors that are not probabilities, a result without them, and a k outside the tree', async () => {
  await expect(mergeComponents([[0.5, 0.6]])).rejects.toThrow(/sums to 1\.1/);
  await expect(mergeComponents([[1.2, -0.2]])).rejects.toThrow(/negative/);
  const blobs = makeBlobs(40, 2, 2, 1);
  const g = await gaussianMixture({ data: blobs.data, n: blobs.n, d: blobs.d }, { k: 2, nInit: 1, backend: 'reference' });
  await expect(mergeComponents(g)).rejects.toThrow(/Pass \{ data \}/);
  await expect(mergeComponents([[1, 0]], { keep: true } as never)).rejects.toThrow(/keepPosteriors/);
  const tree = await mergeComponents([[1, 0]]);
  expect(() => cutMergeTree(tree, 3)).toThrow(/from 1 to 2/);
  expect(() => cutMergeTree({ ...tree, posteriors: undefined }, 1)).toThrow(/keepPosteriors: false/);
});

describe('a tampered tree, bad posteriors and an unknown backend are refused with typed errors', () => {
  const tau = [
    [0.5, 0.5, 0],
    [0.4, 0.6, 0],
    [0.1, 0.1, 0.8],
    [0, 0, 1],
  ];
  test('cutMergeTree re-checks the posteriors it cuts: NaN, negative or string values, and rows of the wrong length', async () => {
    const tree = await mergeComponents(tau);
    const withRow = (row: unknown[]) => [row, ...tau.slice(1)] as number[][];
    expect(() => cutMergeTree(tree, 2, withRow([Number.NaN, 0.5, 0.5]))).toThrow(expect.objectContaining({ code: 'NON_FINITE' }));
    expect(() => cutMergeTree(tree, 2, withRow([-0.5, 1, 0.5]))).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
    expect(() => cutMergeTree(tree, 2, withRow(['0.5', 0.5, 0]))).toThrow(expect.objectContaining({ code: 'NON_NUMERIC' }));
    expect(() => cutMergeTree(tree, 2, withRow([0.5, 0.5]))).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => cutMergeTree(tree, 2, 'abcd' as never)).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
    expect(() => cutMergeTree({ ...tree, posteriors: [withRow([Number.NaN, 0, 0])[0], ...tau.slice(1)] }, 2)).toThrow(
      expect.objectContaining({ code: 'NON_FINITE' }),
    );
    // The untampered tree still cuts as before.
    expect(cutMergeTree(tree, 2, tau)).toEqual([0, 0, 1, 1]);
  });

  test('a tree whose merges name a node twice, itself, or an id out of range is refused at any k', async () => {
    const tree = await mergeComponents(tau);
    const bad: [number, number, number][][] = [
      [
        [0, 1, 1],
        [0, 2, 0],
      ],
      [
        [0, 0, 1],
        [3, 2, 0],
      ],
      [
        [0, 1, 1],
        [7, 2, 0],
      ],
      [
        [0, 1.5, 1],
        [3, 2, 0],
      ],
    ];
    for (const merges of bad) {
      expect(() => cutMergeTree({ ...tree, merges }, 3)).toThrow(
        expect.objectContaining({ code: 'BAD_OPTION', message: expect.stringMatching(/unmodified tree/) }),
      );
    }
  });

  test("mergeComponents refuses backend: 'foo' and a non-engine engine, even for a posterior matrix", async () => {
    await expect(mergeComponents(tau, { backend: 'foo' as never })).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringMatching(/not recognised/),
    });
    await expect(mergeComponents(tau, { engine: {} as never })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    expect((await mergeComponents(tau, { backend: 'reference' })).k).toBe(3);
  });
});
