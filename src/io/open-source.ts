/**
 * The one place a shard's file is opened as a row source (`emgpu worker`, the Dask driver's
 * workers, the streamed fits from the CLI): CSV/TSV (dense), MatrixMarket .mtx (dense) or a 10x
 * folder (CSR), .h5ad (CSR: X, raw/X or a layer; or a dense X), 10x .h5 (CSR) and AnnData Zarr
 * stores. .h5ad, .h5 and Zarr are backed: read by row ranges from disk, never whole (io/backed/,
 * io/zarr/); text formats and 10x folders are loaded whole by the in-memory loaders and wrapped by
 * csrSource/denseSource. Node only (paths).
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FileFormatError, invalid, NotAFileError } from '../errors.js';
import { csrSource, denseSource } from '../stream/memory.js';
import type { RowSource } from '../stream/types.js';
import { readMatrixFile } from './node.js';
import { read10xDir } from './node-sc.js';
import { open10xH5Source } from './backed/10x-source.js';
import { openH5adSource } from './backed/h5ad-source.js';
import { openZarrSource } from './zarr/source.js';
import type { H5adMatrixSource } from './types.js';

export type RowSourceFormat = 'csv' | 'tsv' | 'mtx' | '10x' | 'h5ad' | '10x-h5' | 'zarr';
export const ROW_SOURCE_FORMATS: readonly RowSourceFormat[] = ['csv', 'tsv', 'mtx', '10x', 'h5ad', '10x-h5', 'zarr'];

export interface OpenRowSourceOptions {
  /** The file's format; default from the name (a folder is a 10x folder; .h5 is 10x HDF5). */
  format?: RowSourceFormat;
  /** .h5ad: which matrix ('auto' default: layers/counts, else raw/X, else X). */
  matrix?: 'auto' | H5adMatrixSource;
  /** Delimited text: whether the first line is a header (default: detected). */
  header?: boolean;
  /** Delimited text: whether the first column holds row names (default: detected). */
  rowNames?: boolean;
  /** Refuse a load needing more than this many bytes (the loaders' maxBytes). */
  maxBytes?: number;
}

const KNOWN = ['format', 'matrix', 'header', 'rowNames', 'maxBytes'];

/** The format a path names. */
export function formatOf(path: string): RowSourceFormat {
  let dir = false;
  try {
    dir = statSync(path).isDirectory();
  } catch (e) {
    throw new NotAFileError(path, `${path}: no such file or folder. Check the path (workers must see the same path as the driver).`, {
      cause: e,
    });
  }
  if (dir) return /\.zarr\/?$/i.test(path) || existsSync(join(path, '.zgroup')) || existsSync(join(path, 'zarr.json')) ? 'zarr' : '10x';
  const name = basename(path).toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.h5ad')) return 'h5ad';
  if (name.endsWith('.h5')) return '10x-h5';
  if (name.endsWith('.mtx')) return 'mtx';
  if (name.endsWith('.tsv') || name.endsWith('.tab')) return 'tsv';
  if (name.endsWith('.csv') || name.endsWith('.txt')) return 'csv';
  throw new FileFormatError(`${path}: unknown file type. Pass format: one of ${ROW_SOURCE_FORMATS.join(', ')}.`);
}

/** Open `path` as a row source (rows are cells or samples). */
export async function openRowSource(path: string, options: OpenRowSourceOptions = {}): Promise<RowSource> {
  for (const key of Object.keys(options ?? {}))
    if (!KNOWN.includes(key))
      throw invalid('UNKNOWN_OPTION', `openRowSource: unknown option '${key}'. Known options: ${KNOWN.join(', ')}.`);
  const format = options.format ?? formatOf(path);
  if (!ROW_SOURCE_FORMATS.includes(format))
    throw invalid('BAD_OPTION', `format='${String(format)}' is not recognised. Use one of ${ROW_SOURCE_FORMATS.join(', ')}.`);
  const name = basename(path);
  const limit = options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {};
  if (format === 'h5ad') return openH5adSource(path, { ...limit, ...(options.matrix ? { matrix: options.matrix } : {}) });
  if (format === '10x-h5') return open10xH5Source(path, limit);
  if (format === 'zarr') return openZarrSource(path, { ...limit, ...(options.matrix ? { matrix: options.matrix } : {}) });
  if (format === '10x') {
    const sc = await read10xDir(path, limit);
    return csrSource(sc, { name, genes: sc.genes, cells: sc.cells });
  }
  const file = readMatrixFile(path, {
    ...(format === 'tsv'
      ? { delimiter: '\t' as const }
      : format === 'csv' && name.toLowerCase().includes('.csv')
        ? { delimiter: ',' as const }
        : {}),
    ...(options.header !== undefined && format !== 'mtx' ? { header: options.header } : {}),
    ...(options.rowNames !== undefined && format !== 'mtx' ? { rowNames: options.rowNames } : {}),
  });
  return denseSource(file.data, file.n, file.d, name);
}
