/**
 * UMAP's fuzzy simplicial set (McInnes, Healy & Melville 2018), as umap-learn computes it:
 * smooth_knn_dist (per point ρ = distance to the local_connectivity-th nearest neighbour, σ by
 * bisection so that Σ_j exp(−max(0, d_ij − ρ_i)/σ_i) = log2(n_neighbors)), then membership
 * strengths w_ij = exp(−(d_ij − ρ_i)/σ_i), then the fuzzy union W + Wᵀ − W∘Wᵀ (mixed with the
 * intersection W∘Wᵀ by setOpMixRatio).
 *
 * Neighbour counts: umap-learn's kNN lists the point itself first (distance 0) and its
 * n_neighbors counts it; our KnnResult excludes self. So a KnnResult with k neighbours is
 * umap-learn with n_neighbors = k + 1: the target is log2(k + 1), the self column contributes
 * nothing to the sums (umap-learn skips column 0) but counts in the mean distance used for the
 * floor on σ (MIN_K_DIST_SCALE · mean of the row's k + 1 distances, the 0 included).
 */
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { invalid } from '../errors.js';
import { checkKnn } from './check-knn.js';
import type { KnnResult, WeightedGraph } from './types.js';

export interface FuzzyOptions {
  /** 1 (default): fuzzy union; 0: fuzzy intersection; between: a mix of the two. */
  setOpMixRatio?: number;
  /** Neighbours assumed connected at full strength (ρ is the distance to this one; may be fractional). */
  localConnectivity?: number;
}

const FUZZY_OPTIONS = optionNames<FuzzyOptions>({ setOpMixRatio: true, localConnectivity: true });
const SMOOTH_K_TOLERANCE = 1e-5;
const MIN_K_DIST_SCALE = 1e-3;
const N_ITER = 64;

/** umap-learn's smooth_knn_dist on a KnnResult (self excluded): σ and ρ per point, float64. */
export function smoothKnnDist(knn: KnnResult, localConnectivity = 1): { sigma: Float64Array; rho: Float64Array } {
  const { n, k, distances } = knn;
  const target = Math.log2(k + 1);
  const sigma = new Float64Array(n);
  const rho = new Float64Array(n);
  let total = 0;
  for (let t = 0; t < n * k; t++) total += distances[t];
  const meanAll = total / (n * (k + 1)); // self columns (0) included, as umap-learn's np.mean
  const nonZero: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = i * k;
    nonZero.length = 0;
    let rowSum = 0;
    for (let j = 0; j < k; j++) {
      const dj = distances[row + j];
      rowSum += dj;
      if (dj > 0) nonZero.push(dj);
    }
    if (nonZero.length >= localConnectivity) {
      const index = Math.floor(localConnectivity);
      const interp = localConnectivity - index;
      if (index > 0) {
        rho[i] = nonZero[index - 1];
        if (interp > SMOOTH_K_TOLERANCE) rho[i] += interp * (nonZero[index] - nonZero[index - 1]);
      } else rho[i] = interp * nonZero[0];
    } else if (nonZero.length > 0) rho[i] = Math.max(...nonZero);
    let lo = 0;
    let hi = Infinity;
    let mid = 1;
    for (let it = 0; it < N_ITER; it++) {
      let psum = 0;
      for (let j = 0; j < k; j++) {
        const dd = distances[row + j] - rho[i];
        psum += dd > 0 ? Math.exp(-(dd / mid)) : 1;
      }
      if (Math.abs(psum - target) < SMOOTH_K_TOLERANCE) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = hi === Infinity ? mid * 2 : (lo + hi) / 2;
      }
    }
    sigma[i] = mid;
    const floor = MIN_K_DIST_SCALE * (rho[i] > 0 ? rowSum / (k + 1) : meanAll);
    if (sigma[i] < floor) sigma[i] = floor;
  }
  return { sigma, rho };
}

