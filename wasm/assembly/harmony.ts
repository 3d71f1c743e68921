// Harmony's passes over the cells (src/harmony/backend.ts is the contract, src/backends/reference/
// harmony.ts the float64 oracle, src/backends/wasm/harmony.ts the host side). Cells are f32 rows
// (z, zcos, zcorr n × d; R, dist, scale n × K); every sum is f64.
//
// Block kernels run over `cpb` cells per pool block: the pool's rows are virtual (blockRows of
// them per block, as in knn.ts), so block j owns cells [j·cpb, min(n, (j+1)·cpb)), writes only
// their rows and its own f64 partials, and the host reduces partials in block order: any thread
// count gives the same bits. `hmUpdateR` is not a block kernel: the blocks of Harmony's R update
// are sequential (O changes between them), so it runs whole on the calling thread.
import { addScaledRow, zeroF64 } from './common';

// @ts-ignore: decorator
@inline function firstCell(r0: i32, blockRows: i32, cpb: i32): i32 {
  return (r0 / blockRows) * cpb;
}

// @ts-ignore: decorator
@inline function endCell(r0: i32, blockRows: i32, cpb: i32, n: i32): i32 {
  const e = (r0 / blockRows + 1) * cpb;
  return e < n ? e : n;
}

/** x · y over d f32 values: four lane sums folded (l0 + l1) + (l2 + l3), then the tail (common.ts's order). */
// @ts-ignore: decorator
@inline function dot(x: usize, y: usize, d: i32): f32 {
  const d4 = d & ~3;
  let acc = f32x4.splat(0);
  for (let f = 0; f < d4; f += 4) {
    const o = <usize>f << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  }
  let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (let f = d4; f < d; f++) s += load<f32>(x + (<usize>f << 2)) * load<f32>(y + (<usize>f << 2));
  return s;
}

/** dist_ik = 2(1 − Y_k·zcos_i) (f32); scale_ik = exp(−dist_ik/σ_k − max_k(−dist_ik/σ_k)) in f64, rounded once. */
export function hmDistances(
  r0: i32,
  r1: i32,
  part: usize,
  zcos: usize,
  Y: usize,
  sigma: usize,
  dist: usize,
  scale: usize,
  n: i32,
  d: i32,
  K: i32,
  cpb: i32,
  blockRows: i32,
): void {
  const lo = firstCell(r0, blockRows, cpb);
  const hi = endCell(r0, blockRows, cpb, n);
  const rowBytes = <usize>d << 2;
  for (let i = lo; i < hi; i++) {
    const zi = zcos + <usize>i * rowBytes;
    const di = dist + ((<usize>i * <usize>K) << 2);
    const si = scale + ((<usize>i * <usize>K) << 2);
    let top: f64 = -Infinity;
    for (let k = 0; k < K; k++) {
      const v: f32 = 2 * (1 - dot(zi, Y + <usize>k * rowBytes, d));
      store<f32>(di + (<usize>k << 2), v);
      const e = -(<f64>v) / load<f64>(sigma + (<usize>k << 3));
      if (e > top) top = e;
    }
    for (let k = 0; k < K; k++) {
      const e = -(<f64>load<f32>(di + (<usize>k << 2))) / load<f64>(sigma + (<usize>k << 3));
      store<f32>(si + (<usize>k << 2), <f32>Math.exp(e - top));
    }
  }
  void r1;
  void part;
}

/** R_i = scale_i / Σ_k scale_ik (sum in f64). */
export function hmSoftAssign(r0: i32, r1: i32, part: usize, scale: usize, R: usize, n: i32, K: i32, cpb: i32, blockRows: i32): void {
  const lo = firstCell(r0, blockRows, cpb);
  const hi = endCell(r0, blockRows, cpb, n);
  for (let i = lo; i < hi; i++) {
    const o = (<usize>i * <usize>K) << 2;
    let sum: f64 = 0;
    for (let k = 0; k < K; k++) sum += <f64>load<f32>(scale + o + (<usize>k << 2));
    for (let k = 0; k < K; k++) store<f32>(R + o + (<usize>k << 2), <f32>(<f64>load<f32>(scale + o + (<usize>k << 2)) / sum));
  }
  void r1;
  void part;
}

