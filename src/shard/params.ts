/**
 * Parameters between their plain form (nested number arrays, as results and JSON carry them) and
 * the models' float64 arrays, with typed errors for wrong shapes: one check for every shard entry.
 */
import { finiteNumber, isArrayLike } from '../data.js';
import { invalid } from '../errors.js';

/** Nested rows → flat float64, checking k rows of d finite numbers (either may be left to the data). */
export function flatRows(rows: unknown, what: string, k?: number, d?: number): Float64Array {
  if (!isArrayLike(rows) || rows.length === 0 || !isArrayLike(rows[0]))
    throw invalid('SHAPE_MISMATCH', `${what} is not a list of rows. Pass ${k ?? 'k'} rows of ${d ?? 'd'} numbers.`);
  const n = rows.length;
  const w = (rows[0] as ArrayLike<unknown>).length;
  if ((k !== undefined && n !== k) || (d !== undefined && w !== d))
    throw invalid('SHAPE_MISMATCH', `${what} is ${n}×${w}; it must be ${k ?? n}×${d ?? w}. Pass parameters of this data's columns and k.`);
  const out = new Float64Array(n * w);
  for (let i = 0; i < n; i++) {
    const r = rows[i] as ArrayLike<unknown>;
    if (!isArrayLike(r) || r.length !== w)
      throw invalid('SHAPE_MISMATCH', `${what}[${i}] has ${isArrayLike(r) ? r.length : 'no'} values, not ${w}. Pass rows of equal length.`);
    for (let j = 0; j < w; j++) out[i * w + j] = finiteNumber(r[j], what, `row ${i}, column ${j}`);
  }
  return out;
}

/** A flat vector of `length` finite numbers. */
export function flatVector(v: unknown, what: string, length: number): Float64Array {
  if (!isArrayLike(v) || v.length !== length)
    throw invalid(
      'SHAPE_MISMATCH',
      `${what} has ${isArrayLike(v) ? v.length : 'no'} values, not ${length}. Pass one per ${what.endsWith('dispersion') ? 'gene' : 'entry'}.`,
    );
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = finiteNumber(v[i], what, `index ${i}`);
  return out;
}

/** Flat k×d → nested rows. */
export function rowsOf(x: ArrayLike<number>, k: number, d: number): number[][] {
  return Array.from({ length: k }, (_, j) => Array.from({ length: d }, (_, f) => x[j * d + f]));
}
