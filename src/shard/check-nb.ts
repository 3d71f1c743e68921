/**
 * NB mixture parameters as they cross a boundary (a worker request, a caller's nbPosteriorStream):
 * the globals' size-factor range must be a real, ordered, positive interval (the size grid takes
 * its logs), and the weights a distribution. Without these, sMin > sMax or sMin ≤ 0 built a grid of
 * nothing in particular, and weights summing to 3 added log 3 to every row's log-likelihood
 * (a positive NB log-likelihood). Checks only: accepted parameters keep their bits.
 */
import { checkOptionNames } from '../core/known-options.js';
import { invalid } from '../errors.js';
import type { NbGlobals } from './types.js';

const PARAM_KEYS = ['weights', 'means', 'dispersion', 'globals'];
const GLOBAL_KEYS = ['sizeFactorMode', 'libraryMean', 'sMin', 'sMax', 'n', 'hist'];

/** Fitted weights sum to 1 within float64 rounding; 1e-6 leaves room for floored empty components. */
const WEIGHT_SUM_TOLERANCE = 1e-6;

export function checkNbParamsShape(p: object, globals: NbGlobals): void {
  checkOptionNames(p, PARAM_KEYS, 'NB parameters');
  checkOptionNames(globals, GLOBAL_KEYS, 'NB parameters globals');
  const { sizeFactorMode, libraryMean, sMin, sMax, n } = globals;
  if (sizeFactorMode !== 'library' && sizeFactorMode !== 'none')
    throw invalid(
      'BAD_OPTION',
      `params.globals.sizeFactorMode='${String(sizeFactorMode)}' must be 'library' or 'none'. Pass finishGlobals' result.`,
    );
  if (!(typeof libraryMean === 'number' && libraryMean > 0 && libraryMean < Infinity))
    throw invalid(
      'BAD_OPTION',
      `params.globals.libraryMean=${String(libraryMean)} must be a finite number > 0. Pass finishGlobals' result.`,
    );
  if (!(typeof sMin === 'number' && typeof sMax === 'number' && sMin > 0 && sMin <= sMax && sMax < Infinity))
    throw invalid(
      'BAD_OPTION',
      `params.globals gives the size factors the range ${String(sMin)} to ${String(sMax)}; it must be finite, > 0 and ordered (sMin ≤ sMax). Pass finishGlobals' result.`,
    );
  if (!(Number.isSafeInteger(n) && n >= 1))
    throw invalid(
      'BAD_OPTION',
      `params.globals.n=${String(n)} must be the number of cells, a whole number ≥ 1. Pass finishGlobals' result.`,
    );
}

export function checkWeightSum(weights: Float64Array): void {
  let total = 0;
  for (const w of weights) total += w;
  if (!(Math.abs(total - 1) <= WEIGHT_SUM_TOLERANCE))
    throw invalid(
      'BAD_OPTION',
      `params.weights sum to ${total}; mixture weights sum to 1. Pass the weights a fit returned (or divide them by their sum).`,
    );
}
