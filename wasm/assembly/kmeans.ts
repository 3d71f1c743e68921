// Hard k-means: fused nearest-centroid assignment and sufficient statistics over rows [r0, r1).
import { sqDist, addScaledRow, zeroF64 } from './common';

// @ts-ignore: decorator
@inline
function fold(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * For each row: the nearest centroid (squared distance, ties to the lower index, like the
 * float64 reference: strict `<` from +∞), its distance, and — when `part` is not 0 — the
 * per-block statistics laid out as f64 [Σw·dist, #changed, Σw per cluster (k), Σw·x (k×d)].
 * Four centroids are measured per pass over the row; each distance is summed in exactly the
 * order of common.sqDist, so it equals the one the distance kernel reports.
 *
 * x: f32 rows×d; w: f32 weights or 0; c: f32 k×d; labels: i32 per row (previous labels in,
 * counted as changed when different); dist: f32 per row or 0.
 */
export function kmeansAssign(
  r0: i32,
  r1: i32,
  part: usize,
  x: usize,
  d: i32,
  w: usize,
  c: usize,
  k: i32,
  labels: usize,
  dist: usize,
): void {
  const rowBytes = <usize>d << 2;
  const d4 = d & ~3;
  const k4 = k & ~3;
  const counts = part + 16;
  const sums = counts + (<usize>k << 3);
  let inertia: f64 = 0;
  let changed: f64 = 0;
  if (part) zeroF64(part, 2 + k + k * d);
  for (let i = r0; i < r1; i++) {
    const xi = x + <usize>i * rowBytes;
    let best = Infinity as f32;
    let arg = 0;
    for (let j = 0; j < k4; j += 4) {
      const c0 = c + <usize>j * rowBytes;
      const c1 = c0 + rowBytes;
      const c2 = c1 + rowBytes;
      const c3 = c2 + rowBytes;
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      for (let f = 0; f < d4; f += 4) {
        const o = <usize>f << 2;
        const xv = v128.load(xi + o);
        const t0 = f32x4.sub(xv, v128.load(c0 + o));
        const t1 = f32x4.sub(xv, v128.load(c1 + o));
        const t2 = f32x4.sub(xv, v128.load(c2 + o));
        const t3 = f32x4.sub(xv, v128.load(c3 + o));
        a0 = f32x4.add(a0, f32x4.mul(t0, t0));
        a1 = f32x4.add(a1, f32x4.mul(t1, t1));
        a2 = f32x4.add(a2, f32x4.mul(t2, t2));
        a3 = f32x4.add(a3, f32x4.mul(t3, t3));
      }
      let s0 = fold(a0);
      let s1 = fold(a1);
      let s2 = fold(a2);
      let s3 = fold(a3);
      for (let f = d4; f < d; f++) {
        const o = <usize>f << 2;
        const xf = load<f32>(xi + o);
        const t0 = xf - load<f32>(c0 + o);
        const t1 = xf - load<f32>(c1 + o);
        const t2 = xf - load<f32>(c2 + o);
        const t3 = xf - load<f32>(c3 + o);
        s0 += t0 * t0;
        s1 += t1 * t1;
        s2 += t2 * t2;
        s3 += t3 * t3;
      }
      if (s0 < best) {
        best = s0;
        arg = j;
      }
      if (s1 < best) {
        best = s1;
        arg = j + 1;
      }
      if (s2 < best) {
        best = s2;
        arg = j + 2;
      }
      if (s3 < best) {
        best = s3;
        arg = j + 3;
      }
    }
    for (let j = k4; j < k; j++) {
      const s = sqDist(xi, c + <usize>j * rowBytes, d);
      if (s < best) {
        best = s;
        arg = j;
      }
    }
    const lp = labels + (<usize>i << 2);
    if (load<i32>(lp) != arg) changed += 1;
    store<i32>(lp, arg);
    if (dist) store<f32>(dist + (<usize>i << 2), best);
    if (part) {
      const wi: f64 = w ? <f64>load<f32>(w + (<usize>i << 2)) : 1.0;
      inertia += wi * <f64>best;
      const cp = counts + (<usize>arg << 3);
      store<f64>(cp, load<f64>(cp) + wi);
      addScaledRow(sums + ((<usize>arg * <usize>d) << 3), xi, wi, d);
    }
  }
  if (part) {
    store<f64>(part, inertia);
    store<f64>(part, changed, 8);
  }
}
