/**
 * The MatrixMarket header: the banner ("%%MatrixMarket matrix coordinate <field> general") and the
 * size line ("rows columns entries"), with comments and blank lines between them. Shared by every
 * MatrixMarket reader through the one parser (./parser.ts).
 */
import { FileFormatError } from '../../errors.js';
import { checkDimensions } from '../memory.js';
import { formatCount, quoteField } from '../text.js';

export type MtxField = 'integer' | 'real' | 'pattern';

/** The size line: the file's rows, columns and declared entries. */
export interface MtxSize {
  rows: number;
  cols: number;
  nnz: number;
}

export function mtxFail(label: string, message: string): FileFormatError {
  return new FileFormatError(`${label}: ${message}`);
}

function splitTokens(line: string): string[] {
  return line
    .trim()
    .split(/[ \t]+/)
    .filter((t) => t.length > 0);
}

/** The value type from line 1, or a typed error naming what is wrong with it. */
export function parseBanner(line: string, label: string): MtxField {
  const h = splitTokens(line.toLowerCase());
  if (h[0] !== '%%matrixmarket') {
    throw mtxFail(
      label,
      `line 1 is ${quoteField(line)}, not a MatrixMarket header ("%%MatrixMarket matrix coordinate ..."). Is this really a .mtx file (or a gzip of one)?`,
    );
  }
  if (h[1] !== 'matrix' || h.length < 5) {
    throw mtxFail(
      label,
      `the header ${quoteField(line)} is incomplete; expected "%%MatrixMarket matrix coordinate <integer|real|pattern> general".`,
    );
  }
  if (h[2] !== 'coordinate') {
    throw mtxFail(
      label,
      `the matrix is stored as "${h[2]}"; only the sparse "coordinate" format (as written by 10x Genomics, Seurat and scipy.io.mmwrite) is supported. ` +
        'Convert it with scipy.io.mmwrite(path, scipy.sparse.coo_matrix(m)).',
    );
  }
  if (h[3] !== 'integer' && h[3] !== 'real' && h[3] !== 'pattern') {
    throw mtxFail(label, `the value type is "${h[3]}"; only integer, real and pattern matrices are supported.`);
  }
  if (h[4] !== 'general') {
    throw mtxFail(
      label,
      `the symmetry is "${h[4]}"; only "general" matrices are supported. Write the full matrix (both triangles) as general.`,
    );
  }
  return h[3];
}

/** The size line (line `lineNo`, 1-based), or null for a comment or blank line before it. */
export function parseSizeLine(line: string, lineNo: number, label: string): MtxSize | null {
  if (line.trim() === '' || line.trimStart().startsWith('%')) return null;
  const st = splitTokens(line);
  if (st.length !== 3 || !st.every((t) => /^\d+$/.test(t))) {
    throw mtxFail(label, `line ${lineNo} should be the size line "rows columns entries" (three whole numbers) but is ${quoteField(line)}.`);
  }
  const [rows, cols, nnz] = st.map(Number);
  checkDimensions(label, rows, cols, `the size line ${quoteField(line.trim())}`, ['rows', 'columns']);
  if (!Number.isSafeInteger(nnz)) {
    throw mtxFail(
      label,
      `the size line declares ${st[2]} entries, more than any file can hold. The file is corrupt; export the matrix again.`,
    );
  }
  if (nnz > rows * cols) {
    throw mtxFail(
      label,
      `the size line declares ${formatCount(nnz)} entries, more than the ${formatCount(rows * cols)} cells of a ${rows}×${cols} matrix. The file is corrupt.`,
    );
  }
  return { rows, cols, nnz };
}
