/**
 * Cell-major CSR helpers shared by the loaders: canonical form (indices ascending within a row,
 * duplicates summed), CSC → CSR, checks, integer-array conversion, value statistics, totals and
 * small conveniences (densify for tests, column subsets, make-unique names). Pure, no I/O.
 */
import { FileFormatError, invalid } from '../errors.js';
import type { CsrMatrix } from '../sparse.js';
import { checkDimensions } from './memory.js';
import type { LoadedCsr } from './types.js';

/** Largest whole number a Float32Array holds exactly. */
export const FLOAT32_EXACT_INTEGER = 2 ** 24;

/** Largest nnz the Uint32 indptr can address. */
export const MAX_NNZ = 2 ** 32 - 1;

export function checkNnz(nnz: number, label: string): void {
  if (nnz > MAX_NNZ) {
    throw new FileFormatError(
      `${label}: ${nnz.toLocaleString('en-US')} stored entries exceed 2^32 - 1, the most a Uint32 CSR index can address. ` +
        'Split the matrix (e.g. by sample) and load the parts separately.',
    );
  }
}

/** Sort one row's (index, value) pairs by index: reverse when descending, otherwise a stable sort. */
function sortRow(indices: Uint32Array, values: Float32Array, s: number, e: number): void {
  const len = e - s;
  let descending = true;
  for (let k = s + 1; k < e; k++) {
    if (indices[k] >= indices[k - 1]) {
      descending = false;
      break;
    }
  }
  if (descending) {
    indices.subarray(s, e).reverse();
    values.subarray(s, e).reverse();
    return;
  }
  if (len <= 32) {
    for (let k = s + 1; k < e; k++) {
      const ik = indices[k];
      const vk = values[k];
      let j = k - 1;
      while (j >= s && indices[j] > ik) {
        indices[j + 1] = indices[j];
        values[j + 1] = values[j];
        j--;
      }
      indices[j + 1] = ik;
      values[j + 1] = vk;
    }
    return;
  }
  const order = new Uint32Array(len);
  for (let k = 0; k < len; k++) order[k] = k;
  const idx = indices.slice(s, e);
  const val = values.slice(s, e);
  // Array.prototype.sort is stable; ties keep file order so duplicates are summed in order.
  const sorted = Array.from(order).sort((a, b) => idx[a] - idx[b]);
  for (let k = 0; k < len; k++) {
    indices[s + k] = idx[sorted[k]];
    values[s + k] = val[sorted[k]];
  }
}

/**
 * Put a CSR matrix in canonical form in place: column indices ascending within each row, entries
 * with the same (row, column) summed into one. Returns the matrix (new, shorter arrays only when
 * duplicates were merged) and how many entries were merged away.
 */
export function canonicalize(m: LoadedCsr): { matrix: LoadedCsr; duplicates: number; wasSorted: boolean } {
  const { n, indptr, indices, values } = m;
  let wasSorted = true;
  let duplicates = 0;
  for (let i = 0; i < n; i++) {
    const s = indptr[i];
    const e = indptr[i + 1];
    let sorted = true;
    for (let k = s + 1; k < e; k++) {
      if (indices[k] <= indices[k - 1]) {
        sorted = false;
        break;
      }
    }
    if (sorted) continue;
    wasSorted = false;
    sortRow(indices, values, s, e);
    for (let k = s + 1; k < e; k++) if (indices[k] === indices[k - 1]) duplicates++;
  }
  if (duplicates === 0) return { matrix: m, duplicates, wasSorted };
  // Merge duplicates, compacting in place, then copy to exact-length arrays.
  let w = 0;
  let start = 0;
  for (let i = 0; i < n; i++) {
    const e = indptr[i + 1];
    const rowStart = w;
    for (let k = start; k < e; k++) {
      if (w > rowStart && indices[w - 1] === indices[k]) values[w - 1] += values[k];
      else {
        indices[w] = indices[k];
        values[w] = values[k];
        w++;
      }
    }
    start = e;
    indptr[i + 1] = w;
  }
  return {
    matrix: { n, d: m.d, nnz: w, indptr, indices: indices.slice(0, w), values: values.slice(0, w) },
    duplicates,
    wasSorted,
  };
}

/**
 * Transpose compressed-sparse storage: CSC with `ptr` over `nMajor` columns and row indices below
 * `nMinor` becomes CSR with nMinor rows (and vice versa). Counting sort, O(nnz), stable: indices
 * come out ascending within each row when the input's major index is the column order.
 */
export function transposeCompressed(
  nMajor: number,
  nMinor: number,
  ptr: Uint32Array,
  idx: Uint32Array,
  vals: Float32Array,
): { indptr: Uint32Array; indices: Uint32Array; values: Float32Array } {
  const nnz = ptr[nMajor];
  const indptr = new Uint32Array(nMinor + 1);
  for (let k = 0; k < nnz; k++) indptr[idx[k] + 1]++;
  for (let i = 0; i < nMinor; i++) indptr[i + 1] += indptr[i];
  const next = indptr.slice(0, nMinor);
  const indices = new Uint32Array(nnz);
  const values = new Float32Array(nnz);
  for (let j = 0; j < nMajor; j++) {
    for (let k = ptr[j]; k < ptr[j + 1]; k++) {
      const p = next[idx[k]]++;
      indices[p] = j;
      values[p] = vals[k];
    }
  }
  return { indptr, indices, values };
}

