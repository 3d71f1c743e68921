/**
 * Float64 oracles for the WebAssembly kernels' tests: the same quantities as the kernels,
 * computed plainly in double precision on the caller's data, plus seeded parameters.
 */

/** A small seeded uniform generator (mulberry32) for weights and parameters. */
export function uniforms(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sqDist64(x: ArrayLike<number>, i: number, c: ArrayLike<number>, j: number, d: number): number {
  let s = 0;
  for (let f = 0; f < d; f++) {
    const t = x[i * d + f] - c[j * d + f];
    s += t * t;
  }
  return s;
}

/** k rows of x (spread through the data), nudged, as k×d centroids. */
export function pickCentroids(x: Float64Array, n: number, d: number, k: number, seed: number): Float64Array {
  const u = uniforms(seed);
  const c = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    const i = Math.floor(u() * n);
    for (let f = 0; f < d; f++) c[j * d + f] = x[i * d + f] + (u() - 0.5) * 0.1;
  }
  return c;
}

export function sampleWeights(n: number, seed: number): Float64Array {
  const u = uniforms(seed);
  // Exactly representable in f32 (multiples of 1/256), so both sides weight identically.
  return Float64Array.from({ length: n }, () => Math.round((0.25 + 1.75 * u()) * 256) / 256);
}

/** Statistics of given labels in f64: Σw, Σw·x, Σw·‖x − c‖². */
export function labelStats(
  x: ArrayLike<number>,
  n: number,
  d: number,
  c: ArrayLike<number>,
  k: number,
  labels: ArrayLike<number>,
  w?: ArrayLike<number>,
) {
  const counts = new Float64Array(k);
  const sums = new Float64Array(k * d);
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const j = labels[i];
    const wi = w ? w[i] : 1;
    counts[j] += wi;
    for (let f = 0; f < d; f++) sums[j * d + f] += wi * x[i * d + f];
    inertia += wi * sqDist64(x, i, c, j, d);
  }
  return { counts, sums, inertia };
}

/** Soft statistics in f64: a_j per row from `logJoint`, then lse, r, Σw·r, Σw·r·x, Σw·r·(x − s)². */
export function softStats(
  x: ArrayLike<number>,
  n: number,
  d: number,
  k: number,
  logJoint: (i: number, j: number) => number,
  shift: ArrayLike<number> | null,
  w?: ArrayLike<number>,
) {
  const nk = new Float64Array(k);
  const sx = new Float64Array(k * d);
  const s2 = new Float64Array(k * d);
  const resp = new Float64Array(n * k);
  const logp = new Float64Array(n);
  const a = new Float64Array(k);
  let sumLse = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) {
      a[j] = logJoint(i, j);
      if (a[j] > max) max = a[j];
    }
    let z = 0;
    for (let j = 0; j < k; j++) z += Math.exp(a[j] - max);
    const lse = max + Math.log(z);
    logp[i] = lse;
    const wi = w ? w[i] : 1;
    sumLse += wi * lse;
    for (let j = 0; j < k; j++) {
      const r = Math.exp(a[j] - lse);
      resp[i * k + j] = r;
      nk[j] += wi * r;
      for (let f = 0; f < d; f++) {
        const v = x[i * d + f];
        sx[j * d + f] += wi * r * v;
        if (shift) s2[j * d + f] += wi * r * (v - shift[j * d + f]) ** 2;
      }
    }
  }
  return { nk, sx, s2, resp, logp, sumLse };
}

export function columnMeans(x: ArrayLike<number>, n: number, d: number): Float64Array {
  const m = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let f = 0; f < d; f++) m[f] += x[i * d + f];
  for (let f = 0; f < d; f++) m[f] /= n;
  return m;
}

