// Per-segment partial statistics of the negative-binomial M-step that live on cells (rows): for
// each component c, W_cl = Σ_i w_i·r_ic·ℓ_l(s_i) (l < J, the size-factor node weights: the zero part
// of the M-step), N_c = Σ_i w_i·r_ic, S_c = Σ_i w_i·r_ic·s_i; and Σ_i w_i·log p(x_i). w_i is the
// cell's sample weight (a cell of weight w counts as w copies; ones when unweighted, and r·1 = r
// exactly, so unweighted sums keep their bits). No float atomics: each workgroup owns its segment's
// slice, then common/reduce.wgsl sums the segments in order (deterministic).
//
// Bindings: 0 resp: rows×K f32 · 1 cells: rows×(J+2) f32 [s, ℓ…, w] (w the sample weight) ·
// 2 rowout: rows×2 u32 [bitcast log p(x_i), label] · 3 partials: segments×(K·(J+2)+1) f32 (write;
// this chunk's segments start at chunk.segOffset) · 4 chunk: uniform {rows, segOffset, segRows, rowOffset}.
// Dispatch: one workgroup per segment of chunk.segRows rows (over x, y); thread t computes outputs
// t, t + WG, … by looping over the segment's rows in order.
// Workgroup memory: none.
// Tiling: none. Bytes per row: 4·K + 4·(J + 2) + 8, re-read by each output thread (cache).
// Composed with common/grid, common/chunk (src/backends/webgpu/nbmm-kernels.ts).

override K: u32;
override J: u32;
override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> resp: array<f32>;
@group(0) @binding(1) var<storage, read> cells: array<f32>;
@group(0) @binding(2) var<storage, read> rowout: array<u32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;
@group(0) @binding(4) var<uniform> chunk: Chunk;

fn weight(r: u32) -> f32 { return cells[r * (J + 2u) + J + 1u]; }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let seg = group_index(wid, nwg);
  let span = segment_rows(seg);
  if (span.x >= span.y) { return; }
  let width = K * (J + 2u) + 1u;
  let outBase = (chunk.segOffset + seg) * width;
  for (var o = lid; o < width; o += WG) {
    var acc = 0.0;
    if (o == width - 1u) {
      for (var r = span.x; r < span.y; r++) { acc += weight(r) * bitcast<f32>(rowout[2u * r]); }
    } else {
      let c = o / (J + 2u);
      let l = o % (J + 2u);
      if (l < J) {
        for (var r = span.x; r < span.y; r++) { acc = fma(weight(r) * resp[r * K + c], cells[r * (J + 2u) + 1u + l], acc); }
      } else if (l == J) {
        for (var r = span.x; r < span.y; r++) { acc += weight(r) * resp[r * K + c]; }
      } else {
        for (var r = span.x; r < span.y; r++) { acc = fma(weight(r) * resp[r * K + c], cells[r * (J + 2u)], acc); }
      }
    }
    partials[outBase + o] = acc;
  }
}
