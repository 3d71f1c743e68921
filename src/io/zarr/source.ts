/**
 * An AnnData Zarr store as a row source (src/stream's contract): a csr_matrix X (or layer, or
 * raw/X) becomes a CsrSource whose indptr is read once (8 bytes per row) and whose readRows(start,
 * end) reads only the chunks of data/indices covering [indptr[start], indptr[end]); a dense X
 * becomes a DenseSource reading the row chunks it needs. csc_matrix is refused: a block of cells
 * would touch every chunk of the store.
 *
 * Every block is validated (indices whole and below d, values finite) and put in canonical form
 * (indices ascending within a row, duplicates summed: rows are independent, so chunking never
 * changes a block). A missing chunk of a sparse matrix's arrays is damage, not Zarr's fill value
 * (anndata writes every chunk), and is refused naming the key; a dense array's missing chunk is
 * the fill value, as Zarr defines it.
 */
import { checkLoaderOptions } from '../options.js';
import { BufferLimitError, FileFormatError, invalid, throwIfAborted } from '../../errors.js';
import type { CsrBlock, CsrSource, DenseBlock, DenseSource } from '../../stream/types.js';
import { canonicalize, MAX_NNZ, toUint32 } from '../csr.js';
import { checkMaxBytes, MemoryLimitError, shapeEstimate } from '../memory.js';
import { formatCount } from '../text.js';
import type { H5adMatrixSource } from '../types.js';
import { dataframeIndexArray, isArray, openNode, readStrings, zarrError, type ZArray } from './anndata.js';
import { zarrita } from './zarrita.js';
import { checkChunks, checkFinite, checkRange, chunkReader, isCanonical, strictUnder } from './chunks.js';
import { openMatrix, type OpenedMatrix } from './open.js';
import type { ZarrInput } from './store.js';

export interface OpenZarrSourceOptions {
  /** Which matrix: 'auto' (default: layers/counts, else raw/X, else X), 'X', 'raw/X' or 'layers/<name>'. */
  matrix?: 'auto' | H5adMatrixSource;
  /** The most the source may hold at once: its row index (8 bytes per row) and one block. Default 2 GiB. */
  maxBytes?: number;
  /** Abort opening (reading indptr); each readRows takes its own signal. */
  signal?: AbortSignal;
}

/** What a Zarr source says about its store, beyond the row-source contract. */
export interface ZarrSourceInfo {
  matrixSource: H5adMatrixSource;
  encoding: 'csr' | 'dense';
  /** The matrices present, for choosing another with `matrix`. */
  available: string[];
  zarrFormat: 2 | 3;
}

export interface ZarrCsrSource extends CsrSource {
  readonly genes: string[];
  readonly zarr: ZarrSourceInfo;
  /** Cell names of rows [start, end) (default all), read on demand from obs's index. */
  cellNames(start?: number, end?: number): Promise<string[]>;
}

export interface ZarrDenseSource extends DenseSource {
  readonly genes: string[];
  readonly zarr: ZarrSourceInfo;
  cellNames(start?: number, end?: number): Promise<string[]>;
}

export const ZARR_SOURCE_OPTIONS = ['matrix', 'maxBytes', 'signal'] as const;

/** The Python line that stores an element by cell. */
function cscFix(path: string): string {
  const el = path === 'X' ? 'adata.X' : path === 'raw/X' ? 'adata.raw.X' : `adata.layers['${path.slice(7)}']`;
  return path === 'raw/X' ? 'adata.raw = anndata.AnnData(adata.raw.X.tocsr(), var=adata.raw.var)' : `${el} = ${el}.tocsr()`;
}

/** Open an AnnData Zarr store as a row source (Node: a directory path; browsers: a URL, a directory handle or a FileList). */
export async function openZarrSource(input: ZarrInput, options: OpenZarrSourceOptions = {}): Promise<ZarrCsrSource | ZarrDenseSource> {
  checkLoaderOptions(options, ZARR_SOURCE_OPTIONS, 'openZarrSource');
  checkMaxBytes(options.maxBytes);
  return sourceOf(await openMatrix(input, options.matrix ?? 'auto'), options);
}

