/**
 * PCA by randomized subspace iteration (Halko, Martinsson & Tropp 2011, Alg. 4.4), for the n × g
 * scaled expression matrix (n cells up to ~1e6, g genes ~2000, nComps ~50):
 *
 *   Q ← qr(Ω), Ω a g × l Gaussian test matrix, l = nComps + oversampling;
 *   repeat nIter times:  Z ← X_cᵀ (X_c Q),  Q ← qr(Z);
 *   Z ← X_cᵀ (X_c Q);  T = Qᵀ Z = (X_c Q)ᵀ (X_c Q) = BᵀB;  T = W Λ Wᵀ (Jacobi);
 *   loadings V = Q W,  scores = X_c V,  explained variance Λ / (n − 1).
 *
 * X_c is X with its column means removed. The two big products per step (X_c·Q: n × l, and
 * X_cᵀ·Y: g × l) are the backend's job (`DenseOps.gram`: float64 on the CPU; tiled WGSL
 * matrix-multiply kernels on the GPU, where X stays in chunks and only the g × l result comes
 * back); the small work (Householder QR of the g × l block, the l × l Jacobi eigenproblem, the
 * Ritz vectors) is done here in float64. Orthonormalisation happens on the small g side after
 * each application of X_cᵀX_c, which keeps the n × l block on the device; information in
 * directions with σ_i/σ_1 below √ε is lost in float32, far beyond the components kept.
 *
 * Same seed → same Ω → same bits on a given backend. Signs follow scikit-learn's svd_flip on
 * the loadings: the largest-magnitude entry of each loading vector is positive.
 */
import type { EngineSelection } from '../engine/engine.js';
import { finiteError } from '../data.js';
import { dataScale, mapBack, maxAbs } from '../core/scale.js';
import { invalid } from '../errors.js';
import { abortCheckpoint } from '../core/yield.js';
import type { Backend } from '../types.js';
import type { DenseInput, DenseOps, ScGpuCounters } from './backend.js';
import { gaussianMatrix, householderQ, jacobiEigen } from './linalg.js';
import { onBackend } from './session.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { ENGINE_SELECTION } from '../engine/engine.js';

export type { DenseInput } from './backend.js';

export interface PcaOptions {
  /** Components kept (default 50, capped at min(n, g)). */
  nComps?: number;
  /** Extra columns of the test matrix (default 10). */
  oversampling?: number;
  /**
   * Power iterations (default 'auto': 7 when nComps < 0.1·min(n, g), else 4, as scikit-learn's
   * randomized_svd). Each costs two passes over X.
   */
  nIter?: number | 'auto';
  /** Seed of the Gaussian test matrix (default 0). */
  seed?: number;
  /** Checked before each pass over X (a power iteration's product, the projection); the event loop gets a turn there. */
  signal?: AbortSignal;
}

export interface ResolvedPca {
  nComps: number;
  l: number;
  nIter: number;
  seed: number;
  oversampling: number;
}

export interface PcaResult {
  n: number;
  d: number;
  nComps: number;
  /** PC scores X_c·V, n × nComps row-major (float32 from the GPU, float64 on the CPU). */
  scores: Float32Array | Float64Array;
  /** Loadings V, d × nComps row-major (column j is principal axis j, unit norm). */
  loadings: Float64Array;
  /** λ_j / (n − 1): the variance along each axis (scikit-learn's explained_variance_). */
  explainedVariance: Float64Array;
  /** explainedVariance / totalVariance. */
  explainedVarianceRatio: Float64Array;
  singularValues: Float64Array;
  /** Σ over features of the sample variance (ddof 1) of X. */
  totalVariance: number;
  /** Column means removed before the decomposition. */
  mean: Float64Array;
  nIter: number;
  oversampling: number;
  seed: number;
  backend: Backend;
  timings: { totalMs: number; gramMs: number; projectMs: number };
  gpu?: ScGpuCounters;
}

const MAX_PCA_ITER = 1000;

