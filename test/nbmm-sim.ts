/**
 * Seeded negative-binomial mixture counts for tests: NB(m, φ) drawn as Poisson(λ) with
 * λ ~ Gamma(shape 1/φ, scale φ·m) (the gamma–Poisson mixture), Gamma by Marsaglia–Tsang,
 * Poisson by inversion (λ < 10) or Hörmann's PTRS transformed rejection. All on the library's
 * counter-based Philox RNG, so the same seed gives the same counts everywhere.
 */
import { Rng } from '../src/core/rng.js';
import { gaussian } from '../src/datasets/blobs.js';
import { lgamma } from '../src/nbmm/special.js';

/** Gamma(shape, 1) (Marsaglia & Tsang 2000; shape < 1 boosted by U^(1/shape)). */
export function gammaSample(rng: Rng, shape: number): number {
  if (shape < 1) return gammaSample(rng, shape + 1) * (1 - rng.uniform()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = gaussian(rng);
    let v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    const u = 1 - rng.uniform();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Poisson(λ): inversion for λ < 10, PTRS (Hörmann 1993) above. */
export function poissonSample(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda < 10) {
    const L = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    for (;;) {
      p *= rng.uniform();
      if (p <= L) return k;
      k++;
    }
  }
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const U = rng.uniform() - 0.5;
    const V = rng.uniform();
    const us = 0.5 - Math.abs(U);
    const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - lgamma(k + 1)) return k;
  }
}

/** One NB(mean m, dispersion φ) count. */
export function nbSample(rng: Rng, m: number, phi: number): number {
  return poissonSample(rng, gammaSample(rng, 1 / phi) * phi * m);
}

export interface NbSim {
  n: number;
  d: number;
  k: number;
  /** Dense row-major n×d counts. */
  counts: Float64Array;
  truth: number[];
  /** k×d true means (per unit size factor). */
  means: Float64Array;
  phi: Float64Array;
  /** True size factors. */
  s: Float64Array;
}

export interface SimOptions {
  /** Fold change of each component's marker genes (default 6). */
  foldChange?: number;
  /** Base means drawn log-uniformly in [lo, hi] (default [2, 20]). */
  baseMean?: [number, number];
  /** Per-gene φ drawn log-uniformly in [lo, hi], or one value (default [0.05, 0.3]). */
  phi?: [number, number] | number;
  /** Standard deviation of log size factors (default 0.3; 0 gives s = 1). */
  sizeSpread?: number;
  /** Mixture weights (default equal); cells are drawn in order c = i mod k when equal. */
  weights?: number[];
}

/** k components over d genes; gene g is a marker of component g mod k (up by foldChange there). */
export function simulateNbMixture(n: number, d: number, k: number, seed: number, o: SimOptions = {}): NbSim {
  const rng = new Rng(seed, 31);
  const fc = o.foldChange ?? 6;
  const [lo, hi] = o.baseMean ?? [2, 20];
  const phi = new Float64Array(d);
  const means = new Float64Array(k * d);
  for (let g = 0; g < d; g++) {
    const base = Math.exp(Math.log(lo) + rng.uniform() * (Math.log(hi) - Math.log(lo)));
    for (let c = 0; c < k; c++) means[c * d + g] = base * (g % k === c ? fc : 1);
    const p = o.phi ?? [0.05, 0.3];
    phi[g] = typeof p === 'number' ? p : Math.exp(Math.log(p[0]) + rng.uniform() * (Math.log(p[1]) - Math.log(p[0])));
  }
  const spread = o.sizeSpread ?? 0.3;
  const s = new Float64Array(n);
  const truth: number[] = [];
  const counts = new Float64Array(n * d);
  const cum = o.weights ? o.weights.map((_, j) => o.weights!.slice(0, j + 1).reduce((x, y) => x + y, 0)) : null;
  for (let i = 0; i < n; i++) {
    let c = i % k;
    if (cum) {
      const u = rng.uniform() * cum[k - 1];
      c = cum.findIndex((t) => u < t);
    }
    truth.push(c);
    s[i] = spread > 0 ? Math.exp(spread * gaussian(rng)) : 1;
    for (let g = 0; g < d; g++) counts[i * d + g] = nbSample(rng, s[i] * means[c * d + g], phi[g]);
  }
  return { n, d, k, counts, truth, means, phi, s };
}

/** The same counts as CSR (cells as rows). */
export function toCsr(
  counts: Float64Array,
  n: number,
  d: number,
): { indptr: Int32Array; indices: Int32Array; values: Float32Array; n: number; d: number } {
  const indptr = new Int32Array(n + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let g = 0; g < d; g++) {
      const v = counts[i * d + g];
      if (v !== 0) {
        idx.push(g);
        val.push(v);
      }
    }
    indptr[i + 1] = idx.length;
  }
  return { indptr, indices: Int32Array.from(idx), values: Float32Array.from(val), n, d };
}
