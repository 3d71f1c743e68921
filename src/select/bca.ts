/**
 * The median of a few numbers with its BCa bootstrap interval (Efron 1987; Efron & Tibshirani
 * 1993, ch. 14), as chooseR's `boot_median` asks R's boot for it: resample with replacement,
 * bias correction z0 from the share of replicates strictly below the estimate (boot's rule; scipy's
 * bootstrap counts ties as half, which raises the interval when many replicates equal the median,
 * as they do for a median of few values), acceleration from the
 * jackknife (boot uses regression influence values: the same up to Monte Carlo error for the
 * median), and the adjusted quantiles read off the sorted replicates by boot's `norm.inter`
 * (interpolation on the normal quantile scale). Seeded: one Philox stream per call.
 */
import { normalCdf, normalQuantile } from '../core/normal.js';
import { Rng } from '../core/rng.js';
import { finite, intAtLeast, numbers } from './check.js';
import { invalid } from '../errors.js';

/** R's median: the middle value, or the mean of the two middle values. NaN for no values. */
export function median(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  const m = s.length;
  if (m === 0) return Number.NaN;
  return m % 2 === 1 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
}

/** boot's norm.inter: the α quantile of sorted replicates t (ascending), interpolated on the normal scale. */
function normInter(t: Float64Array, alpha: number): number {
  const R = t.length;
  const rk = (R + 1) * alpha;
  const k = Math.trunc(rk);
  if (k === rk && k >= 1 && k <= R) return t[k - 1];
  // boot takes the extreme replicate (and warns) when the level lies outside 1/(R+1)..R/(R+1).
  if (k < 1) return t[0];
  if (k >= R) return t[R - 1];
  const q = normalQuantile(alpha);
  const q0 = normalQuantile(k / (R + 1));
  const q1 = normalQuantile((k + 1) / (R + 1));
  return t[k - 1] + ((q - q0) / (q1 - q0)) * (t[k] - t[k - 1]);
}

export interface MedianInterval {
  median: number;
  low: number;
  high: number;
}

/**
 * The median of `values` and its BCa interval at `level` from `replicates` bootstrap resamples.
 * Values all equal: the interval is that value. When every replicate lies on one side of the
 * median (z0 infinite, where boot stops), the share is clamped to 1/(2R) from 0 or 1.
 */
export function bcaMedian(values: ArrayLike<number>, options: { replicates: number; level: number; seed: number }): MedianInterval {
  const x = Float64Array.from(numbers(values, 'bcaMedian', 'values'));
  const R = intAtLeast(options.replicates, 2, 'bcaMedian', 'replicates');
  const level = finite(options.level, 'bcaMedian', 'level');
  if (!(level > 0 && level < 1)) throw invalid('BAD_OPTION', `bcaMedian: level=${level} is not in (0, 1). Pass e.g. 0.95.`);
  const m = x.length;
  const t0 = median(x);
  if (x.every((v) => v === x[0])) return { median: t0, low: t0, high: t0 };
  const rng = new Rng(options.seed, 0xbca0);
  const t = new Float64Array(R);
  const draw = new Float64Array(m);
  let below = 0;
  for (let r = 0; r < R; r++) {
    for (let i = 0; i < m; i++) draw[i] = x[rng.int(m)];
    draw.sort();
    t[r] = m % 2 === 1 ? draw[(m - 1) / 2] : (draw[m / 2 - 1] + draw[m / 2]) / 2;
    if (t[r] < t0) below++;
  }
  t.sort();
  const share = Math.min(Math.max(below / R, 1 / (2 * R)), 1 - 1 / (2 * R));
  const z0 = normalQuantile(share);
  // Jackknife acceleration: a = Σ L³ / (6 (Σ L²)^{3/2}), L_i = mean of the leave-one-out medians − the i-th.
  const jack = new Float64Array(m);
  const rest = new Float64Array(m - 1);
  for (let i = 0; i < m; i++) {
    for (let j = 0, p = 0; j < m; j++) if (j !== i) rest[p++] = x[j];
    jack[i] = median(rest);
  }
  const jm = jack.reduce((s, v) => s + v, 0) / m;
  let s2 = 0;
  let s3 = 0;
  for (const v of jack) {
    const l = jm - v;
    s2 += l * l;
    s3 += l * l * l;
  }
  const a = s2 > 0 ? s3 / (6 * s2 ** 1.5) : 0;
  const adjusted = (alpha: number): number => {
    const z = z0 + normalQuantile(alpha);
    return normalCdf(z0 + z / (1 - a * z));
  };
  const tail = (1 - level) / 2;
  return { median: t0, low: normInter(t, adjusted(tail)), high: normInter(t, adjusted(1 - tail)) };
}