export function resolvePca(o: PcaOptions | undefined, n: number, g: number): ResolvedPca {
  const opts = o ?? {};
  const rank = Math.min(n, g);
  const nComps = opts.nComps ?? Math.min(50, rank);
  if (!Number.isInteger(nComps) || nComps < 1) throw invalid('BAD_OPTION', `nComps=${String(nComps)} must be a positive integer.`);
  if (nComps > rank) {
    throw invalid('BAD_OPTION', `nComps=${nComps} exceeds min(n_cells, n_features) = ${rank}. Pass nComps <= ${rank}.`);
  }
  const oversampling = opts.oversampling ?? 10;
  if (!Number.isInteger(oversampling) || oversampling < 0)
    throw invalid('BAD_OPTION', `oversampling=${String(oversampling)} must be an integer >= 0.`);
  const auto = nComps < 0.1 * rank ? 7 : 4;
  const nIter = opts.nIter === undefined || opts.nIter === 'auto' ? auto : opts.nIter;
  // Each iteration is a full pass over the data; past a few dozen the subspace no longer moves, and an
  // unbounded count (1e300) would run for ever with no way to stop it.
  if (!Number.isInteger(nIter) || nIter < 0 || nIter > MAX_PCA_ITER)
    throw invalid('BAD_OPTION', `nIter=${String(opts.nIter)} must be an integer from 0 to ${MAX_PCA_ITER} or 'auto'.`);
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw invalid('BAD_OPTION', `seed=${String(seed)} must be a non-negative integer.`);
  return { nComps, l: Math.min(nComps + oversampling, rank), nIter, seed, oversampling };
}

/** Randomized PCA on any backend's dense operator. `totalVariance` is Σ_j var(X_j) (ddof 1). */
export async function randomizedPca(
  op: DenseOps,
  r: ResolvedPca,
  totalVariance: number,
  backend: Backend,
  signal?: AbortSignal,
): Promise<PcaResult> {
  const t0 = performance.now();
  const last = { t: 0 };
  const { n, g } = op;
  const { l, nComps: k } = r;
  let gramMs = 0;
  let q = householderQ(gaussianMatrix(g, l, r.seed), g, l);
  let z: Float64Array = new Float64Array(0);
  for (let it = 0; it <= r.nIter; it++) {
    await abortCheckpoint(signal, last);
    const tg = performance.now();
    z = await op.gram(q, l);
    gramMs += performance.now() - tg;
    if (it < r.nIter) q = householderQ(z, g, l);
  }
  // T = Qᵀ Z (l × l).
  const t = new Float64Array(l * l);
  for (let f = 0; f < g; f++) {
    for (let a = 0; a < l; a++) {
      const qa = q[f * l + a];
      if (qa === 0) continue;
      for (let b = 0; b < l; b++) t[a * l + b] += qa * z[f * l + b];
    }
  }
  const { values, vectors } = jacobiEigen(t, l);
  const loadings = new Float64Array(g * k);
  for (let f = 0; f < g; f++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let a = 0; a < l; a++) s += q[f * l + a] * vectors[a * l + j];
      loadings[f * k + j] = s;
    }
  }
  // svd_flip on the loadings; renormalise (Q W is orthonormal up to round-off).
  for (let j = 0; j < k; j++) {
    let best = 0;
    let norm = 0;
    for (let f = 0; f < g; f++) {
      const v = loadings[f * k + j];
      norm += v * v;
      if (Math.abs(v) > Math.abs(best)) best = v;
    }
    const sgn = (best < 0 ? -1 : 1) / Math.sqrt(norm || 1);
    for (let f = 0; f < g; f++) loadings[f * k + j] *= sgn;
  }
  await abortCheckpoint(signal, last);
  const tp = performance.now();
  const scores = await op.project(loadings, k);
  const projectMs = performance.now() - tp;
  const explainedVariance = new Float64Array(k);
  const explainedVarianceRatio = new Float64Array(k);
  const singularValues = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const lam = Math.max(values[j], 0);
    singularValues[j] = Math.sqrt(lam);
    explainedVariance[j] = n > 1 ? lam / (n - 1) : 0;
    explainedVarianceRatio[j] = totalVariance > 0 ? explainedVariance[j] / totalVariance : 0;
  }
  return {
    n,
    d: g,
    nComps: k,
    scores,
    loadings,
    explainedVariance,
    explainedVarianceRatio,
    singularValues,
    totalVariance,
    mean: Float64Array.from(op.mean),
    nIter: r.nIter,
    oversampling: r.oversampling,
    seed: r.seed,
    backend,
    timings: { totalMs: performance.now() - t0, gramMs, projectMs },
  };
}

