// Exact-kNN candidates (graph/knn-backend.ts): for each query row of [r0, r1), the m nearest other
// rows of all n by f32 squared distance, nearest first, ties to the lower index. Each query keeps
// its sorted list in its own slice of (idx, sq); references are visited in index order, and a row
// enters only when strictly nearer than the current m-th, so equal distances keep the lower index.
// Cache tiling: the block's queries are swept over tiles of TILE reference rows (a tile stays in
// cache while every query of the block passes over it). A distance is abandoned as soon as its
// partial sum reaches the query's current m-th (every 8 features; the model orders columns by
// decreasing variance, so most pairs stop after the first few): partial sums of squares only grow
// in f32, so an abandoned row could never have entered. Whether a pair is abandoned never changes
// a finished sum (the same lanes in the same order), and no list depends on another block: any
// thread count gives the same bits.

const TILE: i32 = 512;

export function knnCandidates(v0: i32, v1: i32, part: usize, x: usize, d: i32, n: i32, m: i32, idx: usize, sq: usize, scale: i32): void {
  // The pool cuts n·scale virtual rows into its fixed blocks; this block's queries are the rows
  // [⌈v0/scale⌉, ⌈v1/scale⌉): blocks of BLOCK_ROWS/scale queries, to share work among threads.
  const r0 = (v0 + scale - 1) / scale;
  const r1 = min(n, (v1 + scale - 1) / scale);
  const rowBytes = <usize>d << 2;
  const d8 = d & ~7;
  const d4 = d & ~3;
  for (let i = r0; i < r1; i++) {
    const o = <usize>i * <usize>m;
    for (let t = 0; t < m; t++) {
      store<i32>(idx + ((o + <usize>t) << 2), -1);
      store<f32>(sq + ((o + <usize>t) << 2), Infinity);
    }
  }
  for (let j0 = 0; j0 < n; j0 += TILE) {
    const j1 = min(n, j0 + TILE);
    for (let i = r0; i < r1; i++) {
      const xi = x + <usize>i * rowBytes;
      const li = idx + ((<usize>i * <usize>m) << 2);
      const ls = sq + ((<usize>i * <usize>m) << 2);
      const lastAt = ls + (<usize>(m - 1) << 2);
      let thr = load<f32>(lastAt);
      for (let j = j0; j < j1; j++) {
        if (j == i) continue;
        const xj = x + <usize>j * rowBytes;
        let acc = f32x4.splat(0);
        let f = 0;
        let out = false;
        for (; f < d8; f += 8) {
          const a = <usize>f << 2;
          const t0 = f32x4.sub(v128.load(xi + a), v128.load(xj + a));
          const t1 = f32x4.sub(v128.load(xi + a, 16), v128.load(xj + a, 16));
          acc = f32x4.add(acc, f32x4.mul(t0, t0));
          acc = f32x4.add(acc, f32x4.mul(t1, t1));
          const p: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
          if (p >= thr) {
            out = true;
            break;
          }
        }
        if (out) continue;
        for (; f < d4; f += 4) {
          const a = <usize>f << 2;
          const t0 = f32x4.sub(v128.load(xi + a), v128.load(xj + a));
          acc = f32x4.add(acc, f32x4.mul(t0, t0));
        }
        let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
        for (; f < d; f++) {
          const a = <usize>f << 2;
          const t = load<f32>(xi + a) - load<f32>(xj + a);
          s += t * t;
        }
        if (!(s < thr)) continue;
        let p = m - 1;
        while (p > 0) {
          const prev = load<f32>(ls + (<usize>(p - 1) << 2));
          if (!(prev > s)) break;
          store<f32>(ls + (<usize>p << 2), prev);
          store<i32>(li + (<usize>p << 2), load<i32>(li + (<usize>(p - 1) << 2)));
          p--;
        }
        store<f32>(ls + (<usize>p << 2), s);
        store<i32>(li + (<usize>p << 2), j);
        thr = load<f32>(lastAt);
      }
    }
  }
  void part;
}
