import { describe, expect, test } from 'vitest';
import { adjustedRandIndex, chooseResolution, selectResolution, type ResolutionRow } from '../../src/index.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { Rng } from '../../src/core/rng.js';
import { bcaMedian, median } from '../../src/select/bca.js';
import { normalCdf, normalQuantile } from '../../src/core/normal.js';
import { clusterMeans, coclusterSilhouettes, type SubsampleLabels } from '../../src/select/cocluster.js';
import { errorCode } from '../helpers/error-code.js';
import { F64_RTOL } from '../tolerance.js';

/** The co-clustering silhouettes the slow way: the n × n matrix M, then R's cluster::silhouette on 1 − M. */
function bruteForce(m: number, ref: Int32Array, subs: SubsampleLabels[]): number[] {
  const lab = subs.map((s) => {
    const l = new Int32Array(m).fill(-1);
    s.cells.forEach((e, p) => {
      l[e] = s.labels[p];
    });
    return l;
  });
  const dist = (i: number, j: number): number => {
    let both = 0;
    let same = 0;
    for (const l of lab) {
      if (l[i] < 0 || l[j] < 0) continue;
      both++;
      if (l[i] === l[j]) same++;
    }
    return 1 - (both > 0 ? same / both : 0);
  };
  const c = Math.max(...ref) + 1;
  return Array.from({ length: m }, (_, i) => {
    const sum = new Array<number>(c).fill(0);
    const cnt = new Array<number>(c).fill(0);
    for (let j = 0; j < m; j++) {
      if (j === i) continue;
      sum[ref[j]] += dist(i, j);
      cnt[ref[j]]++;
    }
    if (cnt[ref[i]] === 0) return 0;
    const a = sum[ref[i]] / cnt[ref[i]];
    const b = Math.min(...sum.map((s, k) => (k === ref[i] || cnt[k] === 0 ? Infinity : s / cnt[k])));
    return Math.max(a, b) > 0 ? (b - a) / Math.max(a, b) : 0;
  });
}

describe('chooseR co-clustering silhouette', () => {
  test('a hand-solved four-cell case: cluster means 5/12 and 1, median 17/24', async () => {
    // Subsample A holds all four cells as the reference does; B holds cells 0, 1, 2 and splits 0 from 1.
    const subs: SubsampleLabels[] = [
      { cells: Int32Array.of(0, 1, 2, 3), labels: Int32Array.of(0, 0, 1, 1) },
      { cells: Int32Array.of(0, 1, 2), labels: Int32Array.of(0, 1, 1) },
    ];
    const ref = Int32Array.of(0, 0, 1, 1);
    const s = await coclusterSilhouettes(4, ref, subs);
    // d01 = .5, d02 = d03 = d13 = 1, d12 = .5, d23 = 0: s = .5, 1/3, 1, 1.
    expect(Array.from(s)).toEqual([0.5, expect.closeTo(1 / 3, 15), 1, 1]);
    const means = clusterMeans(s, ref);
    expect(means[0]).toBeCloseTo(5 / 12, 15);
    expect(means[1]).toBe(1);
    expect(median(means)).toBeCloseTo(17 / 24, 15);
  });

  test('equals the silhouette of the materialised co-clustering matrix on random subsamples (40 subsamples: two mask words)', async () => {
    const rng = new Rng(7);
    const m = 37;
    const ref = Int32Array.from({ length: m }, () => rng.int(4));
    ref[5] = 4; // a singleton cluster scores 0
    const subs: SubsampleLabels[] = Array.from({ length: 40 }, () => {
      const cells = Int32Array.from(rng.sample(m, 25).sort((a, b) => a - b));
      return { cells, labels: Int32Array.from(cells, () => rng.int(3)) };
    });
    const got = await coclusterSilhouettes(m, ref, subs);
    const want = bruteForce(m, ref, subs);
    expect(got[5]).toBe(0);
    for (let i = 0; i < m; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(F64_RTOL * Math.max(1, Math.abs(want[i])));
    expect(new Set(Array.from(got)).size).toBeGreaterThan(10);
  });
});

describe('BCa interval of the median', () => {
  test('the normal functions match tabulated values', () => {
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655253931457, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.0005)).toBeCloseTo(-3.290526731491926, 7);
  });

  test('two values 0 and 1: median 0.5, interval [0, 0.5] (z0 = Φ⁻¹(¼), a = 0: levels ≈ .0005 and ≈ .73)', () => {
    // Replicates: 0 (¼), 0.5 (½), 1 (¼). Lower level Φ(2z0 − 1.96) ≈ 0.0005 falls among the zeros,
    // the upper Φ(2z0 + 1.96) ≈ 0.73 among the halves (they span ≈ 0.25..0.75).
    expect(bcaMedian([0, 1], { replicates: 25000, level: 0.95, seed: 0 })).toEqual({ median: 0.5, low: 0, high: 0.5 });
  });

  test('equal values give a zero-width interval; the interval holds the median and is seeded', () => {
    expect(bcaMedian([0.3, 0.3, 0.3], { replicates: 100, level: 0.95, seed: 0 })).toEqual({ median: 0.3, low: 0.3, high: 0.3 });
    const v = [0.91, 0.42, 0.77, 0.88, 0.65, 0.97, 0.31, 0.83, 0.7];
    const a = bcaMedian(v, { replicates: 5000, level: 0.95, seed: 3 });
    expect(a.median).toBe(0.77);
    expect(a.low).toBeLessThan(0.77);
    expect(a.high).toBeGreaterThan(0.77);
    expect(a.low).toBeGreaterThanOrEqual(0.31);
    expect(a.high).toBeLessThanOrEqual(0.97);
    expect(bcaMedian(v, { replicates: 5000, level: 0.95, seed: 3 })).toEqual(a);
  });
});