/**
 * The block's Σ R_ik [x_i, 1] per (k, g), K × G × (d + 1) f64 partials: g is the cell's batch when
 * G > 1 (moe sums, x = z), else 0 (centroid sums, x = zcos).
 */
export function hmSums(
  r0: i32,
  r1: i32,
  part: usize,
  x: usize,
  R: usize,
  batch: usize,
  n: i32,
  d: i32,
  K: i32,
  G: i32,
  cpb: i32,
  blockRows: i32,
): void {
  const lo = firstCell(r0, blockRows, cpb);
  const hi = endCell(r0, blockRows, cpb, n);
  const w = d + 1;
  zeroF64(part, K * G * w);
  const rowBytes = <usize>d << 2;
  for (let i = lo; i < hi; i++) {
    const g = G > 1 ? load<i32>(batch + (<usize>i << 2)) : 0;
    const xi = x + <usize>i * rowBytes;
    const ri = R + ((<usize>i * <usize>K) << 2);
    for (let k = 0; k < K; k++) {
      const r = <f64>load<f32>(ri + (<usize>k << 2));
      if (r == 0) continue;
      const row = part + ((<usize>(k * G + g) * <usize>w) << 3);
      addScaledRow(row, xi, r, d);
      const c = row + (<usize>d << 3);
      store<f64>(c, load<f64>(c) + r);
    }
  }
  void r1;
}

/** The block's [Σ R_ik dist_ik, Σ σ_k R_ik log R_ik] (2 f64). */
export function hmObjective(r0: i32, r1: i32, part: usize, R: usize, dist: usize, sigma: usize, n: i32, K: i32, cpb: i32, blockRows: i32): void {
  const lo = firstCell(r0, blockRows, cpb);
  const hi = endCell(r0, blockRows, cpb, n);
  let km: f64 = 0;
  let ent: f64 = 0;
  for (let i = lo; i < hi; i++) {
    const o = (<usize>i * <usize>K) << 2;
    for (let k = 0; k < K; k++) {
      const r = <f64>load<f32>(R + o + (<usize>k << 2));
      km += r * <f64>load<f32>(dist + o + (<usize>k << 2));
      if (r > 0) ent += load<f64>(sigma + (<usize>k << 3)) * r * Math.log(r);
    }
  }
  store<f64>(part, km);
  store<f64>(part, ent, 8);
  void r1;
}

/** zcorr_i = z_i − Σ_k R_ik W[k, b_i] (f32, k in order); zcos_i = zcorr_i / ‖zcorr_i‖ (norm in f64). */
export function hmCorrect(
  r0: i32,
  r1: i32,
  part: usize,
  z: usize,
  R: usize,
  batch: usize,
  W: usize,
  zcorr: usize,
  zcos: usize,
  n: i32,
  d: i32,
  K: i32,
  B: i32,
  cpb: i32,
  blockRows: i32,
): void {
  const lo = firstCell(r0, blockRows, cpb);
  const hi = endCell(r0, blockRows, cpb, n);
  const rowBytes = <usize>d << 2;
  const d4 = d & ~3;
  for (let i = lo; i < hi; i++) {
    const b = load<i32>(batch + (<usize>i << 2));
    const ci = zcorr + <usize>i * rowBytes;
    memory.copy(ci, z + <usize>i * rowBytes, rowBytes);
    const ri = R + ((<usize>i * <usize>K) << 2);
    for (let k = 0; k < K; k++) {
      const r = load<f32>(ri + (<usize>k << 2));
      if (r == 0) continue;
      const rv = f32x4.splat(r);
      const wk = W + <usize>(k * B + b) * rowBytes;
      for (let f = 0; f < d4; f += 4) {
        const o = <usize>f << 2;
        v128.store(ci + o, f32x4.sub(v128.load(ci + o), f32x4.mul(rv, v128.load(wk + o))));
      }
      for (let f = d4; f < d; f++) {
        const o = <usize>f << 2;
        store<f32>(ci + o, load<f32>(ci + o) - r * load<f32>(wk + o));
      }
    }
    let s: f64 = 0;
    for (let f = 0; f < d; f++) {
      const v = <f64>load<f32>(ci + (<usize>f << 2));
      s += v * v;
    }
    const inv: f64 = s > 0 ? 1 / Math.sqrt(s) : 0;
    const oi = zcos + <usize>i * rowBytes;
    for (let f = 0; f < d; f++) store<f32>(oi + (<usize>f << 2), <f32>(<f64>load<f32>(ci + (<usize>f << 2)) * inv));
  }
  void r1;
  void part;
}

