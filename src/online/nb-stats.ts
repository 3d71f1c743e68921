/**
 * Stepwise EM's running statistics for the negative-binomial mixture: the E-step statistics
 * (nbmm/model.ts NbStats) and the per-gene count histograms the dispersion update reads
 * (nbmm/counts.ts GeneHistograms), both per unit weight, each moved as s ← (1 − η) s + η ŝ.
 * The histograms are data statistics (free of the parameters) but enter the M-step's Q on the same
 * scale as the E-step's, so they are averaged with the same steps.
 */
import type { Counts, GeneHistograms } from '../nbmm/counts.js';
import type { NbStats } from '../nbmm/model.js';

export class RunningHistograms {
  private readonly genes: Map<number, number>[];

  constructor(readonly d: number) {
    this.genes = Array.from({ length: d }, () => new Map<number, number>());
  }

  /** Mix in one block's histograms (weights `w`, total weight `total`) with step η. */
  step(c: Counts, w: Float64Array | null, total: number, eta: number): void {
    if (eta !== 1) for (const m of this.genes) for (const [v, x] of m) m.set(v, (1 - eta) * x);
    else for (const m of this.genes) m.clear();
    const f = eta / total;
    for (let i = 0; i < c.n; i++) {
      const wi = (w ? w[i] : 1) * f;
      for (let p = c.indptr[i]; p < c.indptr[i + 1]; p++) {
        const m = this.genes[c.indices[p]];
        const v = c.values[p];
        m.set(v, (m.get(v) ?? 0) + wi);
      }
    }
  }

  /** As nbmm's GeneHistograms (values ascending). */
  current(): GeneHistograms {
    const d = this.d;
    const ptr = new Uint32Array(d + 1);
    const value: number[] = [];
    const mult: number[] = [];
    const total = new Float64Array(d);
    const max = new Float64Array(d);
    for (let g = 0; g < d; g++) {
      const entries = [...this.genes[g].entries()].sort((a, b) => a[0] - b[0]);
      for (const [v, m] of entries) {
        value.push(v);
        mult.push(m);
        total[g] += v * m;
        max[g] = Math.max(max[g], v);
      }
      ptr[g + 1] = ptr[g] + entries.length;
    }
    return { ptr, value: Float64Array.from(value), mult: Float64Array.from(mult), total, max };
  }
}

/** s ← (1 − η) s + η ŝ with ŝ = the block's statistics / its total weight (s null: ŝ). */
export function stepNbStats(s: NbStats | null, b: NbStats, total: number, eta: number): NbStats {
  const f = eta / total;
  const mix = (old: Float64Array | undefined, v: Float64Array): Float64Array =>
    Float64Array.from(v, (x, t) => (old && eta !== 1 ? (1 - eta) * old[t] + f * x : f * x));
  return { loglik: (s && eta !== 1 ? (1 - eta) * s.loglik : 0) + f * b.loglik, rows: mix(s?.rows, b.rows), genes: mix(s?.genes, b.genes) };
}
