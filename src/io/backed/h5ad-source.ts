/**
 * `openH5adSource`: an AnnData .h5ad file as a row source (../../stream/types.ts), read in blocks
 * of cells on demand. The matrix is chosen by the rules and option names of readH5ad (`matrix`:
 * 'auto' = layers/counts, else raw/X, else X). A CSR matrix gives a CsrSource: its indptr is read
 * once (8 bytes per cell), then each block reads only its own entries. A dense X gives a
 * DenseSource of row slices. A CSC matrix cannot be read by rows without reading it whole, so it is
 * refused (write it as CSR, or load it whole with readH5ad).
 *
 * Where the file comes from (a path in Node, a File in a Web Worker, …) and what that costs: ./open.ts.
 */
import type { Dataset } from 'h5wasm';
import { FileFormatError, throwIfAborted } from '../../errors.js';
import type { CsrSource, DenseSource } from '../../stream/types.js';
import { checkNnz, toFloat32 } from '../csr.js';
import { hdf5Error, checkTimeout, type OpenedH5 } from '../h5.js';
import { getPath, isDataset, shapeOf } from '../h5-read.js';
import { dataframeIndex, encodingOf, readObs } from '../h5ad-obs.js';
import { chooseH5adMatrix, shapeAttr } from '../h5ad.js';
import { inputName } from '../input.js';
import { checkDimensions, checkMaxBytes } from '../memory.js';
import { checkLoaderOptions } from '../options.js';
import { formatCount } from '../text.js';
import type { ByteInput, H5adMatrixSource, ObsColumn } from '../types.js';
import { openBackedH5, type BackedAccess } from './open.js';
import { checkBlockBytes, checkRows, openCsrRows } from './csr-rows.js';

export interface OpenH5adSourceOptions {
  /** Which matrix: 'auto' (default: layers/counts, else raw/X, else X), 'X', 'raw/X' or 'layers/<name>'. */
  matrix?: 'auto' | H5adMatrixSource;
  /** The most memory the source's row index, one block, or a file read whole may take (default 2 GiB). */
  maxBytes?: number;
  /** The most one HDF5 read may take, Node (default 60 s). */
  timeoutMs?: number;
  /** Stops the opening (the structure check streams the file). */
  signal?: AbortSignal;
  /** In a Web Worker, mount a File/Blob with WORKERFS (default true). */
  mount?: boolean;
}

export const H5AD_SOURCE_OPTIONS = ['matrix', 'maxBytes', 'timeoutMs', 'signal', 'mount'] as const;

/** What a backed source read its rows from. */
export interface BackedSourceInfo {
  format: 'h5ad' | '10x-h5';
  /** The matrix read: 'X', 'raw/X', 'layers/<name>' (h5ad), or the 10x group path. */
  matrixSource: string;
  /** How it is stored: CSR (10x: CSC with cells as columns, the same by cells), or dense. */
  encoding: 'csr' | 'dense';
  /** Matrices the file has (h5ad). */
  available?: string[];
  /** Size of the file. */
  fileBytes: number;
  /** How the file is read: by path from disk, mounted (WORKERFS), or held in memory whole. */
  access: BackedAccess;
}

interface BackedExtras {
  readonly genes: string[];
  /** Cell names, read on first use (they can be large). */
  readonly cells: string[];
  readonly info: BackedSourceInfo;
  /** Bytes HDF5 has read from disk so far (path access in Node; undefined otherwise). */
  bytesRead(): number | undefined;
  /** h5ad only: the named obs columns (true: all), categoricals decoded, read now (refused after close). */
  obs?(columns: string[] | true): Record<string, ObsColumn>;
}

export type BackedCsrSource = CsrSource & BackedExtras;
export type BackedDenseSource = DenseSource & BackedExtras;

/** Lazily read names with a length check; throws after close. */
export function lazyNames(
  read: () => string[] | undefined,
  count: number,
  what: string,
  label: string,
  isClosed: () => boolean,
): () => string[] {
  let names: string[] | undefined;
  return () => {
    if (names) return names;
    if (isClosed()) throw new FileFormatError(`${label}: the source is closed; its ${what} were not read before. Open it again.`);
    names = read() ?? Array.from({ length: count }, (_, i) => String(i));
    if (names.length !== count)
      throw new FileFormatError(`${label}: ${formatCount(names.length)} ${what} for ${formatCount(count)} rows. The file is inconsistent.`);
    return names;
  };
}

function denseRows(h: OpenedH5, ds: Dataset, d: number, maxBytes: number) {
  return (start: number, end: number): Float32Array | Float64Array => {
    checkBlockBytes(h.label, start, end, 8 * (end - start) * d, maxBytes);
    if (end === start || d === 0) return new Float32Array(0);
    let v: unknown;
    try {
      v = ds.slice([[start, end], []]);
    } catch (e) {
      throw hdf5Error(h.label, e, `read rows ${start}..${end} of ${ds.path}`);
    }
    if (!ArrayBuffer.isView(v) || v instanceof DataView) throw new FileFormatError(`${h.label}: ${ds.path} is not a numeric matrix.`);
    const out = v instanceof Float64Array ? v : toFloat32(v as unknown as ArrayLike<number | bigint>);
    for (let k = 0; k < out.length; k++) {
      const x = out[k];
      if (x - x !== 0)
        throw new FileFormatError(
          `${h.label}: ${ds.path} row ${start + Math.floor(k / d)}, column ${k % d} is ${x}; a streamed matrix needs finite values. ` +
            'Replace them in the file (e.g. numpy.nan_to_num), or load it whole with readH5ad.',
        );
    }
    return out;
  };
}