/** The row source over an opened matrix (readZarr opens first, to read csc whole). */
export async function sourceOf(m: OpenedMatrix, options: OpenZarrSourceOptions): Promise<ZarrCsrSource | ZarrDenseSource> {
  const maxBytes = checkMaxBytes(options.maxBytes);
  const { store, label, n, d, genes } = m;
  const name = `${label} ${m.path}`;
  const info: ZarrSourceInfo = { matrixSource: m.matrixSource, encoding: 'csr', available: m.available, zarrFormat: m.zarrFormat };
  let closed = false;
  let cellIndex: Promise<ZArray | undefined> | undefined;
  const cellNames = async (start = 0, end = n): Promise<string[]> => {
    checkRange(name, n, start, end, closed);
    cellIndex ??= dataframeIndexArray(store, label, 'obs');
    const arr = await cellIndex;
    if (!arr) return Array.from({ length: end - start }, (_, i) => String(start + i));
    if (arr.shape[0] !== n)
      throw new FileFormatError(
        `${label}: obs names ${formatCount(arr.shape[0])} cells but ${m.path} has ${formatCount(n)} rows. The store is inconsistent.`,
      );
    return readStrings(arr, label, start, end);
  };
  const budget = (bytes: number, nnz: number, why: string): void => {
    if (bytes > maxBytes) throw new MemoryLimitError(name, shapeEstimate({ n, d, nnz }), bytes, maxBytes, why);
  };

  if (m.encoding === 'csc')
    throw new FileFormatError(
      `${label}: ${m.path} is stored by gene (csc_matrix), so any block of cells would read the whole store. ` +
        `Store it by cell (in Python: ${cscFix(m.path)}, then write_zarr again), or load it whole with readZarr.`,
    );

  if (m.encoding === 'dense') {
    const arr = m.node as ZArray;
    if (!/^(u?int(8|16|32|64)|float(32|64))$/.test(String(arr.dtype)))
      throw new FileFormatError(`${label}: ${m.path} has dtype ${String(arr.dtype)}; a matrix holds numbers.`);
    checkChunks(arr, label);
    const f64 = arr.dtype === 'float64' || arr.dtype === 'int64' || arr.dtype === 'uint64';
    const src: ZarrDenseSource = {
      kind: 'dense',
      n,
      d,
      name,
      genes,
      zarr: { ...info, encoding: 'dense' },
      cellNames,
      async readRows(start, end, signal): Promise<DenseBlock> {
        checkRange(name, n, start, end, closed);
        throwIfAborted(signal);
        const rows = end - start;
        budget((f64 ? 8 : 4) * rows * d, rows * d, `a block of ${formatCount(rows)} dense rows`);
        const zarr = await zarrita();
        let chunk: { data: unknown; stride: number[] };
        try {
          chunk = (await zarr.get(arr as never, [zarr.slice(start, end), null], { signal })) as unknown as typeof chunk;
        } catch (e) {
          throw zarrError(label, e, m.path);
        }
        const raw = chunk.data as ArrayLike<number | bigint>;
        const out = f64 ? new Float64Array(rows * d) : new Float32Array(rows * d);
        const [si, sj] = chunk.stride;
        for (let i = 0; i < rows; i++)
          for (let j = 0; j < d; j++) {
            const x = Number(raw[i * si + j * sj]);
            if (!Number.isFinite(x))
              throw invalid(
                'NON_FINITE',
                `${name}: the value of cell ${start + i}, gene ${j} is ${x}. Values must be finite; fix the store and write it again.`,
              );
            out[i * d + j] = x;
          }
        return { n: rows, d, data: out };
      },
      async close() {
        closed = true;
      },
    };
    return src;
  }

  // CSR: the three arrays, read through a store where a missing chunk is an error.
  const strict = strictUnder(store, label, `/${m.path}/`);
  const part = async (p: string): Promise<ZArray> => {
    const a = await openNode(strict, label, `${m.path}/${p}`);
    if (!isArray(a) || a.shape.length !== 1)
      throw new FileFormatError(
        `${label}: ${m.path}/${p} is ${a ? 'not a 1-D array' : 'missing'}; a csr_matrix group holds 1-D data, indices and indptr.`,
      );
    if (!/^(u?int(8|16|32|64)|float(32|64))$/.test(String(a.dtype)))
      throw new FileFormatError(`${label}: ${m.path}/${p} has dtype ${String(a.dtype)}; expected numbers.`);
    checkChunks(a, label);
    return a;
  };
  const [dataArr, indicesArr, indptrArr] = await Promise.all([part('data'), part('indices'), part('indptr')]);
  if (indptrArr.shape[0] !== n + 1)
    throw new FileFormatError(
      `${label}: ${m.path}/indptr has ${formatCount(indptrArr.shape[0])} entries; a matrix with ${formatCount(n)} rows needs ${formatCount(n + 1)}.`,
    );
  if (dataArr.shape[0] !== indicesArr.shape[0])
    throw new FileFormatError(
      `${label}: ${m.path} has ${formatCount(dataArr.shape[0])} values but ${formatCount(indicesArr.shape[0])} indices. The store is damaged.`,
    );
  budget(8 * (n + 1), 0, 'the row index (indptr, 8 bytes per cell)');

  // indptr once, in slices (a 10M-cell int64 indptr is never held twice), chunk by chunk with the
  // data's chunk-length check: an emptied or mis-declared chunk is refused, not read as zeros.
  const indptr = new Float64Array(n + 1);
  const readIndptr = chunkReader(indptrArr, label);
  const step = Math.max(indptrArr.chunks[0], 2 ** 20 - (2 ** 20 % indptrArr.chunks[0]));
  for (let a = 0; a <= n; a += step) {
    throwIfAborted(options.signal);
    const part = await readIndptr(a, Math.min(n + 1, a + step), options.signal);
    for (let k = 0; k < part.length; k++) indptr[a + k] = Number(part[k]);
  }
  for (let i = 0; i <= n; i++)
    if (!Number.isSafeInteger(indptr[i]))
      throw new FileFormatError(
        `${label}: ${m.path}/indptr[${i}] = ${indptr[i]} is not a whole offset (a dtype that does not match the stored bytes?). The store is corrupt.`,
      );
  if (indptr[0] !== 0) throw new FileFormatError(`${label}: ${m.path}/indptr[0] = ${indptr[0]}, not 0. The store is corrupt.`);
  for (let i = 0; i < n; i++)
    if (!(indptr[i + 1] >= indptr[i]))
      throw new FileFormatError(
        `${label}: ${m.path}/indptr decreases at row ${i} (${indptr[i]} → ${indptr[i + 1]}). The store is corrupt.`,
      );
  // anndata writes data and indices with exactly indptr[n] entries: any other end is a damaged
  // indptr (a chunk read as zeros ends early) or truncated arrays.
  const nnz = indptr[n];
  if (nnz !== dataArr.shape[0])
    throw new FileFormatError(
      `${label}: ${m.path}/indptr ends at ${formatCount(nnz)} but data and indices hold ${formatCount(dataArr.shape[0])} entries. The store is corrupt or truncated; write it again.`,
    );

  const readData = chunkReader(dataArr, label);
  const readIndices = chunkReader(indicesArr, label);
  const src: ZarrCsrSource = {
    kind: 'csr',
    n,
    d,
    nnz,
    name,
    genes,
    zarr: info,
    cellNames,
    nnzIn(start, end) {
      checkRange(name, n, start, end, closed);
      return indptr[end] - indptr[start];
    },
    async readRows(start, end, signal): Promise<CsrBlock> {
      checkRange(name, n, start, end, closed);
      throwIfAborted(signal);
      const a = indptr[start];
      const b = indptr[end];
      const rows = end - start;
      if (b - a > MAX_NNZ)
        throw new BufferLimitError(
          `${name}: rows [${start}, ${end}) hold ${formatCount(b - a)} entries, more than a block's Uint32 index addresses. Read fewer rows at a time.`,
        );
      budget(4 * (rows + 1) + 8 * (b - a), b - a, `a block of ${formatCount(rows)} rows`);
      const [vals, idx] =
        b > a ? [await readData(a, b, signal), await readIndices(a, b, signal)] : [new Float32Array(0), new Uint32Array(0)];
      const ip = new Uint32Array(rows + 1);
      for (let i = 0; i <= rows; i++) ip[i] = indptr[start + i] - a;
      // int32 indices (anndata's default) are checked and then viewed as uint32: no copy of the block.
      const indices =
        idx instanceof Int32Array ? new Uint32Array(idx.buffer, idx.byteOffset, idx.length) : toUint32(idx, `${m.path}/indices`, label);
      for (let k = 0; k < indices.length; k++)
        if (indices[k] >= d)
          throw new FileFormatError(
            `${label}: ${m.path}/indices[${formatCount(a + k)}] = ${(idx as ArrayLike<number>)[k]} is outside 0..${d - 1}. The store is corrupt.`,
          );
      const values = vals instanceof Float32Array ? vals : Float32Array.from(vals as ArrayLike<number>, Number);
      checkFinite(values, ip, indices, start, name);
      const block: CsrBlock = { n: rows, d, nnz: b - a, indptr: ip, indices, values };
      return isCanonical(block) ? block : canonicalize(block).matrix;
    },
    async close() {
      closed = true;
    },
  };
  return src;
}
