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
import { withGpu } from '../gpu/session.js';
import { invalid } from '../errors.js';
import { Rng } from '../core/rng.js';
import type { Engine } from '../engine/engine.js';
import type { Backend } from '../types.js';
import { cpuDense, gpuDenseFromMatrix, type DenseOps, type ScGpuCounters } from './gpu/ops.js';

// ---------------------------------------------------------------------------------------------
// Small dense linear algebra in float64 (row-major).

/**
 * Thin Q (m × l, orthonormal columns) of the Householder QR of A (m × l, row-major), m ≥ l.
 * A column with nothing left after the previous reflections gets no reflector, so Q stays
 * orthonormal (that column of Q is a unit vector orthogonal to the others) even when A is
 * rank-deficient.
 */
export function householderQ(a: Float64Array, m: number, l: number): Float64Array {
  if (l > m) throw new RangeError(`householderQ needs m >= l, got ${m} × ${l}`);
  // Work column-major: column j is w[j*m .. j*m+m).
  const w = new Float64Array(m * l);
  for (let i = 0; i < m; i++) for (let j = 0; j < l; j++) w[j * m + i] = a[i * l + j];
  const vs: (Float64Array | null)[] = new Array(l).fill(null);
  for (let k = 0; k < l; k++) {
    const off = k * m;
    let norm = 0;
    let scale = 0;
    for (let i = k; i < m; i++) scale = Math.max(scale, Math.abs(w[off + i]));
    if (scale === 0) continue;
    for (let i = k; i < m; i++) {
      const t = w[off + i] / scale;
      norm += t * t;
    }
    norm = scale * Math.sqrt(norm);
    const x0 = w[off + k];
    const alpha = x0 >= 0 ? -norm : norm;
    // v = x − α e₁, normalised.
    const v = new Float64Array(m - k);
    v[0] = x0 - alpha;
    for (let i = k + 1; i < m; i++) v[i - k] = w[off + i];
    let vn = 0;
    for (let i = 0; i < v.length; i++) vn += v[i] * v[i];
    vn = Math.sqrt(vn);
    if (vn === 0) continue;
    for (let i = 0; i < v.length; i++) v[i] /= vn;
    vs[k] = v;
    // Apply H = I − 2vvᵀ to the remaining columns.
    for (let j = k; j < l; j++) {
      const cj = j * m;
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * w[cj + i];
      dot *= 2;
      for (let i = k; i < m; i++) w[cj + i] -= dot * v[i - k];
    }
  }
  // Q = H_0 … H_{l−1} [I_l; 0], applied from the last reflector back.
  const q = new Float64Array(m * l); // column-major
  for (let j = 0; j < l; j++) q[j * m + j] = 1;
  for (let k = l - 1; k >= 0; k--) {
    const v = vs[k];
    if (!v) continue;
    for (let j = 0; j < l; j++) {
      const cj = j * m;
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * q[cj + i];
      if (dot === 0) continue;
      dot *= 2;
      for (let i = k; i < m; i++) q[cj + i] -= dot * v[i - k];
    }
  }
  const out = new Float64Array(m * l);
  for (let i = 0; i < m; i++) for (let j = 0; j < l; j++) out[i * l + j] = q[j * m + i];
  return out;
}

/**
 * Eigen-decomposition of a symmetric s × s matrix (row-major) by cyclic Jacobi rotations.
 * Returns eigenvalues in descending order and the eigenvectors as the columns of `vectors`
 * (row-major s × s). Converges quadratically; accurate to a few ulps of the largest eigenvalue.
 */
