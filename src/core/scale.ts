/**
 * Scale-aware fitting. Squared distances, sums of them over n rows and Gaussian densities
 * overflow (or underflow) long before the data do: data around 1e154 give an inertia of
 * Infinity and NaN centroids in float64, and around 1e19 in float32 (the 'wasm' and 'webgpu'
 * backends). So when the data's largest magnitude M is outside a safe band, the model is fitted
 * on x / s, where s is a power of two near M (division by it is exact in floating point), and its
 * parameters are mapped back (centroids and means × s, inertia and covariances × s²,
 * log-likelihoods − d·log s per sample). Inside the band s = 1 and nothing is touched, so
 * ordinary data keep their exact bits.
 *
 * The band: 4·M²·d·W (the largest squared distance, summed over W = Σ weights rows) must stay
 * below 2^1000 in float64 (2^120 in float32), and M² must stay a normal number (M ≥ 2^-480 in
 * float64, 2^-60 in float32).
 */
import { columnStats, type Dataset } from '../data.js';
import { invalid } from '../errors.js';

/** Largest |x| of an array (0 when empty). */
export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]);
    if (v > m) m = v;
  }
  return m;
}

/**
 * The power of two to divide the data by (1 inside the safe band). `float32`: the backend keeps
 * the data and its distances in float32 (everything but 'reference').
 */
export function dataScale(m: number, d: number, totalWeight: number, float32: boolean, minExp = -511): number {
  if (!(m > 0) || !Number.isFinite(m)) return 1;
  const hi = float32 ? 120 : 1000;
  const lo = float32 ? -60 : -480;
  const e = Math.log2(m);
  const big = 2 * e + 2 + Math.log2(Math.max(1, d)) + Math.log2(Math.max(1, totalWeight)) > hi;
  if (!big && e >= lo) return 1;
  // s = 2^⌈log2 M⌉ (the scaled data lie in [−1, 1]), larger still when d·W alone would overflow
  // the band. Clamped so that s·s stays a normal, finite number (s² is always applied as ·s·s) for the
  // models that divide by s² (a GMM's regCovar); k-means passes minExp = -1074 (the smallest double) so data down
  // to the subnormals are scaled up to [−1, 1] (a result then below float64's range maps back as 0).
  const extra = Math.max(0, (2 + Math.log2(Math.max(1, d)) + Math.log2(Math.max(1, totalWeight)) - hi) / 2);
  return 2 ** Math.min(1023, Math.max(minExp, Math.ceil(e + extra)));
}

/** The smallest scale k-means uses: 2^-1074, the smallest positive double (see dataScale). */
export const KMEANS_MIN_SCALE_EXP = -1074;

/** Whether a backend computes in float32 (all but the float64 reference). */
export const isFloat32Backend = (backend: string): boolean => backend !== 'reference';

/**
 * The dataset divided by s (exact: s is a power of two), its column statistics recomputed in the
 * scaled units (the originals may have overflowed); `ds` itself when s = 1.
 */
export function scaleDataset(ds: Dataset, s: number): Dataset {
  if (s === 1) return ds;
  const x = ds.x.map((v) => v / s);
  return { n: ds.n, d: ds.d, x, ...columnStats(x, ds.n, ds.d) };
}

/** tol × the mean column variance (k-means' squared-shift threshold) of a dataset. */
export function meanVarianceTimes(tol: number, ds: Dataset): number {
  let v = 0;
  for (let j = 0; j < ds.d; j++) v += ds.variance[j];
  return tol * (v / ds.d);
}

/** Divide a copy by s (1: the same array). */
export function divided(a: Float64Array, s: number): Float64Array {
  return s === 1 ? a : a.map((v) => v / s);
}

/**
 * v × s^power, or a typed error when the product leaves float64's range: the model is fine in
 * scaled units, but this quantity cannot be represented in the data's.
 */
export function mapBack(v: number, s: number, power: 1 | 2, what: string, scale: number): number {
  const out = power === 2 ? v * s * s : v * s;
  if (Number.isFinite(v) && !Number.isFinite(out)) {
    throw invalid(
      'OUT_OF_RANGE',
      `The ${what} of this fit is beyond float64's range (about 1.8e308) in the data's units (the data reach about 2^${Math.log2(scale)}). ` +
        'Divide the data by a constant (e.g. a power of ten near its largest value) and fit again; the clustering does not change.',
    );
  }
  return out;
}
