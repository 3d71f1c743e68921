/** Small dense linear algebra in float64 (row-major) for the randomized PCA: Householder QR, Jacobi eigenproblem, Gaussian test matrices. */
import { Rng } from '../core/rng.js';

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
