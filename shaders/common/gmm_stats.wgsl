// The Gaussian mixture's per-segment sufficient statistics, written once for gmm/accumulate.wgsl
// (from given responsibilities) and gmm/fused.wgsl (after its E-step). For segment `seg` (rows
// span.x..span.y of the chunk) and each of the K·J outputs, J = D + 2 + M: Σ w_ic x_i, Σ w_ic,
// Σ w_ic·score_i and the shifted moments Σ w_ic (x_ia − m_ca)(x_ib − m_cb) over the M `pairs`,
// with w_ic = r_ic·s_i (s_i the sample weight). Thread `lid` owns outputs lid, lid + WG, … and adds
// the rows in order, Kahan-compensated (segment sums of a few hundred float32 terms keep ~1 ulp).
// Each output's loop over the rows is one of four, chosen once by the output's kind (feature,
// count, score, moment): a branch inside the loop would run every side on a software adapter's
// masked SIMD lanes. The terms are those of one shared loop (w·1 = w), so the bits are too.
// Reads the rows and weights through x_at and x_weight (common/x_f32 or common/x_f16); uses the
// kernel's resp, score, means, pairs, partials and chunk, and its D, K, M, WG.
fn segment_stats(seg: u32, span: vec2u, lid: u32) {
  let J = D + 2u + M;
  let outBase = (chunk.segOffset + seg) * K * J;
  for (var o = lid; o < K * J; o += WG) {
    let c = o / J;
    let f = o % J;
    var acc = vec2f(0.0);
    if (f < D) {
      for (var r = span.x; r < span.y; r++) { kahan_add(&acc, resp[r * K + c] * x_weight(r) * x_at(r * D + f)); }
    } else if (f == D) {
      for (var r = span.x; r < span.y; r++) { kahan_add(&acc, resp[r * K + c] * x_weight(r)); }
    } else if (f == D + 1u) {
      for (var r = span.x; r < span.y; r++) { kahan_add(&acc, resp[r * K + c] * x_weight(r) * score[r]); }
    } else {
      let t = f - D - 2u;
      let a = pairs[2u * t];
      let b = pairs[2u * t + 1u];
      let sa = means[c * D + a];
      let sb = means[c * D + b];
      for (var r = span.x; r < span.y; r++) {
        kahan_add(&acc, resp[r * K + c] * x_weight(r) * ((x_at(r * D + a) - sa) * (x_at(r * D + b) - sb)));
      }
    }
    partials[outBase + o] = acc.x;
  }
}
