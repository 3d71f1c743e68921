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
import { exp2Int, lnReduced } from './simd-math';

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

const LN2: f64 = 0.6931471805599453;

/**
 * exp(x) for two f64 lanes, x ≤ 0 (NaN stays NaN): 2^k·e^r with k = round(x/ln 2), |r| ≤ ln 2 / 2,
 * e^r by its Taylor series to r⁹ (relative error < 1e-11, far below the f32 the result is rounded
 * to); x below −700 gives e^−700, which rounds to 0 in f32 as e^x would.
 */
// @ts-ignore: decorator
@inline function expNeg2(x0: v128): v128 {
  const x = f64x2.pmax(x0, f64x2.splat(-700));
  const k = f64x2.nearest(f64x2.mul(x, f64x2.splat(1 / LN2)));
  const r = f64x2.sub(x, f64x2.mul(k, f64x2.splat(LN2)));
  let p = f64x2.splat(1.0 / 362880);
  p = f64x2.add(f64x2.splat(1.0 / 40320), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1.0 / 5040), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1.0 / 720), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1.0 / 120), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1.0 / 24), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1.0 / 6), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(0.5), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1), f64x2.mul(r, p));
  return f64x2.mul(p, exp2Int(k));
}

/** Fold four f32 lanes (l0 + l1) + (l2 + l3), then add the scalar tail x[f]·y[f] for f in [d4, d): dot()'s order. */
// @ts-ignore: decorator
@inline function finish(acc: v128, x: usize, y: usize, d4: i32, d: i32): f32 {
  let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (let f = d4; f < d; f++) s += load<f32>(x + (<usize>f << 2)) * load<f32>(y + (<usize>f << 2));
  return s;
}

