// The Gaussian log-density's quadratic form: quad(base, c) = ‖y‖² for the row at
// x_at(base …) and component c, where y = (x − μ_c)ᵀ U_c with U_c the upper-triangular Cholesky
// factor of the precision (COV 0 full: K factors of D×D; 1 tied: one shared), y_j = (x_j − μ_cj)·u_cj
// (2 diag: K×D factors), or ‖x − μ_c‖²·u_c² (3 spherical: K factors). The same chain in the E-step
// and in the fused pass (shaders/gmm/estep.wgsl, fused.wgsl), so they agree to the bit. Reads the
// row through x_at (common/x_f32 or common/x_f16); needs the kernel to declare `means` (K×D) and
// `prec` (storage f32 arrays) and `override D, COV: u32`.

fn quad(base: u32, c: u32) -> f32 {
  let mb = c * D;
  var q = 0.0;
  if (COV <= 1u) {
    let pb = select(0u, c * D * D, COV == 0u);
    for (var j = 0u; j < D; j++) {
      var y = 0.0;
      for (var a = 0u; a <= j; a++) {
        y = fma(x_at(base + a) - means[mb + a], prec[pb + a * D + j], y);
      }
      q = fma(y, y, q);
    }
  } else if (COV == 2u) {
    for (var j = 0u; j < D; j++) {
      let y = (x_at(base + j) - means[mb + j]) * prec[mb + j];
      q = fma(y, y, q);
    }
  } else {
    for (var j = 0u; j < D; j++) {
      let t = x_at(base + j) - means[mb + j];
      q = fma(t, t, q);
    }
    q = q * prec[c] * prec[c];
  }
  return q;
}
