// Pieces of the f64x2 elementary functions that more than one kernel composes (harmony's ln,
// umap's pow). Each is inlined; the same instructions in the same order wherever it is used.

/**
 * ln m for two f64 lanes m in [√½, √2]: 2·atanh(t), t = (m − 1)/(m + 1), by its series to t¹⁵
 * (relative error < 1e-12). Callers split x = 2^e·m themselves.
 */
// @ts-ignore: decorator
@inline
export function lnReduced(m: v128): v128 {
  const one = f64x2.splat(1);
  const t = f64x2.div(f64x2.sub(m, one), f64x2.add(m, one));
  const t2 = f64x2.mul(t, t);
  let s = f64x2.splat(2.0 / 15);
  s = f64x2.add(f64x2.splat(2.0 / 13), f64x2.mul(t2, s));
  s = f64x2.add(f64x2.splat(2.0 / 11), f64x2.mul(t2, s));
  s = f64x2.add(f64x2.splat(2.0 / 9), f64x2.mul(t2, s));
  s = f64x2.add(f64x2.splat(2.0 / 7), f64x2.mul(t2, s));
  s = f64x2.add(f64x2.splat(2.0 / 5), f64x2.mul(t2, s));
  s = f64x2.add(f64x2.splat(2.0 / 3), f64x2.mul(t2, s));
  s = f64x2.add(f64x2.splat(2.0), f64x2.mul(t2, s));
  return f64x2.mul(t, s);
}

/** 2^k for two integer-valued f64 lanes k inside f64's normal exponent range, by the exponent field. */
// @ts-ignore: decorator
@inline
export function exp2Int(k: v128): v128 {
  return i64x2.shl(i64x2.add(i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(k)), i64x2.splat(1023)), 52);
}