/**
 * Open an AnnData .h5ad as a row source: a path (Node: read from disk on demand, never whole), or a
 * File/Blob (a Web Worker: mounted; a browser's main thread: read whole up to maxBytes), or bytes.
 * Close it when done (releases the file and its worker).
 */
export async function openH5adSource(
  input: string | ByteInput,
  options: OpenH5adSourceOptions = {},
): Promise<BackedCsrSource | BackedDenseSource> {
  checkLoaderOptions(options, H5AD_SOURCE_OPTIONS, 'openH5adSource');
  const maxBytes = checkMaxBytes(options.maxBytes);
  const timeoutMs = checkTimeout(options.timeoutMs);
  const label = typeof input === 'string' ? input.split(/[\\/]/).pop() || input : (inputName(input) ?? 'data.h5ad');
  const { h, access, bytesRead } = await openBackedH5(input, label, {
    maxBytes,
    timeoutMs,
    signal: options.signal,
    mount: options.mount,
    expect: 'an AnnData .h5ad file',
    fn: 'openH5adSource',
  });
  try {
    throwIfAborted(options.signal);
    const { source, available } = chooseH5adMatrix(h, options.matrix ?? 'auto');
    const x = getPath(h, source);
    if (!x) throw new FileFormatError(`${label}: no ${source} in the file.`);
    const varPath = source === 'raw/X' ? 'raw/var' : 'var';
    let closed = false;
    const info = (encoding: 'csr' | 'dense'): BackedSourceInfo => ({
      format: 'h5ad',
      matrixSource: source,
      encoding,
      available,
      fileBytes: h.size,
      access,
    });
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      h.close();
    };
    const base = (n: number, d: number) => {
      const genes = dataframeIndex(h, varPath) ?? Array.from({ length: d }, (_, j) => String(j));
      if (genes.length !== d)
        throw new FileFormatError(
          `${label}: ${varPath} names ${formatCount(genes.length)} genes but ${source} has ${formatCount(d)} columns. The file is inconsistent.`,
        );
      const cells = lazyNames(
        () => dataframeIndex(h, 'obs'),
        n,
        'cell names (obs)',
        label,
        () => closed,
      );
      const obs = (columns: string[] | true): Record<string, ObsColumn> => {
        if (closed) throw new FileFormatError(`${label}: the source is closed; read its obs columns before closing it. Open it again.`);
        try {
          return readObs(h, n, columns);
        } catch (e) {
          throw hdf5Error(label, e, 'read obs');
        }
      };
      return { genes, cells, obs, bytesRead: () => (closed ? undefined : bytesRead?.()) };
    };
    if (isDataset(h, x)) {
      const shape = shapeOf(x);
      if (shape.length !== 2)
        throw new FileFormatError(`${label}: ${source} is a ${shape.length}-D dataset; a matrix is 2-D (cells × genes).`);
      const [n, d] = shape;
      checkDimensions(label, n, d, 'the shape');
      const rows = denseRows(h, x, d, maxBytes);
      const b = base(n, d);
      const src: BackedDenseSource = {
        kind: 'dense',
        n,
        d,
        name: label,
        genes: b.genes,
        get cells() {
          return b.cells();
        },
        info: info('dense'),
        bytesRead: b.bytesRead,
        obs: b.obs,
        async readRows(start, end, signal) {
          checkRows(label, n, start, end, closed);
          throwIfAborted(signal);
          return { n: end - start, d, data: rows(start, end) };
        },
        close,
      };
      return src;
    }
    const enc = encodingOf(h, x);
    const shape = shapeAttr(h, x);
    if (enc === 'csc_matrix')
      throw new FileFormatError(
        `${label}: ${source} is stored by columns (CSC), so reading a block of cells would read the whole matrix. ` +
          `Write it by rows (in Python: adata.X = adata.X.tocsr(), or for a layer adata.layers[name] = adata.layers[name].tocsr(); then adata.write_h5ad), or load it whole with readH5ad.`,
      );
    if (enc !== 'csr_matrix' || !shape)
      throw new FileFormatError(
        `${label}: ${source} is a group with encoding-type ${enc ? `"${enc}"` : '(none)'}${shape ? '' : ' and no shape attribute'}; ` +
          'expected a dense array or a sparse matrix (encoding-type "csr_matrix" with a shape). Write the file with anndata ≥ 0.7.',
      );
    const [n, d] = shape;
    checkDimensions(label, n, d, 'the shape');
    const rows = openCsrRows(h, source, n, d, maxBytes);
    checkNnz(rows.nnz, label);
    const b = base(n, d);
    const src: BackedCsrSource = {
      kind: 'csr',
      n,
      d,
      nnz: rows.nnz,
      name: label,
      genes: b.genes,
      get cells() {
        return b.cells();
      },
      info: info('csr'),
      bytesRead: b.bytesRead,
      obs: b.obs,
      nnzIn(start, end) {
        checkRows(label, n, start, end, closed);
        return rows.indptr[end] - rows.indptr[start];
      },
      async readRows(start, end, signal) {
        checkRows(label, n, start, end, closed);
        return rows.read(start, end, signal);
      },
      close,
    };
    return src;
  } catch (e) {
    h.close();
    throw hdf5Error(label, e, 'read the file');
  }
}
