/**
 * The negative-binomial mixture's public functions, one calling convention:
 * `negativeBinomialMixture(counts, { ...options, engine?, backend? })`. Scoring new cells
 * (scoreNb, behind the top-level predict, predictProba and scoreSamples) is defined once, on the 'reference'
 * backend's evaluation (host float64, as always).
 */
import { implementationFor } from '../core/registry.js';
import { checkMixtureWeights } from '../core/weights.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { isArrayLike, toFiniteVector } from '../data.js';
import { ENGINE_SELECTION, engineFor, type EngineSelection } from '../engine/engine.js';
import { invalid } from '../errors.js';
import type { NbBackend } from './backend.js';
import { toCounts, sizeFactors } from './counts.js';
import { fitNegativeBinomialMixture } from './fit.js';
import { PHI_MAX, PHI_MIN, type NbParams } from './model.js';
import type {
  CountsInput,
  NbScoreOptions,
  NegativeBinomialMixtureOptions,
  NegativeBinomialMixtureResult,
  NegativeBinomialModel,
} from './types.js';

const NB_OPTIONS = [
  ...optionNames<NegativeBinomialMixtureOptions>({
    k: true,
    sizeFactors: true,
    dispersion: true,
    meanEstimator: true,
    deviceMStep: true,
    init: true,
    nInit: true,
    maxIter: true,
    tol: true,
    seed: true,
    returnResponsibilities: true,
    onIteration: true,
    signal: true,
    sampleWeight: true,
  }),
  ...ENGINE_SELECTION,
];

/** Negative-binomial mixture of counts (cells × genes, dense or CSR) by EM, with size factors and per-gene dispersion. */
export async function negativeBinomialMixture(
  counts: CountsInput,
  options: NegativeBinomialMixtureOptions & EngineSelection,
): Promise<NegativeBinomialMixtureResult> {
  checkOptionNames(options, NB_OPTIONS, 'negativeBinomialMixture', 'k');
  const engine = await engineFor(options);
  engine.check();
  return fitNegativeBinomialMixture(engine, counts, options);
}

function modelParams(model: NegativeBinomialModel, d: number): NbParams {
  if (!isArrayLike(model?.means) || !isArrayLike(model.weights) || !isArrayLike(model.dispersion)) {
    throw invalid('BAD_OPTION', 'The model has no weights, means or dispersion. Pass the result of negativeBinomialMixture().');
  }
  const k = model.weights.length;
  if (model.means.length !== k)
    throw invalid('SHAPE_MISMATCH', `The model has ${k} weights but ${model.means.length} rows of means; they must match.`);
  const first = model.means[0];
  const md = isArrayLike(first) ? first.length : 0;
  if (md !== d) {
    throw invalid(
      'DIMENSION_MISMATCH',
      `The counts have ${d} genes, but the model was fitted on ${md}. Pass counts of the same genes, in the training order.`,
    );
  }
  if (model.dispersion.length !== d)
    throw invalid('SHAPE_MISMATCH', `The model has ${model.dispersion.length} dispersions for ${d} genes; they must match.`);
  const weights = toFiniteVector(model.weights, 'model.weights');
  const means = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    const row = model.means[j];
    if (!isArrayLike(row) || row.length !== d)
      throw invalid('SHAPE_MISMATCH', `Row ${j} of the model's means has ${isArrayLike(row) ? row.length : 'no'} values, not ${d}.`);
    means.set(toFiniteVector(row, `model.means[${j}]`), j * d);
  }
  const phi = toFiniteVector(model.dispersion, 'model.dispersion');
  const ok = (v: number, lo: number, hi: number): boolean => Number.isFinite(v) && v >= lo && v <= hi;
  if (!weights.every((w) => ok(w, 0, 1)) || !means.every((m) => ok(m, 0, Infinity)) || !phi.every((f) => ok(f, PHI_MIN, PHI_MAX))) {
    throw invalid(
      'BAD_OPTION',
      'The model has weights outside [0, 1], negative or non-finite means, or dispersions outside the fitted range. Pass an unmodified fit result.',
    );
  }
  checkMixtureWeights(weights);
  return { k, d, weights, means, phi };
}

/**
 * Labels, log p(x_i) and (with `resp`) responsibilities of new cells under a fitted model, in
 * float64 on the host whatever engine fitted it. Size factors default to the fit's rule ('library'
 * divides by the training libraryMean).
 */
export async function scoreNb(model: NegativeBinomialModel, counts: CountsInput, options: NbScoreOptions | undefined, resp: boolean) {
  const c = toCounts(counts);
  const p = modelParams(model, c.d);
  let opt = options?.sizeFactors;
  if (opt === undefined) {
    if (model.sizeFactorMode === 'given') {
      throw invalid(
        'BAD_OPTION',
        'The model was fitted with given size factors, so new cells need theirs: pass { sizeFactors: [...] } (one per new cell).',
      );
    }
    opt = model.sizeFactorMode === 'none' ? 'none' : 'library';
  }
  const lm = model.libraryMean;
  if (lm !== undefined && (typeof lm !== 'number' || !(lm > 0) || !Number.isFinite(lm)))
    throw invalid('BAD_OPTION', `The model's libraryMean=${String(lm)} must be a finite number > 0. Pass an unmodified fit result.`);
  const sf = sizeFactors(c, opt, opt === 'library' && model.libraryMean !== undefined ? model.libraryMean : undefined);
  // No engine: host float64 scoring, whatever backend fitted the model.
  const scorer = implementationFor<NbBackend>('nbmm', 'reference');
  const ev = await scorer.open({ backend: 'reference', instance: null }, c, sf.s, null, { k: p.k, weights: null }, (s) =>
    s.evaluate(p, { resp, logProb: true }),
  );
  // A cell with a count where every component of positive weight has mean 0 has probability 0 under the model:
  // its log-likelihood is −∞ and its responsibilities 0/0. Refused, rather than returned as NaN.
  const lp = ev.logProb;
  for (let i = 0; lp && i < lp.length; i++) {
    if (!(lp[i] > -Infinity)) {
      throw invalid(
        'OUT_OF_RANGE',
        `Cell ${i} has a count in a gene whose mean is 0 in every component of positive weight, so the model gives it probability 0 ` +
          '(log-likelihood −∞, responsibilities undefined). Give such genes a small positive mean, or score only the genes the model has seen expressed.',
      );
    }
  }
  return ev;
}
