// k-means++ seeding: one candidate's pass over rows [r0, r1).
import { sqDist } from './common';

/**
 * out[i] = min(closest[i], ‖x_i − y‖²) (f64; the distance is the f32 one of common.sqDist), and
 * the block's Σ out[i] at `part` (f64), for the greedy k-means++ choice among candidates.
 * closest = 0 treats every previous distance as +∞ (the first centre).
 */
export function seedCandidate(r0: i32, r1: i32, part: usize, x: usize, d: i32, y: usize, closest: usize, out: usize): void {
  const rowBytes = <usize>d << 2;
  let pot: f64 = 0;
  for (let i = r0; i < r1; i++) {
    let m = <f64>sqDist(x + <usize>i * rowBytes, y, d);
    const o = <usize>i << 3;
    if (closest) {
      const c = load<f64>(closest + o);
      if (c < m) m = c;
    }
    store<f64>(out + o, m);
    pot += m;
  }
  store<f64>(part, pot);
}
