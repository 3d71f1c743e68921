// Distances from rows [r0, r1) to every centroid, for transform (root ≠ 0: Euclidean) and
// anything else that needs the full n×k table. Same summation order as the assignment kernel.
import { sqDist } from './common';

export function sqDistances(r0: i32, r1: i32, part: usize, x: usize, d: i32, c: usize, k: i32, out: usize, root: i32): void {
  const rowBytes = <usize>d << 2;
  for (let i = r0; i < r1; i++) {
    const xi = x + <usize>i * rowBytes;
    const oi = out + ((<usize>i * <usize>k) << 2);
    for (let j = 0; j < k; j++) {
      const s = sqDist(xi, c + <usize>j * rowBytes, d);
      store<f32>(oi + (<usize>j << 2), root ? Mathf.sqrt(s) : s);
    }
  }
  void part;
}
