/**
 * bench:umap-speed's Node side (loaded through Vite's SSR loader): our UMAP of a given kNN on a
 * chosen backend and thread count, and layout scores on a fixed sample of query points (the
 * definitions of test/helpers/umap-scores.ts — sklearn's trustworthiness and k-NN preservation —
 * averaged over the sample instead of all n points, so 100k cells score in seconds).
 */
import { createEngine, umap } from '../src/index.js';
import type { BackendChoice } from '../src/types.js';

export { synthetic } from './umap-entry.js';

export async function layoutOn(
  n: number,
  k: number,
  indices: Int32Array,
  distances: Float32Array,
  backend: BackendChoice,
  threads?: number,
) {
  const engine = await createEngine({ backend, ...(threads ? { threads } : {}) });
  try {
    const knn = { n, k, metric: 'euclidean' as const, indices, distances, backend: 'python' };
    // CPU time of the whole process (every worker thread included): on a shared machine, wall time measures the neighbours too.
    const c0 = process.cpuUsage();
    const r = await umap(knn, { engine, seed: 0 });
    const c = process.cpuUsage(c0);
    const cpuMs = (c.user + c.system) / 1000;
    return { adapter: engine.adapter, timings: r.timings, cpuMs, nEpochs: r.nEpochs, nEdges: r.nEdges, embedding: r.embedding };
  } finally {
    engine.destroy();
  }
}

/** `count` distinct query rows of [0, n), fixed by the seed (a linear congruential walk). */
export function sampleRows(n: number, count: number, seed = 7): Int32Array {
  const step = 2654435761 % n || 1;
  const out = new Int32Array(Math.min(n, count));
  for (let t = 0; t < out.length; t++) out[t] = (seed + t * step) % n;
  return out;
}

/** Trustworthiness and k-NN preservation of layout y (n × dy) of x (n × d), over the query rows `rows`. */
export function sampledScores(x: ArrayLike<number>, y: ArrayLike<number>, n: number, d: number, dy: number, k: number, rows: Int32Array) {
  const dx = new Float64Array(n);
  const dl = new Float64Array(n);
  const near = new Int32Array(k);
  let t = 0;
  let kept = 0;
  for (const i of rows) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (x[i * d + c] - x[j * d + c]) ** 2;
      dx[j] = s;
      let u = 0;
      for (let c = 0; c < dy; c++) u += (y[i * dy + c] - y[j * dy + c]) ** 2;
      dl[j] = u;
    }
    let m = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      if (m === k && !(dl[j] < dl[near[k - 1]])) continue;
      let p = m < k ? m++ : k - 1;
      while (p > 0 && dl[near[p - 1]] > dl[j]) {
        near[p] = near[p - 1];
        p--;
      }
      near[p] = j;
    }
    for (let q = 0; q < k; q++) {
      const j = near[q];
      let rank = 1;
      for (let l = 0; l < n; l++) if (l !== i && (dx[l] < dx[j] || (dx[l] === dx[j] && l < j))) rank++;
      if (rank > k) t += rank - k;
      else kept++;
    }
  }
  const s = rows.length;
  return { trustworthiness: 1 - (t / s) * (2 / (k * (2 * n - 3 * k - 1))), knnPreservation: kept / (s * k) };
}
