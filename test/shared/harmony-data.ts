/**
 * Synthetic batches with a known shift: `types` cell types (centres far apart on the axes) ×
 * 2 batches, Gaussian noise of sd 1; every cell of batch 'b' is moved by `shift`. Seeded.
 */
import { Rng } from '../../src/core/rng.js';

export interface ShiftedBatches {
  n: number;
  d: number;
  data: Float64Array;
  batch: string[];
  type: Int32Array;
  shift: Float64Array;
}

export function shiftedBatches(perGroup: number, d: number, seed: number, types = 3, shiftSize = 3): ShiftedBatches {
  const rng = new Rng(seed, 3);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
  const shift = new Float64Array(d);
  for (let f = 0; f < d; f++) shift[f] = f % 2 === 0 ? shiftSize / Math.sqrt(Math.ceil(d / 2)) : 0;
  const n = perGroup * types * 2;
  const data = new Float64Array(n * d);
  const batch: string[] = [];
  const type = new Int32Array(n);
  let i = 0;
  for (let b = 0; b < 2; b++) {
    for (let t = 0; t < types; t++) {
      for (let c = 0; c < perGroup; c++, i++) {
        type[i] = t;
        batch.push(b === 0 ? 'a' : 'b');
        for (let f = 0; f < d; f++) data[i * d + f] = (f === t ? 10 : 0) + gauss() + (b === 1 ? shift[f] : 0);
      }
    }
  }
  return { n, d, data, batch, type, shift };
}

/** Mean of the rows of `x` (n × d) where `pick(i)` holds. */
export function groupMean(x: ArrayLike<number>, n: number, d: number, pick: (i: number) => boolean): Float64Array {
  const m = new Float64Array(d);
  let c = 0;
  for (let i = 0; i < n; i++) {
    if (!pick(i)) continue;
    c++;
    for (let f = 0; f < d; f++) m[f] += x[i * d + f];
  }
  return m.map((v) => v / c);
}

export const norm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
