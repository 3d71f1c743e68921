/**
 * Rows of a compressed-sparse matrix stored major-by-row in HDF5 (an .h5ad CSR group, or a 10x
 * matrix whose columns are cells), read on demand: the row index (indptr) once, 8 bytes per row,
 * then for rows [start, end) only the data and indices entries [indptr[start], indptr[end]).
 *
 * Checks, the same as the in-memory loaders make (../csr.ts validateCsr): indptr starts at 0,
 * never decreases and ends at the number of stored entries (when it is read); per block: indices
 * are whole numbers below d and values finite. Each block is put in canonical form (indices
 * ascending within a row, duplicates summed: a row-local rule, so blocks do not depend on the
 * chunking) and, for 10x files, restricted to the kept features, as read10xH5 does.
 */
import type { Dataset } from 'h5wasm';
import { BufferLimitError, FileFormatError, invalid, throwIfAborted } from '../../errors.js';
import type { CsrBlock } from '../../stream/types.js';
import { canonicalize, checkNnz, selectColumns, toFloat32, toUint32 } from '../csr.js';
import { hdf5Error, type OpenedH5 } from '../h5.js';
import { getPath, isDataset, readNumeric, shapeOf } from '../h5-read.js';
import { formatBytes } from '../memory.js';
import { formatCount } from '../text.js';

export interface CsrRows {
  /** Row offsets as stored (exact up to 2^53), n + 1 of them. */
  indptr: Float64Array;
  /** Stored entries. */
  nnz: number;
  /** Columns of the blocks (after the feature mask). */
  d: number;
  read(start: number, end: number, signal?: AbortSignal): CsrBlock;
}

/** One rows-range check for every backed source (the in-memory adapters' wording). */
export function checkRows(label: string, n: number, start: number, end: number, closed: boolean): void {
  if (closed) throw invalid('BAD_OPTION', `${label}: the source is closed. Open it again to read from it.`);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start > end)
    throw invalid('BAD_OPTION', `${label}: rows [${start}, ${end}) are not within [0, ${n}). Ask for 0 ≤ start ≤ end ≤ ${n}.`);
}

/** Refuse a block that would not fit the budget, naming the fix. */
export function checkBlockBytes(label: string, start: number, end: number, bytes: number, maxBytes: number): void {
  if (bytes > maxBytes)
    throw new BufferLimitError(
      `${label}: rows [${start}, ${end}) take about ${formatBytes(bytes)} once read, above maxBytes = ${formatBytes(maxBytes)}. ` +
        'Read fewer rows at a time (a smaller chunkRows or chunkBytes), or raise maxBytes.',
    );
}

function need(h: OpenedH5, path: string): Dataset {
  const ds = getPath(h, path);
  if (!ds || !isDataset(h, ds))
    throw new FileFormatError(`${h.label}: no "${path}" dataset; a compressed sparse matrix needs data, indices and indptr.`);
  const shape = shapeOf(ds);
  if (shape.length !== 1) throw new FileFormatError(`${h.label}: ${path} is ${shape.length}-D; it should be a 1-D array.`);
  return ds;
}

/** The row index, checked: n + 1 offsets from 0, never decreasing, ending at nnz. */
function readIndptr(h: OpenedH5, path: string, n: number, nnz: number, maxBytes: number): Float64Array {
  checkBlockBytes(h.label, 0, n, 16 * (n + 1), maxBytes);
  const raw = readNumeric(h, need(h, path));
  if (raw.length !== n + 1)
    throw new FileFormatError(
      `${h.label}: ${path} has ${formatCount(raw.length)} entries; the shape needs ${formatCount(n + 1)}. The file is corrupt.`,
    );
  const ptr = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) ptr[i] = Number(raw[i]);
  if (ptr[0] !== 0) throw new FileFormatError(`${h.label}: ${path}[0] = ${ptr[0]}, not 0. The file is corrupt.`);
  for (let i = 0; i < n; i++) {
    if (!(ptr[i + 1] >= ptr[i]))
      throw new FileFormatError(`${h.label}: ${path} decreases at row ${i} (${ptr[i]} → ${ptr[i + 1]}). The file is corrupt.`);
  }
  if (ptr[n] !== nnz)
    throw new FileFormatError(
      `${h.label}: ${path} ends at ${formatCount(ptr[n])} but the matrix stores ${formatCount(nnz)} entries. The file is corrupt or truncated.`,
    );
  return ptr;
}

