// Y = (X − 1μᵀ)·Q for one chunk of rows: X is rows × K (row-major f32), μ the K column means,
// subtracted as X is loaded (implicit centring; μ = 0 for data centred on the host), Q is K × N
// and Y rows × N. A workgroup of 256 threads computes one TM × TN tile of Y (TN = 64: 16 × 16
// threads and TM = 64; TN = 32 for narrow Q: 8 × 32 threads and TM = 128), each thread a 4×4
// block, stepping through K in slices of 16 staged in workgroup memory (out-of-range elements
// load as 0). Every entry of Y is one thread's fused multiply-add chain in a fixed k order:
// deterministic, and the same for any chunking.
//
// Bindings: 0 x: rows × K f32 · 1 mu: K f32 · 2 q: K × N f32 · 3 y: rows × N f32 (write) ·
// 4 chunk: uniform {rows, segOffset, segRows, rowOffset} (only rows is used) · 5 shape: uniform {K, N, _, _}.
// Dispatch: ceil(rows / TM) · ceil(N / TN) workgroups over (x, y).
// Workgroup memory: common/matmul_tiles' As (TM × 16 f32, the X slice) and Bs (16 × TN f32, the Q slice).
// Bytes per row: 4·K of X read once per column tile of Y (ceil(N / TN) times), 4·N of Y written.
// Composed with common/grid, common/chunk, common/matmul_tiles (src/backends/webgpu/sc/kernels.ts).

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> mu: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> chunk: Chunk;
@group(0) @binding(5) var<uniform> shape: Shape;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let WXv = TN / 4u;
  let TM = 4096u / TN;
  let K = shape.K;
  let N = shape.N;
  let tilesN = (N + TN - 1u) / TN;
  let t = group_index(wid, nwg);
  let row0 = (t / tilesN) * TM;
  let col0 = (t % tilesN) * TN;
  // Uniform per workgroup, so whole workgroups leave before any barrier.
  if (row0 >= chunk.rows) { return; }
  let tx = lid % WXv;
  let ty = lid / WXv;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k0 = 0u; k0 < K; k0 += SLICE) {
    for (var e = lid; e < TM * SLICE; e += 256u) {
      let ar = row0 + e / SLICE;
      let ak = k0 + e % SLICE;
      var av = 0.0;
      if (ar < chunk.rows && ak < K) { av = x[ar * K + ak] - mu[ak]; }
      As[e] = av;
    }
    for (var e = lid; e < SLICE * TN; e += 256u) {
      let bk = k0 + e / TN;
      let bc = col0 + e % TN;
      var bv = 0.0;
      if (bk < K && bc < N) { bv = q[bk * N + bc]; }
      Bs[e] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < SLICE; kk++) {
      let b = bs_row(kk, tx);
      acc0 = fma(vec4f(As[(ty * 4u) * SLICE + kk]), b, acc0);
      acc1 = fma(vec4f(As[(ty * 4u + 1u) * SLICE + kk]), b, acc1);
      acc2 = fma(vec4f(As[(ty * 4u + 2u) * SLICE + kk]), b, acc2);
      acc3 = fma(vec4f(As[(ty * 4u + 3u) * SLICE + kk]), b, acc3);
    }
    workgroupBarrier();
  }
  var accs = array<vec4f, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + ty * 4u + i;
    if (r >= chunk.rows) { break; }
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + tx * 4u + j;
      if (c < N) { y[r * N + c] = accs[i][j]; }
    }
  }
}
