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
// Bindings: 0 x: rows×D f32 (common/x_f32) or packed f16 (common/x_f16, opt-in), then rows
// sample weights · 1 means: K×D f32 · 2 prec: precision
// factors (K·D·D | D·D | K·D | K) · 3 consts: K f32 · 4 resp: rows×K f32 (read_write scratch) ·
// 5 score: rows f32 (read_write) · 6 pairs: M×2 u32 · 7 partials: segments×K×J f32 (write; this
// chunk's segments start at chunk.segOffset) · 8 chunk: uniform {rows, segOffset, segRows, rowOffset}.
// Dispatch: one workgroup of WG threads per segment, over (x, y) past 65535 workgroups.
// Tiling (planned on the host from the device's maxComputeWorkgroupStorageSize,
// src/backends/webgpu/gmm-plan.ts, passed as the overrides STAGE, KT, JW, PS): phase 1 loops over
// parameter tiles of KT components (and, for full and tied covariances, JW columns of the
// Cholesky factor; JW < D only when one D² factor exceeds the budget, then KT = 1). Each tile is
// loaded into workgroup memory by the whole workgroup with coalesced loads (thread t reads words
// t, t + WG, … of contiguous runs), then every thread's rows read it from there. The quadratic
// form of a column block continues the previous block's partial sum, kept in the row's resp slot,
// so the chain (and the bits) are those of common/gmm_quad; the row's logsumexp follows the last
// tile. Rows are one per thread in phase 1 (read from storage), outputs one per thread in
// phase 2. STAGE = false (not even one column fits) reads the parameters from storage.
// Workgroup memory: ps (PS floats): the tile's KT·D means, KT constants, then its precision
// factors (full: KT blocks of D×JW, row a, column j − j0 at a·JW + j − j0; tied: one D×JW block;
// diag: KT·D; spherical: KT).
// Bytes per row from memory: 4·(D + 1) of x and weight (f16 storage: 2·D + 4), 4·K of responsibilities and 4 of score
// written then re-read (cache; with column blocks the partial sums too); parameters once per
// workgroup (O(k·d²)), statistics O(k·d²) per workgroup.
// Composed with common/grid, common/chunk, common/x_f32 or common/x_f16, common/kahan,
// common/logsumexp, common/gmm_quad, common/gmm_stats (src/backends/webgpu/gmm-kernels.ts).

override D: u32;
override K: u32;
override M: u32;
override COV: u32 = 0u;
override WG: u32 = 256u;
override STAGE: bool = false;
override KT: u32 = 1u;
override JW: u32 = 1u;
override PS: u32 = 1u;

@group(0) @binding(1) var<storage, read> means: array<f32>;
@group(0) @binding(2) var<storage, read> prec: array<f32>;
@group(0) @binding(3) var<storage, read> consts: array<f32>;
@group(0) @binding(4) var<storage, read_write> resp: array<f32>;
@group(0) @binding(5) var<storage, read_write> score: array<f32>;
@group(0) @binding(6) var<storage, read> pairs: array<u32>;
@group(0) @binding(7) var<storage, read_write> partials: array<f32>;
@group(0) @binding(8) var<uniform> chunk: Chunk;

var<workgroup> ps: array<f32, PS>;

// Offset in ps of the tile's precision factors (after KT·D means and KT constants).
fn prec_base() -> u32 { return KT * D + KT; }

