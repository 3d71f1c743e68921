// Squared Euclidean distance between data row `row` of the chunk and centre `c`, accumulated
// feature by feature with fma in feature order (the same chain in every k-means kernel, so the
// assignment, soft E-step and k-means++ agree to the bit). Reads the row through x_at
// (common/x_f32 or common/x_f16); needs the kernel to declare `centroids: array<f32>` (storage,
// row-major ·×D) and `override D: u32`.

fn sqdist(row: u32, c: u32) -> f32 {
  let base = row * D;
  let cb = c * D;
  var s = 0.0;
  for (var f = 0u; f < D; f++) {
    let t = x_at(base + f) - centroids[cb + f];
    s = fma(t, t, s);
  }
  return s;
}
