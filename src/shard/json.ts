/**
 * JSON that keeps every float64 exactly. JSON.stringify already writes the shortest decimal that
 * reads back to the same double; what it loses is NaN, ±Infinity (written as null) and the sign of
 * −0. Those four are written as the strings "NaN", "Infinity", "-Infinity" and "-0" and read back
 * by `fromExactJson`, so statistics summed on another machine give the same bits.
 */

import { FileFormatError, invalid } from '../errors.js';

const SPECIAL: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  '-0': -0,
};

/** JSON text of `value` with non-finite numbers and −0 kept (typed arrays written as arrays). */
export function toExactJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'number') {
        if (Number.isNaN(v)) return 'NaN';
        if (v === Number.POSITIVE_INFINITY) return 'Infinity';
        if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
        if (v === 0 && 1 / v < 0) return '-0';
        return v;
      }
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      return v;
    });
  } catch (e) {
    // A cycle, a BigInt, or nesting deeper than the stack: JSON cannot carry it.
    throw invalid(
      'BAD_OPTION',
      `toExactJson: the value cannot be written as JSON (${(e as Error).message}). Pass plain data: objects, arrays, numbers, strings.`,
    );
  }
}

/** Parse text written by toExactJson (plain JSON reads the same, the four special strings aside). */
export function fromExactJson<T = unknown>(text: string): T {
  if (typeof text !== 'string')
    throw invalid(
      'BAD_OPTION',
      `fromExactJson: the input is ${text === null ? 'null' : typeof text}, not JSON text. Pass the string toExactJson wrote.`,
    );
  try {
    // Own keys only: a string such as "toString" or "constructor" stays a string.
    return JSON.parse(text, (_key, v: unknown) => (typeof v === 'string' && Object.hasOwn(SPECIAL, v) ? SPECIAL[v] : v)) as T;
  } catch (e) {
    throw new FileFormatError(
      `fromExactJson: the text is not valid JSON (${(e as Error).message}). Pass the string toExactJson wrote, whole.`,
      { cause: e },
    );
  }
}
