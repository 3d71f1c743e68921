/**
 * The packed layout of a component's second moments (the upper triangle for full and tied
 * covariances, the diagonal otherwise), shared by both backends' statistics and the M-step, and
 * the scatter matrices the M-step reads from them.
 */
import type { CovarianceType } from '../types.js';

/** Entries of one component's second-moment block: upper triangle (full, tied) or diagonal. */
export function momentWidth(type: CovarianceType, d: number): number {
  return type === 'full' || type === 'tied' ? (d * (d + 1)) / 2 : d;
}

/** The (a, b) pairs of the packed moment block, a ≤ b, row-major over the upper triangle. */
export function momentPairs(type: CovarianceType, d: number): Uint32Array {
  const m = momentWidth(type, d);
  const pairs = new Uint32Array(2 * m);
  let t = 0;
  if (type === 'full' || type === 'tied') {
    for (let a = 0; a < d; a++)
      for (let b = a; b < d; b++) {
        pairs[2 * t] = a;
        pairs[2 * t + 1] = b;
        t++;
      }
  } else {
    for (let a = 0; a < d; a++) {
      pairs[2 * t] = a;
      pairs[2 * t + 1] = a;
      t++;
    }
  }
  return pairs;
}

/** Per-component weighted scatter W_k = Σ r (x − μ)(x − μ)ᵀ from shifted moments, packed. */
/** The statistics scatter reads (GmmStats in model.ts has them). */
export interface MomentStats {
  nk: Float64Array;
  sx: Float64Array;
  s2: Float64Array;
  shift: Float64Array;
}

export function scatter(stats: MomentStats, type: CovarianceType, d: number, k: number): Float64Array {
  const m = momentWidth(type, d);
  const pairs = momentPairs(type, d);
  const w = new Float64Array(k * m);
  const e = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    const nk = stats.nk[c];
    for (let j = 0; j < d; j++) e[j] = stats.sx[c * d + j] - nk * stats.shift[c * d + j];
    for (let t = 0; t < m; t++) {
      const a = pairs[2 * t];
      const b = pairs[2 * t + 1];
      let v = stats.s2[c * m + t] - (nk > 0 ? (e[a] * e[b]) / nk : 0);
      // Float32 moments can round a variance a hair below zero; a scatter's diagonal never is.
      if (a === b && v < 0) v = 0;
      w[c * m + t] = v;
    }
  }
  return w;
}

/** Expand the packed upper triangle at `off` into a symmetric d×d block, times `scale`. */
export function unpack(packed: Float64Array, off: number, d: number, out: Float64Array, scale = 1): void {
  let t = off;
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      out[a * d + b] = packed[t] * scale;
      out[b * d + a] = packed[t] * scale;
      t++;
    }
  }
}
