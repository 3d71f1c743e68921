/**
 * The data boundary: every public entry point turns its input into a validated `Dataset`
 * here. Input arrays are only read; everything downstream works on copies.
 * Vocabulary: n samples (rows), d features (columns), k clusters.
 */
import { invalid } from './errors.js';

/** A dense row-major matrix: `data[i * d + j]` is feature j of sample i. */
export interface Matrix {
  data: Float32Array | Float64Array | ArrayLike<number>;
  n: number;
  d: number;
}

export type DataInput = Matrix | ArrayLike<ArrayLike<number>>;

/** Validated, immutable view of the caller's data as float64, with column statistics. */
export interface Dataset {
  readonly n: number;
  readonly d: number;
  /** Row-major float64 copy, never the caller's array. */
  readonly x: Float64Array;
  /** Column means (float64). */
  readonly mean: Float64Array;
  /** Column variances, population (ddof = 0), as numpy's var. */
  readonly variance: Float64Array;
}

function isMatrix(input: unknown): input is Matrix {
  return typeof input === 'object' && input !== null && 'data' in input && 'n' in input && 'd' in input;
}

function checkDims(n: number, d: number, what: string): void {
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 0 || d < 0) {
    throw invalid(
      'SHAPE_MISMATCH',
      `${what} has n=${n}, d=${d}; both must be non-negative integers. Pass { data, n, d } with whole numbers.`,
    );
  }
  if (n === 0 || d === 0) {
    throw invalid(
      'EMPTY_DATA',
      `${what} is empty (n=${n} samples, d=${d} features); at least 1 sample and 1 feature are required. Check that the data loaded correctly.`,
    );
  }
}

/** What a non-number is, for messages: `null`, `a string ("0x10")`, `an array`, `a Date`, … */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined (a hole or a missing value)';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)})`;
  if (typeof v === 'symbol') return 'a Symbol';
  if (typeof v === 'bigint') return 'a BigInt';
  if (typeof v === 'boolean') return `a boolean (${v})`;
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return 'an array (the data is nested one level too deep?)';
  if (v instanceof Date) return 'a Date';
  return `an object (${Object.prototype.toString.call(v).slice(8, -1)})`;
}

/**
 * The one check every value of a caller's numeric input passes: a finite number, never coerced
 * (Number(null) and Number('') are 0, so a NaN that went through JSON would silently become 0).
 * `where` names the position, e.g. "sample 3, feature 1".
 */
export function finiteNumber(v: unknown, what: string, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw finiteError(v, what, where);
  return v;
}

/** The typed error for a value that is not a finite number (NON_NUMERIC or NON_FINITE), naming where. */
export function finiteError(v: unknown, what: string, where: string): Error {
  if (typeof v !== 'number') {
    return invalid(
      'NON_NUMERIC',
      `${what} contains ${describeValue(v)} at ${where}; only numbers are accepted. Convert the values to numbers first (missing values must be imputed or removed, not left null or "").`,
    );
  }
  return invalid(
    'NON_FINITE',
    `${what} contains ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'} at ${where}. Remove or impute non-finite values.`,
  );
}

/** Whether every element of `a` is a JavaScript number by construction (no per-element type check needed). */
function numericTyped(a: unknown): boolean {
  return ArrayBuffer.isView(a) && !(a instanceof DataView) && !(a instanceof BigInt64Array) && !(a instanceof BigUint64Array);
}

/** An array-like of values (not a string, which has a length too). */
export function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return v != null && typeof v === 'object' && typeof (v as ArrayLike<unknown>).length === 'number';
}

/**
 * A vector of finite numbers as float64, or a typed error naming the first offender:
 * the same rule as the data's, for the one-dimensional inputs (weights, size factors, prior means…).
 */
export function toFiniteVector(v: unknown, what: string, length?: number): Float64Array {
  if (!isArrayLike(v)) throw invalid('SHAPE_MISMATCH', `${what} must be an array of numbers; got ${describeValue(v)}.`);
  if (length !== undefined && v.length !== length) {
    throw invalid('SHAPE_MISMATCH', `${what} has ${v.length} values but ${length} are needed. Pass exactly ${length} numbers.`);
  }
  const out = new Float64Array(v.length);
  for (let i = 0; i < out.length; i++) {
    const x = v[i];
    out[i] = finiteNumber(x, what, `index ${i}`);
  }
  return out;
}

function nonFinite(what: string, i: number, j: number, v: unknown): Error {
  if (typeof v !== 'number') return finiteError(v, what, `sample ${i}, feature ${j}`);
  return invalid(
    'NON_FINITE',
    `${what} contains ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'} at sample ${i}, feature ${j}. ` +
      'Remove or impute non-finite values before clustering.',
  );
}

