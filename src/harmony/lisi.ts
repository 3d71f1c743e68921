/**
 * LISI, the local inverse Simpson's index of the Harmony paper (Korsunsky et al. 2019; the `lisi`
 * R package): for each cell, its 3·perplexity − 1 nearest other cells (exact, Euclidean) get
 * Gaussian weights whose bandwidth is found by bisection so that their entropy is log(perplexity);
 * then LISI = 1 / Σ_labels (Σ of the weights of the neighbours with that label)². It reads as the
 * effective number of labels around a cell: on batch labels (iLISI) higher means better mixed; on
 * cell-type labels (cLISI) close to 1 means types stay apart. Host float64, O(n² d): for
 * evaluation on up to some tens of thousands of cells.
 */
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { toFloat64, type DataInput } from '../data.js';
import { invalid } from '../errors.js';
import { encodeBatch } from './options.js';
import type { BatchLabels } from './types.js';

export interface LisiOptions {
  /** Effective neighbourhood size (default 30, as the paper); 3·perplexity − 1 neighbours are searched. */
  perplexity?: number;
}

const LISI_OPTIONS = optionNames<LisiOptions>({ perplexity: true });

const TOL = 1e-5;

/**
 * A power of two that brings data of extreme magnitude to ~1; 1 otherwise, so ordinary data give
 * harmonypy's numbers. Beyond 2^±45 the bandwidth bisection (from β = 1, 50 halvings or doublings)
 * cannot reach the distances' scale, and near 1e±154 squared distances overflow or underflow.
 * Exact (a power of two): the neighbours do not change, and the bandwidth adapts to the scale.
 */
function extremeScale(x: Float64Array): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  if (m === 0 || (m < 2 ** 45 && m > 2 ** -45)) return 1;
  return 2 ** Math.floor(Math.log2(m));
}
const MAX_TRIES = 50;

/** Indices and distances of the m nearest other rows of every row (ascending; ties by lower index). */
function nearest(x: Float64Array, n: number, d: number, m: number): { idx: Int32Array; dist: Float64Array } {
  const idx = new Int32Array(n * m);
  const dist = new Float64Array(n * m);
  const bi = new Int32Array(m);
  const bd = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    let len = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let f = 0; f < d; f++) {
        const t = x[i * d + f] - x[j * d + f];
        s += t * t;
      }
      if (len === m && s >= bd[m - 1]) continue;
      let p = len < m ? len++ : m - 1;
      while (p > 0 && bd[p - 1] > s) {
        bd[p] = bd[p - 1];
        bi[p] = bi[p - 1];
        p--;
      }
      bd[p] = s;
      bi[p] = j;
    }
    for (let t = 0; t < m; t++) {
      idx[i * m + t] = bi[t];
      dist[i * m + t] = Math.sqrt(bd[t]);
    }
  }
  return { idx, dist };
}

/** Entropy of the weights exp(−β D) normalised; writes them into P. */
function hbeta(D: Float64Array, off: number, m: number, beta: number, P: Float64Array): number {
  let sumP = 0;
  let sumDP = 0;
  for (let t = 0; t < m; t++) {
    P[t] = Math.exp(-D[off + t] * beta);
    sumP += P[t];
    sumDP += D[off + t] * P[t];
  }
  if (sumP === 0) {
    P.fill(0);
    return 0;
  }
  for (let t = 0; t < m; t++) P[t] /= sumP;
  return Math.log(sumP) + (beta * sumDP) / sumP;
}

/** LISI of every row of `data` for `labels` (one per row): Float64Array of n values in [1, #labels]. */
export function lisi(data: DataInput, labels: BatchLabels, options: LisiOptions = {}): Float64Array {
  checkOptionNames(options, LISI_OPTIONS, 'lisi');
  const { n, d, x: raw } = toFloat64(data, 'data');
  const enc = encodeBatch(labels, n);
  if (n < 3)
    throw invalid('EMPTY_DATA', `LISI needs at least 3 rows (got ${n}): a neighbourhood of perplexity > 1 needs 2 or more neighbours.`);
  const perplexity = options.perplexity ?? 30;
  // The weights' entropy log(perplexity) must lie strictly between 0 (one neighbour) and log(neighbours).
  if (typeof perplexity !== 'number' || !(perplexity > 1 && perplexity < n - 1)) {
    throw invalid(
      'BAD_OPTION',
      `perplexity=${String(perplexity)} is not a number in (1, n − 1 = ${n - 1}): the neighbourhood's entropy log(perplexity) must be above 0 and below log(number of neighbours). Pass e.g. ${Math.min(30, Math.max(1.5, Math.floor((n - 1) / 3)))} (harmonypy uses 30), or leave it out.`,
    );
  }
  const m = Math.min(n - 1, Math.max(1, Math.round(3 * perplexity) - 1));
  const scale = extremeScale(raw);
  const x = scale === 1 ? raw : raw.map((v) => v / scale);
  const { idx, dist } = nearest(x, n, d, m);
  const logU = Math.log(perplexity);
  const P = new Float64Array(m);
  const mass = new Float64Array(enc.levels.length);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * m;
    let beta = 1;
    let lo = -Infinity;
    let hi = Infinity;
    let H = hbeta(dist, off, m, beta, P);
    for (let tries = 0; Math.abs(H - logU) > TOL && tries < MAX_TRIES; tries++) {
      if (H > logU) {
        lo = beta;
        beta = Number.isFinite(hi) ? (beta + hi) / 2 : beta * 2;
      } else {
        hi = beta;
        beta = Number.isFinite(lo) ? (beta + lo) / 2 : beta / 2;
      }
      H = hbeta(dist, off, m, beta, P);
    }
    if (H === 0) {
      out[i] = Number.NaN; // all neighbours at one distance far away: no defined neighbourhood
      continue;
    }
    mass.fill(0);
    for (let t = 0; t < m; t++) mass[enc.index[idx[off + t]]] += P[t];
    let simpson = 0;
    for (const v of mass) simpson += v * v;
    out[i] = 1 / simpson;
  }
  return out;
}
