// One epoch of UMAP's layout for the vertices of one block (src/umap/plan.ts fixes the scheme;
// shaders/umap/layout.wgsl is the GPU twin and src/backends/reference/umap.ts the float64 one).
// Vertex i reads every position from `cur` (the epoch's start) and writes only its own row of
// `next`, summing its forces in CSR order: for each stored edge p = (i, j) the attraction once per
// firing of p and of its reverse edge, then, when p fires, its negative samples
// hash(key, epoch, p, s) mod n (`rrate`: the reverse edge's rate, per edge, so rows are read in
// order). No row is written by two blocks, so any thread count gives the
// same bits. Arithmetic is float32 as on the GPU, except d^(2b), computed in float64 and rounded
// once (a correctly rounded powf, as Mathf.pow gives, but two lanes at a time).
//
// SIMD: a vertex's interactions (attractions and repulsions, in the order they are summed) are
// queued, BUF at a time, in its block's scratch: squared distance, kind, and the difference
// yᵢ − yⱼ. The powers and coefficients of a full queue are computed over f64x2 / f32x4 lanes, then
// the clipped forces are added to the row one interaction after another, in queue order, so the
// sum's order is the scalar one.

import { exp2Int, lnReduced } from './simd-math';

const BUF: i32 = 64;
/** Bytes of scratch one block needs (src/backends/wasm/umap.ts allocates nBlocks × this). */
const UMAP_SCRATCH_BYTES: i32 = BUF * 4 * 3 + BUF * 8 * 4;

export function umapScratchBytes(): i32 {
  return UMAP_SCRATCH_BYTES;
}

// @ts-ignore: decorator
@inline function mix32(x0: u32): u32 {
  let x = x0;
  x ^= x >> 16;
  x *= 0x7feb352d;
  x ^= x >> 15;
  x *= 0x846ca68b;
  x ^= x >> 16;
  return x;
}

// @ts-ignore: decorator
@inline function fires(rate: u32, epoch: u32, bits: u32): u32 {
  if (epoch == 0) return 0;
  const now = (epoch * rate) >> bits;
  return now > ((epoch - 1) * rate) >> bits ? now : 0;
}

const LN2: f64 = 0.6931471805599453;
const SQRT2: f64 = 1.4142135623730951;

/** x^b for two positive normal f64 lanes: 2^(b·log2 x), log by atanh series, exp by Taylor (both < 1e-12 relative). */
// @ts-ignore: decorator
@inline function pow2(x: v128, b: f64): v128 {
  const bits = i64x2.shr_u(x, 52);
  let e = f64x2.convert_low_i32x4_s(i32x4.shuffle(i32x4.sub(bits, i64x2.splat(1023)), i32x4.splat(0), 0, 2, 4, 4));
  let m = v128.or(v128.and(x, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3ff0000000000000));
  const big = f64x2.gt(m, f64x2.splat(SQRT2));
  m = v128.bitselect(f64x2.mul(m, f64x2.splat(0.5)), m, big);
  e = v128.bitselect(f64x2.add(e, f64x2.splat(1)), e, big);
  const one = f64x2.splat(1);
  const lnm = lnReduced(m);
  // b·log2 x = b·e + b·ln m / ln 2; split into an integer and a remainder in [−½, ½].
  const y = f64x2.add(f64x2.mul(f64x2.splat(b), e), f64x2.mul(lnm, f64x2.splat(b / LN2)));
  const k = f64x2.nearest(y);
  const r = f64x2.mul(f64x2.sub(y, k), f64x2.splat(LN2));
  let p = f64x2.splat(1.0 / 39916800);
  p = f64x2.add(f64x2.splat(1.0 / 3628800), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1.0 / 362880), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1.0 / 40320), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1.0 / 5040), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1.0 / 720), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1.0 / 120), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1.0 / 24), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1.0 / 6), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(0.5), f64x2.mul(r, p));
  p = f64x2.add(one, f64x2.mul(r, p));
  p = f64x2.add(one, f64x2.mul(r, p));
  // 2^k by the exponent field; |k| stays far inside f64's range (x is an f32 value, |b| ≤ ~2).
  return f64x2.mul(p, exp2Int(k));
}

