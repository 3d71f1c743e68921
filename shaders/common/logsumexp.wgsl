// Row-wise logsumexp and normalisation of a responsibility row, for the mixture E-steps. The
// kernel first writes the K log-weights a_c of row i into resp[rb … rb + K) and finds their
// maximum amax; then lse = amax + log(resp_shifted_sum(rb, amax)) (the kernel picks its log:
// log, or ln_f32 of common/lgamma.wgsl) and resp_normalise(rb, lse) turns the row into
// exp(a_c − lse). Shifting by the maximum makes every term ≤ 1 with the largest exactly 1: no
// overflow, no total underflow. Needs the kernel to declare `resp: array<f32>` (read_write
// storage) and `override K: u32`.

fn resp_shifted_sum(rb: u32, amax: f32) -> f32 {
  var z = 0.0;
  for (var c = 0u; c < K; c++) { z += exp(resp[rb + c] - amax); }
  return z;
}

fn resp_normalise(rb: u32, lse: f32) {
  for (var c = 0u; c < K; c++) { resp[rb + c] = exp(resp[rb + c] - lse); }
}
