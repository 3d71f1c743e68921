/** Summary statistics of repeated timings. */

export interface Stats {
  /** How many values. */
  count: number;
  median: number;
  min: number;
  max: number;
  /** First and third quartiles (linear interpolation between order statistics, numpy's default). */
  q1: number;
  q3: number;
  /** q3 − q1. */
  iqr: number;
  mean: number;
}

export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function stats(values: readonly number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const q1 = quantile(s, 0.25);
  const q3 = quantile(s, 0.75);
  return {
    count: s.length,
    median: quantile(s, 0.5),
    min: s.length ? s[0] : NaN,
    max: s.length ? s[s.length - 1] : NaN,
    q1,
    q3,
    iqr: q3 - q1,
    mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN,
  };
}
