/**
 * umap-learn's find_ab_params: the a, b of the low-dimensional similarity 1 / (1 + a·d^(2b)),
 * least-squares fitted (scipy's curve_fit, from a = b = 1) to the target curve that is 1 below
 * minDist and exp(−(d − minDist)/spread) beyond, on 300 points of [0, 3·spread]. Here a damped
 * Gauss–Newton (Levenberg–Marquardt) run to convergence; defaults give a ≈ 1.577, b ≈ 0.895.
 */
export function findAbParams(spread: number, minDist: number): { a: number; b: number } {
  const m = 300;
  const xs = new Float64Array(m);
  const ys = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    xs[i] = (spread * 3 * i) / (m - 1);
    ys[i] = xs[i] < minDist ? 1 : Math.exp(-(xs[i] - minDist) / spread);
  }
  const sse = (a: number, b: number): number => {
    let s = 0;
    for (let i = 0; i < m; i++) s += (1 / (1 + a * xs[i] ** (2 * b)) - ys[i]) ** 2;
    return s;
  };
  let a = 1;
  let b = 1;
  let lambda = 1e-3;
  let cur = sse(a, b);
  for (let it = 0; it < 500; it++) {
    // J^T J and J^T r for the residuals r_i = f(x_i) − y_i.
    let jaa = 0;
    let jab = 0;
    let jbb = 0;
    let ga = 0;
    let gb = 0;
    for (let i = 0; i < m; i++) {
      const x = xs[i];
      const p = x > 0 ? x ** (2 * b) : 0;
      const f = 1 / (1 + a * p);
      const r = f - ys[i];
      const dfa = -p * f * f;
      const dfb = x > 0 ? -a * p * 2 * Math.log(x) * f * f : 0;
      jaa += dfa * dfa;
      jab += dfa * dfb;
      jbb += dfb * dfb;
      ga += dfa * r;
      gb += dfb * r;
    }
    let stepped = false;
    for (let tries = 0; tries < 30 && !stepped; tries++) {
      const A = jaa * (1 + lambda);
      const B = jbb * (1 + lambda);
      const det = A * B - jab * jab;
      const da = -(B * ga - jab * gb) / det;
      const db = -(A * gb - jab * ga) / det;
      const next = sse(a + da, b + db);
      if (next <= cur) {
        const done = Math.abs(da) <= 1e-12 * (1 + Math.abs(a)) && Math.abs(db) <= 1e-12 * (1 + Math.abs(b));
        a += da;
        b += db;
        const gain = cur - next;
        cur = next;
        lambda = Math.max(lambda / 10, 1e-12);
        stepped = true;
        if (done || gain <= 1e-16 * cur) return { a, b };
      } else lambda *= 10;
    }
    if (!stepped) break;
  }
  return { a, b };
}
