// Sample weights of a dense data chunk (layout: common/chunk.wgsl): the weight of local row i
// sits right after the chunk's rows×D values, at x[chunk.rows·D + i]. Every kernel that sums
// statistics or objectives over rows multiplies each row's contribution by it. Unweighted data
// carry ones, and w·v = v exactly, so unweighted sums keep their bits. Needs the kernel to
// declare `x: array<f32>` (storage), `chunk: Chunk` (uniform) and `override D: u32`.

fn sample_weight(row: u32) -> f32 {
  return x[chunk.rows * D + row];
}