// Loads the tile of components c0 … c0 + kt and columns j0 … j0 + jw into ps.
fn load_tile(c0: u32, kt: u32, j0: u32, jw: u32, lid: u32) {
  for (var w = lid; w < kt * D; w += WG) { ps[w] = means[c0 * D + w]; }
  for (var w = lid; w < kt; w += WG) { ps[KT * D + w] = consts[c0 + w]; }
  let pb = prec_base();
  if (COV <= 1u) {
    // Rows a < j0 + jw of the factor's columns j0 … j0 + jw (the upper triangle needs no more).
    let rows = min(D, j0 + jw);
    let nc = select(kt, 1u, COV == 1u);
    for (var w = lid; w < nc * rows * jw; w += WG) {
      let cc = w / (rows * jw);
      let a = (w % (rows * jw)) / jw;
      let jj = w % jw;
      let src = select((c0 + cc) * D * D, 0u, COV == 1u) + a * D + j0 + jj;
      ps[pb + cc * D * JW + a * JW + jj] = prec[src];
    }
  } else if (COV == 2u) {
    for (var w = lid; w < kt * D; w += WG) { ps[pb + w] = prec[c0 * D + w]; }
  } else {
    for (var w = lid; w < kt; w += WG) { ps[pb + w] = prec[c0 + w]; }
  }
}

// common/gmm_quad's chain for the row at x_at(base …) and tile component cc over columns
// j0 … j0 + jw, continuing the partial sum q (diag and spherical: one tile of all D columns).
fn quad_tile(base: u32, cc: u32, j0: u32, jw: u32, q0: f32) -> f32 {
  let mb = cc * D;
  let pb = prec_base();
  var q = q0;
  if (COV <= 1u) {
    let fb = pb + select(cc * D * JW, 0u, COV == 1u);
    for (var jj = 0u; jj < jw; jj++) {
      let j = j0 + jj;
      var y = 0.0;
      for (var a = 0u; a <= j; a++) {
        y = fma(x_at(base + a) - ps[mb + a], ps[fb + a * JW + jj], y);
      }
      q = fma(y, y, q);
    }
  } else if (COV == 2u) {
    for (var j = 0u; j < D; j++) {
      let y = (x_at(base + j) - ps[mb + j]) * ps[pb + mb + j];
      q = fma(y, y, q);
    }
  } else {
    for (var j = 0u; j < D; j++) {
      let t = x_at(base + j) - ps[mb + j];
      q = fma(t, t, q);
    }
    q = q * ps[pb + cc] * ps[pb + cc];
  }
  return q;
}

// Phase 1 from workgroup memory: every tile's log-weights (or partial quadratic forms) into resp.
fn estep_staged(span: vec2u, lid: u32) {
  for (var c0 = 0u; c0 < K; c0 += KT) {
    let kt = min(KT, K - c0);
    for (var j0 = 0u; j0 < D; j0 += JW) {
      let jw = min(JW, D - j0);
      let last = j0 + jw >= D;
      workgroupBarrier(); // the previous tile's readers are done
      load_tile(c0, kt, j0, jw, lid);
      workgroupBarrier();
      for (var row = span.x + lid; row < span.y; row += WG) {
        let base = row * D;
        let rb = row * K + c0;
        for (var cc = 0u; cc < kt; cc++) {
          var q = 0.0;
          if (j0 > 0u) { q = resp[rb + cc]; }
          q = quad_tile(base, cc, j0, jw, q);
          if (last) { resp[rb + cc] = ps[KT * D + cc] - 0.5 * q; } else { resp[rb + cc] = q; }
        }
      }
    }
  }
  for (var row = span.x + lid; row < span.y; row += WG) {
    let rb = row * K;
    var amax = -3.40282346638528859812e+38f;
    for (var c = 0u; c < K; c++) { amax = max(amax, resp[rb + c]); }
    let lse = amax + log(resp_shifted_sum(rb, amax));
    resp_normalise(rb, lse);
    score[row] = lse;
  }
}

// Phase 1 from storage (STAGE = false).
fn estep_storage(span: vec2u, lid: u32) {
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
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let seg = group_index(wid, nwg);
  let span = segment_rows(seg);
  if (span.x >= span.y) { return; }
  if (STAGE) { estep_staged(span, lid); } else { estep_storage(span, lid); }
  storageBarrier();
  segment_stats(seg, span, lid);
}
