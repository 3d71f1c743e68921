/**
 * Delimited text (CSV, TSV, whitespace) → dense row-major float64 matrix.
 * Pure: takes a string or bytes, so it works in browsers as well as in the CLI.
 */
import { replacementWarning } from './names.js';
import { checkLoaderOptions, LOADER_OPTIONS } from './options.js';
import { BufferLimitError, FileFormatError, invalid } from '../errors.js';
import { checkMaxBytes, formatBytes } from './memory.js';
import { checkTextInput, formatCount, isMissingToken, isNumeric, parseNumber, quoteField, toText } from './text.js';

export type Delimiter = ',' | '\t' | 'whitespace';

export interface DelimitedOptions {
  /** Field separator; 'auto' (default) picks tab, else comma, else runs of whitespace, from the first line. */
  delimiter?: 'auto' | Delimiter;
  /**
   * Whether the first line names the columns. 'auto' (default): yes when one of its fields is not a number
   * where the next line has a number; a first line of numbers as wide as the next is data. Also recognises
   * scikit-learn's toy-data first line `n_samples,n_features,<class names…>` and then splits the last column off as labels.
   */
  header?: 'auto' | boolean;
  /** Whether the first column holds row names. 'auto' (default): yes when it is not numeric on the first data row. */
  rowNames?: 'auto' | boolean;
  /** Split this column off as class labels: 'last', or a 0-based index of the field in each line. */
  labelColumn?: 'last' | number;
  /** Physical lines to skip before anything else (e.g. 1 for a line that is neither header nor data). */
  skipLines?: number;
  /** Name used in error messages (a file name). */
  source?: string;
  /** Refuse (BUFFER_LIMIT) a matrix needing more bytes than this as float64. Default 2 GiB (DEFAULT_MAX_BYTES). */
  maxBytes?: number;
}

export interface DelimitedResult {
  n: number;
  d: number;
  /** Row-major: data[i * d + j]. */
  data: Float64Array;
  /** Feature names, when there was a header. */
  columns?: string[];
  rowNames?: string[];
  /** Integer class labels from `labelColumn`; text labels are numbered in order of first appearance. */
  labels?: number[];
  /** Names of the label values: from text labels, or from a scikit-learn header. */
  labelNames?: string[];
  delimiter: Delimiter;
  header: boolean;
  /** 'sklearn' when the first line was scikit-learn's `n_samples,n_features,<classes>`. */
  format: 'delimited' | 'sklearn';
  /** Things the caller should know (names that were not valid UTF-8); present only when there is one. */
  warnings?: string[];
}

interface Line {
  text: string;
  /** 1-based physical line number, for messages. */
  no: number;
}

const DELIM_NAME: Record<Delimiter, string> = { ',': 'comma', '\t': 'tab', whitespace: 'whitespace' };

function collectLines(text: string, skip: number): Line[] {
  const out: Line[] = [];
  let start = 0;
  let no = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    no++;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    // Blank lines (a trailing newline, spacing) carry no row.
    if (no > skip && line.trim().length > 0) out.push({ text: line, no });
    start = end + 1;
  }
  return out;
}

function detectDelimiter(line: string): Delimiter {
  if (line.includes('\t')) return '\t';
  if (line.includes(',')) return ',';
  if (/\S\s+\S/.test(line.trim())) return 'whitespace';
  return ',';
}

