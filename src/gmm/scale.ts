/**
 * The Gaussian mixture at extreme data scales (core/scale.ts): fitted on x / s, with regCovar and
 * given initial parameters in the same units, then mapped back: means × s, covariances × s²,
 * precision factors ÷ s, log-likelihoods − d·log s per unit weight. s = 1 for ordinary data
 * (nothing touched). A MAP prior's log-density is not invariant under the change of units, so a
 * prior on data outside the safe band is refused rather than reported in the wrong units.
 */
import type { Dataset } from '../data.js';
import { dataScale, mapBack, maxAbs } from '../core/scale.js';
import { f16Scale } from '../core/precision.js';
import { invalid } from '../errors.js';
import type { GaussianMixtureResult, IterationRecord } from '../types.js';
import { precisionsFrom, type GmmParams } from './model.js';
import type { Resolved } from './options.js';

type Nested = number | Nested[];
const mapNested = (v: Nested, f: (x: number) => number): Nested => (Array.isArray(v) ? v.map((u) => mapNested(u, f)) : f(v));

/** The smallest regCovar in scaled units on float32 backends: 2^-100, a normal float32 whose reciprocal is finite. */
export const F32_REG_FLOOR = 2 ** -100;

export interface GmmScale {
  s: number;
  /** The caller's onIteration, seeing records in the data's units (the history is mapped with them). */
  wrap(user: ((r: IterationRecord) => void) | undefined): (r: IterationRecord) => void;
  /** Map a result built in scaled units back to the data's, in place. */
  unscale(res: GaussianMixtureResult): void;
}

/**
 * The scale of a fit; adjusts `r` (regCovar, given init) to the scaled units when s ≠ 1. `f16`: the
 * data are stored in half precision, and s is the power of two that brings them into its range
 * (core/precision.ts f16Scale) instead of the safe band's.
 */
export function gmmScale(ds: Dataset, r: Resolved, total: number, float32: boolean, f16 = false): GmmScale {
  const m = maxAbs(ds.x);
  const s = f16 ? f16Scale(m) : dataScale(m, ds.d, total, float32);
  const perSample = ds.d * Math.log(s);
  const userReg = r.regCovar;
  if (s !== 1) {
    if (r.prior) {
      throw invalid(
        'OUT_OF_RANGE',
        `The data reach about 2^${Math.log2(s)}, beyond the range a MAP prior can be evaluated at in float64. Divide the data by a constant (e.g. a power of ten near its largest value) and fit again.`,
      );
    }
    // In float32 (every backend but 'reference') regCovar / s² can underflow to 0 (data beyond ~1e19), and a
    // component collapsed on one point then has variance 0 and NaN parameters. Floored at F32_REG_FLOOR in scaled
    // units: below float32's resolution next to any variance of the scaled data (O(1)), so the fit keeps its bits
    // where no component collapses, and a collapsed one is a point mass of variance F32_REG_FLOOR·s².
    r.regCovar = float32 && r.regCovar > 0 ? Math.max(r.regCovar / s / s, F32_REG_FLOOR) : r.regCovar / s / s;
    r.scale = s;
  }
  return {
    s,
    wrap: (user) => (rec) => {
      rec.objective -= perSample;
      rec.shift = mapBack(rec.shift, s, 2, 'squared mean shift', s);
      user?.(rec);
    },
    unscale(res) {
      const cov = (x: number) => mapBack(x, s, 2, 'covariance', s);
      res.means = res.means.map((row) => row.map((x) => x * s));
      res.covariances = mapNested(res.covariances as Nested, cov) as GaussianMixtureResult['covariances'];
      res.precisionsCholesky = mapNested(res.precisionsCholesky as Nested, (x) => x / s) as GaussianMixtureResult['precisionsCholesky'];
      // lowerBound, history and restarts are the driver's records, already mapped by wrap().
      res.logLikelihood -= total * perSample;
      res.regCovar = userReg;
    },
  };
}

/**
 * Parameters and data scale for evaluating a fitted mixture on X: s from X, the means and the
 * covariances' square roots together; the parameters are re-derived in the scaled units.
 */
export function evaluationScale(p: GmmParams, x: Float64Array, n: number, float32: boolean): { s: number; params: GmmParams } {
  const m = Math.max(maxAbs(x), maxAbs(p.means), Math.sqrt(maxAbs(p.cov)));
  const s = dataScale(m, p.d, n, float32);
  if (s === 1) return { s, params: p };
  // Rows far beyond the model's spread would underflow its covariances in scaled units (and be
  // regularised into other ones): evaluate unscaled, where such rows are the typed error they deserve.
  let minCov = Infinity;
  for (const v of p.cov) if (v > 0 && v < minCov) minCov = v;
  if (minCov / s / s < 2 ** -900) return { s: 1, params: p };
  const params = precisionsFrom(
    p.type,
    p.k,
    p.d,
    p.weights,
    p.means.map((v) => v / s),
    p.cov.map((v) => v / s / s),
    p.active,
    0,
  );
  return { s, params };
}