/** The row holding stored entry k (binary search in indptr), for messages. */
function rowOf(ptr: Float64Array, k: number): number {
  let lo = 0;
  let hi = ptr.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ptr[mid] <= k) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Open the rows of the compressed group at `group` (n major rows × d minor columns). `keep` (d
 * flags) drops columns from every block, as the 10x reader's feature filters do.
 */
export function openCsrRows(h: OpenedH5, group: string, n: number, d: number, maxBytes: number, keep?: boolean[]): CsrRows {
  const dataDs = need(h, `${group}/data`);
  const indicesDs = need(h, `${group}/indices`);
  const nnz = shapeOf(dataDs)[0];
  if (shapeOf(indicesDs)[0] !== nnz)
    throw new FileFormatError(
      `${h.label}: ${group} has ${formatCount(shapeOf(indicesDs)[0])} indices and ${formatCount(nnz)} values; they must agree. The file is corrupt or truncated.`,
    );
  const indptr = readIndptr(h, `${group}/indptr`, n, nnz, maxBytes);
  const dOut = keep ? keep.filter(Boolean).length : d;
  const slice = (ds: Dataset, a: number, b: number): ArrayLike<number | bigint> => {
    let v: unknown;
    try {
      v = ds.slice([[a, b]]);
    } catch (e) {
      throw hdf5Error(h.label, e, `read entries ${a}..${b} of ${ds.path}`);
    }
    if (!ArrayBuffer.isView(v) || v instanceof DataView) throw new FileFormatError(`${h.label}: ${ds.path} is not a numeric array.`);
    return v as unknown as ArrayLike<number | bigint>;
  };
  return {
    indptr,
    nnz,
    d: dOut,
    read(start, end, signal) {
      throwIfAborted(signal);
      const rows = end - start;
      const a = indptr[start];
      const b = indptr[end];
      const count = b - a;
      checkNnz(count, h.label);
      // Read as stored (int64 indices: 8 bytes), then float32 + uint32.
      checkBlockBytes(h.label, start, end, 16 * count + 4 * (rows + 1), maxBytes);
      const ip = new Uint32Array(rows + 1);
      for (let i = 0; i <= rows; i++) ip[i] = indptr[start + i] - a;
      let indices: Uint32Array = new Uint32Array(0);
      let values: Float32Array = new Float32Array(0);
      if (count > 0) {
        const raw = slice(indicesDs, a, b);
        // int32 (anndata's usual) is viewed as uint32 once no entry is negative: no copy.
        indices =
          raw instanceof Int32Array && raw.every((j) => j >= 0)
            ? new Uint32Array(raw.buffer, raw.byteOffset, raw.length)
            : toUint32(raw, `${group}/indices (from entry ${a})`, h.label);
        values = toFloat32(slice(dataDs, a, b));
        for (let k = 0; k < count; k++) {
          if (indices[k] >= d)
            throw new FileFormatError(
              `${h.label}: ${group}/indices[${a + k}] = ${indices[k]} (row ${rowOf(indptr, a + k)}) is outside 0..${d - 1}. The file is corrupt.`,
            );
          const v = values[k];
          if (v - v !== 0)
            throw new FileFormatError(
              `${h.label}: ${group}/data[${a + k}] (row ${rowOf(indptr, a + k)}) is ${v}; a streamed matrix needs finite values. ` +
                'Replace them in the file (e.g. numpy.nan_to_num), or load it whole with readH5ad, which keeps them and warns.',
            );
        }
      }
      let m = canonicalize({ n: rows, d, nnz: count, indptr: ip, indices, values }).matrix;
      if (keep) m = selectColumns(m, keep);
      return { n: rows, d: m.d, nnz: m.nnz, indptr: m.indptr, indices: m.indices, values: m.values };
    },
  };
}