export function jacobiEigen(sym: Float64Array, s: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(sym);
  // Symmetrise (callers pass Qᵀ(XᵀXQ), symmetric only up to round-off).
  for (let i = 0; i < s; i++) for (let j = i + 1; j < s; j++) a[i * s + j] = a[j * s + i] = 0.5 * (a[i * s + j] + a[j * s + i]);
  const v = new Float64Array(s * s);
  for (let i = 0; i < s; i++) v[i * s + i] = 1;
  let frob = 0;
  for (let i = 0; i < s * s; i++) frob += a[i] * a[i];
  frob = Math.sqrt(frob);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < s; i++) for (let j = i + 1; j < s; j++) off += a[i * s + j] * a[i * s + j];
    if (Math.sqrt(off) <= 1e-15 * frob || frob === 0) break;
    for (let p = 0; p < s; p++) {
      for (let q = p + 1; q < s; q++) {
        const apq = a[p * s + q];
        if (apq === 0) continue;
        const app = a[p * s + p];
        const aqq = a[q * s + q];
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < s; k++) {
          const akp = a[k * s + p];
          const akq = a[k * s + q];
          a[k * s + p] = c * akp - sn * akq;
          a[k * s + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < s; k++) {
          const apk = a[p * s + k];
          const aqk = a[q * s + k];
          a[p * s + k] = c * apk - sn * aqk;
          a[q * s + k] = sn * apk + c * aqk;
        }
        a[p * s + q] = a[q * s + p] = 0;
        for (let k = 0; k < s; k++) {
          const vkp = v[k * s + p];
          const vkq = v[k * s + q];
          v[k * s + p] = c * vkp - sn * vkq;
          v[k * s + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: s }, (_, i) => i).sort((x, y) => a[y * s + y] - a[x * s + x] || x - y);
  const values = new Float64Array(s);
  const vectors = new Float64Array(s * s);
  order.forEach((src, dst) => {
    values[dst] = a[src * s + src];
    for (let k = 0; k < s; k++) vectors[k * s + dst] = v[k * s + src];
  });
  return { values, vectors };
}

/** A g × l matrix of independent standard normals (Box–Muller on the counter-based RNG). */
export function gaussianMatrix(rows: number, cols: number, seed: number): Float64Array {
  const rng = new Rng(seed, 0x5ca1ab1e);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < out.length; i += 2) {
    let u = rng.uniform();
    while (u === 0) u = rng.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * rng.uniform();
    out[i] = r * Math.cos(t);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The randomized PCA driver, written once for both backends.

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
  if (!Number.isInteger(nIter) || nIter < 0) throw invalid('BAD_OPTION', `nIter=${String(opts.nIter)} must be an integer >= 0 or 'auto'.`);
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw invalid('BAD_OPTION', `seed=${String(seed)} must be a safe integer.`);
  return { nComps, l: Math.min(nComps + oversampling, rank), nIter, seed, oversampling };
}

/** Randomized PCA on any backend's dense operator. `totalVariance` is Σ_j var(X_j) (ddof 1). */
export async function randomizedPca(op: DenseOps, r: ResolvedPca, totalVariance: number, backend: Backend): Promise<PcaResult> {
  const t0 = performance.now();
  const { n, g } = op;
  const { l, nComps: k } = r;
  let gramMs = 0;
  let q = householderQ(gaussianMatrix(g, l, r.seed), g, l);
  let z: Float64Array = new Float64Array(0);
  for (let it = 0; it <= r.nIter; it++) {
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

/** A dense n × d matrix: row-major values. */
export interface DenseInput {
  n: number;
  d: number;
  data: ArrayLike<number>;
}

function checkDense(x: DenseInput): void {
  if (!x || typeof x !== 'object' || !Number.isInteger(x.n) || !Number.isInteger(x.d) || x.n < 1 || x.d < 1) {
    throw invalid('SHAPE_MISMATCH', 'X must be { n, d, data } with n >= 1 rows and d >= 1 columns (row-major data of length n·d).');
  }
  if (!x.data || x.data.length !== x.n * x.d) {
    throw invalid('SHAPE_MISMATCH', `X.data has ${x.data?.length} values but n·d = ${x.n * x.d}. Pass row-major data of length n·d.`);
  }
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i])) {
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
 * PCA of a dense n × d matrix (cells × features) by randomized SVD on the engine's backend.
 * On WebGPU the matrix is centred in float64, rounded to float32 and kept on the device in
 * row chunks under the binding limit.
 */
export async function pca(engine: Engine, X: DenseInput, options: PcaOptions = {}): Promise<PcaResult> {
  checkDense(X);
  const r = resolvePca(options, X.n, X.d);
  const { mean, totalVariance } = denseMoments(X.data, X.n, X.d);
  return engine.backend === 'webgpu' // merge: sc helper replaces this
    ? withGpu(engine, async (runner, chunking) => {
        const op = gpuDenseFromMatrix(runner, X, mean, r.l, chunking);
        const out = await randomizedPca(op, r, totalVariance, 'webgpu');
        out.gpu = op.counters();
        return out;
      })
    : (async () => randomizedPca(cpuDense(X.data, X.n, X.d, mean), r, totalVariance, 'reference'))();
}
