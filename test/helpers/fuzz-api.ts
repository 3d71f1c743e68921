/**
 * The fuzz suite's rules for the public API (test/node/fuzz-api*.test.ts), written once: each
 * generated call must settle within a time limit, leave its arguments unchanged, print nothing,
 * and either throw an EmgpuError with a code or return a result its `sane` check accepts.
 * Also the shared arbitraries: bad values of every kind, matrices at every magnitude, option
 * objects with misspelt names and wrong values.
 */
import fc from 'fast-check';
import { expect, vi } from 'vitest';
import { EmgpuError } from '../../src/index.js';

/** A call that has not settled by then counts as a hang. */
export const CASE_TIMEOUT_MS = 5000;

/** Cases run so far in this file (each file asserts it ran at least 1,000). */
export const counter = { cases: 0, errors: 0, ok: {} as Record<string, number>, codes: {} as Record<string, string> };

/** A comparable image of any value (typed arrays, Dates, Symbols, nested objects, cycles). */
export function snapshot(v: unknown, seen = new Map<object, number>()): unknown {
  if (typeof v === 'symbol') return { symbol: v.toString() };
  if (typeof v === 'bigint') return { bigint: v.toString() };
  if (typeof v === 'function') return { fn: v.name };
  if (v === null || typeof v !== 'object') return v;
  if (seen.has(v)) return { cycle: seen.get(v) };
  seen.set(v, seen.size);
  if (v instanceof Date) return { date: v.getTime() };
  if (ArrayBuffer.isView(v)) return { typed: v.constructor.name, values: Array.from(v as unknown as ArrayLike<number>, String) };
  if (Array.isArray(v)) return v.map((x) => snapshot(x, seen));
  if (typeof (v as AbortSignal).aborted === 'boolean' && 'reason' in v) return { signal: (v as AbortSignal).aborted };
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, snapshot(x, seen)]));
}

function silence(): () => void {
  const spies = [
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((m) => vi.spyOn(console, m)),
    vi.spyOn(process.stdout, 'write'),
    vi.spyOn(process.stderr, 'write'),
  ];
  return () => {
    const printed = spies.flatMap((s) => s.mock.calls.map((c) => String(c[0]).slice(0, 200)));
    for (const s of spies) s.mockRestore();
    expect(printed, 'nothing is printed').toEqual([]);
  };
}

async function settle<T>(call: () => Promise<T> | T, what: string): Promise<{ value?: T; error?: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`HANG: ${what} did not settle within ${CASE_TIMEOUT_MS} ms`)), CASE_TIMEOUT_MS);
  });
  try {
    return { value: await Promise.race([Promise.resolve().then(call), timeout]) };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('HANG:')) throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One generated call: a typed error (EmgpuError with a code), or a result `sane` accepts; the
 * arguments unchanged (compared by `snapshot`), nothing printed, settled in time.
 */
export async function typedOrSane<T>(what: string, args: unknown[], call: () => Promise<T> | T, sane: (v: T) => void): Promise<void> {
  const before = snapshot(args);
  const restore = silence();
  let out: { value?: T; error?: unknown };
  try {
    out = await settle(call, what);
  } finally {
    restore();
  }
  counter.cases++;
  expect(snapshot(args), `${what} leaves its arguments unchanged`).toEqual(before);
  if ('error' in out && out.error !== undefined) {
    counter.errors++;
    const e = out.error as Error;
    if (!(e instanceof EmgpuError)) throw new Error(`${what} threw an untyped ${e?.constructor?.name}: ${e?.message}`);
    expect(typeof e.code, `${what}: the error has a code`).toBe('string');
    expect(e.message.length).toBeGreaterThan(20);
    const key = `${what.split(' ')[0]} ${e.code}`;
    counter.codes[key] = counter.codes[key]
      ? counter.codes[key].replace(/^(\d+)/, (m) => String(Number(m) + 1))
      : `1 ${e.message.slice(0, 90)}`;
    return;
  }
  sane(out.value as T);
  const name = what.split(' ')[0];
  counter.ok[name] = (counter.ok[name] ?? 0) + 1;
}

// ---- sanity checks of results ----

export function finite(values: ArrayLike<number> | number, what: string): void {
  const list = typeof values === 'number' ? [values] : Array.from(values);
  for (const v of list) if (!Number.isFinite(v)) throw new Error(`${what} is not finite: ${v}`);
}

export function finiteRows(rows: unknown, what: string): void {
  if (typeof rows === 'number') finite(rows, what);
  else for (const r of rows as unknown[]) finiteRows(r, what);
}

export function labelsIn(labels: ArrayLike<number>, k: number, n: number): void {
  expect(labels.length).toBe(n);
  for (const l of Array.from(labels)) if (!(Number.isInteger(l) && l >= 0 && l < k)) throw new Error(`label ${l} is outside 0..${k - 1}`);
}

/** Rows of probabilities: finite, in [0, 1], each summing to 1 within `atol`. */
export function probabilityRows(rows: ArrayLike<number>[], k: number, atol: number): void {
  for (const row of rows) {
    expect(row.length).toBe(k);
    let s = 0;
    for (const p of Array.from(row)) {
      if (!(p >= 0 && p <= 1 + atol)) throw new Error(`probability ${p} is outside [0, 1]`);
      s += p;
    }
    if (!(Math.abs(s - 1) <= atol)) throw new Error(`probabilities sum to ${s}, not 1`);
  }
}

// ---- arbitraries ----

/** Every kind of non-number a caller might pass where a number belongs. */
export const badValue = fc.constantFrom<unknown>(
  null,
  undefined,
  '',
  '5',
  '0x10',
  'abc',
  true,
  false,
  [5],
  [],
  {},
  new Date(0),
  Symbol('s'),
  1n,
  NaN,
  Infinity,
  -Infinity,
  () => 1,
);