const row = (resolution: number, k: number, cocluster: number, coclusterLow: number, silhouette: number): ResolutionRow => ({
  resolution,
  k,
  cocluster,
  coclusterLow,
  coclusterHigh: cocluster,
  silhouette,
  quality: 0,
  modularity: 0,
  timeMs: 0,
});

describe('chooseResolution', () => {
  test('chooseR: the highest resolution whose median reaches the highest lower bound; silhouette: the highest, ties to the finer', () => {
    const rows = [
      row(2, 12, 0.7, 0.65, 0.2),
      row(0.05, 1, Number.NaN, Number.NaN, Number.NaN),
      row(0.1, 3, 0.9, 0.8, 0.4),
      row(0.5, 6, 0.85, 0.6, 0.3),
      row(1, 8, 0.81, 0.7, 0.4),
    ];
    expect(chooseResolution(rows, 'cocluster')).toEqual({ index: 4, threshold: 0.8 });
    expect(chooseResolution(rows, 'silhouette')).toEqual({ index: 4, threshold: Number.NaN });
    expect(chooseResolution([row(0.1, 1, Number.NaN, Number.NaN, Number.NaN)], 'cocluster').index).toBe(0);
  });
});

describe('selectResolution', () => {
  test('three well-separated blobs: the rule keeps the three (ARI 1) although the finer resolutions over-split them', async () => {
    const b = makeBlobs(600, 6, 3, 2, { spread: 20 });
    const r = await selectResolution(b, { nBoot: 8, backend: 'cpu' });
    expect(r.rows.some((x) => x.k > 3)).toBe(true);
    expect(r.bestK).toBe(3);
    expect(adjustedRandIndex(b.truth, r.best.labels)).toBe(1);
    // The highest resolution still giving the three blobs.
    const three = r.rows.filter((x) => x.k === 3).map((x) => x.resolution);
    expect(r.bestResolution).toBe(Math.max(...three));
    expect(r.rows.map((x) => x.resolution)).toEqual([0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.2, 1.5, 2, 3]);
    expect(r.graph).toEqual({ n: 600, dims: 6, neighbors: 19, pruneSnn: 1 / 15, edges: expect.any(Number) });
  }, 60_000);

  test('four blobs: chooseR and the PC silhouette both find the four; same seed, same bits', async () => {
    const b = makeBlobs(400, 6, 4, 3, { spread: 20 });
    const seen: number[] = [];
    const r = await selectResolution(b, { nBoot: 6, seed: 5, backend: 'cpu', onResolution: (x) => seen.push(x.resolution) });
    expect(r.rows.some((x) => x.k > 4)).toBe(true);
    expect(r.bestK).toBe(4);
    expect(adjustedRandIndex(b.truth, r.best.labels)).toBe(1);
    expect(seen).toEqual(r.rows.map((x) => x.resolution));
    const s = await selectResolution(b, { nBoot: 6, seed: 5, backend: 'cpu', criterion: 'silhouette' });
    expect(s.bestK).toBe(4);
    const strip = (x: typeof r) =>
      JSON.stringify({ ...x, rows: x.rows.map((y) => ({ ...y, timeMs: 0 })), best: { ...x.best, labels: Array.from(x.best.labels) } });
    const again = await selectResolution(b, { nBoot: 6, seed: 5, backend: 'cpu' });
    expect(strip(again)).toBe(strip(r));
    // The criterion only changes which row is picked.
    expect(strip({ ...s, criterion: 'cocluster', bestResolution: r.bestResolution, best: r.best, threshold: r.threshold })).toBe(strip(r));
  }, 60_000);

  test('the float64 reference and the CPU backend give the same bits (the kNN graphs are exact on every backend)', async () => {
    const b = makeBlobs(300, 5, 3, 4, { spread: 8 });
    const opts = { nBoot: 3, resolutions: [0.5, 1, 3], seed: 2 };
    const strip = (x: Awaited<ReturnType<typeof selectResolution>>) =>
      JSON.stringify({ ...x, rows: x.rows.map((y) => ({ ...y, timeMs: 0 })), best: Array.from(x.best.labels) });
    const ref = await selectResolution(b, { ...opts, backend: 'reference' });
    expect(strip(await selectResolution(b, { ...opts, backend: 'cpu' }))).toBe(strip(ref));
    expect(ref.rows.every((r) => Number.isFinite(r.cocluster) && Number.isFinite(r.silhouette))).toBe(true);
  }, 60_000);

  test('unknown or bad options are refused with typed errors', async () => {
    const b = makeBlobs(60, 3, 2, 1);
    const call = (o: object) => errorCode(selectResolution(b, { backend: 'cpu', nBoot: 2, ...o } as never));
    expect(await call({ nboot: 3 })).toBe('UNKNOWN_OPTION');
    expect(await call({ leiden: { resolution: 1 } })).toBe('UNKNOWN_OPTION');
    expect(await call({ leiden: { objective: 'cpm' } })).toBe('BAD_OPTION');
    expect(await call({ criterion: 'bic' })).toBe('BAD_OPTION');
    expect(await call({ fraction: 1 })).toBe('BAD_OPTION');
    expect(await call({ resolutions: [] })).toBe('BAD_OPTION');
    expect(await call({ resolutions: [1, 0.5, 1] })).toBe('BAD_OPTION');
    expect(await call({ resolutions: [0] })).toBe('BAD_OPTION');
    expect(await call({ nBoot: 0 })).toBe('BAD_OPTION');
    expect(await call({ seed: -1 })).toBe('BAD_OPTION');
    expect(await call({ onResolution: 3 })).toBe('BAD_OPTION');
    expect(await call({ neighbors: 48 })).toBe('K_TOO_LARGE');
    expect(await call({ neighbors: 5, resolutions: [0.5] })).toBe('accepted');
  });

  test('an aborted signal stops it with ABORTED, before or during the subsample runs', async () => {
    const b = makeBlobs(300, 4, 3, 2, { spread: 20 });
    expect(await errorCode(selectResolution(b, { backend: 'cpu', signal: AbortSignal.abort('stop') }))).toBe('ABORTED');
    const ac = new AbortController();
    let rows = 0;
    const p = selectResolution(b, { backend: 'cpu', nBoot: 4, signal: ac.signal, onResolution: () => rows++ });
    setTimeout(() => ac.abort('late'), 30);
    expect(await errorCode(p)).toBe('ABORTED');
    expect(rows).toBeLessThan(13);
  });
});
