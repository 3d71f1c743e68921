/**
 * `knn(data, { k, metric })`: the exact k nearest neighbours of every row among the other rows
 * (types.ts KnnResult). A backend proposes candidates (knn-backend.ts); knn-exact.ts measures
 * them again in float64 and proves them, so every backend returns the float64 reference's bits.
 */
import { type Dataset, toDataset, type DataInput } from '../data.js';
import { invalid, throwIfAborted } from '../errors.js';
import { implementationFor } from '../core/registry.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { ENGINE_SELECTION, engineFor, type EngineSelection } from '../engine/engine.js';
import type { KnnBackend } from './knn-backend.js';
import { candidateCount, prepareSearch, refine } from './knn-exact.js';
import type { KnnMetric, KnnResult } from './types.js';

export interface KnnOptions extends EngineSelection {
  /** Neighbours per row, 1 ≤ k ≤ n − 1 (the row itself is never its own neighbour). */
  k: number;
  /** 'euclidean' (default) or 'cosine' (1 − cos; a row of zeros is at distance 1 from every row). */
  metric?: KnnMetric;
  signal?: AbortSignal;
}

export const KNN_OPTIONS: readonly string[] = [
  ...optionNames<Omit<KnnOptions, keyof EngineSelection>>({ k: true, metric: true, signal: true }),
  ...ENGINE_SELECTION,
];

const METRICS: readonly KnnMetric[] = ['euclidean', 'cosine'];

/**
 * Exact k nearest neighbours of each row of `data` (rows are points), nearest first, ties to the lower index.
 * Distances are float32: euclidean data whose neighbour distances exceed ~3.4e38 is refused (OUT_OF_RANGE).
 */
export async function knn(data: DataInput, options: KnnOptions): Promise<KnnResult> {
  checkOptionNames(options, KNN_OPTIONS, 'knn', 'k');
  // null is refused, not read as the default (only a missing metric means 'euclidean').
  const metric = options.metric === undefined ? 'euclidean' : options.metric;
  if (!METRICS.includes(metric))
    throw invalid('BAD_OPTION', `metric '${String(metric)}' is not known. Pass metric: 'euclidean' or 'cosine'.`);
  const { k } = options;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1)
    throw invalid('BAD_OPTION', `k=${String(k)} is not a positive integer. Pass k >= 1, the neighbours per row.`);
  const ds = cosineRange(toDataset(data, 'knn data'), metric);
  if (k > ds.n - 1)
    throw invalid(
      'K_TOO_LARGE',
      `k=${k} neighbours were asked for but each of the ${ds.n} rows has only ${ds.n - 1} other rows. Pass k <= ${ds.n - 1}, or more rows.`,
    );
  const engine = await engineFor(options);
  engine.check();
  const impl = implementationFor<KnnBackend>('knn', engine.backend);
  throwIfAborted(options.signal);
  const prep = prepareSearch(ds, metric, candidateCount(k, ds.n));
  const cand = await impl.candidates(engine, prep.search, options.signal ? { signal: options.signal } : {});
  throwIfAborted(options.signal);
  return refine(ds, metric, k, prep, cand, engine.backend);
}

/**
 * Cosine distances do not change when every value is multiplied by one positive number, but the
 * norms and dot products overflow beyond ~1e154 (NaN) and underflow below ~1e-154 (rows read as
 * zeros): such data is brought to max |value| in [0.5, 1] by a power of two (exact). Euclidean
 * data is left as it is; distances beyond float32 are refused in refine (knn-exact.ts).
 */
function cosineRange(ds: Dataset, metric: KnnMetric): Dataset {
  if (metric !== 'cosine') return ds;
  let maxAbs = 0;
  for (let t = 0; t < ds.x.length; t++) maxAbs = Math.max(maxAbs, Math.abs(ds.x[t]));
  if (maxAbs === 0 || (maxAbs < 2 ** 400 && maxAbs > 2 ** -400)) return ds;
  const scale = 2 ** -Math.ceil(Math.log2(maxAbs));
  const x = ds.x.map((v) => v * scale);
  const mean = ds.mean.map((v) => v * scale);
  // Variances are unused by the search; scaled too so the object stays consistent.
  const variance = ds.variance.map((v) => v * scale * scale);
  return { n: ds.n, d: ds.d, x, mean, variance };
}
