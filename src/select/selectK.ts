/**
 * Model selection over k: fit the model for each k, tabulate objective, BIC, AIC, iterations and
 * time, and choose k by the criterion (lowest BIC/AIC, or the elbow of the inertia curve).
 */
import { toDataset, type DataInput } from '../data.js';
import { invalid, throwIfAborted } from '../errors.js';
import { resolveSampleWeight } from '../core/weights.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { isArrayLike } from '../data.js';
import { ENGINE_SELECTION, engineFor, type EngineSelection } from '../engine/engine.js';
import { gaussianMixture } from '../gmm/api.js';
import { kmeans } from '../kmeans/api.js';
import type { GaussianMixtureOptions, KMeansOptions } from '../types.js';
import { nParameters } from '../gmm/model.js';

export type SelectModel = 'kmeans' | 'gmm';
export type Criterion = 'bic' | 'aic' | 'inertia';

export interface SelectKOptions {
  model?: SelectModel;
  /** Candidate k values (default 2..min(20, n)). */
  ks?: number[];
  /** Default 'bic' for mixtures, 'inertia' (elbow) for k-means. */
  criterion?: Criterion;
  /** Options for every fit (everything but k). */
  fit?: Omit<KMeansOptions, 'k'> | Omit<GaussianMixtureOptions, 'k'>;
  /** Called after each k, for live curves. */
  onK?: (row: SelectKRow) => void;
  signal?: AbortSignal;
}

export interface SelectKRow {
  k: number;
  /** The model's own objective: inertia (k-means) or mean log-likelihood (mixtures). */
  objective: number;
  logLikelihood: number;
  bic: number;
  aic: number;
  nParameters: number;
  nIter: number;
  converged: boolean;
  timeMs: number;
}

export interface SelectKResult {
  model: SelectModel;
  criterion: Criterion;
  rows: SelectKRow[];
  bestK: number;
  /** The elbow of the objective curve (largest gain ratio), whatever the criterion. */
  elbowK: number;
}

/**
 * The elbow of a decreasing objective curve (inertia against k): the k after which the gain
 * collapses, i.e. the interior k maximising (f(k₋) − f(k)) / (f(k) − f(k₊)), the gain of the
 * step into k over the gain of the step out of it. A chord-distance ("kneedle") rule picks too
 * small a k on the very convex curves k-means gives; the gain ratio does not.
 */
export function elbow(ks: number[], values: number[]): number {
  if (ks.length !== values.length || ks.length === 0)
    throw invalid('SHAPE_MISMATCH', 'elbow() needs as many values as ks, and at least one.');
  if (ks.length < 3) return ks[0];
  const scale = Math.max(...values.map(Math.abs)) || 1;
  let best = -Infinity;
  let arg = 1;
  for (let i = 1; i < ks.length - 1; i++) {
    const into = values[i - 1] - values[i];
    const out = Math.max(values[i] - values[i + 1], 1e-12 * scale);
    const ratio = into / out;
    if (ratio > best) {
      best = ratio;
      arg = i;
    }
  }
  return ks[arg];
}

/**
 * BIC/AIC of a k-means partition read as a hard-assignment spherical Gaussian mixture with one
 * shared variance (σ² = inertia / (n·d), weights n_j / n), as X-means does:
 * log L = Σ_j n_j log(n_j / n) − (n·d/2)(log 2πσ² + 1), with k·d means, 1 variance, k − 1 weights.
 */
export function kmeansInformation(inertia: number, sizes: number[], n: number, d: number): { logLikelihood: number; p: number } {
  const k = sizes.length;
  const variance = Math.max(inertia / (n * d), Number.MIN_VALUE);
  let ll = -((n * d) / 2) * (Math.log(2 * Math.PI * variance) + 1);
  for (const s of sizes) if (s > 0) ll += s * Math.log(s / n);
  return { logLikelihood: ll, p: k * d + 1 + (k - 1) };
}

const SELECT_OPTIONS = [
  ...optionNames<SelectKOptions>({ model: true, ks: true, criterion: true, fit: true, onK: true, signal: true }),
  ...ENGINE_SELECTION,
];

