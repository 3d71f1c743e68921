/** Seeded Gaussian blobs for tests and benchmarks (Box–Muller on the library's Philox RNG). */
import { Rng } from '../../src/core/rng.js';

export interface Blobs {
  data: Float64Array;
  n: number;
  d: number;
  truth: number[];
  centres: Float64Array;
}

export function gaussian(rng: Rng): number {
  const u = 1 - rng.uniform();
  const v = rng.uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** n points around k centres drawn uniformly in [-spread, spread]^d, unit-variance noise times `std`. */
export function makeBlobs(
  n: number,
  d: number,
  k: number,
  seed: number,
  opts: { std?: number; spread?: number; offset?: number } = {},
): Blobs {
  const rng = new Rng(seed, 99);
  const std = opts.std ?? 1;
  const spread = opts.spread ?? 10;
  const offset = opts.offset ?? 0;
  const centres = new Float64Array(k * d);
  for (let t = 0; t < centres.length; t++) centres[t] = (rng.uniform() * 2 - 1) * spread + offset;
  const data = new Float64Array(n * d);
  const truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % k;
    truth.push(c);
    for (let f = 0; f < d; f++) data[i * d + f] = centres[c * d + f] + std * gaussian(rng);
  }
  return { data, n, d, truth, centres };
}
