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

function nonFinite(what: string, i: number, j: number, v: number): Error {
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
    if (data == null || typeof (data as ArrayLike<number>).length !== 'number') {
      throw invalid('SHAPE_MISMATCH', `${what}.data is not an array. Pass a Float32Array, Float64Array or number[] of length n*d.`);
    }
    if (data.length !== n * d) {
      throw invalid(
        'SHAPE_MISMATCH',
        `${what}.data has length ${data.length} but n*d = ${n}*${d} = ${n * d}. Pass a row-major array of exactly n*d values.`,
      );
    }
    const x = new Float64Array(n * d);
    for (let t = 0; t < x.length; t++) {
      const v = Number(data[t]);
      if (!Number.isFinite(v)) throw nonFinite(what, Math.floor(t / d), t % d, v);
      x[t] = v;
    }
    return { n, d, x };
  }
  if (input == null || typeof (input as ArrayLike<unknown>).length !== 'number') {
    throw invalid('SHAPE_MISMATCH', `${what} must be number[][] or { data, n, d }; got ${input === null ? 'null' : typeof input}.`);
  }
  const rows = input as ArrayLike<ArrayLike<number>>;
  const n = rows.length;
  const first = n > 0 ? rows[0] : undefined;
  if (n > 0 && (first == null || typeof first.length !== 'number')) {
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
    if (row == null || row.length !== d) {
      throw invalid(
        'RAGGED_DATA',
        `${what} is ragged: row ${i} has ${row == null ? 'no' : row.length} values but row 0 has ${d}. All rows must have the same number of features.`,
      );
    }
    for (let j = 0; j < d; j++) {
      const v = Number(row[j]);
      if (!Number.isFinite(v)) throw nonFinite(what, i, j, v);
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
