/**
 * UMAP's initial embeddings, as umap-learn makes them: the spectral layout (eigenvectors of the
 * normalised Laplacian I − D^−½ W D^−½ for the smallest non-zero eigenvalues) or the data's PCA,
 * scaled so the largest coordinate is 10, with N(0, 10⁻⁴) noise, then each column rescaled to [0, 10].
 *
 * Spectral: subspace iteration on ½(I + D^−½ W D^−½) (eigenvalues in [0, 1], the wanted ones on top)
 * with the trivial vector √deg projected out, and a Rayleigh–Ritz step at the end — a few hundred
 * sparse products, enough for a starting point (umap-learn's eigsh runs to tol 1e-4).
 * Disconnected graphs: each connected component gets its own spectral layout, scaled to unit
 * radius and placed on a square grid of cells 3 apart (umap-learn places them by the data's
 * component centroids; without data we cannot), components too small for a spectral layout at a
 * random position within their cell.
 */
import { abortCheckpoint } from '../core/yield.js';
import { gaussianMatrix, jacobiEigen } from '../sc/linalg.js';
import type { WeightedGraph } from '../graph/types.js';

const SPECTRAL_ITERS = 150;

/** Connected components: a label per vertex (0 … count − 1, by lowest vertex), and the count. */
export function components(g: WeightedGraph): { label: Int32Array; count: number } {
  const label = new Int32Array(g.n).fill(-1);
  let count = 0;
  const stack: number[] = [];
  for (let s = 0; s < g.n; s++) {
    if (label[s] >= 0) continue;
    label[s] = count;
    stack.push(s);
    while (stack.length) {
      const i = stack.pop() as number;
      for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
        const j = g.indices[p];
        if (label[j] < 0) {
          label[j] = count;
          stack.push(j);
        }
      }
    }
    count++;
  }
  return { label, count };
}

/** Spectral coordinates (m × dim) of the connected graph on `verts`, or null when it is too small. */
function* spectralComponent(g: WeightedGraph, verts: Int32Array, dim: number, seed: number): Generator<void, Float64Array | null> {
  const m = verts.length;
  const q = dim + 2; // block size: dim wanted vectors and two of oversampling
  if (m <= dim + 1) return null;
  const local = new Int32Array(g.n).fill(-1);
  verts.forEach((v, t) => (local[v] = t));
  const invSqrtDeg = new Float64Array(m);
  const triv = new Float64Array(m);
  let tn = 0;
  for (let t = 0; t < m; t++) {
    const i = verts[t];
    let deg = 0;
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) deg += g.values[p];
    invSqrtDeg[t] = deg > 0 ? 1 / Math.sqrt(deg) : 0;
    triv[t] = Math.sqrt(deg);
    tn += deg;
  }
  for (let t = 0; t < m; t++) triv[t] /= Math.sqrt(tn);
  const apply = (x: Float64Array, out: Float64Array): void => {
    // out = ½(x + D^−½ W D^−½ x), column by column of the m × q block (row-major).
    for (let t = 0; t < m; t++) {
      const i = verts[t];
      for (let c = 0; c < q; c++) out[t * q + c] = 0.5 * x[t * q + c];
      for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
        const u = local[g.indices[p]];
        const w = 0.5 * g.values[p] * invSqrtDeg[t] * invSqrtDeg[u];
        for (let c = 0; c < q; c++) out[t * q + c] += w * x[u * q + c];
      }
    }
  };
  const orthonormalise = (x: Float64Array): void => {
    for (let c = 0; c < q; c++) {
      // Against √deg, then the earlier columns (modified Gram–Schmidt, twice for stability).
      for (let pass = 0; pass < 2; pass++) {
        let dt = 0;
        for (let t = 0; t < m; t++) dt += x[t * q + c] * triv[t];
        for (let t = 0; t < m; t++) x[t * q + c] -= dt * triv[t];
        for (let e = 0; e < c; e++) {
          let d = 0;
          for (let t = 0; t < m; t++) d += x[t * q + c] * x[t * q + e];
          for (let t = 0; t < m; t++) x[t * q + c] -= d * x[t * q + e];
        }
      }
      let nrm = 0;
      for (let t = 0; t < m; t++) nrm += x[t * q + c] ** 2;
      nrm = Math.sqrt(nrm) || 1;
      for (let t = 0; t < m; t++) x[t * q + c] /= nrm;
    }
  };
  let x: Float64Array = gaussianMatrix(m, q, seed);
  let y: Float64Array = new Float64Array(m * q);
  orthonormalise(x);
  for (let it = 0; it < SPECTRAL_ITERS; it++) {
    apply(x, y);
    [x, y] = [y, x];
    orthonormalise(x);
    yield;
  }
  // Rayleigh–Ritz: H = Xᵀ A X, its top dim eigenvectors rotate X.
  apply(x, y);
  const h = new Float64Array(q * q);
  for (let r = 0; r < q; r++) for (let c = 0; c < q; c++) for (let t = 0; t < m; t++) h[r * q + c] += x[t * q + r] * y[t * q + c];
  const { vectors } = jacobiEigen(h, q);
  const out = new Float64Array(m * dim);
  for (let t = 0; t < m; t++) {
    for (let c = 0; c < dim; c++) {
      let s = 0;
      for (let r = 0; r < q; r++) s += x[t * q + r] * vectors[r * q + c];
      out[t * dim + c] = s;
    }
  }
  return out;
}

