/** Small helpers of leiden(): random orders and label compaction. */
import { randomPermutation, type Rng } from '../core/rng.js';

/** A uniformly random permutation of 0..n−1 (Fisher–Yates, core/rng.ts). */
export function randomOrder(n: number, rng: Rng): Int32Array {
  return randomPermutation(rng, new Int32Array(n));
}

/** Renumber labels in place to 0..c−1 in order of first appearance; returns c. `scratch` has room for every label. */
export function compact(labels: Int32Array, scratch: Int32Array): number {
  scratch.fill(-1);
  let c = 0;
  for (let v = 0; v < labels.length; v++) {
    const l = labels[v];
    if (scratch[l] < 0) scratch[l] = c++;
    labels[v] = scratch[l];
  }
  return c;
}

/**
 * The final numbering: communities by size descending, ties by their lowest vertex. `labels`
 * must be compact (0..c−1).
 */
export function bySize(labels: Int32Array, c: number): Int32Array {
  const size = new Int32Array(c);
  const first = new Int32Array(c).fill(-1);
  for (let v = 0; v < labels.length; v++) {
    const l = labels[v];
    size[l]++;
    if (first[l] < 0) first[l] = v;
  }
  const ids = Array.from({ length: c }, (_, i) => i).sort((a, b) => size[b] - size[a] || first[a] - first[b]);
  const rank = new Int32Array(c);
  for (let r = 0; r < c; r++) rank[ids[r]] = r;
  const out = new Int32Array(labels.length);
  for (let v = 0; v < labels.length; v++) out[v] = rank[labels[v]];
  return out;
}
