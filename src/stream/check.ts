/**
 * Argument checks for the exported stream helpers (chunkRanges, forEachChunk, csrSource,
 * denseSource): a row source, pass options and in-memory matrices are checked before any loop or
 * allocation, so a bad argument is a typed error naming the helper, never a TypeError, a NaN
 * range or a plan of 10^12 chunks. Unknown option names are not refused here: streaming
 * functions hand their whole option block to these helpers.
 */
import { invalid } from '../errors.js';
import type { CsrMatrix } from '../sparse.js';

/** The most chunks one pass may plan (each is a read and a callback; more means chunkRows is far too small). */
export const MAX_CHUNKS = 2 ** 20;

const what = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

function count(v: unknown, fn: string, name: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw invalid('BAD_OPTION', `${fn}: ${name} is ${String(v)}; it must be a whole number ≥ 0. Give the source's ${name} as a number.`);
  return v;
}

/** A row source's shape: kind 'csr' or 'dense', n and d whole numbers, a CSR source's nnz too. */
export function checkSource(source: unknown, fn: string): void {
  if (source === null || typeof source !== 'object')
    throw invalid(
      'BAD_OPTION',
      `${fn}: the source is ${what(source)}; pass a row source (csrSource(m), denseSource(data, n, d), or a reader's source).`,
    );
  const s = source as { kind?: unknown; n?: unknown; d?: unknown; nnz?: unknown };
  if (s.kind !== 'csr' && s.kind !== 'dense')
    throw invalid('BAD_OPTION', `${fn}: the source's kind is ${String(s.kind)}; a row source has kind 'csr' or 'dense'.`);
  count(s.n, fn, 'n');
  count(s.d, fn, 'd');
  if (s.kind === 'csr') count(s.nnz, fn, 'nnz');
}

/** The kinds of the PassOptions fields (names are not checked: callers pass their whole option block). */
export function checkPassOptions(opts: unknown, fn: string): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts))
    throw invalid('BAD_OPTION', `${fn}: options must be an object; got ${what(opts)}. Pass e.g. { chunkRows: 65536 }, or leave them out.`);
  const o = opts as { signal?: unknown; onProgress?: unknown; chunkBytes?: unknown };
  if (
    o.signal !== undefined &&
    (o.signal === null || typeof o.signal !== 'object' || typeof (o.signal as AbortSignal).aborted !== 'boolean')
  )
    throw invalid('BAD_OPTION', `${fn}: signal must be an AbortSignal (new AbortController().signal); got ${what(o.signal)}.`);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function')
    throw invalid('BAD_OPTION', `${fn}: onProgress must be a function; got ${what(o.onProgress)}. Pass a callback, or leave it out.`);
  if (o.chunkBytes !== undefined && typeof o.chunkBytes !== 'number')
    throw invalid('BAD_OPTION', `${fn}: chunkBytes is ${what(o.chunkBytes)}; pass a number of bytes, e.g. chunkBytes: 64 * 2 ** 20.`);
}

/** A plan of more than MAX_CHUNKS chunks is refused before it is built. */
export function checkChunkCount(n: number, rows: number, fn: string): void {
  const chunks = Math.ceil(n / rows);
  if (chunks > MAX_CHUNKS)
    throw invalid(
      'BAD_OPTION',
      `${fn}: ${n} rows in chunks of ${rows} make ${chunks} chunks, above the ${MAX_CHUNKS} a pass may plan. Pass a larger chunkRows or chunkBytes.`,
    );
}

const isArrayLike = (v: unknown): v is ArrayLike<unknown> =>
  v !== null && typeof v === 'object' && typeof (v as ArrayLike<unknown>).length === 'number';

/** An in-memory CSR matrix's shape: dims, array lengths, indptr[0] = 0 and indptr[n] = nnz (rows are checked as they are read). */
export function checkCsrShape(m: unknown, name: string): CsrMatrix {
  if (m === null || typeof m !== 'object')
    throw invalid('BAD_OPTION', `${name}: the matrix is ${what(m)}; pass a CSR matrix { n, d, indptr, indices, values }.`);
  const c = m as CsrMatrix;
  const n = count(c.n, name, 'n');
  // Blocks hold columns as uint32 (CsrBlock).
  if (count(c.d, name, 'd') > 2 ** 32)
    throw invalid('BAD_OPTION', `${name}: d = ${c.d} columns; a CSR block indexes columns as uint32, so d must be at most 2^32.`);
  for (const k of ['indptr', 'indices', 'values'] as const)
    if (!isArrayLike(c[k])) throw invalid('BAD_OPTION', `${name}: ${k} is ${what(c[k])}; pass an array (typed or plain).`);
  if (c.indptr.length !== n + 1)
    throw invalid('SHAPE_MISMATCH', `${name}: indptr has ${c.indptr.length} entries; a matrix of ${n} rows needs ${n + 1}.`);
  // Offsets may be BigInt (int64 arrays from HDF5): compared as numbers.
  const nnz = toNumber(c.indptr[n]);
  if (toNumber(c.indptr[0]) !== 0 || !Number.isSafeInteger(nnz) || nnz < 0 || nnz > c.indices.length || nnz > c.values.length)
    throw invalid(
      'SHAPE_MISMATCH',
      `${name}: indptr runs from ${String(c.indptr[0])} to ${String(c.indptr[n])}, but it must start at 0 and end at most at indices.length (${c.indices.length}) and values.length (${c.values.length}).`,
    );
  return c;
}

/** A number, or a BigInt as a number (int64 arrays); anything else is NaN. */
export function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Number.NaN;
}

/** A bad entry met while copying a CSR block: rows must not go back, columns lie in [0, d) and ascend, values are finite numbers. */
export function badCsrEntry(name: string, row: number, detail: string, code: 'SHAPE_MISMATCH' | 'NON_FINITE' = 'SHAPE_MISMATCH'): Error {
  return invalid(
    code,
    `${name}: row ${row}: ${detail}. Pass a valid CSR matrix (indptr non-decreasing, columns ascending in [0, d) within a row, finite values).`,
  );
}

/** A dense source's arguments: a Float32Array or Float64Array of n × d values. */
export function checkDenseArgs(data: unknown, n: unknown, d: unknown, name: unknown): void {
  if (typeof name !== 'string') throw invalid('BAD_OPTION', `denseSource: name is ${what(name)}; pass a string, or leave it out.`);
  if (!(data instanceof Float32Array || data instanceof Float64Array))
    throw invalid(
      'BAD_OPTION',
      `${name}: the data is ${data === null ? 'null' : ((data as object)?.constructor?.name ?? typeof data)}; pass a Float32Array or Float64Array of n × d values (row-major).`,
    );
  count(n, name, 'n');
  count(d, name, 'd');
}