/** The spectral layout of the whole graph (n × dim), components placed apart (see the file's note). */
export function spectralLayout(g: WeightedGraph, dim: number, seed: number): Float64Array {
  const steps = spectralSteps(g, dim, seed);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * spectralLayout with abort: between subspace iterations it yields to the event loop
 * (core/yield.ts abortCheckpoint), so an abort lands within one iteration; same bits.
 */
export async function spectralLayoutAsync(g: WeightedGraph, dim: number, seed: number, signal?: AbortSignal): Promise<Float64Array> {
  const steps = spectralSteps(g, dim, seed);
  const last = { t: performance.now() };
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await abortCheckpoint(signal, last);
  }
}

/** The spectral layout, pausing (yield) after each subspace iteration of each component. */
function* spectralSteps(g: WeightedGraph, dim: number, seed: number): Generator<void, Float64Array> {
  const { label, count } = components(g);
  const out = new Float64Array(g.n * dim);
  const members: number[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < g.n; i++) members[label[i]].push(i);
  const side = Math.ceil(count ** (1 / dim));
  const noise = gaussianMatrix(g.n, dim, seed + 1);
  for (let c = 0; c < count; c++) {
    const verts = Int32Array.from(members[c]);
    const coords = yield* spectralComponent(g, verts, dim, seed + 2 + c);
    let maxAbs = 0;
    if (coords) for (const v of coords) maxAbs = Math.max(maxAbs, Math.abs(v));
    for (let t = 0; t < verts.length; t++) {
      for (let k = 0; k < dim; k++) {
        const cell = count === 1 ? 0 : 3 * (Math.floor(c / side ** k) % side);
        const local = coords && maxAbs > 0 ? coords[t * dim + k] / maxAbs : 0.5 * Math.tanh(noise[verts[t] * dim + k]);
        out[verts[t] * dim + k] = cell + local;
      }
    }
    yield;
  }
  return out;
}

/**
 * umap-learn's noisy_scale_coords then the [0, 10] rescale of simplicial_set_embedding: largest
 * |coordinate| → 10, plus N(0, 10⁻⁴) noise, then each column mapped onto [0, 10]; float32.
 */
export function scaleInit(coords: ArrayLike<number>, n: number, dim: number, seed: number): Float32Array {
  let maxAbs = 0;
  for (let t = 0; t < n * dim; t++) maxAbs = Math.max(maxAbs, Math.abs(coords[t]));
  const expansion = maxAbs > 0 ? 10 / maxAbs : 1;
  const noise = gaussianMatrix(n, dim, seed + 0x9e37);
  const y = new Float64Array(n * dim);
  for (let t = 0; t < n * dim; t++) y[t] = Math.fround(coords[t] * expansion) + 1e-4 * noise[t];
  const out = new Float32Array(n * dim);
  for (let k = 0; k < dim; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, y[i * dim + k]);
      hi = Math.max(hi, y[i * dim + k]);
    }
    const span = hi > lo ? hi - lo : 1;
    for (let i = 0; i < n; i++) out[i * dim + k] = (10 * (y[i * dim + k] - lo)) / span;
  }
  return out;
}
