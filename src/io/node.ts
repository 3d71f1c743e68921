/**
 * The Node file layer over the pure parsers: reads a path (gunzipping when needed) and picks the
 * parser from the extension. Only the CLI and Node users import this module.
 */
import { checkLoaderOptions, LOADER_OPTIONS } from './options.js';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FileFormatError, NotAFileError } from '../errors.js';
import { parseDelimited, type DelimitedOptions, type DelimitedResult } from './delimited.js';
import { parseMatrixMarket, type MatrixMarketOptions, type MatrixMarketResult } from './mtx/dense.js';

export interface ReadMatrixOptions extends Omit<DelimitedOptions, 'source'>, Omit<MatrixMarketOptions, 'source'> {}

export type MatrixFile =
  | ({ kind: 'delimited'; path: string } & DelimitedResult)
  | ({ kind: 'mtx'; path: string; rowNames?: string[]; labels?: undefined } & MatrixMarketResult);

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** File bytes, decompressed when the name ends in .gz or the content starts with the gzip magic 1f 8b. */
export function readFileBytes(path: string): Uint8Array {
  // A missing path stays Node's ENOENT error (the CLI words it); a directory gets a typed error saying what to pass.
  if (statSync(path).isDirectory()) {
    throw new NotAFileError(
      path,
      `${path} is a directory, not a file. Pass a .csv, .tsv, .txt or .mtx file (optionally .gz) inside it, such as its matrix.mtx.gz.`,
    );
  }
  const raw = readFileSync(path);
  if (!path.toLowerCase().endsWith('.gz') && !isGzip(raw)) return raw;
  if (!isGzip(raw)) {
    throw new FileFormatError(
      `${path}: the name ends in .gz but the file is not gzip-compressed. Rename it without .gz, or compress it with gzip.`,
    );
  }
  try {
    return gunzipSync(raw);
  } catch (e) {
    throw new FileFormatError(
      `${path}: gzip decompression failed (${(e as Error).message}). The file is truncated or corrupt; re-download it.`,
    );
  }
}

const DELIMITED = ['.csv', '.tsv', '.txt', '.tab'];

/** Lowercased extension without a trailing .gz: "x.mtx.gz" → ".mtx". */
function baseExtension(path: string): string {
  let name = basename(path).toLowerCase();
  if (name.endsWith('.gz')) name = name.slice(0, -3);
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot);
}

/**
 * Read a matrix: .csv/.tsv/.txt (optionally .gz) as delimited text, .mtx/.mtx.gz as MatrixMarket.
 * For a 10x folder, barcodes.tsv(.gz) next to matrix.mtx supplies the row (cell) names.
 */
export function readMatrixFile(path: string, options: ReadMatrixOptions = {}): MatrixFile {
  // Either format's names are known here; each parser then gets only its own (it refuses the other's).
  const names = [...LOADER_OPTIONS.delimited, ...LOADER_OPTIONS.mtxDense].filter((x) => x !== 'source');
  checkLoaderOptions(options, names, 'readMatrixFile');
  const only = (keep: readonly string[]) => Object.fromEntries(Object.entries(options ?? {}).filter(([key]) => keep.includes(key)));
  const ext = baseExtension(path);
  if (ext === '.mtx') {
    const m = parseMatrixMarket(readFileBytes(path), { ...only(LOADER_OPTIONS.mtxDense), source: path });
    const out: MatrixFile = { kind: 'mtx', path, ...m };
    const names = m.transposed ? readBarcodes(dirname(path), m.n) : undefined;
    if (names) out.rowNames = names;
    return out;
  }
  if (DELIMITED.includes(ext)) {
    const delimiter = options.delimiter ?? (ext === '.tsv' || ext === '.tab' ? '\t' : ext === '.csv' ? ',' : 'auto');
    return {
      kind: 'delimited',
      path,
      ...parseDelimited(readFileBytes(path), { ...only(LOADER_OPTIONS.delimited), delimiter, source: path }),
    };
  }
  throw new FileFormatError(
    `${path}: unknown file type "${ext || '(no extension)'}". Supported: .csv, .tsv, .txt (delimited text) and .mtx (MatrixMarket, e.g. 10x matrix.mtx), each optionally gzip-compressed (.gz).`,
  );
}

/** First field of each line of barcodes.tsv(.gz) in `dir`, when it has exactly `n` lines. */
function readBarcodes(dir: string, n: number): string[] | undefined {
  for (const name of ['barcodes.tsv.gz', 'barcodes.tsv']) {
    const p = join(dir, name);
    if (!existsSync(p)) continue;
    const lines = new TextDecoder().decode(readFileBytes(p)).split(/\r?\n/);
    if (lines[lines.length - 1] === '') lines.pop();
    // A mismatch means the file belongs to another matrix; fall back to indices rather than mislabel.
    return lines.length === n ? lines.map((l) => l.split('\t')[0]) : undefined;
  }
  return undefined;
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Labels as CSV text: header `id,label`, then one line per sample; id is the row name or the 0-based index. */
export function formatLabelsCsv(labels: ArrayLike<number>, rowNames?: readonly string[]): string {
  if (rowNames && rowNames.length !== labels.length) {
    throw new FileFormatError(`formatLabelsCsv: ${labels.length} labels but ${rowNames.length} row names; pass one name per label.`);
  }
  const parts = ['id,label\n'];
  for (let i = 0; i < labels.length; i++) parts.push(`${rowNames ? csvField(rowNames[i]) : i},${labels[i]}\n`);
  return parts.join('');
}

export function writeLabelsCsv(path: string, labels: ArrayLike<number>, rowNames?: readonly string[]): void {
  writeFileSync(path, formatLabelsCsv(labels, rowNames));
}
