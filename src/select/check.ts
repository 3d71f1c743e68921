/** Argument checks for the exported selection helpers (criteria.ts, silhouette.ts, resample.ts): typed errors naming the helper. */
import { isArrayLike } from '../data.js';
import { invalid } from '../errors.js';

/** A finite number, or BAD_OPTION / NON_FINITE naming `fn` and `name`. */
export function finite(v: unknown, fn: string, name: string): number {
  if (typeof v !== 'number') throw invalid('NON_NUMERIC', `${fn}: ${name}=${String(v)} is not a number. Pass a finite number.`);
  if (!Number.isFinite(v)) throw invalid('NON_FINITE', `${fn}: ${name}=${v} is not finite. Pass a finite number.`);
  return v;
}

/** An integer ≥ min. */
export function intAtLeast(v: unknown, min: number, fn: string, name: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
    throw invalid('BAD_OPTION', `${fn}: ${name}=${String(v)} is not an integer ≥ ${min}. Pass one.`);
  return v;
}

/** An array of finite numbers (each ≥ min when given), at least minLength long. */
export function numbers(v: unknown, fn: string, name: string, minLength = 1, min = -Infinity): ArrayLike<number> {
  if (!isArrayLike(v) || typeof v === 'string' || v.length < minLength)
    throw invalid('BAD_OPTION', `${fn}: ${name} must be an array of at least ${minLength} numbers; got ${describe(v)}.`);
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < min)
      throw invalid(
        typeof x === 'number' && !Number.isNaN(x) && Number.isFinite(x)
          ? 'BAD_OPTION'
          : typeof x === 'number'
            ? 'NON_FINITE'
            : 'NON_NUMERIC',
        `${fn}: ${name}[${i}]=${String(x)} is not a finite number${min > -Infinity ? ` ≥ ${min}` : ''}. Fix that entry.`,
      );
  }
  return v as ArrayLike<number>;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (isArrayLike(v)) return `an array of ${v.length}`;
  return typeof v;
}
