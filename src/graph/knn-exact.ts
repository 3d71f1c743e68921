/**
 * What makes the neighbour search exact on every backend. The model prepares one search space
 * (centred rows for euclidean, unit rows for cosine); a backend proposes each row's m ≥ k nearest
 * candidates by its own arithmetic (f32 on 'wasm' and 'webgpu'); here the candidates are measured
 * again in float64 with the one canonical formula (`distance64`) and ranked by (distance, index).
 * The k found are provably the float64 k nearest when the k-th float64 distance lies below every
 * distance the backend passed over, by more than its rounding error can explain: a row whose
 * certificate fails (a near-tie across the m-th candidate, duplicate rows) is searched again by
 * brute force in float64. So 'wasm' and 'webgpu' return the reference's bits, always.
 */
import type { Dataset } from '../data.js';
import { EmgpuError, invalid } from '../errors.js';
import type { KnnCandidates, KnnSearch } from './knn-backend.js';
import type { KnnMetric, KnnResult } from './types.js';

/** Rows of zeros (cosine) and norms the error bounds need. */
export interface PreparedSearch {
  search: KnnSearch;
  /** Squared norm of every search row (f64) and their maximum. */
  normSq: Float64Array;
  /**
   * euclidean: the search rows are the centred rows times 2^-e, a power of two that brings the
   * largest |value| into [0.5, 1] (f32 neither overflows nor underflows); squared search
   * distances times sqScale = 2^2e are squared distances of the data (cosine: 1).
   */
  sqScale: number;
  maxNormSq: number;
  /** euclidean: squared norms of the caller's rows, for the float64 bound (cosine: unused). */
  rawNormSq: Float64Array;
  maxRawNormSq: number;
  /** cosine: each row's Euclidean norm (0 for a row of zeros). */
  norm: Float64Array;
}

/** Candidates wanted for k neighbours: a margin that makes failed certificates rare. */
export function candidateCount(k: number, n: number): number {
  return Math.min(n - 1, k + 8 + Math.floor(k / 4));
}

/** The search space of `ds` under `metric` (knn-backend.ts KnnSearch). */
export function prepareSearch(ds: Dataset, metric: KnnMetric, m: number): PreparedSearch {
  const { n, d, x } = ds;
  const norm = new Float64Array(n);
  const rawNormSq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let f = 0; f < d; f++) s += x[i * d + f] * x[i * d + f];
    rawNormSq[i] = s;
    norm[i] = Math.sqrt(s);
  }
  // The unscaled space: centred rows (euclidean), unit rows (cosine) plus, when a row is all
  // zeros, a column that puts it at distance √2 = "cosine distance 1" from every unit row.
  const zeros = metric === 'cosine' && norm.some((v) => v === 0);
  const w = d + (zeros ? 1 : 0);
  const y = new Float64Array(n * w);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < d; f++) y[i * w + f] = metric === 'cosine' ? (norm[i] > 0 ? x[i * d + f] / norm[i] : 0) : x[i * d + f] - ds.mean[f];
    if (zeros && norm[i] === 0) y[i * w + d] = 1;
  }
  let maxAbs = 0;
  if (metric === 'euclidean') for (let t = 0; t < y.length; t++) maxAbs = Math.max(maxAbs, Math.abs(y[t]));
  const e = maxAbs > 0 ? Math.ceil(Math.log2(maxAbs)) : 0;
  const scale = 2 ** -e;
  if (scale !== 1) for (let t = 0; t < y.length; t++) y[t] *= scale;
  // Columns by decreasing variance (ties to the lower column): early-stopping searches stop sooner.
  const mean = new Float64Array(w);
  const vari = new Float64Array(w);
  for (let i = 0; i < n; i++) for (let f = 0; f < w; f++) mean[f] += y[i * w + f] / n;
  for (let i = 0; i < n; i++) for (let f = 0; f < w; f++) vari[f] += (y[i * w + f] - mean[f]) ** 2;
  const order = Array.from({ length: w }, (_, f) => f).sort((a, b) => vari[b] - vari[a] || a - b);
  const out = new Float64Array(n * w);
  const normSq = new Float64Array(n);
  let maxNormSq = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let f = 0; f < w; f++) {
      const v = y[i * w + order[f]];
      out[i * w + f] = v;
      s += v * v;
    }
    normSq[i] = s;
    if (s > maxNormSq) maxNormSq = s;
  }
  let maxRawNormSq = 0;
  for (let i = 0; i < n; i++) if (rawNormSq[i] > maxRawNormSq) maxRawNormSq = rawNormSq[i];
  return { search: { n, d: w, x: out, m }, normSq, sqScale: 2 ** (2 * e), maxNormSq, rawNormSq, maxRawNormSq, norm };
}

/**
 * The canonical float64 distance between rows i and j of the caller's data, in feature order:
 * euclidean — the squared distance (ranked squared, reported as its square root); cosine —
 * 1 − x·y / (‖x‖‖y‖), clamped at 0, and 1 when either row is all zeros.
 */
