// Zero-count table of the negative-binomial E-step: for component c and size-factor node l,
//   ztab[c, l] = Z_c(s_l) / s_l,   Z_c(s) = Σ_g z_cg(s) = −Σ_g r_g·log1p(s·μ_cg·φ_g),
// Z_c(s) being the log-probability that a cell of size factor s has a zero count in every gene. A
// cell's zero part is then interpolated from this table, Z_c(s) = s·Σ_l ℓ_l(s)·ztab[c, l]
// (fused.wgsl; why and how accurately: src/nbmm/grid.ts), so no kernel ever visits a (cell, gene)
// zero. Z/s rather than Z: Z grows about linearly in s (−s·Σ_g μ_cg in the Poisson limit), and
// float32 interpolation errs by ~ε·max_l |table| — with Z that is the value at the largest s, which
// swamps the small zero parts of small cells; Z/s varies far less over the grid (and has the same
// singularities in log s, so the same interpolation error). O(K·J·D) work per E-step.
//
// Bindings: 0 params: f32 (read_write), laid out as
//   logmu K×D · muphi K×D (μ_cg·φ_g) · r D · logpi K · ztab K×J (written here) · nodes J ·
//   gexp D (per-gene fixed-point exponents of fused.wgsl).
// Dispatch: one workgroup per (c, l): K·J workgroups over (x, y); WG threads stride over genes,
// then a fixed-order tree reduction in workgroup memory (deterministic).
// Workgroup memory: common/workgroup_sum's WG floats.
// Tiling: none. Bytes: O(K·J·D) parameter reads, no data rows.
// Composed with common/grid, common/workgroup_sum, common/lgamma (src/backends/webgpu/nbmm-kernels.ts).

override K: u32;
override D: u32;
override J: u32;
override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read_write> params: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = group_index(wid, nwg);
  let valid = slot < K * J;
  let c = min(slot, K * J - 1u) / J;
  let l = min(slot, K * J - 1u) % J;
  let offMuphi = K * D;
  let offR = 2u * K * D;
  let offZ = offR + D + K;
  let s = params[offZ + K * J + l];
  var acc = 0.0;
  for (var g = lid; g < D; g += WG) {
    acc -= params[offR + g] * log1p_f32(s * params[offMuphi + c * D + g]);
  }
  let total = workgroup_sum(lid, acc);
  if (lid == 0u && valid) { params[offZ + c * J + l] = total / s; }
}
