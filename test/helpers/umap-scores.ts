/**
 * Layout scores for the UMAP tests, as scikit-learn computes them (checked against sklearn's value
 * on a committed fixture): trustworthiness (sklearn.manifold.trustworthiness) and kNN preservation
 * (the mean fraction of each point's k nearest high-dimensional neighbours among its k nearest in
 * the layout). Brute force in float64 without sorting: per point, the layout's k nearest by
 * insertion, then each one's rank among the high-dimensional distances by counting (ties by index).
 */

export interface LayoutScores {
  trustworthiness: number;
  knnPreservation: number;
}

function sqDists(x: ArrayLike<number>, n: number, d: number, i: number, out: Float64Array): void {
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += (x[i * d + c] - x[j * d + c]) ** 2;
    out[j] = s;
  }
}

export function layoutScores(x: ArrayLike<number>, y: ArrayLike<number>, n: number, d: number, dy: number, k: number): LayoutScores {
  const dx = new Float64Array(n);
  const dl = new Float64Array(n);
  const near = new Int32Array(k);
  let t = 0;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    sqDists(x, n, d, i, dx);
    sqDists(y, n, dy, i, dl);
    // The layout's k nearest (ties by index), by insertion.
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
  return { trustworthiness: 1 - t * (2 / (n * k * (2 * n - 3 * k - 1))), knnPreservation: kept / (n * k) };
}