/**
 * The fuzzy simplicial set of a kNN graph as a symmetric WeightedGraph (CSR, columns ascending,
 * float64 weights, no self-loops, zeros dropped), matching umap-learn's fuzzy_simplicial_set.
 */
export function fuzzySimplicialSet(knn: KnnResult, options: FuzzyOptions = {}): WeightedGraph {
  checkOptionNames(options, FUZZY_OPTIONS, 'fuzzySimplicialSet');
  checkKnn(knn, 'fuzzySimplicialSet');
  const mix = options.setOpMixRatio ?? 1;
  const lc = options.localConnectivity ?? 1;
  if (typeof mix !== 'number' || !(mix >= 0 && mix <= 1)) {
    throw invalid(
      'BAD_OPTION',
      `fuzzySimplicialSet: setOpMixRatio=${String(mix)} is outside [0, 1]. Pass 1 (union), 0 (intersection) or between.`,
    );
  }
  if (typeof lc !== 'number' || !(lc >= 0 && lc <= knn.k)) {
    throw invalid('BAD_OPTION', `fuzzySimplicialSet: localConnectivity=${String(lc)} must lie in [0, k=${knn.k}]. Pass 1 (the default).`);
  }
  const { n, k, indices, distances } = knn;
  const { sigma, rho } = smoothKnnDist(knn, lc);
  // Directed memberships as CSR (rows sorted by column; checkKnn refused self and repeated neighbours), its
  // transpose by counting, then each symmetric row as the merge of row i of both.
  const aPtr = new Uint32Array(n + 1);
  const aCol = new Uint32Array(n * k);
  const aVal = new Float64Array(n * k);
  const order = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) order[t] = t;
    order.sort((x, y) => indices[i * k + x] - indices[i * k + y] || x - y);
    let q = aPtr[i];
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + order[t]];
      const dd = distances[i * k + order[t]] - rho[i];
      aCol[q] = j;
      aVal[q++] = dd <= 0 || sigma[i] === 0 ? 1 : Math.exp(-(dd / sigma[i]));
    }
    aPtr[i + 1] = q;
  }
  const tPtr = new Uint32Array(n + 1);
  for (let q = 0; q < aPtr[n]; q++) tPtr[aCol[q] + 1]++;
  for (let i = 0; i < n; i++) tPtr[i + 1] += tPtr[i];
  const tCol = new Uint32Array(aPtr[n]);
  const tVal = new Float64Array(aPtr[n]);
  const fill = tPtr.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let q = aPtr[i]; q < aPtr[i + 1]; q++) {
      const at = fill[aCol[q]]++;
      tCol[at] = i; // rows visited in order: columns of the transpose come out ascending
      tVal[at] = aVal[q];
    }
  }
  const combine = (wij: number, wji: number): number => {
    const prod = wij * wji;
    return mix * (wij + wji - prod) + (1 - mix) * prod;
  };
  // Two passes over the merges: count the kept entries, then write them.
  const indptr = new Uint32Array(n + 1);
  let cols = new Uint32Array(0);
  let values = new Float64Array(0);
  for (let pass = 0; pass < 2; pass++) {
    let out = 0;
    for (let i = 0; i < n; i++) {
      let p = aPtr[i];
      let q = tPtr[i];
      while (p < aPtr[i + 1] || q < tPtr[i + 1]) {
        const cp = p < aPtr[i + 1] ? aCol[p] : n;
        const cq = q < tPtr[i + 1] ? tCol[q] : n;
        const j = Math.min(cp, cq);
        const v = combine(cp === j ? aVal[p++] : 0, cq === j ? tVal[q++] : 0);
        if (v > 0) {
          if (pass === 1) {
            cols[out] = j;
            values[out] = v;
          }
          out++;
        }
      }
      if (pass === 0) indptr[i + 1] = out;
    }
    if (pass === 0) {
      cols = new Uint32Array(out);
      values = new Float64Array(out);
    }
  }
  const nnz = indptr[n];
  return { n, d: n, nnz, indptr, indices: cols, values };
}