/** |a − b| ≤ atol·scale + rtol·|b| elementwise; throws with the first offender. */
export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} vs ${expected.length}`);
  for (let t = 0; t < actual.length; t++) {
    const bound = atol + rtol * Math.abs(expected[t]);
    const diff = Math.abs(actual[t] - expected[t]);
    if (!(diff <= bound))
      throw new Error(`${what}[${t}]: ${actual[t]} vs ${expected[t]} (|diff| ${diff.toExponential(3)} > ${bound.toExponential(3)})`);
  }
}

/** The random draws of k-means++ from `uniforms`. */
export function seedingRng(seed: number) {
  const u = uniforms(seed);
  return { int: (n: number) => Math.floor(u() * n), uniform: u };
}

/** Greedy k-means++ in float64, step for step the reference's (src/kmeans/reference.ts), returning row indices. */
export function kmeansPlusPlus64(
  x: ArrayLike<number>,
  n: number,
  d: number,
  k: number,
  rng: { int(n: number): number; uniform(): number },
): number[] {
  const trials = 2 + Math.floor(Math.log(k));
  const chosen = [rng.int(n)];
  const dist = (i: number, y: number) => sqDist64(x, i, x, y, d);
  let closest = Float64Array.from({ length: n }, (_, i) => dist(i, chosen[0]));
  const cumsum = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) cumsum[i] = acc += closest[i];
    let bestPot = Infinity;
    let bestIdx = -1;
    let best = closest;
    for (let t = 0; t < trials; t++) {
      const target = rng.uniform() * acc;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumsum[mid] < target) lo = mid + 1;
        else hi = mid;
      }
      const cand = Float64Array.from({ length: n }, (_, i) => Math.min(closest[i], dist(i, lo)));
      const pot = cand.reduce((a, b) => a + b, 0);
      if (pot < bestPot) {
        bestPot = pot;
        bestIdx = lo;
        best = cand;
      }
    }
    chosen.push(bestIdx);
    closest = best;
  }
  return chosen;
}

/** A seeded symmetric positive definite d×d matrix: A Aᵀ / d + ½ I. */
export function spdMatrix(d: number, seed: number): Float64Array {
  const u = uniforms(seed);
  const a = Float64Array.from({ length: d * d }, () => u() - 0.5);
  const s = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let v = i === j ? 0.5 : 0;
      for (let t = 0; t < d; t++) v += (a[i * d + t] * a[j * d + t]) / d;
      s[i * d + j] = v;
    }
  return s;
}

/** Lower Cholesky factor of an SPD matrix (row-major). */
export function cholesky64(s: ArrayLike<number>, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let v = s[i * d + j];
      for (let t = 0; t < j; t++) v -= l[i * d + t] * l[j * d + t];
      l[i * d + j] = i === j ? Math.sqrt(v) : v / l[j * d + j];
    }
  return l;
}

/** U = (L⁻¹)ᵀ, upper triangular row-major: the precision Cholesky factor GmmParams holds. */
export function precisionFactor(l: Float64Array, d: number): Float64Array {
  const inv = new Float64Array(d * d);
  for (let c = 0; c < d; c++)
    for (let i = c; i < d; i++) {
      let v = i === c ? 1 : 0;
      for (let t = c; t < i; t++) v -= l[i * d + t] * inv[t * d + c];
      inv[i * d + c] = v / l[i * d + i];
    }
  const u = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) u[j * d + i] = inv[i * d + j];
  return u;
}

/** ‖L⁻¹ v‖² by forward substitution (as the reference's logJoint). */
export function mahalanobis64(l: Float64Array, d: number, v: ArrayLike<number>): number {
  const z = new Float64Array(d);
  let q = 0;
  for (let i = 0; i < d; i++) {
    let s = v[i];
    for (let t = 0; t < i; t++) s -= l[i * d + t] * z[t];
    z[i] = s / l[i * d + i];
    q += z[i] * z[i];
  }
  return q;
}

/** Packed upper-triangle moments Σ w·r·(x − s)_a (x − s)_b per component (momentPairs order). */
export function packedMoments(
  x: ArrayLike<number>,
  n: number,
  d: number,
  k: number,
  resp: ArrayLike<number>,
  shift: ArrayLike<number>,
  w?: ArrayLike<number>,
) {
  const m = (d * (d + 1)) / 2;
  const s2 = new Float64Array(k * m);
  const diff = new Float64Array(d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < k; j++) {
      const wr = (w ? w[i] : 1) * resp[i * k + j];
      if (wr === 0) continue;
      for (let f = 0; f < d; f++) diff[f] = x[i * d + f] - shift[j * d + f];
      let t = j * m;
      for (let a = 0; a < d; a++) for (let b = a; b < d; b++) s2[t++] += wr * diff[a] * diff[b];
    }
  return s2;
}
