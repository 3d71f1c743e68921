// E-step of the negative-binomial mixture for one chunk of cells (CSR rows). For cell i with
// size factor s and component c, m = s·μ_cg, r = r_g = 1/φ_g, the log-probability is split as
//   log π_c + Z_c(s) + Σ_{g: x>0} x·(log m − log1p(m/r)) + C_i,
//   C_i = Σ_{g: x>0} [lrising(x, r_g) − log x!]   (lrising = log Γ(x + r) − log Γ(r) − x·log r),
// which is log NB(x; m, r) summed over all genes: the zero part Z_c(s) = −Σ_g r_g·log1p(s·μ_cg/r_g)
// covers every gene as if its count were 0, and each observed gene adds the difference from that.
// Z_c(s) = s·Σ_l ℓ_l(s)·(Z_c(s_l)/s_l) is interpolated from the K×J node table (zero_table.wgsl) with
// the cell's barycentric weights ℓ_l(s) (grid.ts: Chebyshev nodes in log s, error below 1e-12
// relative, far under float32 round-off); C_i does not depend on c, so it is computed once per cell and only enters the
// log-likelihood, not the responsibilities. Zeros are never visited: work is O(nnz·K + rows·K·J).
// Writes the responsibilities (stable logsumexp over c), and per cell log p(x_i) = lse_i + C_i and
// the argmax label.
//
// Bindings: 0 indptr: rows+1 u32 (chunk-local) · 1 indices: nnz u32 · 2 values: nnz f32 ·
// 3 cells: rows×(J+1) f32, [s, ℓ_0(s) … ℓ_{J−1}(s)] · 4 params: f32 (layout in zero_table.wgsl) ·
// 5 resp: rows×K f32 (write) · 6 rowout: rows×2 u32 (write), [bitcast log p(x_i), label] ·
// 7 chunk: uniform {rows, segOffset, segRows, rowOffset}.
// Dispatch: one thread per cell, WG cells per workgroup, over (x, y) past 65535 workgroups.
// Workgroup memory: none.
// Tiling: none; the K×J zero table and the parameters are read from storage (shared by all
// threads). Bytes per cell: 8 per nonzero (index, value), 4·(J + 2) of cell table and indptr, 4·K + 8 written.
// Composed with common/grid, common/chunk, common/logsumexp, common/lgamma (src/backends/webgpu/nbmm-kernels.ts).

override K: u32;
override D: u32;
override J: u32;
override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> indptr: array<u32>;
@group(0) @binding(1) var<storage, read> indices: array<u32>;
@group(0) @binding(2) var<storage, read> values: array<f32>;
@group(0) @binding(3) var<storage, read> cells: array<f32>;
@group(0) @binding(4) var<storage, read> params: array<f32>;
@group(0) @binding(5) var<storage, read_write> resp: array<f32>;
@group(0) @binding(6) var<storage, read_write> rowout: array<u32>;
@group(0) @binding(7) var<uniform> chunk: Chunk;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = group_index(wid, nwg) * WG + lid;
  if (row >= chunk.rows) { return; }
  let offMuphi = K * D;
  let offR = 2u * K * D;
  let offLogpi = offR + D;
  let offZ = offLogpi + K;
  let cb = row * (J + 1u);
  let s = cells[cb];
  let logs = ln_f32(s);
  let p0 = indptr[row];
  let p1 = indptr[row + 1u];
  // The component-free part C_i.
  var ci = 0.0;
  for (var p = p0; p < p1; p++) {
    let x = values[p];
    ci += lrising_f32(x, params[offR + indices[p]]) - lgamma_f32(x + 1.0);
  }
  let rb = row * K;
  var amax = -3.40282346638528859812e+38f;
  var arg = 0u;
  for (var c = 0u; c < K; c++) {
    var z = 0.0;
    for (var l = 0u; l < J; l++) { z = fma(cells[cb + 1u + l], params[offZ + c * J + l], z); }
    var a = params[offLogpi + c] + s * z;
    let mb = c * D;
    for (var p = p0; p < p1; p++) {
      let g = indices[p];
      a += values[p] * (logs + params[mb + g] - log1p_f32(s * params[offMuphi + mb + g]));
    }
    resp[rb + c] = a;
    if (a > amax) { amax = a; arg = c; }
  }
  let lse = amax + ln_f32(resp_shifted_sum(rb, amax));
  resp_normalise(rb, lse);
  rowout[2u * row] = bitcast<u32>(lse + ci);
  rowout[2u * row + 1u] = arg;
}
