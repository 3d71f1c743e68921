// Soft assignments by log-sum-exp over rows [r0, r1): soft k-means (a_j = −β‖x − c_j‖²) and
// Gaussian mixtures with diagonal or spherical covariance (a_j = const_j − ½‖(x − μ_j) ⊙ p_j‖²,
// p = 1/σ, const_j = log π_j + Σ log p_j − ½ d log 2π computed by the host in f64, −∞ for a
// dropped component). Per-row quantities are f32; the log-sum-exp and all statistics are f64.
import { sqDist, scaledSqDist, addScaledRow, addMoments, logSumExp, zeroF64 } from './common';

/**
 * Block statistics at `part` (when `stats` ≠ 0), f64: [Σ w·lse, Σ w·r_j (k), Σ w·r_j·x (k×d), Σ w·r_j·(x − s_j)² (k×d,
 * only when `shift` ≠ 0)], followed by k f64 of scratch owned by the block (always used: `part`
 * is never 0 here).
 * prec = 0 selects soft k-means with inverse temperature `beta`, else the Gaussian with `cst`.
 * Optional outputs per row (0 to skip): resp f32 n×k, logp f64 n (the lse), minDist f32 n
 * (smallest plain squared distance, soft k-means only).
 */
export function diagEStep(
  r0: i32,
  r1: i32,
  part: usize,
  x: usize,
  d: i32,
  w: usize,
  means: usize,
  k: i32,
  prec: usize,
  cst: usize,
  beta: f64,
  shift: usize,
  resp: usize,
  logp: usize,
  minDist: usize,
  stats: i32,
): void {
  const rowBytes = <usize>d << 2;
  const statBytes = (<usize>k * <usize>d) << 3;
  const nk = part + 8;
  const sx = nk + (<usize>k << 3);
  const s2 = sx + statBytes;
  const a = shift ? s2 + statBytes : s2;
  const width = 1 + k + k * d + (shift ? k * d : 0);
  if (stats) zeroF64(part, width);
  let total: f64 = 0;
  for (let i = r0; i < r1; i++) {
    const xi = x + <usize>i * rowBytes;
    let max: f64 = -Infinity;
    let md = Infinity as f32;
    for (let j = 0; j < k; j++) {
      const mj = means + <usize>j * rowBytes;
      let v: f64;
      if (prec) {
        v = load<f64>(cst + (<usize>j << 3)) - 0.5 * <f64>scaledSqDist(xi, mj, prec + <usize>j * rowBytes, d);
      } else {
        const s = sqDist(xi, mj, d);
        if (s < md) md = s;
        v = -beta * <f64>s;
      }
      store<f64>(a + (<usize>j << 3), v);
      if (v > max) max = v;
    }
    const lse = logSumExp(a, k, max);
    if (logp) store<f64>(logp + (<usize>i << 3), lse);
    if (minDist) store<f32>(minDist + (<usize>i << 2), md);
    const wi: f64 = w ? <f64>load<f32>(w + (<usize>i << 2)) : 1.0;
    total += wi * lse;
    for (let j = 0; j < k; j++) {
      const r = Math.exp(load<f64>(a + (<usize>j << 3)) - lse);
      if (resp) store<f32>(resp + ((<usize>i * <usize>k + <usize>j) << 2), <f32>r);
      if (!stats || r == 0) continue;
      const wr = wi * r;
      const np = nk + (<usize>j << 3);
      store<f64>(np, load<f64>(np) + wr);
      const o = (<usize>j * <usize>d) << 3;
      if (shift) addMoments(sx + o, s2 + o, xi, shift + o, wr, d);
      else addScaledRow(sx + o, xi, wr, d);
    }
  }
  if (stats) store<f64>(part, total);
}
