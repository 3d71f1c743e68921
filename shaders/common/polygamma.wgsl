// Float32 digamma-type functions for the negative-binomial dispersion update on the device
// (nbmm/mstep.wgsl), a common library composed after common/lgamma (it uses ln_f32, log1p_f32,
// lgamma_f32 and stirling_tail_f32). Defines no bindings and no entry point.
//
//   log1pmx_f32(u)     log(1 + u) − u, u ≥ 0. For u < 0.1 its series −u²/2 + u³/3 − … to u^10
//                      (truncation < 1e-9 relative), so it keeps its relative accuracy where the
//                      difference of two nearly equal floats would not: the Poisson limit r → ∞,
//                      where every r-dependent term of the NB likelihood is such a difference.
//   log1p_parts_f32(u) (log1p(u), log1pmx(u), log(1 + u) − u/(1 + u)), u ≥ 0, with one logarithm; the
//                      last likewise by its series u²/2 − 2u³/3 + … below 0.1.
//   digamma_f32(x), trigamma_f32(x)   ψ(x), ψ₁(x), x > 0: recurrence up to x ≥ 10, then the
//                      asymptotic series of src/nbmm/special.ts (truncation ~2e-14 at 10).
//   lrising3_f32(v, r) D(v, r) = log Γ(v + r) − log Γ(r) − v·log r and its first two r-derivatives,
//                      (D, D', D''), for a count v > 0 and r > 0: for r ≥ 10 Stirling's forms of
//                      src/nbmm/special.ts logRising rearranged so no large terms cancel,
//                      D = r·log1pmx(v/r) + (v − ½)·log1p(v/r) + S(r + v) − S(r); below, differences of
//                      lgamma, digamma and trigamma (no cancellation there: ψ(r) ~ −1/r dominates).

fn log1pmx_f32(u: f32) -> f32 {
  if (u < 0.1) {
    let p = -0.5 + u * (0.3333333333 + u * (-0.25 + u * (0.2 + u * (-0.1666666667 + u * (0.1428571429 + u * (-0.125 +
      u * (0.1111111111 + u * -0.1)))))));
    return u * u * p;
  }
  return log1p_f32(u) - u;
}

// (log1p(u), log1pmx(u), log1pmf(u)) with one logarithm: the three share log1p(u) above 0.1.
fn log1p_parts_f32(u: f32) -> vec3f {
  if (u < 0.1) {
    let mx = log1pmx_f32(u);
    // Σ_{n≥2} (−1)^n (n − 1)/n · u^n
    let p = 0.5 + u * (-0.6666666667 + u * (0.75 + u * (-0.8 + u * (0.8333333333 + u * (-0.8571428571 + u * (0.875 +
      u * (-0.8888888889 + u * 0.9)))))));
    return vec3f(mx + u, mx, u * u * p);
  }
  let l = log1p_f32(u);
  return vec3f(l, l - u, l - u / (1.0 + u));
}

// ψ(z) − log z and ψ₁(z) − 1/z for z ≥ 10.
fn digamma_tail_f32(z: f32) -> f32 {
  let f = 1.0 / (z * z);
  return -0.5 / z - f * (0.0833333333 - f * (0.0083333333 - f * (0.0039682540 - f * 0.0041666667)));
}

fn trigamma_tail_f32(z: f32) -> f32 {
  let f = 1.0 / (z * z);
  return 0.5 * f + (f / z) * (0.1666666667 - f * (0.0333333333 - f * (0.0238095238 - f * 0.0333333333)));
}

fn digamma_f32(x0: f32) -> f32 {
  var x = x0;
  var acc = 0.0;
  while (x < 10.0) {
    acc -= 1.0 / x;
    x += 1.0;
  }
  return acc + ln_f32(x) + digamma_tail_f32(x);
}

fn trigamma_f32(x0: f32) -> f32 {
  var x = x0;
  var acc = 0.0;
  while (x < 10.0) {
    acc += 1.0 / (x * x);
    x += 1.0;
  }
  return acc + 1.0 / x + trigamma_tail_f32(x);
}

fn lrising3_f32(v: f32, r: f32) -> vec3f {
  if (r >= 10.0) {
    let x = v / r;
    let d0 = r * log1pmx_f32(x) + (v - 0.5) * log1p_f32(x) + (stirling_tail_f32(r + v) - stirling_tail_f32(r));
    let d1 = log1pmx_f32(x) + (digamma_tail_f32(r + v) - digamma_tail_f32(r));
    let d2 = x * x / (r + v) + (trigamma_tail_f32(r + v) - trigamma_tail_f32(r));
    return vec3f(d0, d1, d2);
  }
  return vec3f(
    lgamma_f32(v + r) - lgamma_f32(r) - v * ln_f32(r),
    digamma_f32(v + r) - digamma_f32(r) - v / r,
    trigamma_f32(v + r) - trigamma_f32(r) + v / (r * r),
  );
}
