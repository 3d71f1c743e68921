// Exact, order-independent sums of float32 values in 64-bit two's-complement fixed point, held as
// two u32 words (lo, hi), for kernels that scatter into shared outputs with integer atomics (WGSL
// has no float atomics). A value v of an output whose total is bounded on the host by B is added
// as the integer t = round(v·2^e), 2^e·B ≤ 2^59 (nbmm-upload.ts fixedExponents; 16× headroom under
// 2^63 for float32 round-off in the shares and log2's rounding), so no partial sum overflows; integer
// addition is exact and associative, hence the total has the same bits whatever the order of the
// adds, the workgroup size or the chunking. Each add errs by at most half a unit (B·2^−59 absolute;
// 2^−127 when B < 2^−67, where e is clamped to float32's exponent range).
//
// A kernel adds t by: let w = fixed_words(t); if any word is nonzero,
//   let old = atomicAdd(&acc[2o], w.x); atomicAdd(&acc[2o + 1], w.y + fixed_carry(old, w.x))
// (the second add is skipped when its operand is 0): the carry out of the low word is detected from
// the value it held, so the total of the high words counts every wrap of the low word, in any order.
// fixed_to_f32 turns a total back into float32 (at most about one ulp off). Defines no bindings.

// The 64-bit integer nearest |t| < 2^62 (ties to even), negated in two's complement when t < 0.
fn fixed_words(t: f32) -> vec2u {
  var a = abs(t);
  // Below 2^23 a float32 may have a fraction; above it, it is an integer.
  if (a < 8388608.0) { a = round(a); }
  // a / 2^32 and its floor are exact; so is the remainder (the low bits of a's mantissa).
  let hf = floor(a * 2.3283064365386963e-10);
  var lo = u32(a - hf * 4294967296.0);
  var hi = u32(hf);
  if (t < 0.0) {
    hi = ~hi + select(0u, 1u, lo == 0u);
    lo = ~lo + 1u;
  }
  return vec2u(lo, hi);
}

// 1 when adding lo to a low word that held `old` wrapped past 2^32.
fn fixed_carry(old: u32, lo: u32) -> u32 {
  return select(0u, 1u, old + lo < old);
}

// The float32 nearest (within about one ulp) to the signed 64-bit total w = (lo, hi), times 2^−e.
fn fixed_to_f32(w: vec2u, e: i32) -> f32 {
  let neg = (w.y & 0x80000000u) != 0u;
  var lo = w.x;
  var hi = w.y;
  if (neg) {
    hi = ~hi + select(0u, 1u, lo == 0u);
    lo = ~lo + 1u;
  }
  let m = f32(hi) * 4294967296.0 + f32(lo);
  return ldexp(select(m, -m, neg), -e);
}
