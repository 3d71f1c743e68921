/**
 * Model selection over k: fit the model (k-means, a Gaussian mixture of any covariance type, or
 * the NB mixture on counts) for each candidate k, tabulate every criterion computed, choose k by
 * one of them, and hand back the chosen fit itself (`best`, the fit made here, never refitted).
 * The criteria and when to use each are in README.md ("Choosing k").
 */
import { toDataset, type DataInput } from '../data.js';
import { invalid, throwIfAborted } from '../errors.js';
import { resolveSampleWeight } from '../core/weights.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { isArrayLike } from '../data.js';
import { ENGINE_SELECTION, engineFor, type EngineSelection } from '../engine/engine.js';
import { toCounts } from '../nbmm/counts.js';
import type { CountsInput } from '../nbmm/types.js';
import { fitWithFacts, type DenseInput, type FitContext, type FitOptions, type FitResult, type SelectModel } from './fits.js';
import { gapChoice, gapReferences, gapValue, referenceLogW, silhouetteSpace, stabilityAt, stabilitySubsamples } from './resample.js';
import { silhouetteOfRowsAsync, subsampleRows } from './silhouette.js';
import { classificationInformation, clbicSpace, CLBIC_DIMS } from './partition.js';
import { information } from './criteria.js';

export { kmeansInformation } from './criteria.js';
export type { SelectModel, FitResult } from './fits.js';

/**
 * How k is chosen. Lowest: 'bic', 'aic', 'icl', 'xmeans', 'clbic' (k-means only). Highest: 'silhouette',
 * 'stability'. 'gap': Tibshirani's one-standard-error rule (k-means only). 'inertia': the elbow
 * of the objective curve (k-means only).
 */
export type Criterion = 'bic' | 'aic' | 'icl' | 'xmeans' | 'clbic' | 'gap' | 'silhouette' | 'stability' | 'inertia';
const CRITERIA: Criterion[] = ['bic', 'aic', 'icl', 'xmeans', 'clbic', 'gap', 'silhouette', 'stability', 'inertia'];
const KMEANS_ONLY: Criterion[] = ['xmeans', 'clbic', 'gap', 'inertia'];
/**
 * The defaults per model, from bench/results/2026-12-07-cpu-wasm-2-cores-select.md and -select-2.md (ARI
 * on four labelled single-cell sets): BIC for the mixtures (ICL chose the same k everywhere); for k-means
 * the classification BIC with full covariances on the leading 20 axes (partition.ts), the only k-means
 * criterion measured that neither runs to the end of the range nor to k = 2 (mean ARI .62; the elbow .52).
 */
export const DEFAULT_CRITERION: Record<SelectModel, Criterion> = { kmeans: 'clbic', gmm: 'bic', nb: 'bic' };

export interface SelectKOptions {
  /** 'gmm' (default; on dense rows, any covariance type through fit.covariance), 'kmeans', or 'nb' (counts, dense or CSR). */
  model?: SelectModel;
  /** Candidate k values (default 2..min(20, n)). */
  ks?: number[];
  /** How k is chosen (default DEFAULT_CRITERION[model]). */
  criterion?: Criterion;
  /** Costly criteria to compute as well, for the table ('silhouette', 'gap', 'stability'); the cheap ones always are. */
  criteria?: Criterion[];
  /** Options for every fit (everything but k), passed through unchanged. */
  fit?: FitOptions;
  /** Silhouette on a seeded subsample: sampleSize rows (default 1000), seed (default fit.seed ?? 0). */
  silhouette?: { sampleSize?: number; seed?: number };
  /** Gap statistic: nRefs uniform reference sets (default 5), seed (default fit.seed ?? 0). */
  gap?: { nRefs?: number; seed?: number };
  /** Classification BIC (k-means): computed on the leading `dims` principal axes (default 20; all columns when d ≤ dims). */
  clbic?: { dims?: number };
  /** Stability: nBoot subsamples (default 3) of fraction·n rows (default 0.8), seed (default fit.seed ?? 0). */
  stability?: { nBoot?: number; fraction?: number; seed?: number };
  /** Called after each k with its row and its fit, for live curves (selectK holds every fit until it returns, then only best). */
  onK?: (row: SelectKRow, fit: FitResult) => void;
  signal?: AbortSignal;
}

