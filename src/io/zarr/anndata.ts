/**
 * AnnData's layout in a Zarr store, read through zarrita: which matrices the store holds (X, raw/X,
 * layers/*), an element's encoding, dataframe indexes (obs_names / var_names), and one error policy
 * (zarrita's errors and undecodable chunks become FileFormatError naming the key and the fix).
 *
 * zarrita is imported on first use (a dynamic import), so code that never opens a Zarr store (a
 * k-means page) never downloads it.
 */
import { EmgpuError, FileFormatError } from '../../errors.js';
import type { ZarrStoreLike } from './store.js';
import { zarrita } from './zarrita.js';

/** What src/io/zarr uses of a zarrita array (structural, so no shipped declaration names zarrita). */
export interface ZArray {
  readonly kind: 'array';
  readonly path: string;
  readonly shape: number[];
  readonly chunks: number[];
  readonly dtype: string;
  readonly attrs: Record<string, unknown>;
  getChunk(coords: number[], options?: { signal?: AbortSignal }): Promise<{ data: unknown; shape: number[]; stride: number[] }>;
}

/** What src/io/zarr uses of a zarrita group. */
export interface ZGroup {
  readonly kind: 'group';
  readonly path: string;
  readonly attrs: Record<string, unknown>;
}

export type ZNode = ZArray | ZGroup;

/** The codecs a store may use (zarrita's registry: what anndata and zarr write by default, and more). */
export const READABLE_CODECS = 'blosc (lz4, lz4hc, zstd, zlib, blosclz), zlib, gzip, lz4, zstd, shuffle, delta';

/** Any failure inside zarrita as a typed error: cause (which key, which codec), then what to do. */
export function zarrError(label: string, e: unknown, where: string): Error {
  if (e instanceof EmgpuError) return e;
  const what = where.replace(/^\/+/, '');
  const err = e as { name?: string; message?: string; codec?: string; cause?: unknown; path?: string };
  if (err?.name === 'AbortError') return e as Error;
  if (err?.name === 'UnknownCodecError')
    return new FileFormatError(
      `${label}: ${what} is compressed with the codec "${String(err.codec).replace(/^numcodecs\./, '')}", which this reader cannot decode (it reads ${READABLE_CODECS}). ` +
        'Write the store again with a default compressor (zarr.Blosc or numcodecs.Zlib).',
      { cause: e },
    );
  if (err?.name === 'CodecPipelineError') {
    const inner = err.cause instanceof EmgpuError ? err.cause : undefined;
    if (inner) return inner;
    return new FileFormatError(
      `${label}: a chunk of ${what} could not be decoded (${err.message ?? String(e)}${err.cause ? `: ${(err.cause as Error).message ?? String(err.cause)}` : ''}). The store is damaged; write it again.`,
      { cause: e },
    );
  }
  if (err?.name === 'InvalidMetadataError' || e instanceof SyntaxError || err?.name === 'UnsupportedError')
    return new FileFormatError(
      `${label}: the Zarr metadata of ${what} cannot be read (${err.message ?? String(e)}). The store is damaged or written by an unsupported writer; write it again with anndata.`,
      { cause: e },
    );
  return new FileFormatError(`${label}: reading ${what} failed (${err?.message ?? String(e)}). The store is damaged or incomplete.`, {
    cause: e,
  });
}

/** The element at `path` (array or group), or undefined when the store has no such node. */
export async function openNode(store: ZarrStoreLike, label: string, path: string): Promise<ZNode | undefined> {
  const zarr = await zarrita();
  const loc = zarr.root(store as never).resolve(path);
  try {
    return (await zarr.open(loc)) as unknown as ZNode;
  } catch (e) {
    if ((e as Error)?.name === 'NotFoundError') return undefined;
    throw zarrError(label, e, path);
  }
}

export const isArray = (x: ZNode | undefined): x is ZArray => x !== undefined && x.kind === 'array';

/** AnnData's encoding of an element (encoding-type, or the older h5sparse_format). */
export function encodingOf(x: ZNode): string | undefined {
  const e = x.attrs['encoding-type'];
  if (typeof e === 'string') return e;
  const old = x.attrs.h5sparse_format;
  if (typeof old === 'string') return old === 'csr' ? 'csr_matrix' : old === 'csc' ? 'csc_matrix' : old;
  return undefined;
}

/** A sparse group's shape attribute, or undefined. */
export function shapeAttr(x: ZNode): [number, number] | undefined {
  const s = x.attrs.shape ?? x.attrs.h5sparse_shape;
  if (Array.isArray(s) && s.length === 2) return [Number(s[0]), Number(s[1])];
  return undefined;
}

/** Whether a node exists (one metadata read; v2 or v3). */
async function exists(store: ZarrStoreLike, path: string): Promise<boolean> {
  for (const k of ['.zgroup', '.zarray', 'zarr.json']) if ((await store.get(`/${path}/${k}`)) !== undefined) return true;
  return false;
}

/** The matrices a store holds: X, raw/X, layers/* (listed where the store can list; else layers/counts probed). */
export async function availableMatrices(store: ZarrStoreLike): Promise<string[]> {
  const out: string[] = [];
  if (await exists(store, 'X')) out.push('X');
  if (await exists(store, 'raw/X')) out.push('raw/X');
  const layers = (await store.children?.('layers')) ?? ['counts'];
  for (const k of layers) if (await exists(store, `layers/${k}`)) out.push(`layers/${k}`);
  return out;
}

/** Strings of a 1-D string array (v2 vlen-utf8 objects, v3 strings, fixed-width unicode/bytes), rows [start, end). */
export async function readStrings(arr: ZArray, label: string, start?: number, end?: number): Promise<string[]> {
  const zarr = await zarrita();
  let data: unknown;
  try {
    const sel = start === undefined ? null : [zarr.slice(start, end ?? arr.shape[0])];
    data = (await zarr.get(arr as never, sel)).data;
  } catch (e) {
    throw zarrError(label, e, arr.path);
  }
  if (Array.isArray(data)) return data.map((s) => String(s));
  const v = data as { length: number; get?: (i: number) => unknown };
  if (typeof v?.get === 'function') return Array.from({ length: v.length }, (_, i) => String(v.get?.(i)));
  if (ArrayBuffer.isView(data)) return Array.from(data as unknown as ArrayLike<number | bigint>, (x) => String(x));
  throw new FileFormatError(`${label}: ${arr.path} is not a string array. Write the store again with anndata.`);
}

/** A dataframe's index array (obs_names / var_names), named by the group's `_index` attribute. */
export async function dataframeIndexArray(store: ZarrStoreLike, label: string, path: string): Promise<ZArray | undefined> {
  const g = await openNode(store, label, path);
  if (g?.kind !== 'group') return undefined;
  const named = g.attrs._index;
  for (const name of [typeof named === 'string' ? named : undefined, '_index', 'index']) {
    if (name === undefined) continue;
    const a = await openNode(store, label, `${path}/${name}`);
    if (isArray(a)) return a;
  }
  return undefined;
}
