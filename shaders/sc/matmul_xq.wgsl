// Y = (X − 1μᵀ)·Q for one chunk of rows: X is rows × K (row-major f32), μ the K column means,
// subtracted as X is loaded (implicit centring; μ = 0 for data centred on the host), Q is K × N
// and Y rows × N. A workgroup of 16×16 threads computes one 64×64 tile of Y, each thread a 4×4
// block, stepping through K in slices of 16 staged in workgroup memory (out-of-range elements
// load as 0). Every entry of Y is one thread's fused multiply-add chain in a fixed k order:
// deterministic, and the same for any chunking.
//
// Bindings: 0 x: rows × K f32 · 1 mu: K f32 · 2 q: K × N f32 · 3 y: rows × N f32 (write) ·
// 4 chunk: uniform {rows, segOffset, segRows, rowOffset} (only rows is used).
// Dispatch: ceil(rows / 64) · ceil(N / 64) workgroups over (x, y).

override K: u32;
override N: u32;

const TILE: u32 = 64u;
const SLICE: u32 = 16u;

struct Chunk { rows: u32, segOffset: u32, segRows: u32, rowOffset: u32 }

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> mu: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> chunk: Chunk;

var<workgroup> As: array<f32, 1024>; // 64 rows × 16 k
var<workgroup> Bs: array<f32, 1024>; // 16 k × 64 columns

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) l3: vec3u, @builtin(local_invocation_index) lid: u32) {
  let tilesN = (N + TILE - 1u) / TILE;
  let t = wid.y * nwg.x + wid.x;
  let row0 = (t / tilesN) * TILE;
  let col0 = (t % tilesN) * TILE;
  // Uniform per workgroup, so whole workgroups leave before any barrier.
  if (row0 >= chunk.rows) { return; }
  let tx = l3.x;
  let ty = l3.y;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k0 = 0u; k0 < K; k0 += SLICE) {
    for (var s = 0u; s < 4u; s++) {
      let e = lid + 256u * s;
      let ar = row0 + e / SLICE;
      let ak = k0 + e % SLICE;
      var av = 0.0;
      if (ar < chunk.rows && ak < K) { av = x[ar * K + ak] - mu[ak]; }
      As[e] = av;
      let bk = k0 + e / TILE;
      let bc = col0 + e % TILE;
      var bv = 0.0;
      if (bk < K && bc < N) { bv = q[bk * N + bc]; }
      Bs[e] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < SLICE; kk++) {
      let b = vec4f(Bs[kk * TILE + tx * 4u], Bs[kk * TILE + tx * 4u + 1u], Bs[kk * TILE + tx * 4u + 2u], Bs[kk * TILE + tx * 4u + 3u]);
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