export interface SelectKRow {
  k: number;
  /** The model's own objective: inertia (k-means) or mean log-likelihood (mixtures). */
  objective: number;
  logLikelihood: number;
  bic: number;
  aic: number;
  /** mclust's ICL: BIC − 2 Σ log z_{i,MAP} (= BIC for k-means' hard assignments); always set by selectK. */
  icl?: number;
  /** −Σ z log z of the posterior (0 for k-means); always set by selectK. */
  entropy?: number;
  nParameters: number;
  /** X-means BIC, a variance per cluster (k-means). */
  xmeansBic?: number;
  /** Classification BIC, a full covariance per cluster on the leading axes (k-means, when computed; NaN on data without spread). */
  clbic?: number;
  /** Gap(k) and its standard error (k-means, when computed). */
  gap?: number;
  gapSe?: number;
  /** Mean silhouette on the subsample (when computed). */
  silhouette?: number;
  /** Mean ARI between the full fit and fits on subsamples (when computed). */
  stability?: number;
  nIter: number;
  converged: boolean;
  /** The fit's time (not the criteria's). */
  timeMs: number;
}

export interface SelectKResult {
  model: SelectModel;
  criterion: Criterion;
  rows: SelectKRow[];
  bestK: number;
  /** The elbow of the objective curve (largest gain ratio), whatever the criterion. */
  elbowK: number;
  /** The fit at bestK: the object kmeans / gaussianMixture / negativeBinomialMixture returned for it. */
  best: FitResult;
}

/**
 * The elbow of a decreasing objective curve (inertia against k): the k after which the gain
 * collapses, i.e. the interior k maximising (f(k₋) − f(k)) / (f(k) − f(k₊)), the gain of the
 * step into k over the gain of the step out of it. A chord-distance ("kneedle") rule picks too
 * small a k on the very convex curves k-means gives; the gain ratio does not.
 */
