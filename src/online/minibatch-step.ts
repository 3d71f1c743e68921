/**
 * scikit-learn's MiniBatchKMeans step rules (sklearn/cluster/_kmeans.py, 1.2), host float64, on the
 * per-centre statistics of one batch (Σ w x, Σ w) a backend returns:
 * - `updateCentres`: _minibatch_update_dense — a centre that got weight moves to
 *   (c·W + Σ w x) / (W + Σ w) and W grows by Σ w: the per-centre counts are the learning rates;
 * - `reassign`: the low-count reassignment of _mini_batch_step;
 * - `reassignDue`: _random_reassign's schedule; `Convergence`: _mini_batch_convergence (EWA inertia).
 */
import type { Rng } from '../core/rng.js';
import type { Batch } from './batches.js';

/** Move centres in place from one batch's statistics; returns the squared shift. */
export function updateCentres(
  centres: Float64Array,
  counts: Float64Array,
  sums: Float64Array,
  batchCounts: Float64Array,
  d: number,
): number {
  let shift = 0;
  for (let c = 0; c < counts.length; c++) {
    const wsum = batchCounts[c];
    if (!(wsum > 0)) continue;
    const total = counts[c] + wsum;
    const alpha = 1 / total;
    for (let f = 0; f < d; f++) {
      const old = centres[c * d + f];
      const v = (old * counts[c] + sums[c * d + f]) * alpha;
      shift += (v - old) ** 2;
      centres[c * d + f] = v;
    }
    counts[c] = total;
  }
  return shift;
}

/**
 * Centres whose count is below ratio × the largest move to rows of the batch drawn uniformly without
 * replacement (at most half the batch: the lowest counts first), and their counts are set to the
 * smallest count of the others. Returns the reassigned centres.
 */
export function reassign(centres: Float64Array, counts: Float64Array, batch: Batch, ratio: number, rng: Rng): number[] {
  const k = counts.length;
  const d = batch.d;
  let max = -Infinity;
  for (let c = 0; c < k; c++) max = Math.max(max, counts[c]);
  const to = new Uint8Array(k);
  let m = 0;
  for (let c = 0; c < k; c++) {
    if (counts[c] < ratio * max) {
      to[c] = 1;
      m++;
    }
  }
  if (m > 0.5 * batch.n) {
    // numpy: argsort(counts)[int(0.5·n):] are kept (ties in index order, as a stable sort).
    const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => counts[a] - counts[b] || a - b);
    for (const c of order.slice(Math.floor(0.5 * batch.n))) to[c] = 0;
    m = to.reduce((a, b) => a + b, 0);
  }
  const moved: number[] = [];
  if (m > 0) {
    const rows = rng.sample(batch.n, m);
    let t = 0;
    for (let c = 0; c < k; c++) {
      if (!to[c]) continue;
      centres.set(batch.x.subarray(rows[t] * d, rows[t] * d + d), c * d);
      t++;
      moved.push(c);
    }
  }
  let min = Infinity;
  for (let c = 0; c < k; c++) if (!to[c]) min = Math.min(min, counts[c]);
  for (let c = 0; c < k; c++) if (to[c]) counts[c] = min;
  return moved;
}

/** _random_reassign: due when a centre has no weight yet, or every 10·k rows seen. */
export function reassignDue(state: { nSinceReassign: number }, counts: Float64Array, batchSize: number): boolean {
  state.nSinceReassign += batchSize;
  if (counts.some((v) => v === 0) || state.nSinceReassign >= 10 * counts.length) {
    state.nSinceReassign = 0;
    return true;
  }
  return false;
}

/** _mini_batch_convergence: an exponentially weighted average of the batch inertia per row, and two stopping rules. */
export class Convergence {
  ewa: number | null = null;
  private ewaMin: number | null = null;
  private noImprovement = 0;

  constructor(
    private readonly batchSize: number,
    private readonly nSamples: number,
    private readonly tol: number,
    private readonly maxNoImprovement: number | null,
  ) {}

  /** After step `step` (0-based): true to stop ('tol' or 'noImprovement' in `reason`). */
  check(step: number, squaredShift: number, batchInertia: number): false | 'tol' | 'noImprovement' {
    const inertia = batchInertia / this.batchSize;
    // The first step's inertia is that of the initialisation.
    if (step === 0) return false;
    if (this.ewa === null) this.ewa = inertia;
    else {
      const alpha = Math.min(1, (this.batchSize * 2) / (this.nSamples + 1));
      this.ewa = this.ewa * (1 - alpha) + inertia * alpha;
    }
    if (this.tol > 0 && squaredShift <= this.tol) return 'tol';
    if (this.ewaMin === null || this.ewa < this.ewaMin) {
      this.noImprovement = 0;
      this.ewaMin = this.ewa;
    } else this.noImprovement++;
    if (this.maxNoImprovement !== null && this.noImprovement >= this.maxNoImprovement) return 'noImprovement';
    return false;
  }
}
