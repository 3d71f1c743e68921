/**
 * PLACEHOLDER (umap branch): the knn helper writes the real src/graph/knn.ts (GPU and CPU, tiled) on
 * its own branch; at merge the lead replaces this file with that one. Only the signature matters
 * here: `knn(data, { k, metric, engine, backend })` → KnnResult. This is a plain float64 brute
 * force, self excluded, ties by the lower index, O(n²·d): fine for tests, slow past ~20k rows.
 */
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { toFloat64, type DataInput } from '../data.js';
import { ENGINE_SELECTION, engineFor, type EngineSelection } from '../engine/engine.js';
import { AbortError, invalid } from '../errors.js';
import type { KnnMetric, KnnResult } from './types.js';

export interface KnnOptions extends EngineSelection {
  /** Neighbours per row, the row itself excluded (1 ≤ k < n). */
  k: number;
  metric?: KnnMetric;
  signal?: AbortSignal;
}

const KNN_OPTIONS = [...optionNames<Omit<KnnOptions, 'engine' | 'backend'>>({ k: true, metric: true, signal: true }), ...ENGINE_SELECTION];

export async function knn(data: DataInput, options: KnnOptions): Promise<KnnResult> {
  checkOptionNames(options, KNN_OPTIONS, 'knn', 'k');
  const { n, d, x } = toFloat64(data);
  const k = options.k;
  if (!Number.isInteger(k) || k < 1 || k >= n) {
    throw invalid('BAD_OPTION', `knn: k=${k} must be a whole number with 1 ≤ k < n (n=${n}). Pass a smaller k.`);
  }
  const metric = options.metric ?? 'euclidean';
  if (metric !== 'euclidean' && metric !== 'cosine') {
    throw invalid('BAD_OPTION', `knn: metric '${String(metric)}' is not known. Pass 'euclidean' or 'cosine'.`);
  }
  const engine = await engineFor(options);
  engine.check();
  const norm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += x[i * d + c] ** 2;
    norm[i] = Math.sqrt(s);
  }
  const indices = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  const dist = new Float64Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (options.signal?.aborted) throw new AbortError(options.signal.reason);
    for (let j = 0; j < n; j++) {
      let s = 0;
      if (metric === 'euclidean') {
        for (let c = 0; c < d; c++) s += (x[i * d + c] - x[j * d + c]) ** 2;
        dist[j] = Math.sqrt(s);
      } else {
        for (let c = 0; c < d; c++) s += x[i * d + c] * x[j * d + c];
        dist[j] = norm[i] === 0 || norm[j] === 0 ? 1 : 1 - s / (norm[i] * norm[j]);
      }
      order[j] = j;
    }
    const o = Array.from(order).filter((j) => j !== i);
    o.sort((a, b) => dist[a] - dist[b] || a - b);
    for (let t = 0; t < k; t++) {
      indices[i * k + t] = o[t];
      distances[i * k + t] = dist[o[t]];
    }
  }
  return { n, k, metric, indices, distances, backend: 'reference' };
}
