/**
 * Entropy-based merging of mixture components (Baudry, Raftery, Celeux, Lo & Gottardo 2010,
 * "Combining mixture components for clustering", JCGS 19(2)): start from the n×K posteriors τ,
 * and at each step merge the two clusters whose union lowers the entropy −Σ_i Σ_c τ_ic log τ_ic the
 * most (the merged posterior is τ_ia + τ_ib), down to one cluster. The same rule as mclust's
 * clustCombi. The decrease of a pair is Σ_i (τ_a+τ_b) log(τ_a+τ_b) − τ_a log τ_a − τ_b log τ_b ≥ 0; the
 * pair table is kept and only the merged cluster's row recomputed, so the whole tree costs O(K²·n).
 */

/** x log x, with 0 log 0 = 0 (mclust's xlog). */
const xlog = (x: number): number => (x > 0 ? x * Math.log(x) : 0);

export interface MergeRun {
  /** Entropy of the K components. */
  entropy: number;
  /** Per merge: the two merged node ids (leaves 0..K−1, merge j makes node K+j) and the entropy after it. */
  merges: [number, number, number][];
}

/** The entropy decrease of merging columns a and b; summed over i in order, so it depends on τ alone. */
function pairDecrease(tau: Float64Array, n: number, width: number, a: number, b: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const x = tau[i * width + a];
    const y = tau[i * width + b];
    s += xlog(x + y) - xlog(x) - xlog(y);
  }
  return s;
}

/**
 * The full merge sequence of `tau` (n×K, row-major; copied, never written). Ties go to the pair
 * of lowest column positions (as mclust's `which(dEnt == max(dEnt))[1]` takes its first).
 */
export function entropyMerges(posteriors: Float64Array, n: number, k: number): MergeRun {
  const tau = posteriors.slice();
  let entropy = 0;
  for (let t = 0; t < tau.length; t++) entropy -= xlog(tau[t]);
  // Column c holds the cluster whose node id is node[c]; a merged pair lives on in the lower column.
  const node = Int32Array.from({ length: k }, (_, c) => c);
  const alive = new Uint8Array(k).fill(1);
  const dec = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) dec[a * k + b] = pairDecrease(tau, n, k, a, b);
  const merges: [number, number, number][] = [];
  for (let step = 0; step < k - 1; step++) {
    let ba = -1;
    let bb = -1;
    let best = -Infinity;
    for (let a = 0; a < k; a++) {
      if (!alive[a]) continue;
      for (let b = a + 1; b < k; b++) {
        if (alive[b] && dec[a * k + b] > best) {
          best = dec[a * k + b];
          ba = a;
          bb = b;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      tau[i * k + ba] += tau[i * k + bb];
      tau[i * k + bb] = 0;
    }
    alive[bb] = 0;
    // The entropy is recomputed from τ rather than accumulated, so it cannot drift below 0.
    let e = 0;
    for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) if (alive[c]) e -= xlog(tau[i * k + c]);
    merges.push([node[ba], node[bb], Math.max(0, e)]);
    node[ba] = k + step;
    for (let c = 0; c < k; c++) {
      if (!alive[c] || c === ba) continue;
      const [lo, hi] = c < ba ? [c, ba] : [ba, c];
      dec[lo * k + hi] = pairDecrease(tau, n, k, lo, hi);
    }
  }
  return { entropy, merges };
}
