/** The objectives of leiden() on the caller's graph, scaled as leidenalg's quality(). */
import type { WorkGraph } from './graph.js';

export interface Qualities {
  /** Σ_c (2·w_c − γ·K_c²/2m) / 2m. */
  modularity: (gamma: number) => number;
  /** Σ_c (2·w_c − γ·n_c(n_c − 1)); n_c(n_c + 1) when the graph has self-loops (leidenalg's correct_self_loops). */
  cpm: (gamma: number) => number;
}

/** Per-community sums of `labels` (0..c−1) on g (off-diagonal rows + self-loops). */
export function qualities(g: WorkGraph, labels: Int32Array, c: number): Qualities {
  const inner = new Float64Array(c);
  const deg = new Float64Array(c);
  const size = new Float64Array(c);
  let twoM = 0;
  for (let v = 0; v < g.n; v++) {
    const l = labels[v];
    size[l]++;
    inner[l] += g.self[v];
    let s = 2 * g.self[v];
    for (let p = g.indptr[v]; p < g.indptr[v + 1]; p++) {
      s += g.weights[p];
      if (labels[g.indices[p]] === l) inner[l] += 0.5 * g.weights[p];
    }
    deg[l] += s;
    twoM += s;
  }
  return {
    modularity(gamma) {
      if (twoM === 0) return 0;
      let q = 0;
      for (let k = 0; k < c; k++) q += 2 * inner[k] - (gamma * deg[k] * deg[k]) / twoM;
      return q / twoM;
    },
    cpm(gamma) {
      let q = 0;
      const extra = g.loops ? 1 : -1;
      for (let k = 0; k < c; k++) q += 2 * inner[k] - gamma * size[k] * (size[k] + extra);
      return q;
    },
  };
}
