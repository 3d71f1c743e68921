// Shared inner loops. Every kernel works on f32 rows of width d, SIMD over four features at a
// time with a scalar tail for d % 4, always in the same order, so results do not depend on which
// thread ran which block.

/** Squared distance ‖x − c‖² in f32: four lane sums, folded (l0 + l1) + (l2 + l3), then the tail. */
// @ts-ignore: decorator
@inline
export function sqDist(x: usize, c: usize, d: i32): f32 {
  const d4 = d & ~3;
  let acc = f32x4.splat(0);
  for (let f = 0; f < d4; f += 4) {
    const t = f32x4.sub(v128.load(x + (<usize>f << 2)), v128.load(c + (<usize>f << 2)));
    acc = f32x4.add(acc, f32x4.mul(t, t));
  }
  let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (let f = d4; f < d; f++) {
    const t = load<f32>(x + (<usize>f << 2)) - load<f32>(c + (<usize>f << 2));
    s += t * t;
  }
  return s;
}

/** Σ ((x − μ) ⊙ p)² in f32, same order as sqDist. */
// @ts-ignore: decorator
@inline
export function scaledSqDist(x: usize, m: usize, p: usize, d: i32): f32 {
  const d4 = d & ~3;
  let acc = f32x4.splat(0);
  for (let f = 0; f < d4; f += 4) {
    const o = <usize>f << 2;
    const t = f32x4.mul(f32x4.sub(v128.load(x + o), v128.load(m + o)), v128.load(p + o));
    acc = f32x4.add(acc, f32x4.mul(t, t));
  }
  let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (let f = d4; f < d; f++) {
    const o = <usize>f << 2;
    const t = (load<f32>(x + o) - load<f32>(m + o)) * load<f32>(p + o);
    s += t * t;
  }
  return s;
}

/** sums[f] += w · x[f] in f64 (x promoted exactly from f32). */
// @ts-ignore: decorator
@inline
export function addScaledRow(sums: usize, x: usize, w: f64, d: i32): void {
  const d4 = d & ~3;
  const wv = f64x2.splat(w);
  for (let f = 0; f < d4; f += 4) {
    const xv = v128.load(x + (<usize>f << 2));
    const lo = f64x2.promote_low_f32x4(xv);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(xv, xv, 2, 3, 0, 1));
    const so = sums + (<usize>f << 3);
    v128.store(so, f64x2.add(v128.load(so), f64x2.mul(lo, wv)));
    v128.store(so, f64x2.add(v128.load(so, 16), f64x2.mul(hi, wv)), 16);
  }
  for (let f = d4; f < d; f++) {
    const so = sums + (<usize>f << 3);
    store<f64>(so, load<f64>(so) + w * <f64>load<f32>(x + (<usize>f << 2)));
  }
}

/** sx[f] += w·x[f]; s2[f] += w·(x[f] − s[f])², all f64. */
// @ts-ignore: decorator
@inline
export function addMoments(sx: usize, s2: usize, x: usize, s: usize, w: f64, d: i32): void {
  const d4 = d & ~3;
  const wv = f64x2.splat(w);
  for (let f = 0; f < d4; f += 4) {
    const xv = v128.load(x + (<usize>f << 2));
    const lo = f64x2.promote_low_f32x4(xv);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(xv, xv, 2, 3, 0, 1));
    const o = <usize>f << 3;
    v128.store(sx + o, f64x2.add(v128.load(sx + o), f64x2.mul(lo, wv)));
    v128.store(sx + o, f64x2.add(v128.load(sx + o, 16), f64x2.mul(hi, wv)), 16);
    const dl = f64x2.sub(lo, v128.load(s + o));
    const dh = f64x2.sub(hi, v128.load(s + o, 16));
    v128.store(s2 + o, f64x2.add(v128.load(s2 + o), f64x2.mul(f64x2.mul(dl, dl), wv)));
    v128.store(s2 + o, f64x2.add(v128.load(s2 + o, 16), f64x2.mul(f64x2.mul(dh, dh), wv)), 16);
  }
  for (let f = d4; f < d; f++) {
    const o = <usize>f << 3;
    const xf = <f64>load<f32>(x + (<usize>f << 2));
    store<f64>(sx + o, load<f64>(sx + o) + w * xf);
    const t = xf - load<f64>(s + o);
    store<f64>(s2 + o, load<f64>(s2 + o) + t * t * w);
  }
}

/** Zero n f64 slots. */
// @ts-ignore: decorator
@inline
export function zeroF64(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n << 3);
}

/** log Σ_j exp(a_j) over the k f64 values at `a`, given their maximum (the one log-sum-exp of every E-step kernel). */
// @ts-ignore: decorator
@inline
export function logSumExp(a: usize, k: i32, max: f64): f64 {
  let z: f64 = 0;
  for (let j = 0; j < k; j++) z += Math.exp(load<f64>(a + (<usize>j << 3)) - max);
  return max + Math.log(z);
}