/** d2^b for queue entries [0, cnt) (d2 = 0 → 1, unused), as float32; coefficients by kind, as the GPU computes them. */
// @ts-ignore: decorator
@inline function coefficients(d2s: usize, kinds: usize, coefs: usize, cnt: i32, a: f32, b: f32): void {
  const bb = <f64>b;
  for (let q = 0; q < cnt; q += 2) {
    const o = <usize>q << 2;
    const x32 = v128.load64_zero(d2s + o);
    const safe = v128.bitselect(f32x4.splat(1), x32, f32x4.eq(x32, f32x4.splat(0)));
    const pb64 = pow2(f64x2.promote_low_f32x4(safe), bb);
    store<i64>(coefs + o, i64x2.extract_lane(f32x4.demote_f64x2_zero(pb64), 0));
  }
  for (let q = 0; q < cnt; q += 4) {
    const o = <usize>q << 2;
    const pb = v128.load(coefs + o);
    const d2 = v128.load(d2s + o);
    const den = f32x4.add(f32x4.mul(f32x4.splat(a), pb), f32x4.splat(1));
    // Attraction: (−2ab · (pb / d2)) / (a·pb + 1); repulsion: 2b / ((0.001 + d2)(a·pb + 1)).
    const att = f32x4.div(f32x4.mul(f32x4.splat(-2 * a * b), f32x4.div(pb, d2)), den);
    const rep = f32x4.div(f32x4.splat(2 * b), f32x4.mul(f32x4.add(f32x4.splat(0.001), d2), den));
    v128.store(coefs + o, v128.bitselect(rep, att, f32x4.eq(v128.load(kinds + o), f32x4.splat(0))));
  }
}

export function umapEpoch(
  v0: i32,
  v1: i32,
  part: usize,
  indptr: usize,
  tail: usize,
  rrate: usize,
  rate: usize,
  cur: usize,
  next: usize,
  n: u32,
  C: i32,
  epoch: u32,
  rateBits: u32,
  key: u32,
  a: f32,
  b: f32,
  nu: f32,
  alpha: f32,
  scale: i32,
  blockRows: i32,
  scratch: usize,
): void {
  // The pool cuts n·scale virtual rows into fixed blocks; this block's vertices are [⌈v0/scale⌉, ⌈v1/scale⌉).
  const r0 = (v0 + scale - 1) / scale;
  const r1 = min(<i32>n, (v1 + scale - 1) / scale);
  const base = scratch + <usize>(v0 / blockRows) * <usize>UMAP_SCRATCH_BYTES;
  const d2s = base;
  const kinds = base + (<usize>BUF << 2);
  const coefs = base + (<usize>BUF << 3);
  const diffs = base + <usize>BUF * 12;
  const ek = mix32(key ^ epoch);
  const rowBytes = <usize>C << 2;
  for (let i = r0; i < r1; i++) {
    const yi = cur + <usize>i * rowBytes;
    const out = next + <usize>i * rowBytes;
    for (let c = 0; c < C; c++) store<f32>(out + (<usize>c << 2), load<f32>(yi + (<usize>c << 2)));
    let cnt = 0;
    const p1 = load<u32>(indptr + ((<usize>i + 1) << 2));
    for (let p = load<u32>(indptr + (<usize>i << 2)); p < p1; p++) {
      const k = fires(load<u32>(rate + (<usize>p << 2)), epoch, rateBits);
      const kr = fires(load<u32>(rrate + (<usize>p << 2)), epoch, rateBits);
      const times: f32 = <f32>(k > 0 ? 1 : 0) + <f32>(kr > 0 ? 1 : 0);
      let nNeg: u32 = 0;
      if (k > 0) nNeg = <u32>Mathf.floor(<f32>k * nu) - <u32>Mathf.floor(<f32>(k - 1) * nu);
      if (times > 0) {
        const yj = cur + <usize>load<u32>(tail + (<usize>p << 2)) * rowBytes;
        cnt = push(yi, yj, C, times, true, d2s, kinds, diffs, cnt);
        if (cnt == BUF) cnt = flush(out, C, d2s, kinds, coefs, diffs, cnt, a, b, alpha);
      }
      if (nNeg == 0) continue;
      const pk = mix32(ek ^ p);
      for (let s: u32 = 0; s < nNeg; s++) {
        const t = mix32(pk ^ s) % n;
        if (t == <u32>i) continue;
        cnt = push(yi, cur + <usize>t * rowBytes, C, 0, false, d2s, kinds, diffs, cnt);
        if (cnt == BUF) cnt = flush(out, C, d2s, kinds, coefs, diffs, cnt, a, b, alpha);
      }
    }
    flush(out, C, d2s, kinds, coefs, diffs, cnt, a, b, alpha);
  }
  void part;
}