export function elbow(ks: number[], values: number[]): number {
  if (!isArrayLike(ks) || !isArrayLike(values))
    throw invalid('BAD_OPTION', 'elbow(ks, values) takes two arrays: the candidate ks and the objective at each.');
  if (ks.length !== values.length || ks.length === 0)
    throw invalid('SHAPE_MISMATCH', 'elbow() needs as many values as ks, and at least one.');
  for (let i = 0; i < ks.length; i++) {
    if (typeof ks[i] !== 'number' || !Number.isInteger(ks[i]))
      throw invalid('BAD_OPTION', `elbow: ks[${i}]=${String(ks[i])} is not an integer k.`);
    if (typeof values[i] !== 'number' || !Number.isFinite(values[i]))
      throw invalid('NON_FINITE', `elbow: values[${i}]=${String(values[i])} is not a finite number. Pass the objective at each k.`);
  }
  if (new Set(Array.from(ks)).size !== ks.length)
    throw invalid('BAD_OPTION', 'elbow: a k appears twice in ks; pass each candidate k once, with its objective.');
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

const SELECT_OPTIONS = [
  ...optionNames<SelectKOptions>({
    model: true,
    ks: true,
    criterion: true,
    criteria: true,
    fit: true,
    silhouette: true,
    gap: true,
    stability: true,
    clbic: true,
    onK: true,
    signal: true,
  }),
  ...ENGINE_SELECTION,
];

/** The most gap reference sets or stability subsamples (R's clusGap and clusterboot default to 100). */
const MAX_REFITS = 1000;

/** Integer sub-options and their bounds: each reference set or subsample is a full fit per k, so their counts are capped. */
const INT_BOUNDS: Record<string, [number, number]> = {
  seed: [0, Number.MAX_SAFE_INTEGER],
  sampleSize: [2, Number.MAX_SAFE_INTEGER],
  nRefs: [1, MAX_REFITS],
  nBoot: [1, MAX_REFITS],
};

function subOptions<T extends object>(o: T | undefined, names: string[], what: string, ints: string[], fracs: string[] = []): T {
  if (o === undefined) return {} as T;
  if (o === null || typeof o !== 'object' || Array.isArray(o))
    throw invalid('BAD_OPTION', `selectK: ${what} must be an object of options; got ${o === null ? 'null' : typeof o}.`);
  checkOptionNames(o, names, `selectK ${what}`);
  for (const [key, v] of Object.entries(o)) {
    if (v === undefined) continue;
    const [lo, hi] = INT_BOUNDS[key] ?? [1, Number.MAX_SAFE_INTEGER];
    const ok = ints.includes(key) ? Number.isSafeInteger(v) && v >= lo && v <= hi : typeof v === 'number' && v > 0 && v < 1;
    if (!ok || (!ints.includes(key) && !fracs.includes(key)))
      throw invalid(
        'BAD_OPTION',
        `selectK: ${what}.${key}=${String(v)} is not valid. Pass ${
          ints.includes(key)
            ? hi === Number.MAX_SAFE_INTEGER
              ? `an integer ≥ ${lo}`
              : `an integer in [${lo}, ${hi}] (each one is a refit per k)`
            : 'a number in (0, 1)'
        }.`,
      );
  }
  return o;
}

function checkCriterion(c: unknown, model: SelectModel, name: string): Criterion {
  if (!CRITERIA.includes(c as Criterion))
    throw invalid('BAD_OPTION', `${name}='${String(c)}' is not recognised. Use one of ${CRITERIA.map((x) => `'${x}'`).join(', ')}.`);
  if (KMEANS_ONLY.includes(c as Criterion) && model !== 'kmeans')
    throw invalid(
      'BAD_OPTION',
      `${name} '${String(c)}' applies to model 'kmeans'. Use 'bic', 'aic', 'icl', 'silhouette' or 'stability' for mixtures.`,
    );
  return c as Criterion;
}

function checkModel(model: unknown, fn: string): asserts model is SelectModel {
  if (model !== 'kmeans' && model !== 'gmm' && model !== 'nb')
    throw invalid('BAD_OPTION', `${fn}: model='${String(model)}' is not recognised. Use 'kmeans', 'gmm' or 'nb'.`);
}

/**
 * A table chooseK can read: each k a distinct whole number, the criterion's column numbers with
 * at least one not NaN (a NaN row, e.g. a silhouette that could not be computed, is skipped), none
 * infinite; gap also needs its standard errors.
 */
function checkTable(rows: SelectKRow[], key: string, seKey?: string): void {
  const seen = new Set<number>();
  let usable = 0;
  for (const r of rows) {
    if (!Number.isSafeInteger(r.k) || r.k < 1 || seen.has(r.k))
      throw invalid(
        'BAD_OPTION',
        `chooseK: the table has k=${r.k}; each row's k must be a distinct whole number ≥ 1. Pass the rows of a selectK result.`,
      );
    seen.add(r.k);
    for (const c of seKey ? [key, seKey] : [key]) {
      const v = (r as unknown as Record<string, unknown>)[c];
      if (typeof v !== 'number' || v === Infinity || v === -Infinity)
        throw invalid(
          'NON_FINITE',
          `chooseK: ${c} at k=${r.k} is ${String(v)}; the column must hold finite numbers (NaN where not computed).`,
        );
    }
    if (!Number.isNaN((r as unknown as Record<string, number>)[key])) usable++;
  }
  if (usable === 0)
    throw invalid(
      'NON_FINITE',
      `chooseK: every row's ${key} is NaN, so ${key} cannot choose k. Choose by another criterion, or rerun selectK.`,
    );
}

/** Fit the model for each k, tabulate the criteria, choose k by one, and return the chosen fit. */
export async function selectK(data: DataInput | CountsInput, options: SelectKOptions & EngineSelection = {}): Promise<SelectKResult> {
  checkOptionNames(options, SELECT_OPTIONS, 'selectK');
  if (options.fit !== undefined && (options.fit === null || typeof options.fit !== 'object' || Array.isArray(options.fit)))
    throw invalid(
      'BAD_OPTION',
      `selectK: fit must be an object of options for every fit (everything but k); got ${options.fit === null ? 'null' : typeof options.fit}.`,
    );
  const model = options.model === undefined ? 'gmm' : options.model;
  checkModel(model, 'selectK');
  const criterion = checkCriterion(options.criterion === undefined ? DEFAULT_CRITERION[model] : options.criterion, model, 'criterion');
  if (options.criteria !== undefined && !isArrayLike(options.criteria))
    throw invalid('BAD_OPTION', `selectK: criteria must be an array, e.g. ['silhouette', 'stability']; got ${typeof options.criteria}.`);
  if (options.criteria !== undefined && options.criteria.length === 0)
    throw invalid(
      'BAD_OPTION',
      "selectK: criteria is empty. Name the extra criteria to compute, e.g. criteria: ['silhouette'], or leave criteria out.",
    );
  const wanted = new Set<Criterion>([criterion, ...Array.from(options.criteria ?? [], (c) => checkCriterion(c, model, 'criteria'))]);
  const sil = subOptions(options.silhouette, ['sampleSize', 'seed'], 'silhouette', ['sampleSize', 'seed']);
  const gapO = subOptions(options.gap, ['nRefs', 'seed'], 'gap', ['nRefs', 'seed']);
  const clO = subOptions(options.clbic, ['dims'], 'clbic', ['dims']);
  const stab = subOptions(options.stability, ['nBoot', 'fraction', 'seed'], 'stability', ['nBoot', 'seed'], ['fraction']);
  const engine = await engineFor(options);
  const shape = model === 'nb' ? toCounts(data as CountsInput) : toDataset(data as DataInput);
  const input: DenseInput | CountsInput =
    model === 'nb'
      ? (data as CountsInput)
      : (() => {
          const ds = shape as ReturnType<typeof toDataset>;
          return { data: ds.x, n: ds.n, d: ds.d };
        })();
  const { n, d } = shape;
  const ks = options.ks !== undefined ? options.ks : Array.from({ length: Math.max(0, Math.min(20, n) - 1) }, (_, i) => i + 2);
  if (!isArrayLike(ks)) throw invalid('BAD_OPTION', `ks=${String(ks)} is not an array. Pass candidate k values, e.g. ks: [2, 3, 4].`);
  if (ks.length === 0) throw invalid('BAD_OPTION', 'ks is empty. Pass at least one candidate k.');
  const seen = new Set<number>();
  for (const k of ks) {
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1)
      throw invalid('BAD_OPTION', `ks contains ${String(k)}; every k must be a positive integer.`);
    if (k > n) throw invalid('K_TOO_LARGE', `ks contains k=${k} but n_samples=${n}. Pass ks with every k <= ${n}.`);
    if (seen.has(k)) throw invalid('BAD_OPTION', `ks contains k=${k} twice. Pass each candidate k once.`);
    seen.add(k);
  }
  if (options.fit && typeof options.fit === 'object' && 'k' in options.fit)
    throw invalid(
      'BAD_OPTION',
      'selectK: fit.k is set, but selectK chooses k itself from ks. Remove fit.k, and pass the candidates as ks.',
    );
  // With fit.sampleWeight a row of weight w counts as w rows, so n (BIC's log n, the per-sample
  // objective) is Σw and cluster sizes are weighted: the table equals the replicated data's.
  const weights = resolveSampleWeight(options.fit?.sampleWeight, n);
  const nEff = weights ? weights.reduce((a, b) => a + b, 0) : n;
  const ctx: FitContext = { model, engine, input, n, d, fit: options.fit ?? {}, weights, nEff, signal: options.signal };
  const seed = (options.fit as { seed?: number } | undefined)?.seed ?? 0;
  const silRows = wanted.has('silhouette') ? subsampleRows(n, sil.sampleSize ?? 1000, sil.seed ?? seed) : null;
  const refs = wanted.has('gap') ? gapReferences((input as DenseInput).data, n, d, gapO.nRefs ?? 5, gapO.seed ?? seed) : null;
  const subs = wanted.has('stability') ? stabilitySubsamples(n, stab.nBoot ?? 3, stab.fraction ?? 0.8, stab.seed ?? seed) : null;
  const clSpace = wanted.has('clbic')
    ? await clbicSpace((input as DenseInput).data, n, d, clO.dims ?? CLBIC_DIMS, seed, engine, options.signal)
    : null;
  const rows: SelectKRow[] = [];
  const fits = new Map<number, FitResult>();
  for (const k of ks) {
    throwIfAborted(options.signal);
    const t0 = performance.now();
    const f = await fitWithFacts(ctx, k);
    const timeMs = performance.now() - t0;
    const { result: r } = f;
    const row: SelectKRow = {
      k,
      objective: f.objective,
      logLikelihood: f.logLikelihood,
      bic: f.bic,
      aic: f.aic,
      icl: f.icl,
      entropy: f.entropy,
      nParameters: f.nParameters,
      ...(f.xmeansBic !== undefined ? { xmeansBic: f.xmeansBic } : {}),
      nIter: r.nIter,
      converged: r.converged,
      timeMs,
    };
    if (clSpace) {
      const c = classificationInformation(clSpace.x, n, clSpace.m, f.labels, k, weights);
      row.clbic = Number.isNaN(c.logLikelihood) ? Number.NaN : information(c.logLikelihood, c.p, nEff).bic;
    }
    if (refs) Object.assign(row, gapRow(f.objective, await referenceLogW(ctx, k, refs)));
    if (silRows) {
      const sf = model === 'nb' ? (r as { sizeFactors: number[] }).sizeFactors : null;
      const sp = silhouetteSpace(ctx, silRows, sf);
      row.silhouette = await silhouetteOfRowsAsync(
        sp.x,
        sp.d,
        silRows.map((i) => f.labels[i]),
        silRows.map((_, i) => i),
        options.signal,
      );
    }
    if (subs) row.stability = await stabilityAt(ctx, k, f.labels, subs);
    fits.set(k, r);
    rows.push(row);
    options.onK?.(row, r);
  }
  const elbowK = elbowOf(model, rows);
  // The default 'clbic' is NaN on data with no spread along some leading axis (or a single row);
  // when it is NaN at every k the default falls back to the elbow (and says so in criterion).
  const used = options.criterion === undefined && criterion === 'clbic' && rows.every((r) => Number.isNaN(r.clbic)) ? 'inertia' : criterion;
  const bestK = chooseK(rows, used, model);
  return { model, criterion: used, rows, bestK, elbowK, best: fits.get(bestK)! };
}

