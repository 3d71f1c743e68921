/**
 * chooseR's score of a partition (Patterson-Cross, Levine & Menon 2021): the silhouette of each
 * cell under the reference partition, with the distance 1 − M_ij, M_ij the share of the
 * subsamples holding both i and j that cluster them together (0 when none holds both). Computed
 * one cell's row at a time (an n-long buffer, never the n × n matrix): O(m² · ⌈B/32⌉ + Σ_b Σ_c |c|²)
 * for m scored cells and B subsamples, with the subsamples' presence as bit masks.
 */
import { abortCheckpoint } from '../core/yield.js';

/** One subsample's clustering: the scored cells it holds (positions 0..m−1, ascending) and their labels there. */
export interface SubsampleLabels {
  cells: Int32Array;
  labels: Int32Array;
}

/**
 * Per cell: the silhouette under `reference` (labels 0..c−1 of the m scored cells) with the
 * co-clustering distance; a cell alone in its cluster scores 0 (R's cluster::silhouette), as
 * does a cell whose a and b are both 0.
 */
export async function coclusterSilhouettes(
  m: number,
  reference: Int32Array,
  subsamples: SubsampleLabels[],
  signal?: AbortSignal,
): Promise<Float64Array> {
  const B = subsamples.length;
  const W = Math.max(1, Math.ceil(B / 32));
  const mask = new Uint32Array(m * W);
  // clusterOf[b·m + e]: cell e's cluster in subsample b (−1: not drawn); members: CSR of each (b, cluster).
  const clusterOf = new Int32Array(B * m).fill(-1);
  const starts: Int32Array[] = [];
  const members: Int32Array[] = [];
  subsamples.forEach((s, b) => {
    let c = 0;
    for (let p = 0; p < s.cells.length; p++) c = Math.max(c, s.labels[p] + 1);
    const start = new Int32Array(c + 1);
    for (let p = 0; p < s.cells.length; p++) start[s.labels[p] + 1]++;
    for (let j = 0; j < c; j++) start[j + 1] += start[j];
    const fill = start.slice(0, c);
    const mem = new Int32Array(s.cells.length);
    for (let p = 0; p < s.cells.length; p++) {
      const e = s.cells[p];
      mem[fill[s.labels[p]]++] = e;
      clusterOf[b * m + e] = s.labels[p];
      mask[e * W + (b >>> 5)] |= 1 << (b & 31);
    }
    starts.push(start);
    members.push(mem);
  });
  let c = 0;
  for (let e = 0; e < m; e++) c = Math.max(c, reference[e] + 1);
  const size = new Float64Array(c);
  for (let e = 0; e < m; e++) size[reference[e]]++;
  const same = new Uint16Array(m);
  const sums = new Float64Array(c);
  const out = new Float64Array(m);
  const last = { t: performance.now() };
  for (let e = 0; e < m; e++) {
    for (let b = 0; b < B; b++) {
      const k = clusterOf[b * m + e];
      if (k < 0) continue;
      const mem = members[b];
      for (let p = starts[b][k]; p < starts[b][k + 1]; p++) same[mem[p]]++;
    }
    sums.fill(0);
    for (let j = 0; j < m; j++) {
      if (j === e) continue;
      let both = 0;
      for (let w = 0; w < W; w++) both += popcount(mask[e * W + w] & mask[j * W + w]);
      sums[reference[j]] += both > 0 ? 1 - same[j] / both : 1;
    }
    same.fill(0);
    const own = reference[e];
    if (size[own] < 2) continue;
    const a = sums[own] / (size[own] - 1);
    let bMin = Infinity;
    for (let k = 0; k < c; k++) if (k !== own && size[k] > 0) bMin = Math.min(bMin, sums[k] / size[k]);
    const den = Math.max(a, bMin);
    out[e] = den > 0 && Number.isFinite(bMin) ? (bMin - a) / den : 0;
    await abortCheckpoint(signal, last);
  }
  return out;
}

/** The mean of `values` within each cluster 0..c−1 of `labels` (clusters with no cell left out). */
export function clusterMeans(values: Float64Array, labels: Int32Array): number[] {
  let c = 0;
  for (const l of labels) c = Math.max(c, l + 1);
  const s = new Float64Array(c);
  const n = new Float64Array(c);
  labels.forEach((l, i) => {
    s[l] += values[i];
    n[l]++;
  });
  const out: number[] = [];
  for (let k = 0; k < c; k++) if (n[k] > 0) out.push(s[k] / n[k]);
  return out;
}

function popcount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
