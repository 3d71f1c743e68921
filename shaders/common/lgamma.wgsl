// Float32 special functions for count models, a common library that kernels name in their
// module list (src/gpu/compose.ts prepends it). Defines no bindings and no entry point.
//
//   ln_f32(x)       log x for x > 0, to a few ulp everywhere. WGSL only promises log() an
//                   absolute error of 2^-21 on [0.5, 2] (GPUs use fast log2 approximations), which
//                   would ruin the relative accuracy of small logs, so the log is computed here:
//                   x = 2^e·f with f ∈ [√½, √2), log f = 2·atanh(z), z = (f − 1)/(f + 1), by its
//                   odd series to z^13 (|z| ≤ 0.172: truncation < 2e-12), e·ln2 in two parts.
//   log1p_f32(x)    log(1 + x) for x > −1: the atanh series on z = x/(2 + x) for |x| < 1/4 (no
//                   rounding of 1 + x), else ln_f32(u) + (x − (u − 1))/u with u = fl(1 + x).
//   lgamma_f32(x)   log Γ(x) for x > 0:
//                     x ≥ 8: Stirling, (x − ½)(log x − 1) + ½log(2π) − ½ + 1/(12x) − 1/(360x³) + 1/(1260x⁵)
//                            (truncation < 3e-10 at x = 8);
//                     x < 8: through G(t) = log Γ(2 + t) = log1p(t·P(t)) on t ∈ [−½, ½], where P is a
//                            degree-11 least-squares fit of (Γ(2 + t) − 1)/t (relative error 3e-11,
//                            fitted with mpmath), and the recurrence Γ(x + 1) = x·Γ(x):
//                            (0, ½): G(x) − log(x(1 + x)); [½, 1.5): G(x − 1) − log1p(x − 1);
//                            [1.5, 2.5): G(x − 2); [2.5, 8): G(y − 2) + log Π_j (y + j), y ∈ [1.5, 2.5).
//                            Written as log1p of a small quantity, the zeros at x = 1 and 2 come out
//                            with a small absolute error rather than as a difference of larger terms.
//   lrising_f32(x, r)  log Γ(x + r) − log Γ(r) − x·log r (the log rising factorial over r^x), for
//                   x ≥ 0, r > 0: for r ≥ 8 in the form (r + x − ½)·log1p(x/r) − x + S(r + x) − S(r)
//                   (S: Stirling's correction), which stays accurate as r → ∞ where the difference
//                   of two huge log Γ values would cancel; lgamma_f32 differences for r < 8.
// Accuracy (test/gpu/nbmm-lgamma.test.ts, against the float64 reference on 4000 log-spaced points
// in [1e-3, 1e6]): stated and asserted there.

const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.428606765330187e-6;
const HALF_LOG_2PI_M_HALF: f32 = 0.41893853320467274; // ½·log(2π) − ½

// 2·atanh(z) = 2z(1 + z²/3 + z⁴/5 + …) for |z| ≤ 0.172.
fn atanh2_series(z: f32) -> f32 {
  let w = z * z;
  let p = 1.0 + w * (0.3333333333 + w * (0.2 + w * (0.1428571429 + w * (0.1111111111 + w * (0.0909090909 + w * 0.0769230769)))));
  return 2.0 * z * p;
}

fn ln_f32(x: f32) -> f32 {
  if (x <= 0.0) { return -3.40282346638528859812e+38f; }
  let bits = bitcast<u32>(x);
  var e = i32((bits >> 23u) & 0xffu) - 127;
  var f = bitcast<f32>((bits & 0x007fffffu) | 0x3f800000u); // [1, 2)
  if (f > 1.41421356) {
    f = f * 0.5;
    e = e + 1;
  }
  let z = (f - 1.0) / (f + 1.0);
  let ef = f32(e);
  return ef * LN2_HI + (ef * LN2_LO + atanh2_series(z));
}

fn log1p_f32(x: f32) -> f32 {
  if (abs(x) < 0.25) { return atanh2_series(x / (2.0 + x)); }
  // 1 + x is rounded; (x − (u − 1))/u restores the lost part to first order.
  let u = 1.0 + x;
  return ln_f32(u) + (x - (u - 1.0)) / u;
}

// G(t) = log Γ(2 + t), t ∈ [−½, ½].
fn lgamma2_f32(t: f32) -> f32 {
  let p = 0.42278433510654534 + t * (0.41184033029063594 + t * (0.08157691686149193 + t * (0.07424902259534222 +
    t * (-0.0002668692036595751 + t * (0.011153748981983892 + t * (-0.0028545801264959524 + t * (0.0021071101387661146 +
    t * (-0.000904761500197042 + t * (0.00047410073591056114 + t * (-0.00029206642400759635 + t * 0.00016022401837349247))))))))));
  return log1p_f32(t * p);
}

// Stirling's correction S(z) = log Γ(z) − [(z − ½) log z − z + ½ log 2π], z ≥ 8.
fn stirling_tail_f32(z: f32) -> f32 {
  let w = 1.0 / (z * z);
  return (1.0 / z) * (0.0833333333 - w * (0.0027777778 - w * 0.00079365079));
}

fn lgamma_f32(x: f32) -> f32 {
  if (x >= 8.0) {
    return (x - 0.5) * (ln_f32(x) - 1.0) + HALF_LOG_2PI_M_HALF + stirling_tail_f32(x);
  }
  if (x < 0.5) { return lgamma2_f32(x) - ln_f32(x * (1.0 + x)); }
  if (x < 1.5) { return lgamma2_f32(x - 1.0) - log1p_f32(x - 1.0); }
  if (x < 2.5) { return lgamma2_f32(x - 2.0); }
  var y = x;
  var prod = 1.0;
  while (y >= 2.5) {
    y = y - 1.0;
    prod = prod * y;
  }
  return lgamma2_f32(y - 2.0) + ln_f32(prod);
}

fn lrising_f32(x: f32, r: f32) -> f32 {
  if (x == 0.0) { return 0.0; }
  if (r >= 8.0) {
    return (r + x - 0.5) * log1p_f32(x / r) - x + (stirling_tail_f32(r + x) - stirling_tail_f32(r));
  }
  return lgamma_f32(x + r) - lgamma_f32(r) - x * ln_f32(r);
}