function checkDense(x: DenseInput): void {
  if (!x || typeof x !== 'object' || !Number.isInteger(x.n) || !Number.isInteger(x.d) || x.n < 1 || x.d < 1) {
    throw invalid('SHAPE_MISMATCH', 'X must be { n, d, data } with n >= 1 rows and d >= 1 columns (row-major data of length n·d).');
  }
  if (!x.data || x.data.length !== x.n * x.d) {
    throw invalid('SHAPE_MISMATCH', `X.data has ${x.data?.length} values but n·d = ${x.n * x.d}. Pass row-major data of length n·d.`);
  }
  for (let i = 0; i < x.data.length; i++) {
    const v: unknown = x.data[i];
    if (typeof v !== 'number') throw finiteError(v, 'X', `row ${Math.floor(i / x.d)}, column ${i % x.d}`);
    if (!Number.isFinite(v)) {
      throw invalid(
        'NON_FINITE',
        `X has a non-finite value at row ${Math.floor(i / x.d)}, column ${i % x.d}. Remove or impute it before PCA.`,
      );
    }
  }
}

/** Column means and the total of the column variances (ddof 1), in float64. */
export function denseMoments(x: ArrayLike<number>, n: number, d: number): { mean: Float64Array; totalVariance: number } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const ss = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const t = x[i * d + j] - mean[j];
      ss[j] += t * t;
    }
  }
  let total = 0;
  for (let j = 0; j < d; j++) total += n > 1 ? ss[j] / (n - 1) : 0;
  return { mean, totalVariance: total };
}

/**
 * PCA of a dense n × d matrix (cells × features) by randomized SVD on the backend of
 * `options.engine` (or `options.backend`).
 * On WebGPU the matrix is centred in float64, rounded to float32 and kept on the device in
 * row chunks under the binding limit.
 */
// The PCA's own settings (preprocess takes these nested under `pca`); pca() also takes a signal.
export const PCA_OPTIONS = optionNames<Omit<PcaOptions, 'signal'>>({ nComps: true, oversampling: true, nIter: true, seed: true });

export async function pca(X: DenseInput, options: PcaOptions & EngineSelection = {}): Promise<PcaResult> {
  checkOptionNames(options, [...PCA_OPTIONS, 'signal', ...ENGINE_SELECTION], 'pca');
  checkDense(X);
  const r = resolvePca(options, X.n, X.d);
  // Extreme scales (core/scale.ts; the float32 band, whatever the backend): PCA of X / s, mapped back.
  const sc = dataScale(maxAbs(X.data), X.d, X.n, true);
  const Xs = sc === 1 ? X : { n: X.n, d: X.d, data: Float64Array.from(X.data, (v) => v / sc) };
  const { mean, totalVariance } = denseMoments(Xs.data, Xs.n, Xs.d);
  const out = await onBackend(options, async (s) => {
    const op = s.dense(Xs, mean, r.l);
    const res = await randomizedPca(op, r, totalVariance, s.backend, options.signal);
    const gpu = op.counters();
    if (gpu) res.gpu = gpu;
    return res;
  });
  if (sc !== 1) {
    // Scores, singular values and the mean scale with the data; variances with its square; loadings and ratios do not.
    out.scores = out.scores.map((v) => mapBack(v, sc, 1, 'PCA score', sc));
    out.singularValues = out.singularValues.map((v) => mapBack(v, sc, 1, 'singular value', sc));
    out.explainedVariance = out.explainedVariance.map((v) => mapBack(v, sc, 2, 'explained variance', sc));
    out.totalVariance = mapBack(out.totalVariance, sc, 2, 'total variance', sc);
    out.mean = out.mean.map((v) => v * sc);
  }
  return out;
}
