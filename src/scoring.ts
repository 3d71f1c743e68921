/**
 * Scoring new data, one shape for every model: `predict(model, X, options?)`,
 * `predictProba(model, X, options?)`, `scoreSamples(model, X, options?)` and `transform(model, X,
 * options?)`, where `model` is a fit's result (or its JSON) and options carry `engine?`/`backend?`
 * (plus `sizeFactors` for the NB mixture). Each model's scoring is defined once in its api.ts;
 * this file only picks it by the result's `model` field.
 */
import type { DataInput } from './data.js';
import { checkOptionNames } from './core/known-options.js';
import { ENGINE_SELECTION, type EngineSelection } from './engine/engine.js';
import { invalid } from './errors.js';
import { type GmmModel, gmmPredict, gmmPredictProba, gmmScoreSamples } from './gmm/api.js';
import { predictCentroids } from './kmeans/api.js';
import { scoreNb } from './nbmm/api.js';
import type { CountsInput, NbScoreOptions, NegativeBinomialModel } from './nbmm/types.js';
import type { CentroidModel } from './types.js';

/** Any fitted model scoring accepts: a k-means / soft k-means result or `{ centroids }`, a Gaussian or NB mixture. */
export type FittedModel = CentroidModel | GmmModel | NegativeBinomialModel;
export type ScoreOptions = EngineSelection & NbScoreOptions;

const SCORE_OPTIONS = [...ENGINE_SELECTION, 'sizeFactors'];

// By shape, so hand-built models ({ weights, means, dispersion }, { centroids }) score too.
const kindOf = (model: FittedModel): 'gmm' | 'nbmm' | 'centroids' => {
  if (model === null || typeof model !== 'object')
    throw invalid(
      'BAD_OPTION',
      `The model is ${model === null ? 'null' : typeof model}. Pass the result of a fit (kmeans(), gaussianMixture(), negativeBinomialMixture()).`,
    );
  const m = model as unknown as Record<string, unknown>;
  return m.dispersion !== undefined ? 'nbmm' : m.covariances !== undefined ? 'gmm' : 'centroids';
};

function noProbabilities(what: string): never {
  throw invalid(
    'BAD_OPTION',
    `${what} needs a probabilistic model, but this one is a set of centroids. Fit gaussianMixture() or negativeBinomialMixture(), or use predict().`,
  );
}

function rows(flat: Float64Array | Float32Array, k: number): number[][] {
  return Array.from({ length: flat.length / k }, (_, i) => Array.from(flat.subarray(i * k, (i + 1) * k)));
}

/** The most probable component (mixtures) or the nearest centroid (k-means) of each row of X. */
export async function predict(model: FittedModel, X: DataInput | CountsInput, options?: ScoreOptions): Promise<number[]> {
  checkOptionNames(options, SCORE_OPTIONS, 'predict');
  const kind = kindOf(model);
  if (kind === 'gmm') return gmmPredict(model as GmmModel, X as DataInput, options);
  if (kind === 'nbmm') return Array.from((await scoreNb(model as NegativeBinomialModel, X as CountsInput, options, false)).labels);
  return predictCentroids(model as CentroidModel, X as DataInput, options);
}

/** Posterior component probabilities, n rows of k (mixtures). */
export async function predictProba(model: FittedModel, X: DataInput | CountsInput, options?: ScoreOptions): Promise<number[][]> {
  checkOptionNames(options, SCORE_OPTIONS, 'predictProba');
  const kind = kindOf(model);
  if (kind === 'gmm') return gmmPredictProba(model as GmmModel, X as DataInput, options);
  if (kind === 'nbmm') {
    const ev = await scoreNb(model as NegativeBinomialModel, X as CountsInput, options, true);
    return rows(ev.resp!, (model as NegativeBinomialModel).weights.length);
  }
  return noProbabilities('predictProba');
}

/** log p(x_i) of each row under the mixture. */
export async function scoreSamples(model: FittedModel, X: DataInput | CountsInput, options?: ScoreOptions): Promise<number[]> {
  checkOptionNames(options, SCORE_OPTIONS, 'scoreSamples');
  const kind = kindOf(model);
  if (kind === 'gmm') return gmmScoreSamples(model as GmmModel, X as DataInput, options);
  if (kind === 'nbmm') return Array.from((await scoreNb(model as NegativeBinomialModel, X as CountsInput, options, false)).logProb!);
  return noProbabilities('scoreSamples');
}
