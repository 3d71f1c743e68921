/**
 * One fit per candidate k for selectK, with what every criterion needs from it: the model's
 * objective, log-likelihood and parameter count, and the classification terms (ICL). The fit is
 * the public function's own result, unchanged, so selectK can hand back the chosen one as is.
 */
import type { Engine } from '../engine/engine.js';
import { gaussianMixture } from '../gmm/api.js';
import { kmeans } from '../kmeans/api.js';
import { negativeBinomialMixture } from '../nbmm/api.js';
import type { CountsInput, NegativeBinomialMixtureOptions, NegativeBinomialMixtureResult } from '../nbmm/types.js';
import type { GaussianMixtureOptions, GaussianMixtureResult, KMeansOptions, KMeansResult } from '../types.js';
import {
  clusterScatter,
  gmmParameters,
  icl,
  information,
  kmeansInformation,
  nbParameters,
  posteriorTerms,
  xmeansInformation,
} from './criteria.js';

export type SelectModel = 'kmeans' | 'gmm' | 'nb';
export type FitResult = KMeansResult | GaussianMixtureResult | NegativeBinomialMixtureResult;
export type FitOptions = Omit<KMeansOptions, 'k'> | Omit<GaussianMixtureOptions, 'k'> | Omit<NegativeBinomialMixtureOptions, 'k'>;

export interface DenseInput {
  data: Float64Array | Float32Array | ArrayLike<number>;
  n: number;
  d: number;
}

/** The criteria every fit reports (lower is better for all of them). */
export interface FitFacts {
  result: FitResult;
  labels: ArrayLike<number>;
  objective: number;
  logLikelihood: number;
  nParameters: number;
  bic: number;
  aic: number;
  icl: number;
  /** −Σ z log z of the posterior (0 for k-means' hard assignments). */
  entropy: number;
  /** X-means BIC with a variance per cluster (k-means only). */
  xmeansBic?: number;
}

export interface FitContext {
  model: SelectModel;
  engine: Engine;
  /** The data as the model takes it: dense rows for k-means and the GMM, counts for NB. */
  input: DenseInput | CountsInput;
  /** n and d of the input. */
  n: number;
  d: number;
  fit: FitOptions;
  /** sampleWeight resolved (null: all 1), and its sum (the effective n). */
  weights: Float64Array | null;
  nEff: number;
  signal?: AbortSignal;
}

/** Fit the context's model at k on its input (or on `input`, e.g. a subsample or a reference set). */
export async function fitAt(ctx: FitContext, k: number, input = ctx.input, extra: Record<string, unknown> = {}): Promise<FitResult> {
  const opts = { engine: ctx.engine, ...ctx.fit, ...extra, k, ...(ctx.signal ? { signal: ctx.signal } : {}) };
  if (ctx.model === 'kmeans') return kmeans(input as DenseInput, opts as KMeansOptions & { engine: Engine });
  if (ctx.model === 'gmm') return gaussianMixture(input as DenseInput, opts as GaussianMixtureOptions & { engine: Engine });
  return negativeBinomialMixture(input as CountsInput, opts as NegativeBinomialMixtureOptions & { engine: Engine });
}

/** The fit at k and its criteria. */
export async function fitWithFacts(ctx: FitContext, k: number): Promise<FitFacts> {
  const { nEff, weights } = ctx;
  if (ctx.model === 'kmeans') {
    const r = (await fitAt(ctx, k)) as KMeansResult;
    const x = (ctx.input as DenseInput).data;
    const { rss, sizes } = clusterScatter(x, ctx.n, ctx.d, r.labels, r.centroids, weights);
    const { logLikelihood, p } = kmeansInformation(r.inertia, sizes, nEff, ctx.d);
    const ic = information(logLikelihood, p, nEff);
    const xm = xmeansInformation(rss, sizes, ctx.d);
    return {
      result: r,
      labels: r.labels,
      objective: r.inertia,
      logLikelihood,
      nParameters: p,
      ...ic,
      icl: ic.bic,
      entropy: 0,
      xmeansBic: information(xm.logLikelihood, xm.p, nEff).bic,
    };
  }
  if (ctx.model === 'gmm') {
    const r = (await fitAt(ctx, k)) as GaussianMixtureResult;
    const p = gmmParameters(r.covariance, r.k, ctx.d);
    const ic = information(r.logLikelihood, p, nEff);
    const t = posteriorTerms(await r.predictProba(ctx.input as DenseInput), weights);
    return {
      result: r,
      labels: r.labels,
      objective: r.logLikelihood / nEff,
      logLikelihood: r.logLikelihood,
      nParameters: p,
      ...ic,
      icl: icl(ic.bic, t.mapLog),
      entropy: t.entropy,
    };
  }
  // NB: the responsibilities come with the fit (no second E-step over the counts); they are
  // dropped from the result unless the caller asked for them, so it equals a direct fit's.
  const asked = (ctx.fit as Omit<NegativeBinomialMixtureOptions, 'k'>).returnResponsibilities === true;
  const r = (await fitAt(ctx, k, ctx.input, { returnResponsibilities: true })) as NegativeBinomialMixtureResult;
  const t = posteriorTerms(r.responsibilities!, weights);
  if (!asked) delete r.responsibilities;
  const p = nbParameters(r.k, ctx.d, r.dispersionMode);
  const ic = information(r.logLikelihood, p, nEff);
  return {
    result: r,
    labels: r.labels,
    objective: r.logLikelihood / nEff,
    logLikelihood: r.logLikelihood,
    nParameters: p,
    ...ic,
    icl: icl(ic.bic, t.mapLog),
    entropy: t.entropy,
  };
}