/**
 * dist_ik = 2(1 − Y_k·zcos_i) (f32 dot, four centroids per sweep of the cell's row, each summed in
 * dot()'s order); scale_ik = exp(−dist_ik/σ_k − max_k(−dist_ik/σ_k)) in f64, rounded once.
 */
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
  const d4 = d & ~3;
  for (let i = lo; i < hi; i++) {
    const zi = zcos + <usize>i * rowBytes;
    const di = dist + ((<usize>i * <usize>K) << 2);
    const si = scale + ((<usize>i * <usize>K) << 2);
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const y0 = Y + <usize>k * rowBytes;
      const y1 = y0 + rowBytes;
      const y2 = y1 + rowBytes;
      const y3 = y2 + rowBytes;
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      for (let f = 0; f < d4; f += 4) {
        const o = <usize>f << 2;
        const x = v128.load(zi + o);
        a0 = f32x4.add(a0, f32x4.mul(x, v128.load(y0 + o)));
        a1 = f32x4.add(a1, f32x4.mul(x, v128.load(y1 + o)));
        a2 = f32x4.add(a2, f32x4.mul(x, v128.load(y2 + o)));
        a3 = f32x4.add(a3, f32x4.mul(x, v128.load(y3 + o)));
      }
      const dk = di + (<usize>k << 2);
      store<f32>(dk, <f32>2 * (<f32>1 - finish(a0, zi, y0, d4, d)));
      store<f32>(dk, <f32>2 * (<f32>1 - finish(a1, zi, y1, d4, d)), 4);
      store<f32>(dk, <f32>2 * (<f32>1 - finish(a2, zi, y2, d4, d)), 8);
      store<f32>(dk, <f32>2 * (<f32>1 - finish(a3, zi, y3, d4, d)), 12);
    }
    for (; k < K; k++) store<f32>(di + (<usize>k << 2), <f32>2 * (<f32>1 - dot(zi, Y + <usize>k * rowBytes, d)));
    let top: f64 = -Infinity;
    for (k = 0; k < K; k++) {
      const e = -(<f64>load<f32>(di + (<usize>k << 2))) / load<f64>(sigma + (<usize>k << 3));
      if (e > top) top = e;
    }
    const tv = f64x2.splat(top);
    for (k = 0; k + 2 <= K; k += 2) {
      const dv = f64x2.promote_low_f32x4(v128.load64_zero(di + (<usize>k << 2)));
      const e = f64x2.sub(f64x2.div(f64x2.neg(dv), v128.load(sigma + (<usize>k << 3))), tv);
      v128.store64_lane(si + (<usize>k << 2), f32x4.demote_f64x2_zero(expNeg2(e)), 0);
    }
    if (k < K) {
      const e = -(<f64>load<f32>(di + (<usize>k << 2))) / load<f64>(sigma + (<usize>k << 3)) - top;
      store<f32>(si + (<usize>k << 2), f32x4.extract_lane(f32x4.demote_f64x2_zero(expNeg2(f64x2.splat(e))), 0));
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

// @ts-ignore: decorator
@inline function groupOf(batch: usize, i: i32, G: i32): i32 {
  return G > 1 ? load<i32>(batch + (<usize>i << 2)) : 0;
}

/**
 * The block's Σ R_ik [x_i, 1] per (k, g), K × G × (d + 1) f64 partials: g is the cell's batch when
 * G > 1 (moe sums, x = z), else 0 (centroid sums, x = zcos). Four cells of one group at a time share
 * each partial row's loads and stores (their rows promoted to f64 once, in the 4·d f64 of scratch
 * after the partials); every slot still adds the cells one after another, so the sums are those of
 * the one-cell loop.
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
  const xs = part + (<usize>(K * G * w) << 3);
  const rowBytes = <usize>d << 2;
  const rowF64 = <usize>d << 3;
  const d2 = d & ~1;
  let i = lo;
  while (i < hi) {
    const g = groupOf(batch, i, G);
    if (i + 4 <= hi && groupOf(batch, i + 1, G) == g && groupOf(batch, i + 2, G) == g && groupOf(batch, i + 3, G) == g) {
      for (let q = 0; q < 4; q++) {
        const src = x + <usize>(i + q) * rowBytes;
        const dst = xs + <usize>q * rowF64;
        for (let f = 0; f < d; f++) store<f64>(dst + (<usize>f << 3), <f64>load<f32>(src + (<usize>f << 2)));
      }
      const ri = R + ((<usize>i * <usize>K) << 2);
      const kb = <usize>K << 2;
      for (let k = 0; k < K; k++) {
        const ko = <usize>k << 2;
        const c0 = <f64>load<f32>(ri + ko);
        const c1 = <f64>load<f32>(ri + kb + ko);
        const c2 = <f64>load<f32>(ri + 2 * kb + ko);
        const c3 = <f64>load<f32>(ri + 3 * kb + ko);
        const v0 = f64x2.splat(c0);
        const v1 = f64x2.splat(c1);
        const v2 = f64x2.splat(c2);
        const v3 = f64x2.splat(c3);
        const row = part + ((<usize>(k * G + g) * <usize>w) << 3);
        for (let f = 0; f < d2; f += 2) {
          const o = <usize>f << 3;
          let v = v128.load(row + o);
          v = f64x2.add(v, f64x2.mul(v128.load(xs + o), v0));
          v = f64x2.add(v, f64x2.mul(v128.load(xs + rowF64 + o), v1));
          v = f64x2.add(v, f64x2.mul(v128.load(xs + 2 * rowF64 + o), v2));
          v = f64x2.add(v, f64x2.mul(v128.load(xs + 3 * rowF64 + o), v3));
          v128.store(row + o, v);
        }
        if (d2 < d) {
          const o = <usize>d2 << 3;
          let v = load<f64>(row + o);
          v += c0 * load<f64>(xs + o);
          v += c1 * load<f64>(xs + rowF64 + o);
          v += c2 * load<f64>(xs + 2 * rowF64 + o);
          v += c3 * load<f64>(xs + 3 * rowF64 + o);
          store<f64>(row + o, v);
        }
        const c = row + rowF64;
        store<f64>(c, load<f64>(c) + c0 + c1 + c2 + c3);
      }
      i += 4;
      continue;
    }
    const xi = x + <usize>i * rowBytes;
    const ri = R + ((<usize>i * <usize>K) << 2);
    for (let k = 0; k < K; k++) {
      const r = <f64>load<f32>(ri + (<usize>k << 2));
      const row = part + ((<usize>(k * G + g) * <usize>w) << 3);
      addScaledRow(row, xi, r, d);
      const c = row + rowF64;
      store<f64>(c, load<f64>(c) + r);
    }
    i++;
  }
  void r1;
}

const SQRT2: f64 = 1.4142135623730951;

/** ln x for two positive normal f64 lanes: e·ln 2 + ln m, m in [√½, √2], ln m by the atanh series to t¹⁵ (relative error < 1e-12). */
// @ts-ignore: decorator
@inline function ln2v(x: v128): v128 {
  const bits = i64x2.shr_u(x, 52);
  let e = f64x2.convert_low_i32x4_s(i32x4.shuffle(i32x4.sub(bits, i64x2.splat(1023)), i32x4.splat(0), 0, 2, 4, 4));
  let m = v128.or(v128.and(x, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3ff0000000000000));
  const big = f64x2.gt(m, f64x2.splat(SQRT2));
  m = v128.bitselect(f64x2.mul(m, f64x2.splat(0.5)), m, big);
  e = v128.bitselect(f64x2.add(e, f64x2.splat(1)), e, big);
  return f64x2.add(f64x2.mul(e, f64x2.splat(LN2)), lnReduced(m));
}

/**
 * The block's [Σ R_ik dist_ik, Σ σ_k R_ik log R_ik] (2 f64; R = 0 adds nothing), two k at a time in
 * two f64 lanes per sum, folded at the block's end.
 */
export function hmObjective(r0: i32, r1: i32, part: usize, R: usize, dist: usize, sigma: usize, n: i32, K: i32, cpb: i32, blockRows: i32): void {
  const lo = firstCell(r0, blockRows, cpb);
  const hi = endCell(r0, blockRows, cpb, n);
  let km = f64x2.splat(0);
  let ent = f64x2.splat(0);
  let kmTail: f64 = 0;
  let entTail: f64 = 0;
  const zero = f64x2.splat(0);
  for (let i = lo; i < hi; i++) {
    const o = (<usize>i * <usize>K) << 2;
    let k = 0;
    for (; k + 2 <= K; k += 2) {
      const ko = o + (<usize>k << 2);
      const r = f64x2.promote_low_f32x4(v128.load64_zero(R + ko));
      km = f64x2.add(km, f64x2.mul(r, f64x2.promote_low_f32x4(v128.load64_zero(dist + ko))));
      const pos = f64x2.gt(r, zero);
      const safe = v128.bitselect(r, f64x2.splat(1), pos);
      const t = f64x2.mul(f64x2.mul(v128.load(sigma + (<usize>k << 3)), r), ln2v(safe));
      ent = f64x2.add(ent, v128.and(t, pos));
    }
    if (k < K) {
      const r = <f64>load<f32>(R + o + (<usize>k << 2));
      kmTail += r * <f64>load<f32>(dist + o + (<usize>k << 2));
      if (r > 0) entTail += load<f64>(sigma + (<usize>k << 3)) * r * f64x2.extract_lane(ln2v(f64x2.splat(r)), 0);
    }
  }
  store<f64>(part, f64x2.extract_lane(km, 0) + f64x2.extract_lane(km, 1) + kmTail);
  store<f64>(part, f64x2.extract_lane(ent, 0) + f64x2.extract_lane(ent, 1) + entTail, 8);
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

/** delta (B × K, batch-major) = Σ over cells order[lo..hi) of their R, per (batch, k), cells in order (f64). */
// @ts-ignore: decorator
@inline function blockDelta(order: usize, lo: i32, hi: i32, R: usize, batch: usize, delta: usize, K: i32, B: i32): void {
  zeroF64(delta, K * B);
  for (let t = lo; t < hi; t++) {
    const i = load<u32>(order + (<usize>t << 2));
    const db = delta + ((<usize>load<i32>(batch + (<usize>i << 2)) * <usize>K) << 3);
    const ri = R + ((<usize>i * <usize>K) << 2);
    let k = 0;
    for (; k + 2 <= K; k += 2) {
      const p = db + (<usize>k << 3);
      v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v128.load64_zero(ri + (<usize>k << 2)))));
    }
    if (k < K) {
      const p = db + (<usize>k << 3);
      store<f64>(p, load<f64>(p) + <f64>load<f32>(ri + (<usize>k << 2)));
    }
  }
}

