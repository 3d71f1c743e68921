// One pass of the negative-binomial EM over a chunk of cells (CSR rows): the E-step and the
// per-gene M-step statistics from one read of each row. For cell i with size factor s and
// component c, m = s·μ_cg, r = r_g = 1/φ_g, the log-probability is split as
//   log π_c + Z_c(s) + Σ_{g: x>0} x·(log m − log1p(m/r)) + C_i,
//   C_i = Σ_{g: x>0} [lrising(x, r_g) − log x!]   (lrising = log Γ(x + r) − log Γ(r) − x·log r),
// Z_c(s) = s·Σ_l ℓ_l(s)·ztab[c, l] interpolated from the zero table (zero_table.wgsl; grid.ts), so
// zeros are never visited. Phase 1 (one thread per cell) writes the responsibilities (stable
// logsumexp), log p(x_i) = lse_i + C_i and the argmax label. Phase 2 (SCATTER, the EM loop; off for
// scoring) adds each nonzero's share to the per-gene statistics
//   V_cgl = Σ_{i: x_ig>0} w_i·r_ic·x_ig·ℓ_l(s_i)  (l < J)   and   X_cg = Σ_i w_i·r_ic·x_ig  (l = J),
// w_i the cell's sample weight, as 64-bit fixed point with integer atomics (common/fixed64.wgsl):
// output o = (g·K + c)·(J+1) + l at acc[2o], acc[2o + 1], gene g's scale 2^gexp_g chosen on the
// host from a bound on its total (src/backends/webgpu/nbmm-upload.ts). Integer sums are exact in any order, so the
// statistics have the same bits whatever the chunking, the workgroup size or the thread timing;
// stats_out.wgsl turns them into float32 after the last chunk. No CSC copy of the counts.
//
// Bindings: 0 indptr: rows+1 u32 (chunk-local) · 1 nz: nnz × vec2u (gene, bitcast count) ·
// 2 cells: rows×(J+2) f32, [s, ℓ_0(s) … ℓ_{J−1}(s), w] · 3 params: f32 (layout in zero_table.wgsl;
// gexp D after the nodes) · 4 resp: rows×K f32 (write) · 5 rowout: rows×2 u32 (write), [bitcast
// log p(x_i), label] · 6 acc: D×K×(J+1)×2 atomic u32 (SCATTER) · 7 chunk: uniform
// {rows, segOffset, segRows, rowOffset}.
// Dispatch: one workgroup per WG consecutive cells, over (x, y) past 65535 workgroups.
// Tiling: phase 1 one thread per cell; phase 2 the workgroup walks its cells in order; per cell,
// thread t owns slots (c, l) = t, t + WG, … of the K·(J+1) (when K·(J+1) < WG, groups of K·(J+1)
// threads split the cell's nonzeros), forms f = w_i·r_ic·ℓ_l(s_i) once, skips the slot when f = 0
// (a component without weight in this cell), and adds f·x_ig for each nonzero: neighbouring
// threads add to neighbouring outputs of one gene (contiguous atomics) and read the same nonzero
// (a broadcast); a share that rounds to 0 is skipped (no atomic).
// Workgroup memory: none (phase 2 reads the responsibilities phase 1 wrote, after a storage barrier).
// Bytes per cell: 8 per nonzero (gene, count) and 4 of indptr from the data, read once (phase 2
// re-reads them from cache); 4·(J + 2) of cell table; 4·K + 8 written; 2 to 3 atomics per
// (nonzero, component, node) share that does not round to 0.
// Composed with common/grid, common/chunk, common/logsumexp, common/lgamma, common/fixed64
// (src/backends/webgpu/nbmm-kernels.ts).

override K: u32;
override D: u32;
override J: u32;
override WG: u32 = 64u;
override SCATTER: bool = true;

@group(0) @binding(0) var<storage, read> indptr: array<u32>;
@group(0) @binding(1) var<storage, read> nz: array<vec2u>;
@group(0) @binding(2) var<storage, read> cells: array<f32>;
@group(0) @binding(3) var<storage, read> params: array<f32>;
@group(0) @binding(4) var<storage, read_write> resp: array<f32>;
@group(0) @binding(5) var<storage, read_write> rowout: array<u32>;
@group(0) @binding(6) var<storage, read_write> acc: array<atomic<u32>>;
@group(0) @binding(7) var<uniform> chunk: Chunk;

// Phase 1 for one cell: responsibilities, log p(x_i) and the label.
fn estep_row(row: u32) {
  let offMuphi = K * D;
  let offR = 2u * K * D;
  let offLogpi = offR + D;
  let offZ = offLogpi + K;
  let cb = row * (J + 2u);
  let s = cells[cb];
  let logs = ln_f32(s);
  let p0 = indptr[row];
  let p1 = indptr[row + 1u];
  // The component-free part C_i.
  var ci = 0.0;
  for (var p = p0; p < p1; p++) {
    let e = nz[p];
    let x = bitcast<f32>(e.y);
    ci += lrising_f32(x, params[offR + e.x]) - lgamma_f32(x + 1.0);
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
      let e = nz[p];
      a += bitcast<f32>(e.y) * (logs + params[mb + e.x] - log1p_f32(s * params[offMuphi + mb + e.x]));
    }
    resp[rb + c] = a;
    if (a > amax) { amax = a; arg = c; }
  }
  let lse = amax + ln_f32(resp_shifted_sum(rb, amax));
  resp_normalise(rb, lse);
  rowout[2u * row] = bitcast<u32>(lse + ci);
  rowout[2u * row + 1u] = arg;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = group_index(wid, nwg) * WG;
  if (first + lid < chunk.rows) { estep_row(first + lid); }
  if (!SCATTER) { return; }
  // The responsibilities of the workgroup's cells, written above by its other threads.
  storageBarrier();
  let offExp = 2u * K * D + D + K + K * J + J;
  let S = K * (J + 1u);
  // Threads own slots (c, l); when S < WG, G groups of S threads split a cell's nonzeros.
  let G = max(1u, WG / S);
  let grp = lid / S;
  if (grp >= G) { return; }
  let last = min(first + WG, chunk.rows);
  for (var row = first; row < last; row++) {
    let cb = row * (J + 2u);
    let p0 = indptr[row];
    let p1 = indptr[row + 1u];
    for (var slot = lid % S; slot < S; slot += WG) {
      let c = slot / (J + 1u);
      let l = slot % (J + 1u);
      var f = cells[cb + J + 1u] * resp[row * K + c];
      if (l < J) { f = f * cells[cb + 1u + l]; }
      // A component without weight in this cell (or a cell of weight 0) adds nothing.
      if (f == 0.0) { continue; }
      for (var p = p0 + grp; p < p1; p += G) {
        let e = nz[p];
        let t = fixed_words(ldexp(f * bitcast<f32>(e.y), i32(params[offExp + e.x])));
        if (t.x == 0u && t.y == 0u) { continue; }
        let o = 2u * ((e.x * K + c) * (J + 1u) + l);
        let h = t.y + fixed_carry(atomicAdd(&acc[o], t.x), t.x);
        if (h != 0u) { atomicAdd(&acc[o + 1u], h); }
      }
    }
  }
}
