/**
 * The pieces of a Zarr row source that touch chunks: a store where a sparse array's missing chunk
 * is an error, row-range checks, slices of 1-D arrays (whole, or chunk by chunk with the last decoded
 * chunk kept), and the block checks (canonical order, finite values).
 */
import { FileFormatError, invalid } from '../../errors.js';
import type { CsrBlock } from '../../stream/types.js';
import { zarrError, type ZArray } from './anndata.js';
import type { ZarrStoreLike } from './store.js';

/** A store whose missing keys under `prefix` are damage (a sparse array's chunk), not a fill value. */
export function strictUnder(store: ZarrStoreLike, label: string, prefix: string): ZarrStoreLike {
  return {
    async get(key, options) {
      const v = await store.get(key, options);
      const last = key.slice(key.lastIndexOf('/') + 1);
      if (v === undefined && key.startsWith(prefix) && !last.startsWith('.') && last !== 'zarr.json')
        throw new FileFormatError(
          `${label}: the chunk ${key.replace(/^\//, '')} is missing. The store is incomplete (a copy cut short?); copy or write it again.`,
        );
      return v;
    },
  };
}

/**
 * A chunk grid the readers can walk: one whole chunk length ≥ 1 per dimension. zarrita opens
 * `"chunks": [0]` and then reads every value as the fill value (zeros, or entries dropped), so the
 * .zarray is refused when it is read.
 */
export function checkChunks(arr: ZArray, label: string): void {
  const c = arr.chunks;
  if (!Array.isArray(c) || c.length !== arr.shape.length || !c.every((x) => Number.isSafeInteger(x) && x >= 1))
    throw new FileFormatError(
      `${label}: ${arr.path.replace(/^\/+/, '')} declares chunks ${JSON.stringify(c)} for shape ${JSON.stringify(arr.shape)}; each dimension needs a whole chunk length ≥ 1. The .zarray is damaged; write the store again (e.g. with anndata).`,
    );
}

export function checkRange(name: string, n: number, start: number, end: number, closed: boolean): void {
  if (closed) throw invalid('BAD_OPTION', `${name}: the source is closed. Open it again to read from it.`);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start > end)
    throw invalid('BAD_OPTION', `${name}: rows [${start}, ${end}) are not within [0, ${n}). Ask for 0 ≤ start ≤ end ≤ ${n}.`);
}

/** Indices strictly ascending within every row (what anndata writes): the block needs no sorting or copying. */
export function isCanonical(b: CsrBlock): boolean {
  for (let i = 0; i < b.n; i++) for (let k = b.indptr[i] + 1; k < b.indptr[i + 1]; k++) if (b.indices[k] <= b.indices[k - 1]) return false;
  return true;
}

export type Typed =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/**
 * Entries [a, b) of a 1-D array, chunk by chunk, keeping the last decoded chunk: consecutive blocks
 * share their boundary chunk, so a pass decodes each chunk once whatever the block size.
 */
export function chunkReader(arr: ZArray, label: string): (a: number, b: number, signal?: AbortSignal) => Promise<Typed> {
  const size = arr.chunks[0];
  let last: { c: number; data: Typed } | undefined;
  return async (a, b, signal) => {
    let out: Typed | undefined;
    for (let c = Math.floor(a / size); c * size < b; c++) {
      if (last?.c !== c) {
        last = undefined; // dropped before the next is decoded: at most one chunk held
        try {
          last = { c, data: (await arr.getChunk([c], { signal })).data as unknown as Typed };
        } catch (e) {
          throw zarrError(label, e, arr.path);
        }
        // Zarr v2 stores every chunk at its full size (edge chunks padded), so a decoded chunk of
        // another length is a dtype, compressor or truncation lie: refuse it rather than read
        // reinterpreted or short values.
        if (last.data.length !== size)
          throw new FileFormatError(
            `${label}: chunk ${c} of ${arr.path} decodes to ${last.data.length} values, not the ${size} its .zarray declares (dtype, compressor or a truncated chunk do not match). Rewrite the store (e.g. with anndata) or restore the chunk.`,
          );
      }
      const chunk = last.data;
      out ??= new (chunk.constructor as new (len: number) => Typed)(b - a);
      const from = Math.max(a, c * size);
      const to = Math.min(b, (c + 1) * size);
      (out as Float32Array).set((chunk as Float32Array).subarray(from - c * size, to - c * size), from - a);
    }
    return out ?? new Float32Array(0);
  };
}

/** Refuse a non-finite value, naming its row and gene. */
export function checkFinite(values: Float32Array, indptr: Uint32Array, indices: Uint32Array, first: number, label: string): void {
  for (let k = 0; k < values.length; k++) {
    if (Number.isFinite(values[k])) continue;
    let i = 0;
    while (indptr[i + 1] <= k) i++;
    throw invalid(
      'NON_FINITE',
      `${label}: the value of cell ${first + i}, gene ${indices[k]} is ${values[k]}. Counts must be finite numbers; fix or drop those entries and write the store again.`,
    );
  }
}
