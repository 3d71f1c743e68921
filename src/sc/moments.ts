/** Per-gene moments from a backend's shifted sums over stored entries, plus the unstored zeros (float64, shared by every backend). */
import type { GeneSums, GeneSumsRequest } from './backend.js';

/** Mean and variance (ddof 1) per gene from shifted sums over stored entries plus the unstored zeros. */
export function geneMoments(
  sums: GeneSums,
  entries: Float64Array,
  n: number,
  zero: (g: number) => number,
): { mean: Float64Array; variance: Float64Array } {
  const d = entries.length;
  const shift = sums.shift;
  const mean = new Float64Array(d);
  const variance = new Float64Array(d);
  for (let g = 0; g < d; g++) {
    const c = shift ? shift[g] : 0;
    const zeros = n - entries[g];
    const dz = zero(g) - c;
    const s1 = sums.s1[g] + zeros * dz;
    const s2 = sums.s2[g] + zeros * dz * dz;
    const m1 = s1 / n;
    mean[g] = c + m1;
    variance[g] = n > 1 ? Math.max(s2 - n * m1 * m1, 0) / (n - 1) : 0;
  }
  return { mean, variance };
}

/** The transformed value of an unstored zero for gene g. */
export function zeroValue(req: GeneSumsRequest, g: number): number {
  let t = 0;
  if (req.transform === 'scale') {
    const m = req.maxValue ?? Infinity;
    t = Math.min(Math.max((0 - req.centre![g]) / req.divisor![g], -m), m);
  }
  if (req.clip) t = Math.min(t, req.clip[g]);
  return t;
}

/** Stored entries per gene (exact, from the column indices). */
export function entriesPerGene(indices: ArrayLike<number>, nnz: number, d: number): Float64Array {
  const e = new Float64Array(d);
  for (let p = 0; p < nnz; p++) e[indices[p]]++;
  return e;
}