export function distance64(x: Float64Array, d: number, i: number, j: number, metric: KnnMetric, norm: Float64Array): number {
  const a = i * d;
  const b = j * d;
  if (metric === 'euclidean') {
    let s = 0;
    for (let f = 0; f < d; f++) {
      const t = x[a + f] - x[b + f];
      s += t * t;
    }
    return s;
  }
  if (norm[i] === 0 || norm[j] === 0) return 1;
  let dot = 0;
  for (let f = 0; f < d; f++) dot += x[a + f] * x[b + f];
  return Math.max(0, 1 - dot / (norm[i] * norm[j]));
}

/** Row i's k nearest by brute force in float64 (ties to the lower index): the fallback and the reference's rule. */
function bruteRow(ds: Dataset, i: number, k: number, metric: KnnMetric, norm: Float64Array, idx: Int32Array, dist: Float64Array): void {
  let filled = 0;
  for (let j = 0; j < ds.n; j++) {
    if (j === i) continue;
    const t = distance64(ds.x, ds.d, i, j, metric, norm);
    if (filled === k && !(t < dist[k - 1])) continue;
    // Insert after every entry ≤ t (they have lower indices): ties keep the lower index first.
    let p = filled < k ? filled++ : k - 1;
    while (p > 0 && dist[p - 1] > t) {
      dist[p] = dist[p - 1];
      idx[p] = idx[p - 1];
      p--;
    }
    dist[p] = t;
    idx[p] = j;
  }
}

const U64 = 2 ** -53;

/** The exact result from a backend's candidates (see the file's opening). */
export function refine(ds: Dataset, metric: KnnMetric, k: number, prep: PreparedSearch, cand: KnnCandidates, backend: string): KnnResult {
  const { n } = ds;
  const { m, d: w } = prep.search;
  const indices = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  const ci = new Int32Array(m);
  const cd = new Float64Array(m);
  const order = Array.from({ length: m }, (_, t) => t);
  const rowIdx = new Int32Array(k);
  const rowDist = new Float64Array(k);
  // Relative error of a computed squared distance: (w + 8)·u per term of Σ(|x| + |y|)² ≤ 2(‖x‖² + ‖y‖²), doubled for safety.
  const eBackend = 4 * (w + 8) * cand.unitRoundoff;
  const e64 = 8 * (w + 8) * U64;
  for (let i = 0; i < n; i++) {
    if (metric === 'cosine' && prep.norm[i] === 0) {
      // Every row is at distance 1 from a row of zeros: the lowest indices win the tie.
      for (let t = 0, j = 0; t < k; j++) if (j !== i) indices[i * k + t++] = j;
      distances.fill(1, i * k, i * k + k);
      continue;
    }
    for (let t = 0; t < m; t++) {
      ci[t] = cand.indices[i * m + t];
      // A short or malformed list is a backend bug: say so rather than let the fallback hide it.
      if (!(ci[t] >= 0 && ci[t] < n && ci[t] !== i))
        throw new EmgpuError(
          'GPU_VALIDATION',
          `The '${backend}' kNN backend returned candidate ${ci[t]} for row ${i}: a bug in emgpu; please report it.`,
        );
      cd[t] = distance64(ds.x, ds.d, i, ci[t], metric, prep.norm);
    }
    order.sort((a, b) => cd[a] - cd[b] || ci[a] - ci[b]);
    let exact = m >= n - 1;
    if (!exact) {
      // Every row the backend passed over has a computed squared search distance ≥ the m-th candidate's.
      const passed = (cand.sq[i * m + m - 1] - eBackend * (prep.normSq[i] + prep.maxNormSq) - 1e-30) * prep.sqScale;
      const kth = cd[order[k - 1]];
      exact =
        metric === 'euclidean'
          ? kth < passed - e64 * (prep.rawNormSq[i] + prep.maxRawNormSq)
          : // cosine: ‖x̂ − ŷ‖² = 2(1 − cos)
            kth < passed / 2 - e64 * 4;
    }
    if (exact) {
      for (let t = 0; t < k; t++) {
        rowIdx[t] = ci[order[t]];
        rowDist[t] = cd[order[t]];
      }
    } else {
      bruteRow(ds, i, k, metric, prep.norm, rowIdx, rowDist);
    }
    for (let t = 0; t < k; t++) {
      indices[i * k + t] = rowIdx[t];
      distances[i * k + t] = metric === 'euclidean' ? Math.sqrt(rowDist[t]) : rowDist[t];
      // Distances are stored in float32: one beyond its range (or a float64 overflow) would be
      // Infinity and the ranking garbage, so such data is refused rather than scaled silently.
      if (distances[i * k + t] === Infinity)
        throw invalid(
          'OUT_OF_RANGE',
          `knn: row ${i}'s neighbour distances exceed float32's range (~3.4e38), where results are stored. Rescale the data (e.g. divide by its largest |value|) before knn().`,
        );
    }
  }
  return { n, k, metric, indices, distances, backend };
}