/** Split one line. Handles RFC 4180 quoting ("a,b", "say ""hi""") only when the line has a quote. */
export function splitFields(line: string, delim: Delimiter): string[] {
  if (delim === 'whitespace') return line.trim().split(/\s+/);
  if (!line.includes('"')) return line.split(delim);
  const out: string[] = [];
  let field = '';
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (inQuotes) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += ch;
    } else if (ch === '"' && field.trim() === '') {
      field = '';
      inQuotes = true;
    } else if (ch === delim) {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

function isPositiveInt(s: string): boolean {
  return /^\s*[1-9]\d*\s*$/.test(s);
}

function isLabelToken(s: string): boolean {
  return !isNumeric(s) && !isMissingToken(s);
}

function fail(source: string, message: string): FileFormatError {
  return new FileFormatError(`${source}: ${message}`);
}

export function parseDelimited(input: string | Uint8Array, opts: DelimitedOptions = {}): DelimitedResult {
  checkTextInput(input, 'parseDelimited');
  checkLoaderOptions(opts, LOADER_OPTIONS.delimited, 'parseDelimited');
  const options = opts ?? {};
  const source = options.source ?? 'input';
  const skip = options.skipLines ?? 0;
  const maxBytes = checkMaxBytes(options.maxBytes);
  if (!Number.isInteger(skip) || skip < 0) {
    throw invalid('BAD_OPTION', `skipLines=${String(skip)} is not a non-negative integer. Pass 0, 1, 2, ...`);
  }
  const lines = collectLines(toText(input), skip);
  if (lines.length === 0) {
    throw fail(
      source,
      skip > 0
        ? `no data lines after skipping ${skip} line(s). The file is empty or shorter than expected; check the file and skipLines.`
        : 'the file is empty (no data lines). Check that it was written completely and that this is the right file.',
    );
  }

  const delim: Delimiter = options.delimiter && options.delimiter !== 'auto' ? options.delimiter : detectDelimiter(lines[0].text);
  const first = splitFields(lines[0].text, delim).map((s) => s.trim());
  const second = lines.length > 1 ? splitFields(lines[1].text, delim).map((s) => s.trim()) : undefined;

  let header = false;
  let format: DelimitedResult['format'] = 'delimited';
  let labelColumn = options.labelColumn;
  let labelNames: string[] | undefined;
  let declaredN: number | undefined;

  const headerOpt = options.header ?? 'auto';
  if (headerOpt === true) header = true;
  else if (headerOpt === 'auto') {
    // scikit-learn toy files: "150,4,setosa,versicolor,virginica", then rows of 4 features + class.
    // A first line of numbers as wide as the next is a data row ("1,1\n2,2" is 2 × 2), never a header.
    const numbersLikeData = second !== undefined && first.length === second.length && !first.some(isLabelToken);
    if (
      second &&
      !numbersLikeData &&
      first.length >= 2 &&
      isPositiveInt(first[0]) &&
      isPositiveInt(first[1]) &&
      first.slice(2).every(isLabelToken) &&
      second.length === Number(first[1]) + 1
    ) {
      header = true;
      format = 'sklearn';
      declaredN = Number(first[0]);
      labelColumn ??= 'last';
      if (first.length > 2) labelNames = first.slice(2);
    } else {
      // A header has a word where data has a number. Row names (text in both lines) are not evidence.
      header = first.some((f, j) => isLabelToken(f) && (second ? second[j] !== undefined && isNumeric(second[j]) : j > 0));
    }
  }

  const dataLines = header ? lines.slice(1) : lines;
  if (dataLines.length === 0) {
    throw fail(
      source,
      `line ${lines[0].no} looks like a header and there are no data lines after it. Check the file, or pass header: false (CLI --no-header) if that line is data.`,
    );
  }
  const row0 = header ? (second as string[]) : first;
  const nf = row0.length;

  let li = -1;
  if (labelColumn !== undefined) {
    li = labelColumn === 'last' ? nf - 1 : labelColumn;
    if (!Number.isInteger(li) || li < 0 || li >= nf) {
      throw invalid(
        'BAD_OPTION',
        `labelColumn=${String(labelColumn)} is out of range: line ${dataLines[0].no} has ${nf} fields (0-based indices 0..${nf - 1}). Pass 'last' or an index in range.`,
      );
    }
  }

  const rowNamesOpt = options.rowNames ?? 'auto';
  const hasRowNames = li !== 0 && (rowNamesOpt === true || (rowNamesOpt === 'auto' && nf > 1 && isLabelToken(row0[0])));
  const featureCols: number[] = [];
  for (let j = 0; j < nf; j++) if (j !== li && !(hasRowNames && j === 0)) featureCols.push(j);
  const d = featureCols.length;
  if (d === 0) {
    throw fail(
      source,
      `line ${dataLines[0].no} has ${nf} field(s) and none is left as a feature after removing the row-name and label columns. Check the delimiter (detected: ${DELIM_NAME[delim]}) and the labelColumn option.`,
    );
  }

  let columns: string[] | undefined;
  if (header && format === 'delimited') {
    if (first.length === nf) columns = featureCols.map((j) => first[j]);
    // R's write.table omits the row-names header cell: the header is one field short.
    else if (hasRowNames && first.length === nf - 1) columns = featureCols.map((j) => first[j - 1]);
    else {
      throw fail(
        source,
        `the header (line ${lines[0].no}) has ${first.length} fields but line ${dataLines[0].no} has ${nf}. Every line must have the same number of fields; fix the header, or pass header: false (CLI --no-header) if line ${lines[0].no} is data.`,
      );
    }
  }

  const n = dataLines.length;
  if (8 * n * d > maxBytes) {
    throw new BufferLimitError(
      `${source}: ${formatCount(n)} rows × ${formatCount(d)} columns need ${formatBytes(8 * n * d)} as float64, above maxBytes = ${formatBytes(maxBytes)}. ` +
        'Raise maxBytes if the machine has the memory, or select rows or columns first.',
    );
  }
  const data = new Float64Array(n * d);
  const rowNames: string[] | undefined = hasRowNames ? new Array<string>(n) : undefined;
  const rawLabels: string[] | undefined = li >= 0 ? new Array<string>(n) : undefined;

  for (let i = 0; i < n; i++) {
    const line = dataLines[i];
    const fields = i === 0 ? row0 : splitFields(line.text, delim);
    if (fields.length !== nf) {
      throw fail(
        source,
        `line ${line.no} has ${fields.length} field(s) but line ${dataLines[0].no} has ${nf} (delimiter: ${DELIM_NAME[delim]}). ` +
          'Every row must have the same number of fields: look for a missing value, an extra delimiter, or an unquoted delimiter inside a name.',
      );
    }
    const base = i * d;
    for (let c = 0; c < d; c++) {
      const j = featureCols[c];
      const v = parseNumber(fields[j]);
      if (Number.isNaN(v)) throw nonNumeric(source, line, j, fields[j], columns?.[c], { i, header, hasRowNames });
      data[base + c] = v;
    }
    if (rowNames) rowNames[i] = fields[0].trim();
    if (rawLabels) rawLabels[i] = fields[li].trim();
  }

  if (declaredN !== undefined && declaredN !== n) {
    throw fail(
      source,
      `the first line declares ${formatCount(declaredN)} samples but the file has ${formatCount(n)} data rows. The file may be truncated or edited; re-download it.`,
    );
  }

  const result: DelimitedResult = { n, d, data, delimiter: delim, header, format };
  if (columns) result.columns = columns;
  if (rowNames) result.rowNames = rowNames;
  if (rawLabels) {
    const { labels, names } = encodeLabels(rawLabels, source, dataLines, li);
    result.labels = labels;
    const ln = labelNames ?? names;
    if (ln) result.labelNames = ln;
  }
  const badText = replacementWarning({ 'column name(s)': columns, 'row name(s)': rowNames, 'label name(s)': result.labelNames });
  if (badText) result.warnings = [badText];
  return result;
}

function nonNumeric(
  source: string,
  line: Line,
  j: number,
  field: string,
  name: string | undefined,
  ctx: { i: number; header: boolean; hasRowNames: boolean },
): FileFormatError {
  const where = `line ${line.no}, column ${j + 1}${name ? ` (${quoteField(name)})` : ''}`;
  let fix: string;
  if (isMissingToken(field)) {
    fix = 'It is a missing value: impute it or drop rows with missing values before clustering.';
  } else if (ctx.i === 0 && !ctx.header) {
    fix = 'If this line is a header, pass header: true (CLI --header).';
  } else if (j === 0 && !ctx.hasRowNames) {
    fix = 'If the first column holds row names, pass rowNames: true (CLI --row-names).';
  } else {
    fix = 'Every field except row names and the label column must be a number; fix or remove this value.';
  }
  return fail(source, `${where}: ${quoteField(field)} is not a number. ${fix}`);
}

/** Integer labels pass through; any text label turns the column into names numbered by first appearance. */
function encodeLabels(raw: string[], source: string, lines: Line[], li: number): { labels: number[]; names?: string[] } {
  const labels = new Array<number>(raw.length);
  let allInt = true;
  for (let i = 0; i < raw.length; i++) {
    const v = parseNumber(raw[i]);
    if (!Number.isInteger(v)) {
      allInt = false;
      break;
    }
    labels[i] = v;
  }
  if (allInt) return { labels };
  const index = new Map<string, number>();
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i];
    if (s === '') {
      throw fail(
        source,
        `line ${lines[i].no}, column ${li + 1}: the label is empty. Every row needs a label when a label column is used; drop unlabelled rows or do not set labelColumn.`,
      );
    }
    let id = index.get(s);
    if (id === undefined) {
      id = index.size;
      index.set(s, id);
    }
    labels[i] = id;
  }
  return { labels, names: [...index.keys()] };
}
