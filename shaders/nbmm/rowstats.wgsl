// Statistics of the negative-binomial M-step that live on cells (rows), as exact sums: for each
// component c, W_cl = Σ_i w_i·r_ic·ℓ_l(s_i) (l < J, the size-factor node weights: the zero part of
// the M-step), N_c = Σ_i w_i·r_ic, S_c = Σ_i w_i·r_ic·s_i; and Σ_i w_i·log p(x_i). w_i is the
// cell's sample weight (a cell of weight w counts as w copies; 1 when unweighted). Each share is
// added in 64-bit fixed point (common/fixed64.wgsl), column t = c·(J+2) + l at scale 2^rexp_l
// chosen on the host from a bound on the column's total (nbmm-upload.ts): a thread sums its
// column over the segment's rows in registers (exact integer adds with carry), then adds that
// into the totals with two atomics. Σ w·log p has no bound known beforehand, so it is summed
// exactly per float32 exponent: a value of biased exponent b adds its signed 24-bit mantissa to
// bucket b (64-bit, in workgroup memory, then flushed to the totals); stats_out.wgsl adds the
// buckets up. Integer sums do not depend on order, so the statistics have the same bits whatever
// the chunking or the workgroup size.
//
// Bindings: 0 resp: rows×K f32 · 1 cells: rows×(J+2) f32 [s, ℓ…, w] · 2 rowout: rows×2 u32
// [bitcast log p(x_i), label] · 3 params: f32 (rexp J+2 after gexp; layout in zero_table.wgsl) ·
// 4 acc: (K·(J+2) + 256 + 1)×2 atomic u32: the columns, the log-likelihood buckets, then the counts
// of non-finite log p (−∞; NaN or +∞) · 5 chunk: uniform {rows, segOffset, segRows, rowOffset}.
// Dispatch: one workgroup per segment of chunk.segRows rows (over x, y); thread t sums columns
// t, t + WG, … over the segment's rows in order; then all threads add the rows' log p to the buckets.
// Workgroup memory: 256×2 atomic u32 (the segment's log-likelihood buckets).
// Tiling: none. Bytes per row: 4·K + 4·(J + 2) + 8, re-read by each column thread (cache); no counts.
// Composed with common/grid, common/chunk, common/fixed64 (src/backends/webgpu/nbmm-kernels.ts).

override K: u32;
override D: u32;
override J: u32;
override WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> resp: array<f32>;
@group(0) @binding(1) var<storage, read> cells: array<f32>;
@group(0) @binding(2) var<storage, read> rowout: array<u32>;
@group(0) @binding(3) var<storage, read> params: array<f32>;
@group(0) @binding(4) var<storage, read_write> acc: array<atomic<u32>>;
@group(0) @binding(5) var<uniform> chunk: Chunk;

var<workgroup> buckets: array<atomic<u32>, 512>;

fn add_total(o: u32, t: vec2u) {
  if (t.x == 0u && t.y == 0u) { return; }
  let h = t.y + fixed_carry(atomicAdd(&acc[2u * o], t.x), t.x);
  if (h != 0u) { atomicAdd(&acc[2u * o + 1u], h); }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let span = segment_rows(group_index(wid, nwg));
  if (span.x >= span.y) { return; }
  let cols = K * (J + 2u);
  let offExp = 2u * K * D + D + K + K * J + J + D;
  for (var o = lid; o < cols; o += WG) {
    let c = o / (J + 2u);
    let l = o % (J + 2u);
    let e = i32(params[offExp + l]);
    var sum = vec2u(0u);
    for (var r = span.x; r < span.y; r++) {
      let cb = r * (J + 2u);
      var v = cells[cb + J + 1u] * resp[r * K + c];
      if (l < J) { v = v * cells[cb + 1u + l]; } else if (l == J + 1u) { v = v * cells[cb]; }
      let t = fixed_words(ldexp(v, e));
      let lo = sum.x + t.x;
      sum = vec2u(lo, sum.y + t.y + select(0u, 1u, lo < t.x));
    }
    add_total(o, sum);
  }
  // Σ w·log p, exactly, by float32 exponent.
  for (var b = lid; b < 512u; b += WG) { atomicStore(&buckets[b], 0u); }
  workgroupBarrier();
  for (var r = span.x + lid; r < span.y; r += WG) {
    let v = cells[r * (J + 2u) + J + 1u] * bitcast<f32>(rowout[2u * r]);
    let bits = bitcast<u32>(v);
    let b = (bits >> 23u) & 0xffu;
    if (b == 255u) {
      // −∞, or NaN / +∞: counted, and the total becomes −∞ or NaN (stats_out.wgsl).
      add_total(cols + 256u, select(vec2u(0u, 1u), vec2u(1u, 0u), bits == 0xff800000u));
      continue;
    }
    // |v| = m·2^(max(b, 1) − 150), m the 24-bit significand (no implicit bit when subnormal).
    let m = (bits & 0x7fffffu) | select(0u, 0x800000u, b > 0u);
    if (m == 0u) { continue; }
    let t = select(vec2u(m, 0u), vec2u(~m + 1u, 0xffffffffu), (bits >> 31u) == 1u);
    let h = t.y + fixed_carry(atomicAdd(&buckets[2u * b], t.x), t.x);
    if (h != 0u) { atomicAdd(&buckets[2u * b + 1u], h); }
  }
  workgroupBarrier();
  for (var b = lid; b < 256u; b += WG) {
    add_total(cols + b, vec2u(atomicLoad(&buckets[2u * b]), atomicLoad(&buckets[2u * b + 1u])));
  }
}
