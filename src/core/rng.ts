/**
 * Counter-based random numbers: Philox2x32-10 (Salmon et al., SC'11). The output for a given
 * (seed, stream, counter) is a pure function, so each restart owns an independent stream and a
 * fit is reproducible bit for bit whatever order the work is done in.
 */

const PHILOX_M = 0xd256d193;
const PHILOX_W = 0x9e3779b9;

/** High 32 bits of the 64-bit product of two uint32, without BigInt. */
function mulhi(a: number, b: number): number {
  const aHi = a >>> 16;
  const aLo = a & 0xffff;
  const bHi = b >>> 16;
  const bLo = b & 0xffff;
  const lolo = aLo * bLo;
  const hilo = aHi * bLo;
  const lohi = aLo * bHi;
  const hihi = aHi * bHi;
  const mid = (lolo >>> 16) + (hilo & 0xffff) + (lohi & 0xffff);
  return (hihi + (hilo >>> 16) + (lohi >>> 16) + Math.floor(mid / 0x10000)) >>> 0;
}

/** One Philox2x32-10 block: counter (c0, c1) under key k → two uint32 words. */
import { invalid } from '../errors.js';
export function philox2x32(c0: number, c1: number, key: number): [number, number] {
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let k = key >>> 0;
  for (let round = 0; round < 10; round++) {
    const hi = mulhi(PHILOX_M, x0);
    const lo = Math.imul(PHILOX_M, x0) >>> 0;
    x0 = (hi ^ k ^ x1) >>> 0;
    x1 = lo;
    k = (k + PHILOX_W) >>> 0;
  }
  return [x0, x1];
}

/** Mix an arbitrary seed (any safe integer) into a 32-bit key. */
function seedKey(seed: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return philox2x32(lo, hi, 0x2545f491)[0];
}

export class Rng {
  private readonly key: number;
  private readonly stream: number;
  private counter = 0;
  private spare: number | null = null;

  constructor(seed: number, stream = 0) {
    // The fitters' rule (a seed is a non-negative safe integer), typed like their errors.
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw invalid(
        'BAD_OPTION',
        `seed=${String(seed)} must be a non-negative integer (a safe integer, as the fitters take). Pass 0, 1, 2, …`,
      );
    this.key = seedKey(seed);
    this.stream = stream >>> 0;
  }

  /** A uniform uint32. */
  nextU32(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const [a, b] = philox2x32(this.counter, this.stream, this.key);
    this.counter = (this.counter + 1) >>> 0;
    this.spare = b;
    return a;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform integer in [0, m), unbiased (rejection sampling). */
  int(m: number): number {
    if (!(Number.isInteger(m) && m >= 1 && m <= 4294967296))
      throw invalid('BAD_OPTION', `Rng.int(m) needs an integer 1 <= m <= 2^32; got ${String(m)}.`);
    const limit = 4294967296 - (4294967296 % m);
    for (;;) {
      const u = this.nextU32();
      if (u < limit) return u % m;
    }
  }

  /** k distinct integers from [0, n), in random order (partial Fisher–Yates; sparse for large n). */
  sample(n: number, k: number): number[] {
    if (!Number.isInteger(n) || !Number.isInteger(k) || k < 0 || n < 0 || n > 4294967296)
      throw invalid('BAD_OPTION', `Rng.sample(n, k) needs integers 0 <= k <= n <= 2^32; got n=${String(n)}, k=${String(k)}.`);
    if (k > n) throw invalid('BAD_OPTION', `Rng.sample: cannot sample ${k} of ${n} without replacement. Pass k <= n.`);
    // The swaps kept are at most 2k entries of a Map; past 2^24 draws that outgrows what a Map holds.
    if (k > 2 ** 24) throw invalid('BUFFER_LIMIT', `Rng.sample: k=${k} draws is more than this sampler holds (2^24). Draw fewer.`);
    const swapped = new Map<number, number>();
    const out: number[] = [];
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      const vi = swapped.get(i) ?? i;
      const vj = swapped.get(j) ?? j;
      swapped.set(j, vi);
      out.push(vj);
    }
    return out;
  }
}

/** The stream of restart r of a fit seeded with `seed`. */
export function restartRng(seed: number, restart: number): Rng {
  return new Rng(seed, restart + 1);
}

/** Fill `out` with 0..n−1 in a uniformly random order (Fisher–Yates from the last slot down), drawing from `rng`. */
export function randomPermutation<T extends Int32Array | Uint32Array>(rng: Rng, out: T): T {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
