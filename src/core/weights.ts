/**
 * Sample weights, with scikit-learn's semantics: a row of weight w counts as w copies of it, so
 * every statistic, objective and log-likelihood is a weighted sum. Validated once here for every model;
 * the sampling helpers (∝ a weight) shared by the backends' k-means++ are here too.
 */
import { finiteNumber, isArrayLike } from '../data.js';
import { invalid } from '../errors.js';

/** The weights as float64 (null when none are given), or a typed error. */
export function resolveSampleWeight(w: ArrayLike<number> | undefined | null, n: number): Float64Array | null {
  if (w === undefined || w === null) return null;
  if (!isArrayLike(w)) {
    throw invalid('BAD_OPTION', 'sampleWeight is not an array. Pass one non-negative number per sample.');
  }
  if (w.length !== n) {
    throw invalid('SHAPE_MISMATCH', `sampleWeight has ${w.length} values but there are ${n} samples. Pass one weight per sample.`);
  }
  const out = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = finiteNumber(w[i], 'sampleWeight', `index ${i}`);
    if (v < 0) throw invalid('BAD_OPTION', `sampleWeight[${i}] = ${v} is negative. Pass weights >= 0.`);
    out[i] = v;
    total += v;
  }
  // Weights count copies of rows; beyond 2^64 copies in all, weighted sums of squared distances
  // could leave float32's range on every scale (core/scale.ts).
  if (total > 2 ** 64) {
    throw invalid(
      'BAD_OPTION',
      `sampleWeight sums to ${total}, more than 2^64 rows in all. Weights are relative: divide them by their mean (the fit is the same).`,
    );
  }
  if (!(total > 0))
    throw invalid('BAD_OPTION', 'sampleWeight sums to zero: no sample would count. Give at least one sample a positive weight.');
  return out;
}

/** The first index whose cumulative weight reaches u·Σw, u in [0, 1) (scikit-learn's choice(n, p = w / Σw)). */
export function weightedPick(weights: Float64Array, u: number): number {
  let total = 0;
  for (const w of weights) total += w;
  const target = u * total;
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i];
    if (acc >= target && weights[i] > 0) return i;
  }
  return weights.length - 1;
}

/** First index whose cumulative sum reaches the target (numpy searchsorted, side='left'). */
export function searchSorted(cumsum: Float64Array, target: number): number {
  let lo = 0;
  let hi = cumsum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumsum[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * m distinct indices drawn one after another, each with probability ∝ its weight among those not
 * yet drawn (numpy's choice(n, m, replace=False, p=w/Σw), which scikit-learn's random
 * initialisations use with sample weights); a row of weight 0 is never drawn. Unweighted fits keep
 * rng.sample, whose draws are pinned.
 */
export function weightedSample(weights: Float64Array, m: number, uniform: () => number): number[] {
  const left = Float64Array.from(weights);
  let positive = 0;
  for (const w of left) if (w > 0) positive++;
  if (positive < m) {
    throw invalid(
      'K_TOO_LARGE',
      `Only ${positive} samples have a positive sampleWeight, fewer than k=${m}. Pass k <= ${positive}, or give more samples weight.`,
    );
  }
  const out: number[] = [];
  for (let t = 0; t < m; t++) {
    const i = weightedPick(left, uniform());
    out.push(i);
    left[i] = 0;
  }
  return out;
}

/**
 * How far a model's mixture weights may sum from 1 for scoring: wide enough for weights fitted in float32 and
 * written out as JSON, narrow enough that the log-likelihoods are off by at most about 1e-4. Weights are used
 * as given (not renormalised): a model's scores keep their bits.
 */
export const MIXTURE_WEIGHT_TOL = 1e-4;

/** A hand-built or edited model's mixture weights: each >= 0, summing to 1 within MIXTURE_WEIGHT_TOL; else a typed error. */
export function checkMixtureWeights(weights: ArrayLike<number>, what = 'model.weights'): void {
  let sum = 0;
  for (let j = 0; j < weights.length; j++) {
    const w = weights[j];
    if (!(w >= 0)) throw invalid('BAD_OPTION', `${what}[${j}] = ${w} is negative. Mixture weights are probabilities: pass weights >= 0.`);
    sum += w;
  }
  if (!(Math.abs(sum - 1) <= MIXTURE_WEIGHT_TOL)) {
    throw invalid(
      'BAD_OPTION',
      `${what} sum to ${sum}, not 1 (within ${MIXTURE_WEIGHT_TOL}): the model's log-likelihoods would be off by log(${sum}). ` +
        'Divide the weights by their sum, or pass an unmodified fit result.',
    );
  }
}