/** Queue one interaction (attractions only when d2 > 0, as the other backends skip them). */
// @ts-ignore: decorator
@inline function push(yi: usize, yj: usize, C: i32, times: f32, attract: bool, d2s: usize, kinds: usize, diffs: usize, cnt: i32): i32 {
  let d2: f32 = 0;
  const dq = diffs + ((<usize>cnt * 8) << 2);
  for (let c = 0; c < C; c++) {
    const t = load<f32>(yi + (<usize>c << 2)) - load<f32>(yj + (<usize>c << 2));
    store<f32>(dq + (<usize>c << 2), t);
    d2 += t * t;
  }
  if (attract && !(d2 > 0)) return cnt;
  store<f32>(d2s + (<usize>cnt << 2), d2);
  store<f32>(kinds + (<usize>cnt << 2), times);
  return cnt + 1;
}

/** Forces of the queued interactions added to the row in queue order; returns 0 (the queue is empty). */
function flush(out: usize, C: i32, d2s: usize, kinds: usize, coefs: usize, diffs: usize, cnt: i32, a: f32, b: f32, alpha: f32): i32 {
  if (cnt == 0) return 0;
  // Pad to a whole vector with harmless entries (d2 = 1), never added.
  for (let q = cnt; q < ((cnt + 3) & ~3); q++) {
    store<f32>(d2s + (<usize>q << 2), 1);
    store<f32>(kinds + (<usize>q << 2), 0);
  }
  coefficients(d2s, kinds, coefs, cnt, a, b);
  for (let q = 0; q < cnt; q++) {
    const times = load<f32>(kinds + (<usize>q << 2));
    const coeff = load<f32>(coefs + (<usize>q << 2));
    const dq = diffs + ((<usize>q * 8) << 2);
    if (times > 0) {
      for (let c = 0; c < C; c++) {
        const at = out + (<usize>c << 2);
        store<f32>(at, load<f32>(at) + times * clampf(coeff * load<f32>(dq + (<usize>c << 2))) * alpha);
      }
    } else if (load<f32>(d2s + (<usize>q << 2)) > 0) {
      for (let c = 0; c < C; c++) {
        const at = out + (<usize>c << 2);
        store<f32>(at, load<f32>(at) + clampf(coeff * load<f32>(dq + (<usize>c << 2))) * alpha);
      }
    } else {
      for (let c = 0; c < C; c++) {
        const at = out + (<usize>c << 2);
        store<f32>(at, load<f32>(at) + <f32>4 * alpha);
      }
    }
  }
  return 0;
}

// @ts-ignore: decorator
@inline function clampf(v: f32): f32 {
  return min<f32>(4, max<f32>(-4, v));
}
