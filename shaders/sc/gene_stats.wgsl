// Per-gene sums over the stored entries of one CSR chunk, read gene by gene through the chunk's
// CSC index (colptr, and the CSR position of each entry in gene order). One thread per gene
// walks its entries in order with Kahan compensation: deterministic, no atomics. For a stored
// value x of gene g: t = transform(x) (mode 0: x; 1: expm1(x); 2: clamp((x − a_g) / b_g, −maxv,
// maxv), the scaled value), then t = min(t, clip_g) and δ = t − shift_g. Outputs per gene:
// #{x > 0}, Σδ, Σδ². The host adds the unstored zeros ((n − entries)·(t(0) − shift)) in float64
// and sums the chunks in order, which gives shifted two-pass moments (shift = a first-pass mean).
//
// Bindings: 0 values: nnz f32 · 1 colptr: d + 1 u32 · 2 pos: nnz u32 ·
// 3 params: d × vec4 f32 {shift, clip, a, b} · 4 out: d × vec4 f32 {positive, Σδ, Σδ², 0} (write) ·
// 5 chunk: uniform {rows, nnz, d, _} · 6 req: uniform {mode, maxv, _, _}.
// Dispatch: ceil(d / WG) workgroups over (x, y); one thread per gene.
// Workgroup memory: none.
// Tiling: none; entries gathered gene by gene. Bytes per stored entry: 8 (value and position).
// Composed with common/grid, common/csr_chunk, common/kahan (src/backends/webgpu/sc/kernels.ts).

override WG: u32 = 64u;

struct Req { mode: u32, maxv: f32, a: u32, b: u32 }

@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<storage, read> colptr: array<u32>;
@group(0) @binding(2) var<storage, read> pos: array<u32>;
@group(0) @binding(3) var<storage, read> params: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4f>;
@group(0) @binding(5) var<uniform> chunk: CsrChunk;
@group(0) @binding(6) var<uniform> req: Req;

fn expm1_(x: f32) -> f32 {
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  return um1 * (x / log(u));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let g = group_index(wid, nwg) * WG + lid;
  if (g >= chunk.d) { return; }
  let p = params[g];
  var s1 = vec2f(0.0);
  var s2 = vec2f(0.0);
  var positive = 0u;
  let end = colptr[g + 1u];
  for (var e = colptr[g]; e < end; e++) {
    let x = values[pos[e]];
    if (x > 0.0) { positive++; }
    var t = x;
    if (req.mode == 1u) { t = expm1_(x); }
    if (req.mode == 2u) { t = clamp((x - p.z) / p.w, -req.maxv, req.maxv); }
    t = min(t, p.y);
    let dl = t - p.x;
    kahan_add(&s1, dl);
    kahan_add(&s2, dl * dl);
  }
  out[g] = vec4f(f32(positive), s1.x, s2.x, 0.0);
}
