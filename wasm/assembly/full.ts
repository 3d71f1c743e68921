// Gaussian mixtures with full or tied covariance over rows [r0, r1): a_j = const_j − ½‖L_j⁻¹(x − μ_j)‖²
// with L_j⁻¹ = U_jᵀ (the transposed precision Cholesky factor, lower triangular, d×d row-major f32,
// zeros above the diagonal), then log-sum-exp and f64 statistics with the packed upper-triangle
// second moments of the reference (momentPairs: row-major a ≤ b).
import { addScaledRow, logSumExp, zeroF64 } from './common';

/**
 * Block layout at `part` (f64): [Σ w·lse, N_k (k), Σ w·r·x (k×d), Σ w·r·(x − s)(x − s)ᵀ packed (k×m,
 * only when `shift` ≠ 0)], then scratch: k f64 log-joints, d f64, d f32.
 * `ut` holds one d×d block per component (uStride = d·d·4 bytes) or one shared block (tied: 0).
 */
export function fullEStep(
  r0: i32,
  r1: i32,
  part: usize,
  x: usize,
  d: i32,
  w: usize,
  means: usize,
  k: i32,
  ut: usize,
  uStride: usize,
  cst: usize,
  shift: usize,
  resp: usize,
  logp: usize,
  stats: i32,
): void {
  const rowBytes = <usize>d << 2;
  const m = (d * (d + 1)) >> 1;
  const nk = part + 8;
  const sx = nk + (<usize>k << 3);
  const s2 = sx + ((<usize>k * <usize>d) << 3);
  const width = 1 + k + k * d + (shift ? k * m : 0);
  const a = part + (<usize>width << 3);
  const diff64 = a + (<usize>k << 3);
  const diff32 = diff64 + (<usize>d << 3);
  const d4 = d & ~3;
  if (stats) zeroF64(part, width);
  let total: f64 = 0;
  for (let i = r0; i < r1; i++) {
    const xi = x + <usize>i * rowBytes;
    let max: f64 = -Infinity;
    for (let j = 0; j < k; j++) {
      const mj = means + <usize>j * rowBytes;
      for (let f = 0; f < d; f++) store<f32>(diff32 + (<usize>f << 2), load<f32>(xi + (<usize>f << 2)) - load<f32>(mj + (<usize>f << 2)));
      const u = ut + <usize>j * uStride;
      let q: f32 = 0;
      for (let r = 0; r < d; r++) {
        // y_r = Σ_{c ≤ r} Uᵀ[r][c]·diff_c: SIMD up to the diagonal (zeros beyond it), scalar past d & ~3.
        const row = u + <usize>r * rowBytes;
        const len = r + 1;
        let v = (len + 3) & ~3;
        if (v > d4) v = d4;
        let acc = f32x4.splat(0);
        for (let f = 0; f < v; f += 4) {
          const o = <usize>f << 2;
          acc = f32x4.add(acc, f32x4.mul(v128.load(row + o), v128.load(diff32 + o)));
        }
        let y: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
        for (let f = v; f < len; f++) y += load<f32>(row + (<usize>f << 2)) * load<f32>(diff32 + (<usize>f << 2));
        q += y * y;
      }
      const val = load<f64>(cst + (<usize>j << 3)) - 0.5 * <f64>q;
      store<f64>(a + (<usize>j << 3), val);
      if (val > max) max = val;
    }
    const lse = logSumExp(a, k, max);
    if (logp) store<f64>(logp + (<usize>i << 3), lse);
    const wi: f64 = w ? <f64>load<f32>(w + (<usize>i << 2)) : 1.0;
    total += wi * lse;
    for (let j = 0; j < k; j++) {
      const r = Math.exp(load<f64>(a + (<usize>j << 3)) - lse);
      if (resp) store<f32>(resp + ((<usize>i * <usize>k + <usize>j) << 2), <f32>r);
      if (!stats || r == 0) continue;
      const wr = wi * r;
      const np = nk + (<usize>j << 3);
      store<f64>(np, load<f64>(np) + wr);
      addScaledRow(sx + ((<usize>j * <usize>d) << 3), xi, wr, d);
      if (!shift) continue;
      const sj = shift + ((<usize>j * <usize>d) << 3);
      for (let f = 0; f < d; f++) store<f64>(diff64 + (<usize>f << 3), <f64>load<f32>(xi + (<usize>f << 2)) - load<f64>(sj + (<usize>f << 3)));
      // Row p of the packed triangle: entries (p, p..d−1), contiguous; f64x2 over them.
      let t = s2 + ((<usize>j * <usize>m) << 3);
      for (let p = 0; p < d; p++) {
        const sp = wr * load<f64>(diff64 + (<usize>p << 3));
        const spv = f64x2.splat(sp);
        const cnt = d - p;
        const c2 = cnt & ~1;
        const src = diff64 + (<usize>p << 3);
        for (let q = 0; q < c2; q += 2) {
          const o = <usize>q << 3;
          v128.store(t + o, f64x2.add(v128.load(t + o), f64x2.mul(spv, v128.load(src + o))));
        }
        if (cnt & 1) {
          const o = <usize>c2 << 3;
          store<f64>(t + o, load<f64>(t + o) + sp * load<f64>(src + o));
        }
        t += <usize>cnt << 3;
      }
    }
  }
  if (stats) store<f64>(part, total);
}
