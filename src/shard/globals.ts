/**
 * The first pass of a sharded fit: what the model needs of all rows before its first E-step.
 * k-means: column means and squared deviations (tol × mean variance, scikit-learn's _tolerance),
 * merged by Chan et al.'s pairwise rule (one shard: columnStats' own sums, the same bits). NB
 * mixture: library sizes (size factors, the size-factor grid's ends) and per-gene count
 * histograms; counts are integers, so these sums are exact in any order.
 */
import { dataScale, divided, mapBack, maxAbs } from '../core/scale.js';
import { invalid } from '../errors.js';
import { geneHistograms } from '../nbmm/counts.js';
import { blockCounts, blockDataset, type ShardBlock } from './block.js';
import type { GlobalStatistics, NbGlobals } from './types.js';

type Moments = Extract<GlobalStatistics, { kind: 'moments' }>;
type NbG = Extract<GlobalStatistics, { kind: 'nb-globals' }>;

/**
 * Column means and squared deviations. Data far outside float64's comfortable band are summed in
 * units of s, a power of two (core/scale.ts, as the in-memory fits): Σx and (x − mean)² would
 * overflow long before the moments do. Mapped back, a moment beyond float64's range is an
 * OUT_OF_RANGE error saying so, never Infinity. Inside the band s = 1: the same bits as before.
 */
export function momentsOf(block: ShardBlock): Moments {
  const { n, d, x: raw } = blockDataset(block);
  const s = dataScale(maxAbs(raw), d, n, false);
  const x = divided(raw, s);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const m2 = new Float64Array(d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const t = x[i * d + j] - mean[j];
      m2[j] += t * t;
    }
  if (s !== 1)
    for (let j = 0; j < d; j++) {
      mean[j] = mapBack(mean[j], s, 1, `mean of column ${j}`, s);
      m2[j] = mapBack(m2[j], s, 2, `sum of squared deviations of column ${j} (its variance × n)`, s);
    }
  return { kind: 'moments', n, d, mean: Array.from(mean), m2: Array.from(m2) };
}

export function nbGlobalsOf(block: ShardBlock, rowOffset: number): NbG {
  const c = blockCounts(block);
  let totalSum = 0;
  let tMin = Number.POSITIVE_INFINITY;
  let tMax = 0;
  const emptyCells: number[] = [];
  let emptyCount = 0;
  for (let i = 0; i < c.n; i++) {
    const t = c.totals[i];
    totalSum += t;
    if (t === 0) {
      if (emptyCells.length < 5) emptyCells.push(rowOffset + i);
      emptyCount++;
      continue;
    }
    if (t < tMin) tMin = t;
    if (t > tMax) tMax = t;
  }
  const h = geneHistograms(c);
  const hist = {
    ptr: Array.from(h.ptr),
    value: Array.from(h.value),
    mult: Array.from(h.mult),
    total: Array.from(h.total),
    max: Array.from(h.max),
  };
  return { kind: 'nb-globals', n: c.n, d: c.d, totalSum, tMin, tMax, emptyCells, emptyCount, hist };
}

type Hist = NonNullable<NbGlobals['hist']>;

function mergeHist(a: Hist, b: Hist, d: number): Hist {
  const out: Hist = { ptr: [0], value: [], mult: [], total: [], max: [] };
  for (let g = 0; g < d; g++) {
    let p = a.ptr[g];
    let q = b.ptr[g];
    while (p < a.ptr[g + 1] || q < b.ptr[g + 1]) {
      const va = p < a.ptr[g + 1] ? a.value[p] : Number.POSITIVE_INFINITY;
      const vb = q < b.ptr[g + 1] ? b.value[q] : Number.POSITIVE_INFINITY;
      if (va === vb) {
        out.value.push(va);
        out.mult.push(a.mult[p++] + b.mult[q++]);
      } else if (va < vb) {
        out.value.push(va);
        out.mult.push(a.mult[p++]);
      } else {
        out.value.push(vb);
        out.mult.push(b.mult[q++]);
      }
    }
    out.ptr.push(out.value.length);
    out.total.push(a.total[g] + b.total[g]);
    out.max.push(Math.max(a.max[g], b.max[g]));
  }
  return out;
}

export function sumGlobals(list: GlobalStatistics[]): GlobalStatistics {
  const f = list[0];
  let acc: GlobalStatistics =
    f.kind === 'moments' ? { ...f, mean: f.mean.slice(), m2: f.m2.slice() } : { ...f, emptyCells: f.emptyCells.slice() };
  for (const s of list.slice(1)) {
    if (s.kind !== acc.kind || s.d !== acc.d)
      throw invalid(
        'SHAPE_MISMATCH',
        `First-pass statistics '${s.kind}' (d=${s.d}) cannot be summed with '${acc.kind}' (d=${acc.d}). Sum one pass of one fit.`,
      );
    if (acc.kind === 'moments') {
      const b = s as Moments;
      const n = acc.n + b.n;
      for (let j = 0; j < acc.d; j++) {
        const delta = b.mean[j] - acc.mean[j];
        acc.mean[j] += (delta * b.n) / n;
        acc.m2[j] += b.m2[j] + (delta * delta * acc.n * b.n) / n;
        // Shards far apart near float64's limits: the merged moment is beyond its range.
        if (!Number.isFinite(acc.mean[j]) || !Number.isFinite(acc.m2[j]))
          throw invalid(
            'OUT_OF_RANGE',
            `The merged ${Number.isFinite(acc.mean[j]) ? 'sum of squared deviations' : 'mean'} of column ${j} is beyond float64's range (about 1.8e308): the shards' values are too large in magnitude. Divide the data by a constant (e.g. a power of ten near its largest value) and fit again; the clustering does not change.`,
          );
      }
      acc.n = n;
    } else {
      const b = s as NbG;
      acc = {
        ...acc,
        n: acc.n + b.n,
        totalSum: acc.totalSum + b.totalSum,
        tMin: Math.min(acc.tMin, b.tMin),
        tMax: Math.max(acc.tMax, b.tMax),
        emptyCells: [...acc.emptyCells, ...b.emptyCells].slice(0, 5),
        emptyCount: acc.emptyCount + b.emptyCount,
        hist: mergeHist(acc.hist, b.hist, acc.d),
      };
    }
  }
  return acc;
}

/** k-means: the squared-shift threshold tol × mean column variance (resolveOptions' rule). */
export function tolScaledOf(m: Moments, tol: number): number {
  let meanVar = 0;
  for (let j = 0; j < m.d; j++) meanVar += m.m2[j] / m.n;
  meanVar /= m.d;
  return tol * meanVar;
}

/** NB: the broadcast globals (meanOf's mean library size; the size-factor range). */
export function nbGlobals(g: NbG, sizeFactorMode: 'library' | 'none'): NbGlobals {
  const libraryMean = g.totalSum / g.n;
  if (sizeFactorMode === 'library' && g.emptyCount > 0)
    throw invalid(
      'EMPTY_DATA',
      `Cell(s) ${g.emptyCells.join(', ')}${g.emptyCount > 5 ? `, … (${g.emptyCount} cells)` : ''} have no counts at all, so their library size factor would be 0. Filter out empty cells first, or pass sizeFactors: 'none'.`,
    );
  const none = sizeFactorMode === 'none';
  return {
    sizeFactorMode,
    libraryMean,
    sMin: none ? 1 : g.tMin / libraryMean,
    sMax: none ? 1 : g.tMax / libraryMean,
    n: g.n,
    hist: g.hist,
  };
}
