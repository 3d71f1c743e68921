/**
 * Statistics that cross a process boundary (JSON from `emgpu worker`, a driver's own code) are
 * checked before they are summed, finished or stepped: every statistics object of one pass has the
 * fields of the first, numbers finite, arrays of the same lengths holding finite numbers, the
 * same kind/covariance/k/d, and counts, masses and second moments ≥ 0. A short array would
 * otherwise sum as NaN, a string count concatenate, and a negative count pass as a cluster size.
 */
import { invalid } from '../errors.js';

/** Fields that count or weigh rows: never negative. */
const NON_NEGATIVE = new Set(['counts', 'nk', 'm2', 'rows', 'n', 'k', 'd', 'J', 'emptyCount', 'totalSum', 'mult', 'total']);
/** Fields that name the shape: equal in every statistics object of a pass. */
const SAME = new Set(['kind', 'soft', 'covariance', 'k', 'd', 'J']);
/** Arrays whose length depends on the shard's values (the NB globals' per-gene count histograms, CSR-like). */
const VARIABLE = new Set(['value', 'mult', 'total', 'max']);
/** Fields of lists of objects, checked by their producer (the rows an empty cluster may move to). */
const OPAQUE = new Set(['farthest', 'emptyCells', 'warnings']);

function fail(fn: string, path: string, detail: string): never {
  throw invalid(
    'SHAPE_MISMATCH',
    `${fn}: ${path} ${detail}. Pass statistics exactly as shardStatistics / shardGlobals (or emgpu worker) returned them, all from the same model and pass.`,
  );
}

function checkValue(fn: string, path: string, key: string, v: unknown, ref: unknown): void {
  if (typeof ref === 'number') {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(fn, path, `is ${String(v)}, not a finite number`);
    if (NON_NEGATIVE.has(key) && v < 0) fail(fn, path, `is ${v}; it counts rows or mass and cannot be negative`);
    return;
  }
  if (Array.isArray(ref)) {
    if (!Array.isArray(v)) fail(fn, path, 'is not an array');
    if (OPAQUE.has(key)) return;
    if (!VARIABLE.has(key) && v.length !== ref.length)
      fail(fn, path, `has ${v.length} entries where the first statistics have ${ref.length}`);
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x !== 'number' || !Number.isFinite(x)) fail(fn, `${path}[${i}]`, `is ${String(x)}, not a finite number`);
      if (NON_NEGATIVE.has(key) && x < 0) fail(fn, `${path}[${i}]`, `is ${x}; it counts rows or mass and cannot be negative`);
    }
    return;
  }
  if (ref !== null && typeof ref === 'object') {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(fn, path, 'is not an object');
    checkFields(fn, path, v as Record<string, unknown>, ref as Record<string, unknown>);
    return;
  }
  if (v !== ref && SAME.has(key)) fail(fn, path, `is ${String(v)} where the first statistics have ${String(ref)}`);
}

function checkFields(fn: string, path: string, s: Record<string, unknown>, ref: Record<string, unknown>): void {
  for (const key of Object.keys(ref)) {
    const v = s[key];
    if (SAME.has(key) && typeof ref[key] !== 'object' && v !== ref[key])
      fail(fn, `${path}.${key}`, `is ${String(v)} where the first statistics have ${String(ref[key])}`);
    checkValue(fn, `${path}.${key}`, key, v, ref[key]);
  }
}

/** Check a pass's statistics against the first one's shape (and the first against itself: finite, non-negative). */
export function checkStatistics(list: readonly unknown[], fn: string): void {
  const first = list[0];
  if (first === null || typeof first !== 'object' || Array.isArray(first)) fail(fn, 'statistics[0]', 'is not a statistics object');
  list.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) fail(fn, `statistics[${i}]`, 'is not a statistics object');
    checkFields(fn, `statistics[${i}]`, s as Record<string, unknown>, first as Record<string, unknown>);
  });
}
