/**
 * Seeded Gaussian blobs, in the spirit of scikit-learn's `make_blobs`: a dense data set with
 * known clusters, for examples, tests and benchmarks. Box–Muller on the library's Philox RNG,
 * so a seed gives the same points, bit for bit, on every platform (pinned result hashes and
 * benchmark cases rely on that: keep the arithmetic and the order of draws as they are).
 */
import { BufferLimitError } from '../errors.js';
import { DEFAULT_MAX_BYTES, formatBytes } from '../io/memory.js';
import { Rng } from '../core/rng.js';
import { invalid } from '../errors.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';

/** A `{ data, n, d }` matrix (pass it straight to `kmeans`, `gaussianMixture`, …) with its truth. */
export interface Blobs {
  /** Row-major n × d points. */
  data: Float64Array;
  n: number;
  d: number;
  /** The centre each point was drawn around: point i belongs to centre i mod `centres`. */
  truth: number[];
  /** The true centres, row-major `centres` × d. */
  centres: Float64Array;
}

export interface BlobsOptions {
  /** Standard deviation of the noise around each centre (scikit-learn's cluster_std). Default 1. */
  std?: number;
  /** Centres are drawn uniformly in [offset − spread, offset + spread]^d (scikit-learn's center_box). Default 10. */
  spread?: number;
  /** Shifts every centre by this much in every coordinate. Default 0. */
  offset?: number;
}

/** A standard normal draw: Box–Muller, cosine branch, two uniforms from `rng` (u in (0, 1]). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng.uniform();
  const v = rng.uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * n points in d dimensions around `centres` centres: the centres first (uniform in the box), then
 * point i is centre i mod `centres` plus `std` × a standard normal in each coordinate. Draws come
 * from `new Rng(seed, 99)`.
 *
 *   const { data, n, d, truth } = makeBlobs(1000, 2, 3, 42, { std: 0.5 });
 *   const fit = await kmeans({ data, n, d }, { k: 3 });
 */
const BLOBS_OPTIONS = optionNames<BlobsOptions>({ std: true, spread: true, offset: true });

export function makeBlobs(n: number, d: number, centres: number, seed: number, options: BlobsOptions = {}): Blobs {
  checkOptionNames(options, BLOBS_OPTIONS, 'makeBlobs');
  for (const [name, v, min] of [
    ['n', n, 0],
    ['d', d, 1],
    ['centres', centres, 1],
  ] as const) {
    if (!Number.isInteger(v) || v < min)
      throw invalid('BAD_OPTION', `makeBlobs: ${name}=${v} is not an integer >= ${min}. Pass a whole number.`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw invalid('BAD_OPTION', `makeBlobs: seed=${seed} is not a non-negative safe integer. Pass 0, 1, 2, …`);
  // n·d float64s, refused before allocating when beyond the loaders' default budget (as a loaded matrix would be).
  if (8 * n * d > DEFAULT_MAX_BYTES)
    throw new BufferLimitError(
      `makeBlobs: ${n}×${d} points need ${formatBytes(8 * n * d)} as float64, above ${formatBytes(DEFAULT_MAX_BYTES)}. Generate fewer points or dimensions.`,
    );
  const rng = new Rng(seed, 99);
  const std = options.std ?? 1;
  const spread = options.spread ?? 10;
  const offset = options.offset ?? 0;
  for (const [name, v] of [
    ['std', std],
    ['spread', spread],
    ['offset', offset],
  ] as const) {
    if (!Number.isFinite(v)) throw invalid('BAD_OPTION', `makeBlobs: ${name}=${v} is not a finite number. Pass a finite number.`);
  }
  if (std < 0) throw invalid('BAD_OPTION', `makeBlobs: std=${std} is negative. Pass a standard deviation ≥ 0.`);
  const mid = new Float64Array(centres * d);
  for (let t = 0; t < mid.length; t++) mid[t] = (rng.uniform() * 2 - 1) * spread + offset;
  const data = new Float64Array(n * d);
  const truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % centres;
    truth.push(c);
    for (let f = 0; f < d; f++) data[i * d + f] = mid[c * d + f] + std * gaussian(rng);
  }
  return { data, n, d, truth, centres: mid };
}
