/**
 * One fit of any model for the commands, through the library's public functions, reduced to what
 * the commands print and write: labels, their maximum posterior, the objective and the run's facts.
 */
import type { DataInput } from '../data.js';
import type { Engine } from '../engine/engine.js';
import { gaussianMixture } from '../gmm/api.js';
import { GMM_N_INIT } from '../gmm/options.js';
import { kmeans, softKMeans } from '../kmeans/api.js';
import { negativeBinomialMixture } from '../nbmm/api.js';
import { NB_N_INIT } from '../nbmm/options.js';
import type { CountsInput, NegativeBinomialMixtureOptions } from '../nbmm/types.js';
import type {
  Backend,
  CovarianceType,
  GaussianMixtureOptions,
  IterationRecord,
  KMeansOptions,
  KMeansResult,
  RestartSummary,
  SoftKMeansOptions,
  Timings,
} from '../types.js';
import { rowMax } from './output.js';

export type ModelName = 'kmeans' | 'softkmeans' | 'gmm' | 'nb';

/** The model options a command passes (sklearn's names, camel-cased); unset ones keep the library's defaults. */
export interface FitSettings {
  k: number;
  seed?: number;
  nInit?: number | 'auto';
  maxIter?: number;
  tol?: number;
  init?: 'k-means++' | 'random';
  beta?: number;
  covariance?: CovarianceType;
  regCovar?: number;
  dispersion?: 'per-gene' | 'shared' | number;
  sizeFactors?: 'library' | 'none';
}

export interface FitOutcome {
  /** 'leiden': `emgpu sc`'s graph clustering (./sc-graph.ts), a hard partition like k-means'. */
  model: ModelName | 'leiden';
  k: number;
  labels: number[];
  /** Per sample: the largest posterior probability (1 for k-means' hard assignment). */
  maxPosterior: Float64Array;
  clusterSizes: number[];
  /** What the model optimises: inertia (lower is better) or the log-likelihood (higher is better). */
  objective: { name: 'inertia' | 'soft objective' | 'log-likelihood' | 'quality'; value: number };
  nIter: number;
  converged: boolean;
  stopReason: string;
  restarts: RestartSummary[];
  backend: Backend;
  adapter: string;
  seed: number;
  timings: Timings;
  warnings: string[];
  /** Model-specific numbers for the summary (inertia, beta, covariance, BIC, ...). */
  extra: Record<string, number | string>;
}

/** Hooks the commands pass: progress, and (tests) a replacement k-means. */
export interface FitHooks {
  onIteration?: (info: IterationRecord) => void;
  kmeans?: (data: DataInput, options: KMeansOptions & { engine: Engine }) => Promise<KMeansResult>;
}

function pick<T extends object>(s: FitSettings, keys: (keyof FitSettings)[]): Partial<T> {
  const o: Record<string, unknown> = {};
  for (const key of keys) if (s[key] !== undefined) o[key] = s[key];
  return o as Partial<T>;
}

/** The library options a command's settings stand for (what a test passes to call the library the same way). */
export function libraryOptions(model: ModelName, s: FitSettings): Record<string, unknown> {
  const base = ['k', 'seed', 'maxIter', 'tol'] as (keyof FitSettings)[];
  if (model === 'kmeans') return pick<KMeansOptions>(s, [...base, 'nInit', 'init']);
  if (model === 'softkmeans') return { ...pick<SoftKMeansOptions>(s, [...base, 'nInit', 'init', 'beta']), returnResponsibilities: true };
  if (model === 'gmm') {
    // The mixture's nInit is a number: 'auto' leaves the library's default (GMM_N_INIT).
    return pick<GaussianMixtureOptions>(s, [...base, ...(s.nInit === 'auto' ? [] : (['nInit'] as const)), 'covariance', 'regCovar']);
  }
  return { ...pick<NegativeBinomialMixtureOptions>(s, [...base, 'nInit', 'dispersion', 'sizeFactors']), returnResponsibilities: true };
}

const ones = (n: number) => new Float64Array(n).fill(1);

