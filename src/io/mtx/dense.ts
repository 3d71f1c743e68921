/**
 * MatrixMarket coordinate files (10x Genomics MEX `matrix.mtx`) → dense float64 matrix, through the
 * one MatrixMarket parser (./parser.ts). 10x stores rows = genes and columns = cells; clustering
 * wants cells as samples, so by default the result is the transpose: n = columns (cells),
 * d = rows (genes). Pure: takes a string or bytes.
 */
import { checkLoaderOptions, LOADER_OPTIONS } from '../options.js';
import { invalid } from '../../errors.js';
import { checkTextInput, formatCount } from '../text.js';
import { type MtxField, type MtxSize, mtxFail } from './header.js';
import { MtxParser, type MtxSink } from './parser.js';

export const DEFAULT_MAX_DENSE_ENTRIES = 50_000_000;

export interface MatrixMarketOptions {
  /** Refuse to densify more than this many entries (n*d). Default 50,000,000 (400 MB as float64). */
  maxDenseEntries?: number;
  /** Samples are the file's columns (10x layout). Default true; false keeps the file's rows as samples. */
  transpose?: boolean;
  /** Name used in error messages (a file name). */
  source?: string;
}

export interface MatrixMarketResult {
  n: number;
  d: number;
  /** Dense row-major n×d: data[i * d + j]. */
  data: Float64Array;
  /** Entries listed in the file (duplicates, if any, are summed into one cell). */
  nnz: number;
  /** Shape as stored in the file (rows × columns). */
  fileRows: number;
  fileCols: number;
  field: MtxField;
  transposed: boolean;
}

/** Entries added into a dense row-major array (duplicates add up, as scipy.io.mmread(...).toarray() does). */
class DenseSink implements MtxSink {
  n = 0;
  d = 0;
  data = new Float64Array(0);
  constructor(
    private readonly source: string,
    private readonly transpose: boolean,
    private readonly maxDense: number,
  ) {}

  begin({ rows, cols }: MtxSize): void {
    const { source, transpose, maxDense } = this;
    const n = transpose ? cols : rows;
    const d = transpose ? rows : cols;
    if (n === 0 || d === 0) {
      throw mtxFail(
        source,
        `the matrix is ${rows}×${cols}: it has no ${rows === 0 ? 'rows' : 'columns'}. Check that this is the right file.`,
      );
    }
    const entries = n * d;
    if (entries > maxDense) {
      const bytes = entries * 8;
      const size = bytes >= 1e8 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
      const what = transpose ? `${formatCount(n)} cells × ${formatCount(d)} genes` : `${formatCount(n)} × ${formatCount(d)}`;
      throw mtxFail(
        source,
        `the matrix is n×d = ${what} = ${formatCount(entries)} entries (${size} dense as float64), which is too large to densify ` +
          `(limit ${formatCount(maxDense)} entries). Select genes first (e.g. the top 2,000 highly variable genes) or reduce dimensions with PCA, ` +
          'then pass the smaller matrix; or raise the limit with maxDenseEntries (CLI --max-dense) if you have the memory.',
      );
    }
    this.n = n;
    this.d = d;
    this.data = new Float64Array(entries);
  }

  entry(r: number, c: number, value: number): void {
    if (this.transpose) this.data[(c - 1) * this.d + (r - 1)] += value;
    else this.data[(r - 1) * this.d + (c - 1)] += value;
  }
}

export function parseMatrixMarket(input: string | Uint8Array, opts: MatrixMarketOptions = {}): MatrixMarketResult {
  checkTextInput(input, 'parseMatrixMarket');
  checkLoaderOptions(opts, LOADER_OPTIONS.mtxDense, 'parseMatrixMarket');
  const options = opts ?? {};
  const source = options.source ?? 'input';
  const maxDense = options.maxDenseEntries ?? DEFAULT_MAX_DENSE_ENTRIES;
  if (!(maxDense > 0)) {
    throw invalid('BAD_OPTION', `maxDenseEntries=${String(maxDense)} must be a positive number of matrix entries.`);
  }
  const transpose = options.transpose ?? true;
  const sink = new DenseSink(source, transpose, maxDense);
  const parser = new MtxParser(source, sink);
  parser.push(typeof input === 'string' ? new TextEncoder().encode(input) : input);
  parser.end();
  const { n, d, data } = sink;
  return { n, d, data, nnz: parser.declared, fileRows: parser.rows, fileCols: parser.cols, field: parser.field, transposed: transpose };
}
