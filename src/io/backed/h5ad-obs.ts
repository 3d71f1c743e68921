/**
 * `readH5adObs`: some obs columns of an AnnData .h5ad, read without its matrix: the labels a
 * backed source (./h5ad-source.ts) does not carry. Opened the way backed sources are (./open.ts:
 * a path in Node, a File mounted in a Web Worker), so a file larger than memory gives its labels
 * for O(n) memory per column. Categoricals are decoded, as readH5ad does.
 */
import { invalid, throwIfAborted } from '../../errors.js';
import { checkTimeout, hdf5Error } from '../h5.js';
import { readObs } from '../h5ad-obs.js';
import { inputName } from '../input.js';
import { checkMaxBytes } from '../memory.js';
import { checkLoaderOptions } from '../options.js';
import type { ByteInput, ObsColumn } from '../types.js';
import { openBackedH5 } from './open.js';

export interface ReadH5adObsOptions {
  /** Cells in the file (the backed source's n): columns of another length are skipped. */
  n: number;
  /** Columns to read (default all); names the file lacks are skipped. */
  columns?: string[];
  /** The most memory a file read whole may take (a browser's main thread; default 2 GiB). */
  maxBytes?: number;
  /** The most one HDF5 read may take, Node (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** In a Web Worker, mount a File/Blob with WORKERFS (default true). */
  mount?: boolean;
}

const OPTIONS = ['n', 'columns', 'maxBytes', 'timeoutMs', 'signal', 'mount'] as const;

/** The obs columns of an .h5ad (categoricals decoded), without reading X. */
export async function readH5adObs(input: string | ByteInput, options: ReadH5adObsOptions): Promise<Record<string, ObsColumn>> {
  checkLoaderOptions(options, OPTIONS, 'readH5adObs');
  const { n, columns } = options;
  if (!(Number.isInteger(n) && n >= 0))
    throw invalid('BAD_OPTION', `readH5adObs: n=${String(n)} must be the file's number of cells (a whole number ≥ 0). Pass source.n.`);
  if (columns !== undefined && !(Array.isArray(columns) && columns.every((c) => typeof c === 'string')))
    throw invalid('BAD_OPTION', 'readH5adObs: columns must be an array of obs column names. Leave it out to read them all.');
  const label = typeof input === 'string' ? input.split(/[\\/]/).pop() || input : (inputName(input) ?? 'data.h5ad');
  const { h } = await openBackedH5(input, label, {
    maxBytes: checkMaxBytes(options.maxBytes),
    timeoutMs: checkTimeout(options.timeoutMs),
    signal: options.signal,
    mount: options.mount,
    expect: 'an AnnData .h5ad file',
    fn: 'readH5adObs',
  });
  try {
    throwIfAborted(options.signal);
    return readObs(h, n, columns ?? true);
  } catch (e) {
    throw hdf5Error(label, e, 'read obs');
  } finally {
    h.close();
  }
}