/** Fit the model for each k and choose one by BIC, AIC or the elbow of the inertia curve. */
export async function selectK(data: DataInput, options: SelectKOptions & EngineSelection = {}): Promise<SelectKResult> {
  checkOptionNames(options, SELECT_OPTIONS, 'selectK');
  if (options.fit !== undefined && (options.fit === null || typeof options.fit !== 'object' || Array.isArray(options.fit)))
    throw invalid(
      'BAD_OPTION',
      `selectK: fit must be an object of options for every fit (everything but k); got ${options.fit === null ? 'null' : typeof options.fit}.`,
    );
  const engine = await engineFor(options);
  const ds = toDataset(data);
  const model = options.model ?? 'gmm';
  if (model !== 'kmeans' && model !== 'gmm')
    throw invalid('BAD_OPTION', `model='${String(model)}' is not recognised. Use 'kmeans' or 'gmm'.`);
  const criterion = options.criterion ?? (model === 'kmeans' ? 'inertia' : 'bic');
  if (!['bic', 'aic', 'inertia'].includes(criterion))
    throw invalid('BAD_OPTION', `criterion='${String(criterion)}' is not recognised. Use 'bic', 'aic' or 'inertia'.`);
  if (criterion === 'inertia' && model !== 'kmeans')
    throw invalid('BAD_OPTION', "criterion 'inertia' applies to model 'kmeans'. Use 'bic' or 'aic' for mixtures.");
  const ks = options.ks ?? Array.from({ length: Math.max(0, Math.min(20, ds.n) - 1) }, (_, i) => i + 2);
  if (!isArrayLike(ks)) throw invalid('BAD_OPTION', `ks=${String(ks)} is not an array. Pass candidate k values, e.g. ks: [2, 3, 4].`);
  if (ks.length === 0) throw invalid('BAD_OPTION', 'ks is empty. Pass at least one candidate k.');
  for (const k of ks) {
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1)
      throw invalid('BAD_OPTION', `ks contains ${String(k)}; every k must be a positive integer.`);
    if (k > ds.n) throw invalid('K_TOO_LARGE', `ks contains k=${k} but n_samples=${ds.n}. Pass ks with every k <= ${ds.n}.`);
  }
  const input = { data: ds.x, n: ds.n, d: ds.d };
  // With fit.sampleWeight a row of weight w counts as w rows, so n (BIC's log n, the per-sample
  // objective) is Σw and k-means' cluster sizes are weighted: the table equals the replicated data's.
  const weights = resolveSampleWeight(options.fit?.sampleWeight, ds.n);
  const nEff = weights ? weights.reduce((a, b) => a + b, 0) : ds.n;
  const rows: SelectKRow[] = [];
  for (const k of ks) {
    throwIfAborted(options.signal);
    const t0 = performance.now();
    let row: SelectKRow;
    if (model === 'kmeans') {
      const r = await kmeans(input, {
        engine,
        ...(options.fit as Omit<KMeansOptions, 'k'>),
        k,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const sizes = weights ? weightedSizes(r.labels, weights, k) : r.clusterSizes;
      const { logLikelihood, p } = kmeansInformation(r.inertia, sizes, nEff, ds.d);
      row = info(k, r.inertia, logLikelihood, p, nEff, r.nIter, r.converged, performance.now() - t0);
    } else {
      const r = await gaussianMixture(input, {
        engine,
        ...(options.fit as Omit<GaussianMixtureOptions, 'k'>),
        k,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const p = nParameters(r.covariance, r.k, ds.d);
      row = info(k, r.logLikelihood / nEff, r.logLikelihood, p, nEff, r.nIter, r.converged, performance.now() - t0);
    }
    rows.push(row);
    options.onK?.(row);
  }
  const pick = (key: 'bic' | 'aic'): number => rows.reduce((a, b) => (b[key] < a[key] ? b : a)).k;
  // Mixtures report a log-likelihood (higher is better): negate it so the curve decreases.
  const elbowK = elbow(
    rows.map((r) => r.k),
    rows.map((r) => (model === 'kmeans' ? r.objective : -r.objective)),
  );
  const bestK = criterion === 'inertia' ? elbowK : pick(criterion);
  return { model, criterion, rows, bestK, elbowK };
}

/** Σ of the weights of the rows in each cluster. */
function weightedSizes(labels: ArrayLike<number>, weights: Float64Array, k: number): number[] {
  const out = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) out[labels[i]] += weights[i];
  return out;
}

function info(
  k: number,
  objective: number,
  ll: number,
  p: number,
  n: number,
  nIter: number,
  converged: boolean,
  timeMs: number,
): SelectKRow {
  return {
    k,
    objective,
    logLikelihood: ll,
    bic: -2 * ll + p * Math.log(n),
    aic: -2 * ll + 2 * p,
    nParameters: p,
    nIter,
    converged,
    timeMs,
  };
}
