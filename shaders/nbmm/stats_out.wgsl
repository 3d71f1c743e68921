// The negative-binomial M-step statistics in float32, from the exact fixed-point totals the
// E-step's kernels left after the last chunk (common/fixed64.wgsl): the per-gene V_cgl, X_cg of
// fused.wgsl (output o = (g·K + c)·(J+1) + l, times 2^−gexp_g) and the row columns W, N, S of
// rowstats.wgsl (column t = c·(J+2) + l, times 2^−rexp_l), each the float32 within about one ulp of
// its exact total; and Σ w·log p, the sum of rowstats.wgsl's 256 exponent buckets (bucket b holds
// an exact integer in units of 2^(max(b, 1) − 150)) in a fixed order with Kahan compensation, or
// −∞ / NaN when a cell's log p was not finite. Reads no count data; the host clears both totals
// before the next E-step.
//
// Bindings: 0 genes: D×K×(J+1)×2 u32 · 1 rows: (K·(J+2) + 257)×2 u32 (layout in rowstats.wgsl) ·
// 2 params: f32 (gexp D, rexp J+2 after the nodes; layout in zero_table.wgsl) · 3 geneOut:
// D×K×(J+1) f32 (write) · 4 rowOut: K·(J+2) + 1 f32 as u32 bits (write; the log-likelihood last). What the
// host or the device M-step (mstep.wgsl) reads.
// Dispatch: one thread per output (gene outputs, then row columns, then the log-likelihood),
// ceil((D·K·(J+1) + K·(J+2) + 1) / WG) workgroups over (x, y).
// Workgroup memory: none. Tiling: none. Bytes per output: 8 read, 4 written (the log-likelihood
// thread reads 2 KiB); no data rows.
// Composed with common/grid, common/kahan, common/fixed64 (src/backends/webgpu/nbmm-kernels.ts).

override K: u32;
override D: u32;
override J: u32;
override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> genes: array<vec2u>;
@group(0) @binding(1) var<storage, read> rows: array<vec2u>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> geneOut: array<f32>;
// Written as bits: a NaN or ∞ literal is not a valid WGSL constant.
@group(0) @binding(4) var<storage, read_write> rowOut: array<u32>;

// x·2^e for e beyond ldexp's float32 exponent range, in two exact halves.
fn ldexp_wide(x: f32, e: i32) -> f32 {
  return ldexp(ldexp(x, e / 2), e - e / 2);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  var o = group_index(wid, nwg) * WG + lid;
  let per = K * (J + 1u);
  let offGexp = 2u * K * D + D + K + K * J + J;
  if (o < D * per) {
    geneOut[o] = fixed_to_f32(genes[o], i32(params[offGexp + o / per]));
    return;
  }
  o -= D * per;
  let cols = K * (J + 2u);
  if (o < cols) {
    rowOut[o] = bitcast<u32>(fixed_to_f32(rows[o], i32(params[offGexp + D + o % (J + 2u)])));
    return;
  }
  if (o > cols) { return; }
  let bad = rows[cols + 256u];
  if (bad.y != 0u) {
    rowOut[cols] = 0x7fc00000u;
    return;
  }
  if (bad.x != 0u) {
    rowOut[cols] = 0xff800000u;
    return;
  }
  var sum = vec2f(0.0);
  for (var b = 0u; b < 255u; b++) {
    let w = rows[cols + b];
    if (w.x != 0u || w.y != 0u) { kahan_add(&sum, ldexp_wide(fixed_to_f32(w, 0), i32(max(b, 1u)) - 150)); }
  }
  rowOut[cols] = bitcast<u32>(sum.x);
}