/** Fit `model` on `data` (a dense matrix; counts, dense or CSR, for 'nb'). */
export async function fitModel(
  model: ModelName,
  data: DataInput | CountsInput,
  s: FitSettings,
  engine: Engine,
  hooks: FitHooks = {},
): Promise<FitOutcome> {
  const opts = { ...libraryOptions(model, s), engine, ...(hooks.onIteration ? { onIteration: hooks.onIteration } : {}) };
  const common = <R extends { labels: number[]; clusterSizes: number[]; nIter: number; converged: boolean; stopReason: string }>(r: R) => ({
    model,
    labels: r.labels,
    clusterSizes: r.clusterSizes,
    nIter: r.nIter,
    converged: r.converged,
    stopReason: r.stopReason,
  });
  const facts = (r: {
    restarts: RestartSummary[];
    backend: Backend;
    adapter: string;
    seed: number;
    timings: Timings;
    warnings: string[];
  }) => ({
    restarts: r.restarts,
    backend: r.backend,
    adapter: r.adapter,
    seed: r.seed,
    timings: r.timings,
    warnings: r.warnings ?? [],
  });
  if (model === 'kmeans') {
    const r = await (hooks.kmeans ?? kmeans)(data as DataInput, opts as KMeansOptions & { engine: Engine });
    return {
      ...common(r),
      ...facts(r),
      k: r.k ?? s.k,
      maxPosterior: ones(r.labels.length),
      objective: { name: 'inertia', value: r.inertia },
      extra: { inertia: r.inertia },
    };
  }
  if (model === 'softkmeans') {
    const r = await softKMeans(data as DataInput, opts as SoftKMeansOptions & { engine: Engine });
    return {
      ...common(r),
      ...facts(r),
      k: r.k,
      maxPosterior: rowMax(r.responsibilities ?? [], r.n, r.k),
      objective: { name: 'soft objective', value: r.objective },
      extra: { beta: r.beta, inertia: r.inertia },
    };
  }
  if (model === 'gmm') {
    const r = await gaussianMixture(data as DataInput, opts as GaussianMixtureOptions & { engine: Engine });
    const proba = await r.predictProba(data as DataInput);
    return {
      ...common(r),
      ...facts(r),
      k: r.k,
      maxPosterior: rowMax(proba, r.n, r.k),
      objective: { name: 'log-likelihood', value: r.logLikelihood },
      extra: { covariance: r.covariance, lowerBound: r.lowerBound, bic: await r.bic(data as DataInput) },
    };
  }
  const r = await negativeBinomialMixture(data as CountsInput, opts as NegativeBinomialMixtureOptions & { engine: Engine });
  return {
    ...common(r),
    ...facts(r),
    k: r.k,
    maxPosterior: rowMax(r.responsibilities ?? [], r.n, r.k),
    objective: { name: 'log-likelihood', value: r.logLikelihood },
    extra: {
      lowerBound: r.lowerBound,
      dispersion: r.dispersionMode,
      sizeFactors: r.sizeFactorMode,
      bic: nbBic(r.logLikelihood, r.k, r.d, r.n, r.dispersionMode),
    },
  };
}

/** Free parameters of an NB mixture: k·d means, k − 1 weights, and d, 1 or 0 dispersions (per-gene, shared, fixed). */
export function nbParameters(k: number, d: number, dispersion: string): number {
  return k * d + (k - 1) + (dispersion === 'per-gene' ? d : dispersion === 'shared' ? 1 : 0);
}

/** BIC of an NB mixture (the demo's k sweep counts the same parameters). */
export function nbBic(logLikelihood: number, k: number, d: number, n: number, dispersion: string): number {
  return -2 * logLikelihood + nbParameters(k, d, dispersion) * Math.log(n);
}

/** Restarts a progress bar should expect: --n-init, else the library's default (10 for random init; the mixtures' GMM_N_INIT / NB_N_INIT; else 1). */
export function plannedRestarts(s: FitSettings, model?: ModelName): number {
  if (typeof s.nInit === 'number') return s.nInit;
  if (model === 'gmm') return GMM_N_INIT;
  if (model === 'nb') return s.init === 'random' ? 10 : NB_N_INIT;
  return s.init === 'random' ? 10 : 1;
}

export const DEFAULT_MAX_ITER: Record<ModelName, number> = { kmeans: 300, softkmeans: 300, gmm: 100, nb: 100 };