/** delta (K × B) = Σ over cells order[lo..hi) of their R, per (k, batch), in cell order (f64). */
// @ts-ignore: decorator
@inline function blockDelta(order: usize, lo: i32, hi: i32, R: usize, batch: usize, delta: usize, K: i32, B: i32): void {
  zeroF64(delta, K * B);
  for (let t = lo; t < hi; t++) {
    const i = load<u32>(order + (<usize>t << 2));
    const b = load<i32>(batch + (<usize>i << 2));
    const ri = R + ((<usize>i * <usize>K) << 2);
    for (let k = 0; k < K; k++) {
      const p = delta + (<usize>(k * B + b) << 3);
      store<f64>(p, load<f64>(p) + <f64>load<f32>(ri + (<usize>k << 2)));
    }
  }
}

/**
 * harmonypy's update_R over blocks [bounds[j], bounds[j+1]) of `order` in turn, as the reference
 * does it: remove the block from O (f64, K × B, in place), pen_kb = ((Pr_b Σ_b' O_kb' + 1)/(O_kb + 1))^θ_b,
 * R_i ∝ scale_i ⊙ pen_{·, b_i} (f64, rounded once), add the block back. `scratch`: 2·K·B f64.
 */
export function hmUpdateR(
  order: usize,
  bounds: usize,
  nBounds: i32,
  O: usize,
  scratch: usize,
  scale: usize,
  R: usize,
  batch: usize,
  theta: usize,
  prB: usize,
  K: i32,
  B: i32,
): void {
  const pen = scratch;
  const delta = scratch + (<usize>(K * B) << 3);
  for (let j = 0; j + 1 < nBounds; j++) {
    const lo = load<i32>(bounds + (<usize>j << 2));
    const hi = load<i32>(bounds + (<usize>(j + 1) << 2));
    blockDelta(order, lo, hi, R, batch, delta, K, B);
    for (let t = 0; t < K * B; t++) {
      const p = O + (<usize>t << 3);
      store<f64>(p, load<f64>(p) - load<f64>(delta + (<usize>t << 3)));
    }
    for (let k = 0; k < K; k++) {
      let rowSum: f64 = 0;
      for (let b = 0; b < B; b++) rowSum += load<f64>(O + (<usize>(k * B + b) << 3));
      for (let b = 0; b < B; b++) {
        const e = load<f64>(prB + (<usize>b << 3)) * rowSum + 1;
        const ratio = e / (load<f64>(O + (<usize>(k * B + b) << 3)) + 1);
        store<f64>(pen + (<usize>(k * B + b) << 3), Math.pow(ratio, load<f64>(theta + (<usize>b << 3))));
      }
    }
    for (let t = lo; t < hi; t++) {
      const i = load<u32>(order + (<usize>t << 2));
      const b = load<i32>(batch + (<usize>i << 2));
      const o = (<usize>i * <usize>K) << 2;
      let sum: f64 = 0;
      for (let k = 0; k < K; k++) sum += <f64>load<f32>(scale + o + (<usize>k << 2)) * load<f64>(pen + (<usize>(k * B + b) << 3));
      for (let k = 0; k < K; k++) {
        const v = <f64>load<f32>(scale + o + (<usize>k << 2)) * load<f64>(pen + (<usize>(k * B + b) << 3));
        store<f32>(R + o + (<usize>k << 2), <f32>(v / sum));
      }
    }
    blockDelta(order, lo, hi, R, batch, delta, K, B);
    for (let t = 0; t < K * B; t++) {
      const p = O + (<usize>t << 3);
      store<f64>(p, load<f64>(p) + load<f64>(delta + (<usize>t << 3)));
    }
  }
}
