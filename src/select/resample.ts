/**
 * The criteria that refit: the gap statistic (k-means on uniform reference sets) and stability
 * (the model refitted on subsamples). Both are seeded: each reference set and subsample has its
 * own RNG stream, so the same seed gives the same table whatever the backend's thread count.
 */
import { Rng } from '../core/rng.js';
import { adjustedRandIndex } from '../metrics.js';
import { toCounts } from '../nbmm/counts.js';
import { subsetCsr } from '../sc/matrix.js';
import type { CountsInput } from '../nbmm/types.js';
import type { KMeansResult } from '../types.js';
import { invalid } from '../errors.js';
import { finite, numbers } from './check.js';
import { fitAt, type DenseInput, type FitContext } from './fits.js';

/**
 * B reference sets for the gap statistic (Tibshirani, Walther & Hastie 2001): n points uniform in
 * the bounding box of each column. On principal-component scores that box is aligned with the
 * principal axes, Tibshirani's recommended reference (b).
 */
export function gapReferences(x: ArrayLike<number>, n: number, d: number, nRefs: number, seed: number): Float64Array[] {
  const lo = new Float64Array(d).fill(Infinity);
  const hi = new Float64Array(d).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) {
      const v = x[i * d + t];
      if (v < lo[t]) lo[t] = v;
      if (v > hi[t]) hi[t] = v;
    }
  }
  return Array.from({ length: nRefs }, (_, b) => {
    const rng = new Rng(seed, 0x6a00 + b);
    const out = new Float64Array(n * d);
    for (let i = 0; i < n * d; i++) out[i] = lo[i % d] + rng.uniform() * (hi[i % d] - lo[i % d]);
    return out;
  });
}

/** Gap(k) = mean_b log W*_kb − log W_k, and its standard error s_k = sd_b(log W*_kb)·√(1 + 1/B). */
export function gapValue(logW: number, refLogW: number[]): { gap: number; se: number } {
  finite(logW, 'gapValue', 'logW');
  numbers(refLogW, 'gapValue', 'refLogW');
  const b = refLogW.length;
  const mean = refLogW.reduce((a, v) => a + v, 0) / b;
  const sd = Math.sqrt(refLogW.reduce((a, v) => a + (v - mean) ** 2, 0) / b);
  return { gap: mean - logW, se: sd * Math.sqrt(1 + 1 / b) };
}

/**
 * Tibshirani's rule: the smallest k with Gap(k) ≥ Gap(k') − s_k', k' the next candidate
 * (ks ascending). When no k qualifies, the k of the largest gap.
 */
export function gapChoice(ks: number[], gap: number[], se: number[]): number {
  numbers(ks, 'gapChoice', 'ks', 1, 1);
  numbers(gap, 'gapChoice', 'gap', ks.length);
  numbers(se, 'gapChoice', 'se', ks.length, 0);
  if (gap.length !== ks.length || se.length !== ks.length)
    throw invalid(
      'SHAPE_MISMATCH',
      `gapChoice: ks, gap and se have ${ks.length}, ${gap.length} and ${se.length} values. Pass one of each per k.`,
    );
  const order = ks.map((_, i) => i).sort((a, b) => ks[a] - ks[b]);
  for (let j = 0; j + 1 < order.length; j++)
    if (ks[order[j]] === ks[order[j + 1]])
      throw invalid('BAD_OPTION', `gapChoice: k=${ks[order[j]]} appears twice in ks; pass each candidate k once, with its gap and se.`);
  for (let j = 0; j + 1 < order.length; j++) {
    const i = order[j];
    const next = order[j + 1];
    if (gap[i] >= gap[next] - se[next]) return ks[i];
  }
  let arg = 0;
  for (let i = 1; i < ks.length; i++) if (gap[i] > gap[arg]) arg = i;
  return ks[arg];
}

/** log W*_kb of k-means at k on each reference set (W = inertia, the pooled within-cluster sum of squares). */
export async function referenceLogW(ctx: FitContext, k: number, refs: Float64Array[]): Promise<number[]> {
  const out: number[] = [];
  for (const data of refs) {
    // The references are unweighted samples of the box: drop sampleWeight for them.
    const r = (await fitAt(ctx, k, { data, n: ctx.n, d: ctx.d }, { sampleWeight: undefined })) as KMeansResult;
    out.push(Math.log(Math.max(r.inertia, Number.MIN_VALUE)));
  }
  return out;
}

/** The seeded subsamples for stability: nBoot sets of ⌊fraction·n⌋ rows, drawn without replacement, ascending. */
export function stabilitySubsamples(n: number, nBoot: number, fraction: number, seed: number): number[][] {
  const m = Math.max(2, Math.floor(fraction * n));
  return Array.from({ length: nBoot }, (_, b) => new Rng(seed, 0x5b00 + b).sample(n, Math.min(m, n)).sort((a, c) => a - c));
}

/** The rows `rows` of the context's input, in the model's input form (dense rows or CSR counts). */
function rowsOf(ctx: FitContext, rows: number[]): DenseInput | CountsInput {
  if (ctx.model === 'nb') {
    const c = toCounts(ctx.input as CountsInput);
    const keep = new Uint8Array(c.n);
    for (const r of rows) keep[r] = 1;
    const all = new Uint8Array(c.d).fill(1);
    const sub = subsetCsr({ n: c.n, d: c.d, indptr: c.indptr, indices: c.indices, values: c.values }, keep, all);
    return sub;
  }
  const { data, d } = ctx.input as DenseInput;
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, i) => {
    for (let t = 0; t < d; t++) out[i * d + t] = data[r * d + t];
  });
  return { data: out, n: rows.length, d };
}

/**
 * Stability at k: the mean ARI between the full fit's labels and the labels of a fit on each
 * subsample, over the subsample's rows (Hennig's clusterboot, with subsampling instead of the
 * bootstrap so that no row is duplicated). 1 = every subsample finds the same partition.
 */
export async function stabilityAt(ctx: FitContext, k: number, labels: ArrayLike<number>, subsamples: number[][]): Promise<number> {
  let total = 0;
  for (const rows of subsamples) {
    const w = ctx.weights ? Float64Array.from(rows, (r) => ctx.weights![r]) : undefined;
    const r = await fitAt(ctx, k, rowsOf(ctx, rows), { sampleWeight: w });
    total += adjustedRandIndex(
      rows.map((i) => labels[i]),
      r.labels,
    );
  }
  return total / subsamples.length;
}

/**
 * The space silhouettes are measured in: the input itself for k-means and the GMM; for NB,
 * log1p(x/s) of the subsample's rows (s = the fit's size factors), densified.
 */
export function silhouetteSpace(ctx: FitContext, rows: number[], sizeFactors: ArrayLike<number> | null): { x: Float64Array; d: number } {
  if (ctx.model !== 'nb') {
    const dense = rowsOf(ctx, rows) as DenseInput;
    return { x: dense.data as Float64Array, d: dense.d };
  }
  const c = toCounts(ctx.input as CountsInput);
  const x = new Float64Array(rows.length * c.d);
  rows.forEach((r, i) => {
    const s = sizeFactors ? sizeFactors[r] : 1;
    for (let p = c.indptr[r]; p < c.indptr[r + 1]; p++) x[i * c.d + c.indices[p]] = Math.log1p(c.values[p] / s);
  });
  return { x, d: c.d };
}
