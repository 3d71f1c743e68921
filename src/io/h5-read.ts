/** Small typed accessors over h5wasm objects: paths, attributes, strings, numbers, compressed-sparse parts, and the memory check. */
import type { Dataset, Group } from 'h5wasm';
import { FileFormatError } from '../errors.js';
import { yieldToEventLoop } from '../core/yield.js';
import { toFloat32, toUint32 } from './csr.js';
import { abortIfNeeded } from './input.js';
import { checkDimensions, checkLoadBudget, checkMaxBytes, shapeEstimate } from './memory.js';
import type { LoadOptions } from './types.js';
import { hdf5Error, type OpenedH5 } from './h5.js';

/**
 * Between HDF5 calls: one turn of the event loop (so a timer's abort, or the page, can run), then the signal.
 * One HDF5 call itself is not interruptible; in Node it is bounded by timeoutMs (h5-remote.ts).
 */
export async function checkpoint(signal: AbortSignal | undefined): Promise<void> {
  await yieldToEventLoop();
  abortIfNeeded(signal);
}

export function isGroup(h: OpenedH5, x: unknown): x is Group {
  return x instanceof h.h5.Group;
}

export function isDataset(h: OpenedH5, x: unknown): x is Dataset {
  return x instanceof h.h5.Dataset;
}

/** The object at a path, or undefined (missing paths, broken links). */
export function getPath(h: OpenedH5, path: string): Group | Dataset | undefined {
  let x: unknown;
  try {
    x = h.file.get(path);
  } catch (e) {
    // HDF5's own errors and WebAssembly traps mean damage; anything else is a missing or broken link.
    const text = e instanceof Error ? e.message : String(e);
    if (/HDF5|H5/.test(text) || (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError))
      throw hdf5Error(h.label, e, `read ${path}`);
    return undefined;
  }
  return isGroup(h, x) || isDataset(h, x) ? x : undefined;
}

/** An attribute's value (strings decoded, bigints as numbers), or undefined. */
export function attr(h: OpenedH5, obj: Group | Dataset, name: string): unknown {
  let a: { value: unknown } | undefined;
  try {
    a = obj.attrs[name];
  } catch (e) {
    throw hdf5Error(h.label, e, `read the attributes of ${obj.path}`);
  }
  if (!a) return undefined;
  try {
    const v = a.value;
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Array.from(v, Number);
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
    return v;
  } catch {
    return undefined; // attribute types h5wasm cannot read (e.g. object references) are not needed
  }
}

/** A dataset's whole value, with HDF5 errors made readable. */
export function readValue(h: OpenedH5, ds: Dataset): unknown {
  try {
    return ds.value;
  } catch (e) {
    throw hdf5Error(h.label, e, `read ${ds.path}`);
  }
}

/** A 1-D dataset of strings (fixed or variable length; bytes decoded as UTF-8). */
export function readStrings(h: OpenedH5, ds: Dataset): string[] {
  const v = readValue(h, ds);
  if (Array.isArray(v))
    return v.map((s) => (typeof s === 'string' ? s : s instanceof Uint8Array ? new TextDecoder().decode(s) : String(s)));
  if (typeof v === 'string') return [v];
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => String(x));
  throw new FileFormatError(`${h.label}: ${ds.path} should hold strings but holds ${describeValue(v)}.`);
}

export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<unknown>).length})`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v;
}

/** A numeric array dataset's value (typed array), or a clear error. */
export function readNumeric(h: OpenedH5, ds: Dataset): ArrayLike<number> & { length: number } {
  const v = readValue(h, ds);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return v as unknown as ArrayLike<number> & { length: number };
  if (typeof v === 'number' || typeof v === 'bigint') return [Number(v)];
  throw new FileFormatError(`${h.label}: ${ds.path} should hold numbers but holds ${describeValue(v)}.`);
}

export function shapeOf(ds: Dataset): number[] {
  return ds.shape ?? [];
}

/** Compressed-sparse triplet from a group (data, indices, indptr) as Uint32/Float32 arrays. */
export async function readCompressed(
  h: OpenedH5,
  g: Group,
  nMajor: number,
  nMinor: number,
  signal?: AbortSignal,
): Promise<{ ptr: Uint32Array; idx: Uint32Array; vals: Float32Array }> {
  const need = (name: string): Dataset => {
    const ds = getPath(h, `${g.path}/${name}`);
    if (!ds || !isDataset(h, ds))
      throw new FileFormatError(
        `${h.label}: ${g.path} has no "${name}" dataset; a compressed sparse matrix needs data, indices and indptr.`,
      );
    return ds;
  };
  await checkpoint(signal);
  const ptr = toUint32(readNumeric(h, need('indptr')), `${g.path}/indptr`, h.label);
  if (ptr.length !== nMajor + 1) {
    throw new FileFormatError(
      `${h.label}: ${g.path}/indptr has ${ptr.length} entries; the shape needs ${nMajor + 1}. The file is corrupt.`,
    );
  }
  await checkpoint(signal);
  const idx = toUint32(readNumeric(h, need('indices')), `${g.path}/indices`, h.label);
  await checkpoint(signal);
  const vals = toFloat32(readNumeric(h, need('data')));
  await checkpoint(signal);
  if (idx.length !== vals.length || ptr[nMajor] !== idx.length) {
    throw new FileFormatError(
      `${h.label}: ${g.path} has ${idx.length} indices, ${vals.length} values and indptr ending at ${ptr[nMajor]}; they must agree. The file is corrupt or truncated.`,
    );
  }
  for (let k = 0; k < idx.length; k++) {
    if (idx[k] >= nMinor)
      throw new FileFormatError(`${h.label}: ${g.path}/indices[${k}] = ${idx[k]} is outside 0..${nMinor - 1}. The file is corrupt.`);
  }
  return { ptr, idx, vals };
}

/** maxBytes check for the HDF5 readers: file (unless mounted) + CSR + int64 index staging. */
export function checkH5Budget(
  label: string,
  options: LoadOptions,
  shape: { n: number; d: number; nnz: number },
  fileBytes: number,
  mounted: boolean,
): void {
  checkDimensions(label, shape.n, shape.d, 'the shape');
  if (!(Number.isSafeInteger(shape.nnz) && shape.nnz >= 0)) {
    throw new FileFormatError(`${label}: the matrix declares ${String(shape.nnz)} stored entries. The file is damaged; get it again.`);
  }
  const est = shapeEstimate(shape);
  options.onEstimate?.(est);
  const needed = est.csrBytes + 8 * shape.nnz + (mounted ? 0 : fileBytes);
  checkLoadBudget(
    label,
    est,
    checkMaxBytes(options.maxBytes),
    needed,
    `the CSR matrix, its int64 indices as stored${mounted ? '' : ' and the file itself in memory'}`,
  );
}
