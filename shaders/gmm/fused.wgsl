// One EM iteration's pass over one data chunk for the Gaussian mixture: the E-step and the
// M-step's sufficient statistics in one dispatch. One workgroup per segment of chunk.segRows rows.
// Phase 1 (the E-step of shaders/gmm/estep.wgsl, the same chain, so the same bits): thread t
//   takes rows t, t + WG, … of the segment; a_ic = const_c − ½·quad (common/gmm_quad),
//   score_i = log p(x_i) = lse_c a_ic, resp_ic = exp(a_ic − score_i) into the chunk's scratch.
// Phase 2, after a storage barrier (the statistics of shaders/gmm/accumulate.wgsl, the same
//   order and Kahan compensation, so the same bits): per component c, J = D + 2 + M values
//   Σ w_ic x_i, Σ w_ic, Σ w_ic·score_i and the shifted moments Σ w_ic (x_ia − m_ca)(x_ib − m_cb)
//   over the M pairs, w_ic = r_ic·s_i (s_i the sample weight); thread t owns outputs t, t + WG, …
//   of the segment's K×J block and adds the rows in order.
// The segment's rows and responsibilities, written in phase 1 by this workgroup, are read again in
// phase 2 right after: on a GPU they come from cache, so the data leave memory once per iteration.
//
// Bindings: 0 x: rows×D f32, then rows sample weights · 1 means: K×D f32 · 2 prec: precision
// factors (K·D·D | D·D | K·D | K) · 3 consts: K f32 · 4 resp: rows×K f32 (read_write scratch) ·
// 5 score: rows f32 (read_write) · 6 pairs: M×2 u32 · 7 partials: segments×K×J f32 (write; this
// chunk's segments start at chunk.segOffset) · 8 chunk: uniform {rows, segOffset, segRows, rowOffset}.
// Dispatch: one workgroup of WG threads per segment, over (x, y) past 65535 workgroups.
// Tiling: rows are one per thread in phase 1, outputs one per thread in phase 2; parameters are
// read from storage (uniform across the workgroup's threads, so broadcast from cache); nothing is
// staged in workgroup memory yet (a full-covariance factor of K·D² floats rarely fits it).
// Workgroup memory: none.
// Bytes per row from memory: 4·(D + 1) of x and weight, 4·K of responsibilities and 4 of score
// written then re-read (cache); parameters and statistics O(k·d²) per workgroup.
// Composed with common/grid, common/chunk, common/sample_weight, common/kahan, common/logsumexp,
// common/gmm_quad, common/gmm_stats (src/backends/webgpu/gmm-kernels.ts).

override D: u32;
override K: u32;
override M: u32;
override COV: u32 = 0u;
override WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> means: array<f32>;
@group(0) @binding(2) var<storage, read> prec: array<f32>;
@group(0) @binding(3) var<storage, read> consts: array<f32>;
@group(0) @binding(4) var<storage, read_write> resp: array<f32>;
@group(0) @binding(5) var<storage, read_write> score: array<f32>;
@group(0) @binding(6) var<storage, read> pairs: array<u32>;
@group(0) @binding(7) var<storage, read_write> partials: array<f32>;
@group(0) @binding(8) var<uniform> chunk: Chunk;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let seg = group_index(wid, nwg);
  let span = segment_rows(seg);
  if (span.x >= span.y) { return; }
  for (var row = span.x + lid; row < span.y; row += WG) {
    let base = row * D;
    let rb = row * K;
    var amax = -3.40282346638528859812e+38f;
    for (var c = 0u; c < K; c++) {
      let a = consts[c] - 0.5 * quad(base, c);
      resp[rb + c] = a;
      amax = max(amax, a);
    }
    let lse = amax + log(resp_shifted_sum(rb, amax));
    resp_normalise(rb, lse);
    score[row] = lse;
  }
  storageBarrier();
  segment_stats(seg, span, lid);
}
