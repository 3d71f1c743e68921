// The dense scaled matrix of one chunk of cells, X (rows × G, row-major f32), from CSR values:
// `fill` gives every element of column c the scaled value of a zero, z_c (one thread per
// element); `scatter` then overwrites the stored entries of the selected genes with
// clamp((x − m_c) / s_c, −v_c, v_c), where c = colmap[g] is gene g's column (−1: not selected)
// (one thread per row; a row's genes are distinct, so no two threads write one element). The
// two entry points run as separate dispatches, so the scatter sees the fill. Column means are
// not removed here: the PCA kernels subtract them as they load X.
//
// Bindings `fill`: 0 x: rows × G f32 (write) · 1 cols: G × vec4 f32 {m, s, z, v} (v: the clip) ·
// 2 region: uniform {rows, G, csrRow0, xRow0}.
// Bindings `scatter`: the same, plus 3 indptr · 4 indices · 5 values (CSR chunk) · 6 colmap: d i32.
// `scatter` covers rows csrRow0 … csrRow0 + rows − 1 of the CSR chunk, written to rows xRow0 … of x.
// Dispatch: `fill` ceil(rows·G / WG) workgroups, `scatter` ceil(rows / WG), over (x, y).
// Workgroup memory: none.
// Tiling: none. Bytes: `fill` 4 written per element; `scatter` 8 read and 4 written per stored entry.
// Composed with common/grid (src/backends/webgpu/sc/kernels.ts).

override WG: u32 = 64u;

struct Region { rows: u32, G: u32, csrRow0: u32, xRow0: u32 }

@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@group(0) @binding(1) var<storage, read> cols: array<vec4f>;
@group(0) @binding(2) var<uniform> region: Region;
@group(0) @binding(3) var<storage, read> indptr: array<u32>;
@group(0) @binding(4) var<storage, read> indices: array<u32>;
@group(0) @binding(5) var<storage, read> values: array<f32>;
@group(0) @binding(6) var<storage, read> colmap: array<i32>;

@compute @workgroup_size(WG)
fn fill(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let e = group_index(wid, nwg) * WG + lid;
  if (e >= region.rows * region.G) { return; }
  x[e] = cols[e % region.G].z;
}

@compute @workgroup_size(WG)
fn scatter(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = group_index(wid, nwg) * WG + lid;
  if (r >= region.rows) { return; }
  let row = region.csrRow0 + r;
  let base = (region.xRow0 + r) * region.G;
  let end = indptr[row + 1u];
  for (var p = indptr[row]; p < end; p++) {
    let c = colmap[indices[p]];
    if (c >= 0) {
      let cp = cols[u32(c)];
      x[base + u32(c)] = clamp((values[p] - cp.x) / cp.y, -cp.w, cp.w);
    }
  }
}
