/**
 * Layout scores for the UMAP tests, written as scikit-learn computes them (checked against
 * sklearn's value on a committed fixture): trustworthiness (sklearn.manifold.trustworthiness) and
 * kNN preservation (the mean fraction of each point's k nearest high-dimensional neighbours among
 * its k nearest in the layout). Brute force, float64, O(n²): for test-sized data.
 */

/** Each row's other points by ascending distance (ties by index). */
export function orders(x: ArrayLike<number>, n: number, d: number): Int32Array[] {
  const out: Int32Array[] = [];
  const dist = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (x[i * d + c] - x[j * d + c]) ** 2;
      dist[j] = j === i ? Infinity : s;
    }
    const o = Int32Array.from({ length: n }, (_, j) => j).sort((a, b) => dist[a] - dist[b] || a - b);
    out.push(o.subarray(0, n - 1));
  }
  return out;
}

/** `x` may be given as its orders (orders(x, n, d)) when scoring several layouts of one data set. */
type Source = ArrayLike<number> | Int32Array[];
const ordersOf = (x: Source, n: number, d: number): Int32Array[] => (Array.isArray(x) ? x : orders(x as ArrayLike<number>, n, d));

export function trustworthiness(x: Source, y: ArrayLike<number>, n: number, d: number, dy: number, k: number): number {
  const ox = ordersOf(x, n, d);
  const oy = orders(y, n, dy);
  const rank = new Int32Array(n);
  let t = 0;
  for (let i = 0; i < n; i++) {
    ox[i].forEach((j, r) => (rank[j] = r + 1));
    for (let q = 0; q < k; q++) {
      const r = rank[oy[i][q]] - k;
      if (r > 0) t += r;
    }
  }
  return 1 - t * (2 / (n * k * (2 * n - 3 * k - 1)));
}

export function knnPreservation(x: Source, y: ArrayLike<number>, n: number, d: number, dy: number, k: number): number {
  const ox = ordersOf(x, n, d);
  const oy = orders(y, n, dy);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const hi = new Set(ox[i].subarray(0, k));
    let c = 0;
    for (let q = 0; q < k; q++) if (hi.has(oy[i][q])) c++;
    s += c / k;
  }
  return s / n;
}
