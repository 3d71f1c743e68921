// The data chunk's rows (layout: common/chunk.wgsl) as binding 0 in float32, behind the two
// accessors a kernel that may also read half-precision rows uses (common/x_f16 defines the same):
// x_at(e), value e of the chunk's rows×D, and x_weight(row), the sample weight of local row `row`.
// Needs the kernel's `chunk: Chunk` uniform and `override D: u32`.

@group(0) @binding(0) var<storage, read> x: array<f32>;

fn x_at(e: u32) -> f32 {
  return x[e];
}

fn x_weight(row: u32) -> f32 {
  return x[chunk.rows * D + row];
}
