/**
 * What a row source's `readRows` returned, checked before any consumer indexes it. Sources may be
 * the caller's own objects, so a block can be of the wrong shape, hold columns outside [0, d),
 * offsets that go back or past the arrays, or non-finite values; a consumer that trusted it would
 * scatter values into other rows, read past the arrays (NaN) or fail with a TypeError. One check,
 * O(n + nnz), on every read of every streaming consumer (passes, batches, subsets, the worker).
 */
import { invalid } from '../errors.js';
import type { CsrBlock, DenseBlock, RowSource } from './types.js';

const what = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

function bad(name: string, start: number, end: number, detail: string, code: 'SHAPE_MISMATCH' | 'NON_FINITE' = 'SHAPE_MISMATCH'): Error {
  return invalid(
    code,
    `${name}: readRows(${start}, ${end}) returned ${detail}. A source must return rows [start, end) as a block of its own d columns (CSR: indptr non-decreasing within its arrays, columns in [0, d), finite values); fix the source.`,
  );
}

const isArrayLike = (v: unknown): v is ArrayLike<number> =>
  v !== null && typeof v === 'object' && typeof (v as ArrayLike<number>).length === 'number';

/** The block rows [start, end) of `source` must be; returns it unchanged, or throws a typed error. */
export function checkBlock<B>(source: RowSource, block: B, start: number, end: number): B {
  const name = typeof source.name === 'string' ? source.name : 'the source';
  if (block === null || typeof block !== 'object') throw bad(name, start, end, what(block));
  const b = block as unknown as Partial<CsrBlock & DenseBlock>;
  const n = end - start;
  const d = source.d;
  if (b.n !== n || b.d !== d) throw bad(name, start, end, `a block of ${String(b.n)} × ${String(b.d)} where ${n} × ${d} was asked`);
  if (source.kind === 'dense') {
    if (!(b.data instanceof Float32Array || b.data instanceof Float64Array) || b.data.length !== n * d)
      throw bad(
        name,
        start,
        end,
        `data of ${isArrayLike(b.data) ? `${b.data.length} values` : what(b.data)} (a dense block holds n × d = ${n * d} in a Float32Array or Float64Array)`,
      );
    const x = b.data;
    for (let t = 0; t < x.length; t++)
      if (!Number.isFinite(x[t]))
        throw bad(name, start, end, `the value ${x[t]} at row ${start + Math.floor(t / d)}, column ${t % d}`, 'NON_FINITE');
    return block;
  }
  const { indptr, indices, values } = b;
  if (!isArrayLike(indptr) || !isArrayLike(indices) || !isArrayLike(values))
    throw bad(name, start, end, 'a block without indptr, indices and values arrays (a CSR source returns CSR blocks)');
  if (indptr.length !== n + 1) throw bad(name, start, end, `an indptr of ${indptr.length} entries for ${n} rows`);
  const first = Number(indptr[0]);
  const last = Number(indptr[n]);
  if (!Number.isSafeInteger(first) || first < 0 || !Number.isSafeInteger(last) || last > indices.length || last > values.length)
    throw bad(
      name,
      start,
      end,
      `offsets from ${String(indptr[0])} to ${String(indptr[n])} with ${indices.length} indices and ${values.length} values`,
    );
  for (let i = 0; i < n; i++) {
    const p0 = Number(indptr[i]);
    const p1 = Number(indptr[i + 1]);
    if (!(p1 >= p0)) throw bad(name, start, end, `an indptr that goes back at row ${start + i}`);
    for (let p = p0; p < p1; p++) {
      const j = Number(indices[p]);
      if (!(Number.isInteger(j) && j >= 0 && j < d))
        throw bad(name, start, end, `column ${String(indices[p])} at row ${start + i}, outside [0, ${d})`);
      const v = values[p];
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw bad(
          name,
          start,
          end,
          `the value ${String(v)} at row ${start + i}, column ${j}`,
          typeof v === 'number' ? 'NON_FINITE' : 'SHAPE_MISMATCH',
        );
    }
  }
  return block;
}

/** Rows [start, end) of a source, checked (what every streaming consumer reads through). */
export async function readChecked<S extends RowSource>(
  source: S,
  start: number,
  end: number,
  signal?: AbortSignal,
): Promise<Awaited<ReturnType<S['readRows']>>> {
  const block = await source.readRows(start, end, signal);
  return checkBlock(source, block as Awaited<ReturnType<S['readRows']>>, start, end);
}