/** Copy and validate any accepted input into a float64 row-major array. */
export function toFloat64(input: DataInput, what = 'Input data'): { n: number; d: number; x: Float64Array } {
  if (isMatrix(input)) {
    const { n, d, data } = input;
    checkDims(n, d, what);
    if (!isArrayLike(data)) {
      throw invalid('SHAPE_MISMATCH', `${what}.data is not an array. Pass a Float32Array, Float64Array or number[] of length n*d.`);
    }
    if (data.length !== n * d) {
      throw invalid(
        'SHAPE_MISMATCH',
        `${what}.data has length ${data.length} but n*d = ${n}*${d} = ${n * d}. Pass a row-major array of exactly n*d values.`,
      );
    }
    const x = new Float64Array(n * d);
    // Typed arrays hold numbers by construction: only finiteness is checked (the fast path).
    if (numericTyped(data)) {
      x.set(data as ArrayLike<number>);
      for (let t = 0; t < x.length; t++) if (!Number.isFinite(x[t])) throw nonFinite(what, Math.floor(t / d), t % d, x[t]);
      return { n, d, x };
    }
    for (let t = 0; t < x.length; t++) {
      const v: unknown = data[t];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw nonFinite(what, Math.floor(t / d), t % d, v);
      x[t] = v;
    }
    return { n, d, x };
  }
  if (!isArrayLike(input)) {
    throw invalid('SHAPE_MISMATCH', `${what} must be number[][] or { data, n, d }; got ${describeValue(input)}.`);
  }
  const rows = input as ArrayLike<ArrayLike<number>>;
  const n = rows.length;
  const first = n > 0 ? rows[0] : undefined;
  if (n > 0 && !isArrayLike(first)) {
    throw invalid(
      'SHAPE_MISMATCH',
      `${what} must be an array of rows (number[][]); row 0 is not an array. For a flat array pass { data, n, d }.`,
    );
  }
  const d = n > 0 ? first!.length : 0;
  checkDims(n, d, what);
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    if (!isArrayLike(row) || row.length !== d) {
      throw invalid(
        'RAGGED_DATA',
        `${what} is ragged: row ${i} has ${isArrayLike(row) ? row.length : 'no'} values but row 0 has ${d}. All rows must have the same number of features.`,
      );
    }
    if (numericTyped(row)) {
      x.set(row as ArrayLike<number>, i * d);
      for (let j = 0; j < d; j++) if (!Number.isFinite(x[i * d + j])) throw nonFinite(what, i, j, x[i * d + j]);
      continue;
    }
    for (let j = 0; j < d; j++) {
      const v: unknown = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw nonFinite(what, i, j, v);
      x[i * d + j] = v;
    }
  }
  return { n, d, x };
}

export function columnStats(x: Float64Array, n: number, d: number): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const variance = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const t = x[i * d + j] - mean[j];
      variance[j] += t * t;
    }
  }
  for (let j = 0; j < d; j++) variance[j] /= n;
  return { mean, variance };
}

export function toDataset(input: DataInput, what = 'Input data'): Dataset {
  const { n, d, x } = toFloat64(input, what);
  const { mean, variance } = columnStats(x, n, d);
  return { n, d, x, mean, variance };
}

/** Check k against n: 1 ≤ k ≤ n, an integer. */
export function checkK(k: unknown, n: number): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
    throw invalid('BAD_OPTION', `k=${String(k)} is not a positive integer. Pass k >= 1, the number of clusters.`);
  }
  if (k > n) {
    throw invalid('K_TOO_LARGE', `n_samples=${n} should be >= k=${k}. Pass k <= ${n}, or supply more samples.`);
  }
  return k;
}

/** Validate a k×d parameter matrix (e.g. initial centroids) against the data. */
export function toParamMatrix(input: DataInput, k: number, d: number, what: string): Float64Array {
  const m = toFloat64(input, what);
  if (m.d !== d) {
    throw invalid('DIMENSION_MISMATCH', `${what} has ${m.d} features but the data has ${d}. Pass ${k} rows of ${d} values.`);
  }
  if (m.n !== k) {
    throw invalid('SHAPE_MISMATCH', `${what} has ${m.n} rows but k=${k}. Pass exactly k rows, or set k to ${m.n}.`);
  }
  return m.x;
}

/** Turn a flat k×d array into rows for results that must serialise as plain JSON. */
export function toRows(x: Float64Array | Float32Array, rows: number, cols: number): number[][] {
  const out: number[][] = new Array(rows);
  for (let i = 0; i < rows; i++) out[i] = Array.from(x.subarray(i * cols, (i + 1) * cols));
  return out;
}
