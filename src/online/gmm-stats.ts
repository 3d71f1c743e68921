/**
 * Stepwise EM's running statistics for the Gaussian mixture: normalised (per unit weight) and with
 * second moments about one fixed anchor per component, so batches whose backends shifted their
 * moments differently (the reference by the batch's responsibilities-weighted means, WebGPU by the
 * previous means) average term by term.
 */
import type { GmmStats } from '../gmm/model.js';
import { momentPairs, momentWidth } from '../gmm/moments.js';
import type { CovarianceType } from '../types.js';

/** Σ r (x − A)(x − A)ᵀ from Σ r (x − B)(x − B)ᵀ: + δeᵀ + eδᵀ + N δδᵀ with δ = B − A, e = Σ r (x − B). */
export function reanchor(st: GmmStats, anchor: Float64Array, type: CovarianceType, k: number, d: number): Float64Array {
  const m = momentWidth(type, d);
  const pairs = momentPairs(type, d);
  const out = st.s2.slice();
  const delta = new Float64Array(d);
  const e = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    const N = st.nk[c];
    for (let j = 0; j < d; j++) {
      delta[j] = st.shift[c * d + j] - anchor[c * d + j];
      e[j] = st.sx[c * d + j] - N * st.shift[c * d + j];
    }
    for (let t = 0; t < m; t++) {
      const a = pairs[2 * t];
      const b = pairs[2 * t + 1];
      out[c * m + t] += delta[a] * e[b] + e[a] * delta[b] + N * delta[a] * delta[b];
    }
  }
  return out;
}

/** s ← (1 − η)·s + η·ŝ, ŝ = the batch's statistics per unit weight about `anchor` (s null: ŝ). */
export function stepStats(
  s: GmmStats | null,
  batch: GmmStats,
  eta: number,
  anchor: Float64Array,
  type: CovarianceType,
  k: number,
  d: number,
): GmmStats {
  const inv = 1 / batch.n;
  const s2 = reanchor(batch, anchor, type, k, d);
  const mix = (old: Float64Array | undefined, v: Float64Array): Float64Array =>
    Float64Array.from(v, (x, t) => (old ? (1 - eta) * old[t] + eta * x * inv : x * inv));
  return {
    n: 1,
    nk: mix(s?.nk, batch.nk),
    sx: mix(s?.sx, batch.sx),
    s2: mix(s?.s2, s2),
    shift: anchor,
    loglik: s ? (1 - eta) * s.loglik + eta * batch.loglik * inv : batch.loglik * inv,
  };
}
