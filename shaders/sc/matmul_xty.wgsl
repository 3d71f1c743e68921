// Per-segment partial sums of Z = (X − 1μᵀ)ᵀ·Y over one chunk of rows: for each segment s of
// segRows consecutive rows, partials[segOffset + s] (K × N) = Σ_{r ∈ s} (x_r − μ)ᵀ y_r, with X
// rows × K (μ subtracted as it is loaded) and Y rows × N. A workgroup of 256 threads owns one
// TK × TN tile of one segment's block (TN = 64: TK = 64; TN = 32: TK = 128) and walks the
// segment's rows in slices of 16 staged in workgroup memory, each thread accumulating a 4×4
// block; every 16 slices (256 rows) the block sums are folded into Kahan-compensated totals, so
// long segments lose no accuracy. The common/reduce pass then adds the segments in order:
// deterministic, no atomics.
//
// Bindings: 0 x: rows × K f32 · 1 mu: K f32 · 2 y: rows × N f32 · 3 partials: S × K × N f32
// (write) · 4 chunk: uniform {rows, segOffset, segRows, rowOffset} · 5 shape: uniform {K, N, _, _}.
// Dispatch: segments · ceil(K / TK) · ceil(N / TN) workgroups over (x, y).
// Workgroup memory: common/matmul_tiles' As (16 × TK f32, the X slice) and Bs (16 × TN f32, the Y slice).
// Bytes per row: 4·K of X and 4·N of Y, read once per (TK, TN) output tile.
// Composed with common/grid, common/chunk, common/kahan, common/matmul_tiles (src/backends/webgpu/sc/kernels.ts).

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> mu: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;
@group(0) @binding(4) var<uniform> chunk: Chunk;
@group(0) @binding(5) var<uniform> shape: Shape;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let WXv = TN / 4u;
  let TK = 4096u / TN;
  let K = shape.K;
  let N = shape.N;
  let tilesK = (K + TK - 1u) / TK;
  let tilesN = (N + TN - 1u) / TN;
  let t = group_index(wid, nwg);
  let seg = t / (tilesK * tilesN);
  let rem = t % (tilesK * tilesN);
  let k0 = (rem / tilesN) * TK;
  let n0 = (rem % tilesN) * TN;
  let first = seg * chunk.segRows;
  if (first >= chunk.rows) { return; }
  let last = min(first + chunk.segRows, chunk.rows);
  let tx = lid % WXv;
  let ty = lid / WXv;
  var b0 = vec4f(0.0); var b1 = vec4f(0.0); var b2 = vec4f(0.0); var b3 = vec4f(0.0);
  var s0 = vec4f(0.0); var s1 = vec4f(0.0); var s2 = vec4f(0.0); var s3 = vec4f(0.0);
  var c0 = vec4f(0.0); var c1 = vec4f(0.0); var c2 = vec4f(0.0); var c3 = vec4f(0.0);
  var slices = 0u;
  for (var r0 = first; r0 < last; r0 += SLICE) {
    for (var e = lid; e < SLICE * TK; e += 256u) {
      let r = r0 + e / TK;
      let c = k0 + e % TK;
      var av = 0.0;
      if (r < last && c < K) { av = x[r * K + c] - mu[c]; }
      As[e] = av;
    }
    for (var e = lid; e < SLICE * TN; e += 256u) {
      let r = r0 + e / TN;
      let c = n0 + e % TN;
      var bv = 0.0;
      if (r < last && c < N) { bv = y[r * N + c]; }
      Bs[e] = bv;
    }
    workgroupBarrier();
    for (var rr = 0u; rr < SLICE; rr++) {
      let b = bs_row(rr, tx);
      let ab = rr * TK + ty * 4u;
      b0 = fma(vec4f(As[ab]), b, b0);
      b1 = fma(vec4f(As[ab + 1u]), b, b1);
      b2 = fma(vec4f(As[ab + 2u]), b, b2);
      b3 = fma(vec4f(As[ab + 3u]), b, b3);
    }
    workgroupBarrier();
    slices++;
    if (slices == 16u) {
      kahan_add4(&s0, &c0, b0); kahan_add4(&s1, &c1, b1); kahan_add4(&s2, &c2, b2); kahan_add4(&s3, &c3, b3);
      b0 = vec4f(0.0); b1 = vec4f(0.0); b2 = vec4f(0.0); b3 = vec4f(0.0);
      slices = 0u;
    }
  }
  kahan_add4(&s0, &c0, b0); kahan_add4(&s1, &c1, b1); kahan_add4(&s2, &c2, b2); kahan_add4(&s3, &c3, b3);
  var sums = array<vec4f, 4>(s0, s1, s2, s3);
  let base = (chunk.segOffset + seg) * K * N;
  for (var i = 0u; i < 4u; i++) {
    let k = k0 + ty * 4u + i;
    if (k >= K) { break; }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + tx * 4u + j;
      if (n < N) { partials[base + k * N + n] = sums[i][j]; }
    }
  }
}
