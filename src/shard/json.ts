/**
 * JSON that keeps every float64 exactly. JSON.stringify already writes the shortest decimal that
 * reads back to the same double; what it loses is NaN, ±Infinity (written as null) and the sign of
 * −0. Those four are written as the strings "NaN", "Infinity", "-Infinity" and "-0" and read back
 * by `fromExactJson`, so statistics summed on another machine give the same bits.
 */

const SPECIAL: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  '-0': -0,
};

/** JSON text of `value` with non-finite numbers and −0 kept (typed arrays written as arrays). */
export function toExactJson(value: unknown): string {
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
}

/** Parse text written by toExactJson (plain JSON reads the same, the four special strings aside). */
export function fromExactJson<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => (typeof v === 'string' && v in SPECIAL ? SPECIAL[v] : v)) as T;
}