/** O_kb += sign · delta_bk for every (k, b). */
// @ts-ignore: decorator
@inline function applyDelta(O: usize, delta: usize, sign: f64, K: i32, B: i32): void {
  for (let k = 0; k < K; k++) {
    for (let b = 0; b < B; b++) {
      const p = O + (<usize>(k * B + b) << 3);
      store<f64>(p, load<f64>(p) + sign * load<f64>(delta + (<usize>(b * K + k) << 3)));
    }
  }
}

/**
 * harmonypy's update_R over blocks [bounds[j], bounds[j+1]) of `order` in turn, as the reference
 * does it: remove the block from O (f64, K × B, in place), pen_kb = ((Pr_b Σ_b' O_kb' + 1)/(O_kb + 1))^θ_b
 * (kept batch-major), R_i ∝ scale_i ⊙ pen_{b_i} (f64, two k per lane pair, rounded once), add the
 * block back. `scratch`: 2·K·B f64.
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
    applyDelta(O, delta, -1, K, B);
    for (let k = 0; k < K; k++) {
      let rowSum: f64 = 0;
      for (let b = 0; b < B; b++) rowSum += load<f64>(O + (<usize>(k * B + b) << 3));
      for (let b = 0; b < B; b++) {
        const e = load<f64>(prB + (<usize>b << 3)) * rowSum + 1;
        const ratio = e / (load<f64>(O + (<usize>(k * B + b) << 3)) + 1);
        store<f64>(pen + (<usize>(b * K + k) << 3), Math.pow(ratio, load<f64>(theta + (<usize>b << 3))));
      }
    }
    for (let t = lo; t < hi; t++) {
      const i = load<u32>(order + (<usize>t << 2));
      const pb = pen + ((<usize>load<i32>(batch + (<usize>i << 2)) * <usize>K) << 3);
      const si = scale + ((<usize>i * <usize>K) << 2);
      const ri = R + ((<usize>i * <usize>K) << 2);
      let acc = f64x2.splat(0);
      let k = 0;
      for (; k + 2 <= K; k += 2) {
        acc = f64x2.add(acc, f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(si + (<usize>k << 2))), v128.load(pb + (<usize>k << 3))));
      }
      let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
      if (k < K) sum += <f64>load<f32>(si + (<usize>k << 2)) * load<f64>(pb + (<usize>k << 3));
      const sv = f64x2.splat(sum);
      for (k = 0; k + 2 <= K; k += 2) {
        const v = f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(si + (<usize>k << 2))), v128.load(pb + (<usize>k << 3)));
        v128.store64_lane(ri + (<usize>k << 2), f32x4.demote_f64x2_zero(f64x2.div(v, sv)), 0);
      }
      if (k < K) store<f32>(ri + (<usize>k << 2), <f32>((<f64>load<f32>(si + (<usize>k << 2)) * load<f64>(pb + (<usize>k << 3))) / sum));
    }
    blockDelta(order, lo, hi, R, batch, delta, K, B);
    applyDelta(O, delta, 1, K, B);
  }
}
