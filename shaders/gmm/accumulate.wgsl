// Gaussian-mixture M-step statistics of one data chunk as per-segment partial sums
// (deterministic: each workgroup owns its output slice; reduced later by common/reduce.wgsl).
// Per component c, J = D + 2 + M values: Σ w_ic x_i (D), Σ w_ic, Σ w_ic·score_i (so Σ_c gives
// Σ s_i·log p(x_i)), and the shifted second moments Σ w_ic (x_ia − m_ca)(x_ib − m_cb) for the M
// pairs (a, b) in `pairs` (upper triangle for full/tied, the diagonal for diag/spherical), where
// w_ic = r_ic·s_i, the responsibility times the sample weight (x_weight; 1 when unweighted). The shift m_c is the current mean of component c, so float32 variances do not cancel.
//
// Bindings: 0 x: rows×D f32 (common/x_f32) or packed f16 (common/x_f16, opt-in), then rows
// sample weights · 1 resp: rows×K f32 · 2 score: rows f32 · 3 means (shift): K×D f32 ·
// 4 pairs: M×2 u32 · 5 partials: segments×K×J f32 (write) · 6 chunk: uniform {rows, segOffset, segRows, rowOffset}.
// Dispatch: one workgroup per segment of chunk.segRows rows (over x, y past 65535); thread t
// computes outputs t, t + WG, … of the segment's K×J block, Kahan-compensated over the rows.
// Workgroup memory: none.
// Tiling: none. Used only to initialise from given responsibilities (EM iterations use
// fused.wgsl). Bytes per row: 4·(D + 1) + 4·K + 4, re-read by each of the K·J output threads (cache).
// Composed with common/grid, common/chunk, common/x_f32 or common/x_f16, common/kahan, common/gmm_stats
// (src/backends/webgpu/gmm-kernels.ts).

override D: u32;
override K: u32;
override M: u32;
override WG: u32 = 256u;

@group(0) @binding(1) var<storage, read> resp: array<f32>;
@group(0) @binding(2) var<storage, read> score: array<f32>;
@group(0) @binding(3) var<storage, read> means: array<f32>;
@group(0) @binding(4) var<storage, read> pairs: array<u32>;
@group(0) @binding(5) var<storage, read_write> partials: array<f32>;
@group(0) @binding(6) var<uniform> chunk: Chunk;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let seg = group_index(wid, nwg);
  let span = segment_rows(seg);
  if (span.x >= span.y) { return; }
  segment_stats(seg, span, lid);
}
