/**
 * MatrixMarket coordinate files (10x Genomics MEX `matrix.mtx`) → dense float64 matrix.
 * 10x stores rows = genes and columns = cells; clustering wants cells as samples, so by default the
 * result is the transpose: n = columns (cells), d = rows (genes). Pure: takes a string or bytes.
 */
import { FileFormatError, invalid } from '../errors.js';
import { formatCount, quoteField, toText } from './text.js';

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
  field: 'integer' | 'real' | 'pattern';
  transposed: boolean;
}

function fail(source: string, message: string): FileFormatError {
  return new FileFormatError(`${source}: ${message}`);
}

/** Whitespace-separated tokens of one line, without allocating a regex per line. */
function tokens(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const len = line.length;
  while (i < len) {
    while (i < len && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
    if (i >= len) break;
    const s = i;
    while (i < len && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) i++;
    out.push(line.slice(s, i));
  }
  return out;
}

function isIndex(s: string): boolean {
  return /^\d+$/.test(s);
}

export function parseMatrixMarket(input: string | Uint8Array, options: MatrixMarketOptions = {}): MatrixMarketResult {
  const source = options.source ?? 'input';
  const maxDense = options.maxDenseEntries ?? DEFAULT_MAX_DENSE_ENTRIES;
  if (!(maxDense > 0)) {
    throw invalid('BAD_OPTION', `maxDenseEntries=${String(maxDense)} must be a positive number of matrix entries.`);
  }
  const transpose = options.transpose ?? true;
  const text = toText(input);

  let pos = 0;
  let lineNo = 0;
  /** Next line without its terminator, or undefined at the end. */
  const next = (): string | undefined => {
    if (pos > text.length || (pos === text.length && lineNo > 0)) return undefined;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    pos = end + 1;
    lineNo++;
    return line;
  };

  const banner = next();
  if (banner === undefined || banner.trim() === '') {
    throw fail(source, 'the file is empty. A MatrixMarket file starts with "%%MatrixMarket matrix coordinate integer general".');
  }
  const h = tokens(banner.trim().toLowerCase());
  if (h[0] !== '%%matrixmarket') {
    throw fail(
      source,
      `line 1 is ${quoteField(banner)}, not a MatrixMarket header ("%%MatrixMarket matrix coordinate ..."). Is this really a .mtx file?`,
    );
  }
  if (h[1] !== 'matrix' || h.length < 5) {
    throw fail(
      source,
      `the header ${quoteField(banner)} is incomplete; expected "%%MatrixMarket matrix coordinate <integer|real|pattern> general".`,
    );
  }
  if (h[2] !== 'coordinate') {
    throw fail(
      source,
      `the matrix is stored as "${h[2]}"; only the sparse "coordinate" format (as written by 10x Genomics and scipy.io.mmwrite) is supported. Convert it with scipy.io.mmwrite(path, scipy.sparse.coo_matrix(m)).`,
    );
  }
  const field = h[3];
  if (field !== 'integer' && field !== 'real' && field !== 'pattern') {
    throw fail(source, `the value type is "${field}"; only integer, real and pattern matrices are supported.`);
  }
  if (h[4] !== 'general') {
    throw fail(
      source,
      `the symmetry is "${h[4]}"; only "general" matrices are supported. Write the full matrix (both triangles) as general.`,
    );
  }

  // Comments (%) and blank lines may precede the size line.
  let sizeLine: string | undefined;
  do sizeLine = next();
  while (sizeLine !== undefined && (sizeLine.trim() === '' || sizeLine.trimStart().startsWith('%')));
  if (sizeLine === undefined) {
    throw fail(
      source,
      'the file ends after the header, before the "rows columns entries" size line. The file is truncated; re-download or re-export it.',
    );
  }
  const st = tokens(sizeLine);
  if (st.length !== 3 || !st.every(isIndex)) {
    throw fail(
      source,
      `line ${lineNo} should be the size line "rows columns entries" (three whole numbers) but is ${quoteField(sizeLine)}.`,
    );
  }
  const [rows, cols, nnz] = st.map(Number);
  const n = transpose ? cols : rows;
  const d = transpose ? rows : cols;
  if (n === 0 || d === 0) {
    throw fail(source, `the matrix is ${rows}×${cols}: it has no ${rows === 0 ? 'rows' : 'columns'}. Check that this is the right file.`);
  }
  if (nnz > rows * cols) {
    throw fail(
      source,
      `the size line declares ${formatCount(nnz)} entries, more than the ${formatCount(rows * cols)} cells of a ${rows}×${cols} matrix. The file is corrupt.`,
    );
  }
  const entries = n * d;
  if (entries > maxDense) {
    const bytes = entries * 8;
    const size = bytes >= 1e8 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
    const what = transpose ? `${formatCount(n)} cells × ${formatCount(d)} genes` : `${formatCount(n)} × ${formatCount(d)}`;
    throw fail(
      source,
      `the matrix is n×d = ${what} = ${formatCount(entries)} entries (${size} dense as float64), which is too large to densify ` +
        `(limit ${formatCount(maxDense)} entries). Select genes first (e.g. the top 2,000 highly variable genes) or reduce dimensions with PCA, ` +
        'then pass the smaller matrix; or raise the limit with maxDenseEntries (CLI --max-dense) if you have the memory.',
    );
  }

  const data = new Float64Array(entries);
  let count = 0;
  for (let line = next(); line !== undefined; line = next()) {
    if (line.trim() === '' || line.trimStart().startsWith('%')) continue;
    if (count === nnz) {
      throw fail(
        source,
        `line ${lineNo} is an entry beyond the ${formatCount(nnz)} declared on the size line. The size line or the file is wrong; re-export the matrix.`,
      );
    }
    const t = tokens(line);
    const want = field === 'pattern' ? 2 : 3;
    if (t.length !== want) {
      throw fail(
        source,
        `line ${lineNo} should be "row column${field === 'pattern' ? '' : ' value'}" but has ${t.length} field(s): ${quoteField(line)}. The file is corrupt or truncated.`,
      );
    }
    const r = isIndex(t[0]) ? Number(t[0]) : NaN;
    const c = isIndex(t[1]) ? Number(t[1]) : NaN;
    if (!(r >= 1 && r <= rows) || !(c >= 1 && c <= cols)) {
      throw fail(
        source,
        `line ${lineNo}: index (${t[0]}, ${t[1]}) is outside the ${rows}×${cols} matrix. MatrixMarket indices are 1-based: rows 1..${rows}, columns 1..${cols}.`,
      );
    }
    let v = 1;
    if (field !== 'pattern') {
      v = Number(t[2]);
      if (!Number.isFinite(v) || (field === 'integer' && !Number.isInteger(v))) {
        throw fail(
          source,
          `line ${lineNo}: value ${quoteField(t[2])} is not ${field === 'integer' ? 'an integer' : 'a finite number'}, as the header's "${field}" requires.`,
        );
      }
    }
    // Duplicates add up, as scipy.io.mmread followed by .toarray() does.
    if (transpose) data[(c - 1) * d + (r - 1)] += v;
    else data[(r - 1) * d + (c - 1)] += v;
    count++;
  }
  if (count < nnz) {
    throw fail(
      source,
      `the size line declares ${formatCount(nnz)} entries but the file has only ${formatCount(count)}. The file is truncated; re-download or re-export it.`,
    );
  }
  return { n, d, data, nnz, fileRows: rows, fileCols: cols, field, transposed: transpose };
}