/** Structural checks: dimensions a Uint32 CSR can index, indptr starts at 0, never decreases, ends at nnz; indices below d. */
export function validateCsr(m: LoadedCsr, label: string): void {
  const { n, d, nnz, indptr, indices, values } = m;
  checkDimensions(label, n, d);
  if (indptr.length !== n + 1)
    throw new FileFormatError(`${label}: indptr has ${indptr.length} entries; a matrix with ${n} rows needs ${n + 1}.`);
  if (indptr[0] !== 0) throw new FileFormatError(`${label}: indptr[0] = ${indptr[0]}, not 0. The file is corrupt.`);
  for (let i = 0; i < n; i++) {
    if (indptr[i + 1] < indptr[i])
      throw new FileFormatError(`${label}: indptr decreases at row ${i} (${indptr[i]} → ${indptr[i + 1]}). The file is corrupt.`);
  }
  if (indptr[n] !== nnz || indices.length < nnz || values.length < nnz) {
    throw new FileFormatError(
      `${label}: indptr ends at ${indptr[n]} but there are ${indices.length} indices and ${values.length} values. The file is corrupt or truncated.`,
    );
  }
  for (let k = 0; k < nnz; k++) {
    if (indices[k] >= d)
      throw new FileFormatError(`${label}: column index ${indices[k]} at entry ${k} is outside 0..${d - 1}. The file is corrupt.`);
  }
}

type IntArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/**
 * Convert an integer array read from a file (int32, int64, uint64, or whole floats) to Uint32Array,
 * checking that every element is a whole number in 0 .. 2^32-1. int64 is converted through its low
 * 32-bit words (little-endian) after checking the high words are zero: no BigInt per element.
 */
export function toUint32(a: ArrayLike<number | bigint>, what: string, label: string): Uint32Array {
  const bad = (k: number, v: unknown): FileFormatError =>
    new FileFormatError(`${label}: ${what}[${k}] = ${String(v)} is not an index in 0 .. 4294967295. The file is corrupt.`);
  if (a instanceof Uint32Array) return a;
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
    const words = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
    const out = new Uint32Array(a.length);
    for (let k = 0; k < a.length; k++) {
      if (words[2 * k + 1] !== 0) throw bad(k, a[k]);
      out[k] = words[2 * k];
    }
    return out;
  }
  const src = a as IntArray | number[];
  const out = new Uint32Array(src.length);
  for (let k = 0; k < src.length; k++) {
    const v = src[k] as number;
    if (!(v >= 0 && v <= 0xffffffff && Math.floor(v) === v)) throw bad(k, v);
    out[k] = v;
  }
  return out;
}

/** Numbers of any numeric typed array (or bigint array) as a Float32Array; float32 input passes through. */
export function toFloat32(a: ArrayLike<number | bigint>): Float32Array {
  if (a instanceof Float32Array) return a;
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
    const out = new Float32Array(a.length);
    for (let k = 0; k < a.length; k++) out[k] = Number(a[k]);
    return out;
  }
  return Float32Array.from(a as ArrayLike<number>);
}

export interface ValueStats {
  integerValued: boolean;
  nonNegative: boolean;
  maxValue: number;
  /** Entries that are whole numbers above 2^24 (not exact in float32). */
  beyondExact: number;
  nonFinite: number;
}

/** Whether values are whole, non-negative and finite, and the largest. O(nnz), no allocation. */
export function valueStats(values: ArrayLike<number>, nnz = values.length): ValueStats {
  let integerValued = true;
  let nonNegative = true;
  let maxValue = nnz > 0 ? -Infinity : 0;
  let beyondExact = 0;
  let nonFinite = 0;
  for (let k = 0; k < nnz; k++) {
    const v = values[k];
    if (Number.isNaN(v) || v === Infinity || v === -Infinity) {
      nonFinite++;
      continue;
    }
    if (v > maxValue) maxValue = v;
    if (v < 0) nonNegative = false;
    if (Math.floor(v) !== v) integerValued = false;
    else if (v > FLOAT32_EXACT_INTEGER || v < -FLOAT32_EXACT_INTEGER) beyondExact++;
  }
  if (maxValue === -Infinity) maxValue = 0;
  if (nonFinite > 0) integerValued = false;
  return { integerValued, nonNegative, maxValue, beyondExact, nonFinite };
}

