/**
 * The refinement phase (Traag et al. 2019, Algorithm A.2 RefinePartition / MergeNodesSubset): start
 * from singletons and, inside each community S of the partition, visit the vertices in random order;
 * a vertex still alone and well connected to S (w(v, S − v) ≥ γ′·W_v·(W_S − W_v)) joins a refined
 * community C ⊆ S that is itself well connected to S, chosen at random with probability
 * ∝ exp(ΔH/θ) among the moves with ΔH ≥ 0 (staying alone, ΔH = 0, included). The randomness lets
 * the algorithm explore; the connectivity conditions give the Leiden guarantee (refined
 * communities, hence final ones, are connected).
 */
import type { Rng } from '../core/rng.js';
import type { WorkGraph } from './graph.js';
import { randomOrder } from './util.js';

/** θ of the paper (and of igraph's β): near-greedy in edge-weight units. */
export const THETA = 0.01;

/** Refined labels (ids in 0..n−1, not compact): each a connected subset of one community of `comm`. */
/** Vertices between the steps of the refinement (leiden() may yield there: ./pause.ts; the random stream is untouched). */
const STEP = 256;

export function* refine(g: WorkGraph, comm: Int32Array, gamma: number, rng: Rng): Generator<void, Int32Array, void> {
  const { n, indptr, indices, weights, nodeW } = g;
  const total = new Float64Array(n);
  for (let v = 0; v < n; v++) total[comm[v]] += nodeW[v];
  const ref = new Int32Array(n);
  const refW = new Float64Array(n);
  const ext = new Float64Array(n); // E(C, S − C) of each refined community C
  const count = new Int32Array(n).fill(1);
  for (let v = 0; v < n; v++) {
    if (v % STEP === STEP - 1) yield;
    ref[v] = v;
    refW[v] = nodeW[v];
    let e = 0;
    for (let p = indptr[v]; p < indptr[v + 1]; p++) if (comm[indices[p]] === comm[v]) e += weights[p];
    ext[v] = e;
  }
  const acc = new Float64Array(n);
  const stamp = new Int32Array(n).fill(-1);
  const touched = new Int32Array(n);
  const prob = new Float64Array(n);
  const order = randomOrder(n, rng);
  for (let k = 0; k < n; k++) {
    if (k % STEP === STEP - 1) yield;
    const v = order[k];
    const r0 = ref[v];
    if (count[r0] !== 1) continue;
    const s = comm[v];
    const wv = nodeW[v];
    if (ext[v] < gamma * wv * (total[s] - wv)) continue;
    let nt = 0;
    for (let p = indptr[v]; p < indptr[v + 1]; p++) {
      const u = indices[p];
      if (comm[u] !== s) continue;
      const r = ref[u];
      if (stamp[r] !== k) {
        stamp[r] = k;
        acc[r] = 0;
        touched[nt++] = r;
      }
      acc[r] += weights[p];
    }
    // Candidates: well-connected refined communities with ΔH ≥ 0; staying alone is ΔH = 0.
    let maxGain = 0;
    let nc = 0;
    for (let t = 0; t < nt; t++) {
      const r = touched[t];
      const gain = acc[r] - gamma * wv * refW[r];
      if (gain < 0 || ext[r] < gamma * refW[r] * (total[s] - refW[r])) continue;
      touched[nc] = r;
      prob[nc++] = gain;
      if (gain > maxGain) maxGain = gain;
    }
    if (nc === 0) continue;
    let sum = Math.exp(-maxGain / THETA);
    for (let t = 0; t < nc; t++) {
      prob[t] = Math.exp((prob[t] - maxGain) / THETA);
      sum += prob[t];
    }
    let x = rng.uniform() * sum - Math.exp(-maxGain / THETA);
    if (x < 0) continue;
    let chosen = touched[nc - 1];
    for (let t = 0; t < nc; t++) {
      x -= prob[t];
      if (x < 0) {
        chosen = touched[t];
        break;
      }
    }
    ref[v] = chosen;
    count[r0] = 0;
    count[chosen]++;
    refW[chosen] += wv;
    ext[chosen] += ext[v] - 2 * acc[chosen];
  }
  return ref;
}