/** Magnitudes from subnormal-adjacent to the top of float64. */
export const magnitude = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(1, 10, 1e3) },
  { weight: 2, arbitrary: fc.constantFrom(1e-300, 1e-40, 1e-8, 1e8, 1e20, 1e40, 1e150, 1e154, 1e200, 1e300, 1.7e308) },
);

/** n×d rows of finite numbers at one magnitude (values in [−m, m]). */
export function rowsAt(maxN = 9, maxD = 3, minD = 1): fc.Arbitrary<number[][]> {
  return fc
    .record({
      n: fc.integer({ min: 1, max: maxN }),
      d: fc.integer({ min: minD, max: maxD }),
      m: magnitude,
      offset: fc.constantFrom(0, 0, 1),
    })
    .chain(({ n, d, m, offset }) =>
      fc
        .array(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: d, maxLength: d }), { minLength: n, maxLength: n })
        .map((rows) => rows.map((r) => r.map((v) => (offset ? m * (0.5 + v / 4) : v * m)))),
    );
}

/** Rows, sometimes with one bad value planted, presented as number[][] or { data, n, d } of several array types. */
export function dataInput(maxN = 9, maxD = 3): fc.Arbitrary<unknown> {
  const planted = fc
    .tuple(
      rowsAt(maxN, maxD),
      fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.nat(), badValue) }),
    )
    .map(([rows, bad]) => {
      if (bad) rows[bad[0] % rows.length][bad[1] % rows[0].length] = bad[2] as number;
      return rows;
    });
  return fc.oneof(
    { weight: 6, arbitrary: planted },
    {
      weight: 3,
      arbitrary: fc.tuple(planted, fc.constantFrom('f64', 'f32', 'plain')).map(([rows, kind]) => {
        const flat = rows.flat();
        // A planted non-number cannot live in a typed array: those stay plain.
        const typed = flat.every((v) => typeof v === 'number') ? kind : 'plain';
        const data = typed === 'f64' ? Float64Array.from(flat as number[]) : typed === 'f32' ? Float32Array.from(flat as number[]) : flat;
        return { data, n: rows.length, d: rows[0].length };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>('1,2\n3,4', null, undefined, 5, {}, [[]], [], [[1, 2], [3]], [['1', '2']], [[[1]]], {
        data: [1, 2],
        n: 2,
        d: 2,
      }),
    },
  );
}

/** Misspellings and other libraries' names the API must refuse with a suggestion. */
export const unknownName = fc.constantFrom(
  'n_init',
  'maxIters',
  'random_state',
  'n_clusters',
  'K',
  'seeds',
  'tolerance',
  'covariance_type',
  'max_iter',
  'foo',
);

const NONE = Symbol('none');

/**
 * An options record: each field present half the time (always for `required`), its value usually
 * valid and sometimes wrong; with probability `extra`, an unknown name too.
 */
export function options(
  fields: Record<string, fc.Arbitrary<unknown>>,
  required: string[] = [],
  extra = 0.06,
): fc.Arbitrary<Record<string, unknown>> {
  const wrong = fc.oneof(badValue, fc.constantFrom<unknown>(-1, 0, 1.5, 1e-9, 'x'));
  const entries = Object.entries(fields).map(([name, arb]) => {
    const value = fc.oneof({ weight: 40, arbitrary: arb }, { weight: 1, arbitrary: wrong });
    return (required.includes(name) ? value : fc.option(value, { freq: 2, nil: NONE })).map((v) => [name, v] as const);
  });
  return fc.tuple(fc.tuple(...entries), fc.integer({ min: 0, max: 99 }), unknownName).map(([list, u, name]) => {
    const o: Record<string, unknown> = {};
    for (const [key, v] of list) if (v !== NONE) o[key] = v;
    if (u < extra * 100) o[name] = 1;
    return o;
  });
}

/** A small CSR matrix (3 cells × 4 genes) as plain arrays, valid before `damagedCsr` damages it. */
const CSR_SEED = { n: 3, d: 4, indptr: [0, 2, 3, 5], indices: [0, 2, 1, 0, 3], values: [1, 2, 3, 4, 5] };

/**
 * A CSR matrix that is valid half the time and otherwise damaged in one way the second fuzz report
 * found accepted (FUZZ12.md D4–D6): a declared size far beyond its arrays, an index out of range, a
 * decreasing indptr, a negative, NaN, non-number or beyond-float32 value.
 */
export const damagedCsr = fc
  .tuple(
    fc.constantFrom('none', 'none', 'none', 'd', 'n', 'index', 'indptr', 'negative', 'nan', 'null', 'f32', 'fraction'),
    fc.integer({ min: 0, max: 4 }),
    fc.constantFrom(1e9, 2 ** 33, 2 ** 31, 7),
  )
  .map(([damage, at, big]) => {
    const m = structuredClone(CSR_SEED) as { n: number; d: number; indptr: number[]; indices: number[]; values: unknown[] };
    if (damage === 'd') m.d = big;
    else if (damage === 'n') m.n = big;
    else if (damage === 'index') m.indices[at] = big;
    else if (damage === 'indptr') m.indptr[1 + (at % 2)] = 0.5 + (at % 2 ? 0 : 5);
    else if (damage === 'negative') m.values[at] = -2;
    else if (damage === 'nan') m.values[at] = Number.NaN;
    else if (damage === 'null') m.values[at] = null;
    else if (damage === 'f32') m.values[at] = 1e39;
    else if (damage === 'fraction') m.values[at] = 0.25;
    return { damage, m };
  });