/** The warning a loader attaches when whole numbers exceed float32's exact range. */
export function beyondExactWarning(beyondExact: number): string {
  return (
    `${beyondExact.toLocaleString('en-US')} value(s) are whole numbers above 2^24 = 16,777,216, which float32 cannot hold exactly; ` +
    'they were rounded to the nearest float32. UMI counts never reach this; if these are not counts, scale them first.'
  );
}

/**
 * The warning a loader attaches when the matrix it read is not raw counts (a non-integer or a
 * negative value): every loader says it the same way, so callers need not check again.
 * `elsewhere` names where the counts might be instead (h5ad: the file's other matrices).
 */
export function notCountsWarning(
  what: string,
  stats: Pick<ValueStats, 'integerValued' | 'nonNegative' | 'maxValue'>,
  elsewhere: string,
): string | null {
  if (stats.integerValued && stats.nonNegative) return null;
  return (
    `${what} does not hold raw counts (${stats.integerValued ? 'some values are negative' : 'not all values are whole numbers'}; max ${stats.maxValue.toPrecision(4)}): ` +
    `it looks normalised, log-transformed or scaled. Count models need raw UMI counts; ${elsewhere}.`
  );
}

/** Sum of each row (per-cell totals, e.g. total UMIs), in float64. */
export function rowSums(m: Pick<CsrMatrix, 'n' | 'indptr' | 'values'>): Float64Array {
  const out = new Float64Array(m.n);
  for (let i = 0; i < m.n; i++) {
    let s = 0;
    for (let k = m.indptr[i]; k < m.indptr[i + 1]; k++) s += m.values[k];
    out[i] = s;
  }
  return out;
}

/** Stored entries per row (genes detected per cell). */
export function rowCounts(m: LoadedCsr): Uint32Array {
  const out = new Uint32Array(m.n);
  for (let i = 0; i < m.n; i++) out[i] = m.indptr[i + 1] - m.indptr[i];
  return out;
}

/** Sum of each column (per-gene totals), in float64. */
export function colSums(m: LoadedCsr): Float64Array {
  const out = new Float64Array(m.d);
  for (let k = 0; k < m.nnz; k++) out[m.indices[k]] += m.values[k];
  return out;
}

/** Dense row-major float32 copy (n·d·4 bytes): for small matrices and tests. */
export function toDense(m: LoadedCsr): Float32Array {
  const out = new Float32Array(m.n * m.d);
  for (let i = 0; i < m.n; i++) {
    for (let k = m.indptr[i]; k < m.indptr[i + 1]; k++) out[i * m.d + m.indices[k]] += m.values[k];
  }
  return out;
}

/** Keep the columns where keep[j] is true, renumbered in order. */
export function selectColumns(m: LoadedCsr, keep: ArrayLike<boolean | number>): LoadedCsr {
  if (keep.length !== m.d) throw new FileFormatError(`selectColumns: keep has ${keep.length} entries for ${m.d} columns.`);
  const map = new Int32Array(m.d);
  let d = 0;
  for (let j = 0; j < m.d; j++) map[j] = keep[j] ? d++ : -1;
  const indptr = new Uint32Array(m.n + 1);
  let nnz = 0;
  for (let k = 0; k < m.nnz; k++) if (map[m.indices[k]] >= 0) nnz++;
  const indices = new Uint32Array(nnz);
  const values = new Float32Array(nnz);
  let w = 0;
  for (let i = 0; i < m.n; i++) {
    for (let k = m.indptr[i]; k < m.indptr[i + 1]; k++) {
      const j = map[m.indices[k]];
      if (j >= 0) {
        indices[w] = j;
        values[w] = m.values[k];
        w++;
      }
    }
    indptr[i + 1] = w;
  }
  return { n: m.n, d, nnz, indptr, indices, values };
}

/**
 * Names made unique the way anndata's var_names_make_unique does: the second "X" becomes "X-1",
 * the third "X-2", … (skipping suffixes already taken). The first occurrence keeps its name.
 */
export function makeUnique(names: readonly string[], separator = '-'): string[] {
  if (!Array.isArray(names))
    throw invalid('BAD_OPTION', `makeUnique: names must be an array of strings; got ${names === null ? 'null' : typeof names}.`);
  if (typeof separator !== 'string') throw invalid('BAD_OPTION', 'makeUnique: separator must be a string.');
  for (let i = 0; i < names.length; i++) {
    if (typeof names[i] !== 'string')
      throw invalid(
        'BAD_OPTION',
        `makeUnique: names[${i}] is ${names[i] === null ? 'null' : typeof names[i]}, not a string. Name every entry (e.g. String(i) for a missing one).`,
      );
  }
  const seen = new Set(names);
  const counts = new Map<string, number>();
  const firstSeen = new Set<string>();
  const out = names.slice();
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (!firstSeen.has(name)) {
      firstSeen.add(name);
      continue;
    }
    let c = counts.get(name) ?? 0;
    let candidate: string;
    do candidate = `${name}${separator}${++c}`;
    while (seen.has(candidate));
    counts.set(name, c);
    seen.add(candidate);
    out[i] = candidate;
  }
  return out;
}