function gapRow(inertia: number, refLogW: number[]): { gap: number; gapSe: number } {
  const g = gapValue(Math.log(Math.max(inertia, Number.MIN_VALUE)), refLogW);
  return { gap: g.gap, gapSe: g.se };
}

// Mixtures report a log-likelihood (higher is better): negated so the curve decreases.
function elbowOf(model: SelectModel, rows: SelectKRow[]): number {
  return elbow(
    rows.map((r) => r.k),
    rows.map((r) => (model === 'kmeans' ? r.objective : -r.objective)),
  );
}

/**
 * The k a criterion picks from a selectK table (ties: the first row), so that a table can be
 * re-read by another criterion without refitting; the criterion's column must be in the rows.
 */
export function chooseK(rows: SelectKRow[], criterion: Criterion, model: SelectModel): number {
  checkModel(model, 'chooseK');
  checkCriterion(criterion, model, 'criterion');
  if (!Array.isArray(rows) || rows.some((r) => !r || typeof r !== 'object' || typeof r.k !== 'number'))
    throw invalid(
      'BAD_OPTION',
      `chooseK: rows=${rows === null ? 'null' : typeof rows} is not a selectK table. Pass the rows of a selectK result.`,
    );
  if (rows.length === 0) throw invalid('BAD_OPTION', 'chooseK: the table has no rows. Pass the rows of a selectK result.');
  const key = criterion === 'xmeans' ? 'xmeansBic' : criterion === 'inertia' ? 'objective' : criterion;
  if (rows.some((r) => r[key] === undefined))
    throw invalid('BAD_OPTION', `chooseK: the rows have no ${key} column. Run selectK with criteria: ['${criterion}'].`);
  checkTable(rows, key, criterion === 'gap' ? 'gapSe' : undefined);
  if (criterion === 'inertia') return elbowOf(model, rows);
  if (criterion === 'gap')
    return gapChoice(
      rows.map((r) => r.k),
      rows.map((r) => r.gap!),
      rows.map((r) => r.gapSe!),
    );
  const sign = criterion === 'silhouette' || criterion === 'stability' ? -1 : 1;
  let best: SelectKRow | null = null;
  for (const r of rows) {
    const v = sign * (r[key] as number);
    if (!Number.isNaN(v) && (best === null || v < sign * (best[key] as number))) best = r;
  }
  return (best ?? rows[0]).k;
}
