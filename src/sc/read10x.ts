/**
 * 10x Genomics MEX folders (matrix.mtx[.gz] + features.tsv[.gz] or genes.tsv[.gz] + barcodes.tsv[.gz])
 * streamed straight into a cell-major CSR matrix.
 *
 * The matrix is read as a byte stream (gunzipped by DecompressionStream when it starts with the gzip
 * magic) and parsed byte by byte: no string per line, no whole decompressed text in memory, no dense
 * matrix. 10x files list entries ordered by cell (column), so indices and values are written straight
 * into their final CSR arrays while the row lengths are counted (one pass, CSR-sized memory); if an
 * entry arrives for an earlier cell, the parser switches to keeping a cell index per entry and
 * finishes with a counting sort. Indices are then sorted within each row (pbmc3k lists genes in
 * descending order) and duplicate (cell, gene) entries are summed, as scipy does.
 */
import { BufferLimitError, FileFormatError } from '../errors.js';
import { formatCount, quoteField } from '../io/text.js';
import { beyondExactWarning, canonicalize, checkNnz, notCountsWarning, selectColumns, valueStats } from './csr.js';
import { abortIfNeeded, forEachLine, openInput, readChunk, type OpenedInput } from './input.js';
import { checkMaxBytes, estimateMemory, MemoryLimitError } from './memory.js';
import type { ByteInput, LoadedCsr, LoadOptions, LoadPhase, LoadProgress, MemoryEstimate, SingleCellData } from './types.js';

export interface MatrixMarketCsrOptions extends LoadOptions {
  /** Columns are samples (10x layout: rows = genes, columns = cells). Default true. */
  transpose?: boolean;
  /** Name used in messages. Default: the File's name, else "matrix.mtx". */
  label?: string;
  /** Called with the size line (file rows, columns, entries) before any entry is read; throw to stop. */
  onHeader?: (rows: number, cols: number, nnz: number) => void;
}

export interface MatrixMarketCsr extends LoadedCsr {
  field: 'integer' | 'real' | 'pattern';
  fileRows: number;
  fileCols: number;
  /** Entries declared on the size line (before duplicates were summed). */
  declaredEntries: number;
  cellOrdered: boolean;
  duplicatesSummed: number;
  integerValued: boolean;
  nonNegative: boolean;
  maxValue: number;
  beyondExact: number;
  bytesRead: number;
  totalBytes?: number;
  gzip: boolean;
}

const MAX_HEADER_LINE = 1 << 16;

function fail(label: string, message: string): FileFormatError {
  return new FileFormatError(`${label}: ${message}`);
}

function splitTokens(line: string): string[] {
  return line
    .trim()
    .split(/[ \t]+/)
    .filter((t) => t.length > 0);
}

/** Progress reporting, throttled to about every 64k entries (and every phase change). */
class Reporter {
  private lastEntries = -Infinity;
  private lastPhase: LoadPhase | undefined;
  constructor(
    private readonly cb: ((p: LoadProgress) => void) | undefined,
    private readonly base: () => { bytesRead: number; totalBytes?: number },
  ) {}
  report(phase: LoadPhase, entries: number, totalEntries?: number, force = false): void {
    if (!this.cb) return;
    if (!force && phase === this.lastPhase && entries - this.lastEntries < 65536) return;
    this.lastPhase = phase;
    this.lastEntries = entries;
    const b = this.base();
    const p: LoadProgress = { phase, bytesRead: b.bytesRead, entries };
    if (b.totalBytes !== undefined) p.totalBytes = b.totalBytes;
    if (totalEntries !== undefined) p.totalEntries = totalEntries;
    this.cb(p);
  }
}

/**
 * Incremental MatrixMarket parser: feed byte chunks, then end(). Header lines are decoded as text;
 * entries are parsed from bytes with the state carried across chunk boundaries.
 */
class MtxParser {
  // Header.
  private phase: 0 | 1 | 2 = 0;
  private headerCarry: Uint8Array[] = [];
  private headerCarryLen = 0;
  private readonly decoder = new TextDecoder('utf-8');
  lineNo = 0;
  field: 'integer' | 'real' | 'pattern' = 'integer';
  rows = 0;
  cols = 0;
  declared = 0;
  // Output.
  n = 0;
  d = 0;
  indptr = new Uint32Array(1);
  indices = new Uint32Array(0);
  values = new Float32Array(0);
  cellOf: Uint32Array | undefined;
  count = 0;
  lastCell = 0;
  beyondExact = 0;
  estimate: MemoryEstimate | undefined;
  // Entry-parse state carried between chunks.
  private fieldNo = 0;
  private seen = false;
  private comment = false;
  private r = 0;
  private c = 0;
  private v = 0;
  private floatMode = false;
  private readonly fbuf = new Uint8Array(128);
  private flen = 0;

  constructor(
    private readonly label: string,
    private readonly transpose: boolean,
    private readonly options: MatrixMarketCsrOptions,
  ) {}

  get inEntries(): boolean {
    return this.phase === 2;
  }

  push(chunk: Uint8Array): void {
    let off = 0;
    while (this.phase !== 2) {
      const nl = chunk.indexOf(10, off);
      if (nl < 0) {
        this.carryHeader(chunk.subarray(off));
        return;
      }
      this.carryHeader(chunk.subarray(off, nl));
      off = nl + 1;
      const line = this.takeHeaderLine();
      this.headerLine(line);
    }
    if (off < chunk.length) this.entries(chunk, off);
  }

  end(): void {
    if (this.phase !== 2) {
      if (this.headerCarryLen > 0 || this.lineNo === 0) this.headerLine(this.takeHeaderLine(), true);
      if ((this.phase as number) !== 2) {
        throw fail(
          this.label,
          this.lineNo === 0 || this.phase === 0
            ? 'the file is empty. A MatrixMarket file starts with "%%MatrixMarket matrix coordinate integer general".'
            : 'the file ends after the header, before the "rows columns entries" size line. The file is truncated; download or export it again.',
        );
      }
    }
    // A last line without a newline.
    if (this.fieldNo > 0 || this.seen) this.entries(Uint8Array.of(10), 0);
    if (this.count < this.declared) {
      throw fail(
        this.label,
        `the size line declares ${formatCount(this.declared)} entries but the file has only ${formatCount(this.count)}. ` +
          'The file is truncated; download it again (or re-export the matrix).',
      );
    }
  }

  private carryHeader(part: Uint8Array): void {
    if (part.length === 0) return;
    this.headerCarryLen += part.length;
    if (this.headerCarryLen > MAX_HEADER_LINE) {
      throw fail(
        this.label,
        this.lineNo === 0
          ? 'the file does not start with a MatrixMarket header line ("%%MatrixMarket matrix coordinate ..."). Is this really a .mtx file (or a gzip of one)?'
          : `line ${this.lineNo + 1} is longer than ${formatCount(MAX_HEADER_LINE)} bytes; a MatrixMarket header or size line is short. The file is not MatrixMarket.`,
      );
    }
    this.headerCarry.push(part.slice());
  }

  private takeHeaderLine(): string {
    let bytes: Uint8Array;
    if (this.headerCarry.length === 1) bytes = this.headerCarry[0];
    else {
      bytes = new Uint8Array(this.headerCarryLen);
      let o = 0;
      for (const p of this.headerCarry) {
        bytes.set(p, o);
        o += p.length;
      }
    }
    this.headerCarry = [];
    this.headerCarryLen = 0;
    let line = this.decoder.decode(bytes);
    if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    return line;
  }

  private headerLine(line: string, atEnd = false): void {
    this.lineNo++;
    const label = this.label;
    if (this.phase === 0) {
      if (line.trim() === '') {
        if (atEnd) return;
        throw fail(label, 'line 1 is empty; a MatrixMarket file starts with "%%MatrixMarket matrix coordinate integer general".');
      }
      const h = splitTokens(line.toLowerCase());
      if (h[0] !== '%%matrixmarket') {
        throw fail(
          label,
          `line 1 is ${quoteField(line)}, not a MatrixMarket header ("%%MatrixMarket matrix coordinate ..."). Is this really a .mtx file (or a gzip of one)?`,
        );
      }
      if (h[1] !== 'matrix' || h.length < 5) {
        throw fail(
          label,
          `the header ${quoteField(line)} is incomplete; expected "%%MatrixMarket matrix coordinate <integer|real|pattern> general".`,
        );
      }
      if (h[2] !== 'coordinate') {
        throw fail(
          label,
          `the matrix is stored as "${h[2]}"; only the sparse "coordinate" format (as written by 10x Genomics, Seurat and scipy.io.mmwrite) is supported.`,
        );
      }
      if (h[3] !== 'integer' && h[3] !== 'real' && h[3] !== 'pattern') {
        throw fail(label, `the value type is "${h[3]}"; only integer, real and pattern matrices are supported.`);
      }
      if (h[4] !== 'general') {
        throw fail(label, `the symmetry is "${h[4]}"; only "general" matrices are supported. Write the full matrix as general.`);
      }
      this.field = h[3];
      this.phase = 1;
      return;
    }
    // Size line, after comments and blank lines.
    if (line.trim() === '' || line.trimStart().startsWith('%')) return;
    const st = splitTokens(line);
    if (st.length !== 3 || !st.every((t) => /^\d+$/.test(t))) {
      throw fail(
        label,
        `line ${this.lineNo} should be the size line "rows columns entries" (three whole numbers) but is ${quoteField(line)}.`,
      );
    }
    const [rows, cols, nnz] = st.map(Number);
    if (nnz > rows * cols) {
      throw fail(
        label,
        `the size line declares ${formatCount(nnz)} entries, more than the ${formatCount(rows * cols)} cells of a ${rows}×${cols} matrix. The file is corrupt.`,
      );
    }
    checkNnz(nnz, label);
    this.rows = rows;
    this.cols = cols;
    this.declared = nnz;
    this.n = this.transpose ? cols : rows;
    this.d = this.transpose ? rows : cols;
    this.options.onHeader?.(rows, cols, nnz);
    const est = estimateMemory({ n: this.n, d: this.d, nnz });
    this.estimate = est;
    this.options.onEstimate?.(est);
    const max = this.options.maxBytes;
    if (max !== undefined && est.loadBytes > max) {
      throw new MemoryLimitError(label, est, est.loadBytes, max, 'the CSR matrix');
    }
    try {
      this.indptr = new Uint32Array(this.n + 1);
      this.indices = new Uint32Array(nnz);
      this.values = new Float32Array(nnz);
    } catch (e) {
      throw new BufferLimitError(
        `${label}: could not allocate ${est.human.split(':')[0]} as CSR (${String(e)}). Load a smaller matrix, or use a machine (or browser) with more memory.`,
      );
    }
    this.phase = 2;
  }

  /** Entries arrived out of cell order: record each entry's cell (those so far from the row counts). */
  private becomeUnordered(): void {
    const est = this.estimate!;
    const max = this.options.maxBytes;
    if (max !== undefined && est.loadBytesUnordered > max) {
      throw new MemoryLimitError(
        this.label,
        est,
        est.loadBytesUnordered,
        max,
        `entries are not ordered by cell (line ${this.lineNo + 1}), so they are re-sorted`,
      );
    }
    const cellOf = new Uint32Array(this.declared);
    let k = 0;
    for (let cell = 0; cell <= this.lastCell; cell++) {
      const len = this.indptr[cell + 1];
      cellOf.fill(cell, k, k + len);
      k += len;
    }
    this.cellOf = cellOf;
  }

  private bad(lineNo: number, message: string): FileFormatError {
    return fail(this.label, `line ${lineNo + 1}: ${message}`);
  }

  /** The hot loop: parse "row col [value]" lines from bytes. */
  private entries(chunk: Uint8Array, from: number): void {
    const want = this.field === 'pattern' ? 2 : 3;
    const integerField = this.field === 'integer';
    const { rows, cols, declared, indptr, indices, values, transpose } = this;
    let { fieldNo, seen, comment, r, c, v, floatMode, flen, count, lastCell, cellOf, lineNo, beyondExact } = this;
    const fbuf = this.fbuf;
    const len = chunk.length;
    try {
      for (let i = from; i < len; i++) {
        const b = chunk[i];
        if (comment) {
          if (b === 10) {
            comment = false;
            lineNo++;
          }
          continue;
        }
        const dgt = b - 48;
        if (dgt >= 0 && dgt <= 9) {
          if (fieldNo === 0) r = r * 10 + dgt;
          else if (fieldNo === 1) c = c * 10 + dgt;
          else if (fieldNo === 2) {
            if (floatMode) {
              if (flen >= fbuf.length) throw this.bad(lineNo, 'a value is longer than 128 characters.');
              fbuf[flen++] = b;
            } else v = v * 10 + dgt;
          } else {
            throw this.bad(lineNo, `more than ${want} fields; an entry is "row column${want === 3 ? ' value' : ''}".`);
          }
          seen = true;
          continue;
        }
        if (b === 32 || b === 9 || b === 13) {
          if (seen) {
            fieldNo++;
            seen = false;
          }
          continue;
        }
        if (b === 10) {
          const nf = fieldNo + (seen ? 1 : 0);
          if (nf !== 0) {
            if (nf !== want) {
              throw this.bad(
                lineNo,
                `an entry has ${nf} field(s); expected ${want} ("row column${want === 3 ? ' value' : ''}"). The file is corrupt or truncated.`,
              );
            }
            if (count >= declared) {
              throw this.bad(
                lineNo,
                `an entry beyond the ${formatCount(declared)} declared on the size line. The size line or the file is wrong; export the matrix again.`,
              );
            }
            if (r < 1 || r > rows || c < 1 || c > cols) {
              throw this.bad(
                lineNo,
                `index (${r}, ${c}) is outside the ${rows}×${cols} matrix; MatrixMarket indices are 1-based (rows 1..${rows}, columns 1..${cols}).`,
              );
            }
            let value = 1;
            if (want === 3) {
              if (floatMode) {
                const s = String.fromCharCode.apply(null, fbuf.subarray(0, flen) as unknown as number[]);
                value = Number(s);
                if (!Number.isFinite(value) || s === '-' || s === '+' || s === '.') {
                  throw this.bad(lineNo, `value ${quoteField(s)} is not a finite number.`);
                }
                if (integerField && !Number.isInteger(value)) {
                  throw this.bad(lineNo, `value ${quoteField(s)} is not an integer, as the header's "integer" requires.`);
                }
                if (Number.isInteger(value) && Math.abs(value) > 16777216) beyondExact++;
              } else {
                value = v;
                if (v > 16777216) beyondExact++;
              }
            }
            const gene = transpose ? r - 1 : c - 1;
            const cell = transpose ? c - 1 : r - 1;
            if (cell < lastCell && cellOf === undefined) {
              this.lineNo = lineNo;
              this.lastCell = lastCell;
              this.becomeUnordered();
              cellOf = this.cellOf;
            }
            if (cellOf !== undefined) cellOf[count] = cell;
            else lastCell = cell;
            indptr[cell + 1]++;
            indices[count] = gene;
            values[count] = value;
            count++;
          }
          lineNo++;
          fieldNo = 0;
          seen = false;
          r = 0;
          c = 0;
          v = 0;
          floatMode = false;
          flen = 0;
          continue;
        }
        if (b === 37 && fieldNo === 0 && !seen) {
          comment = true; // '%' comment line
          continue;
        }
        if (
          fieldNo === 2 &&
          (b === 46 ||
            b === 101 ||
            b === 69 ||
            b === 45 ||
            b === 43 ||
            b === 110 ||
            b === 78 ||
            b === 97 ||
            b === 65 ||
            b === 105 ||
            b === 73)
        ) {
          // '.', 'e', 'E', '-', '+' (and letters of nan/inf, rejected later): a real value.
          if (!floatMode) {
            floatMode = true;
            flen = 0;
            if (seen) {
              const digits = String(v);
              for (let q = 0; q < digits.length; q++) fbuf[flen++] = digits.charCodeAt(q);
            }
          }
          if (flen >= fbuf.length) throw this.bad(lineNo, 'a value is longer than 128 characters.');
          fbuf[flen++] = b;
          seen = true;
          continue;
        }
        throw this.bad(
          lineNo,
          `unexpected character ${quoteField(String.fromCharCode(b))} in ${['the row index', 'the column index', 'the value'][fieldNo] ?? 'an entry'}. ` +
            (b === 0 || b > 126
              ? 'The file looks binary: is it compressed with something other than gzip, or not a .mtx file?'
              : 'The file is corrupt.'),
        );
      }
    } finally {
      Object.assign(this, { fieldNo, seen, comment, r, c, v, floatMode, flen, count, lineNo, beyondExact });
      if (this.cellOf === undefined) this.lastCell = lastCell;
    }
  }
}

/**
 * Stream a MatrixMarket coordinate file into a cell-major CSR matrix (rows = the file's columns
 * by default, the 10x layout). Any entry order is accepted; indices come out sorted per row and
 * duplicates summed.
 */
export async function readMatrixMarketCsr(input: ByteInput, options: MatrixMarketCsrOptions = {}): Promise<MatrixMarketCsr> {
  checkMaxBytes(options.maxBytes);
  const opened = await openInput(input, options.label ?? 'matrix.mtx');
  const label = options.label ?? opened.name ?? 'matrix.mtx';
  return parseOpened(opened, label, options);
}

async function parseOpened(opened: OpenedInput, label: string, options: MatrixMarketCsrOptions): Promise<MatrixMarketCsr> {
  const parser = new MtxParser(label, options.transpose ?? true, options);
  const progress = new Reporter(options.onProgress, () => ({ bytesRead: opened.bytesRead(), totalBytes: opened.totalBytes }));
  const reader = opened.stream.getReader();
  progress.report('header', 0, undefined, true);
  try {
    for (;;) {
      abortIfNeeded(options.signal);
      const r = await readChunk(reader, opened, label);
      if (r.done) break;
      parser.push(r.value);
      if (parser.inEntries) progress.report('entries', parser.count, parser.declared);
    }
    parser.end();
  } catch (e) {
    await reader.cancel().catch(() => undefined);
    throw e;
  }
  progress.report('entries', parser.count, parser.declared, true);
  const { n, d, declared } = parser;
  const indptr = parser.indptr;
  let indices = parser.indices;
  let values = parser.values;
  for (let i = 0; i < n; i++) indptr[i + 1] += indptr[i];
  progress.report('sorting', parser.count, declared, true);
  const cellOrdered = parser.cellOf === undefined;
  if (parser.cellOf) {
    // Counting sort by cell; stable, so entries of a cell keep their file order.
    const cellOf = parser.cellOf;
    const next = indptr.slice(0, n);
    const si = new Uint32Array(declared);
    const sv = new Float32Array(declared);
    for (let k = 0; k < declared; k++) {
      const p = next[cellOf[k]]++;
      si[p] = indices[k];
      sv[p] = values[k];
    }
    indices = si;
    values = sv;
  }
  const canon = canonicalize({ n, d, nnz: declared, indptr, indices, values });
  const m = canon.matrix;
  const stats = valueStats(m.values, m.nnz);
  return {
    ...m,
    field: parser.field,
    fileRows: parser.rows,
    fileCols: parser.cols,
    declaredEntries: declared,
    cellOrdered,
    duplicatesSummed: canon.duplicates,
    integerValued: stats.integerValued,
    nonNegative: stats.nonNegative,
    maxValue: stats.maxValue,
    beyondExact: parser.beyondExact,
    bytesRead: opened.bytesRead(),
    totalBytes: opened.totalBytes,
    gzip: opened.gzip,
  };
}

export interface Read10xFiles {
  /** matrix.mtx or matrix.mtx.gz (rows = features, columns = barcodes). */
  matrix: ByteInput;
  /** features.tsv(.gz) (Cell Ranger ≥ 3: id, name, type) … */
  features?: ByteInput;
  /** … or genes.tsv(.gz) (Cell Ranger 2: id, name). */
  genes?: ByteInput;
  /** barcodes.tsv(.gz), one per column. */
  barcodes?: ByteInput;
}

export interface Read10xOptions extends LoadOptions {
  /** Keep only features of type "Gene Expression" when the features file gives types (as scanpy's gex_only). Default true. */
  geneExpressionOnly?: boolean;
}

interface Features {
  ids?: string[];
  names: string[];
  types?: string[];
  bytesRead: number;
}

async function readFeatures(input: ByteInput, label: string, signal?: AbortSignal): Promise<Features> {
  const opened = await openInput(input, label);
  const name = opened.name ?? label;
  const ids: string[] = [];
  const names: string[] = [];
  const types: string[] = [];
  let columns = -1;
  await forEachLine(
    opened,
    name,
    (line, lineNo) => {
      if (line === '') return;
      const f = line.split('\t');
      if (columns < 0) columns = f.length;
      else if (f.length < Math.min(columns, 2)) {
        throw new FileFormatError(
          `${name}: line ${lineNo} has ${f.length} tab-separated field(s) where line 1 has ${columns}. The file is corrupt.`,
        );
      }
      if (columns === 1) names.push(f[0]);
      else {
        ids.push(f[0]);
        names.push(f[1] ?? f[0]);
        if (columns >= 3) types.push(f[2] ?? '');
      }
    },
    signal,
  );
  const out: Features = { names, bytesRead: opened.bytesRead() };
  if (columns >= 2) out.ids = ids;
  if (columns >= 3) out.types = types;
  return out;
}

async function readBarcodes(input: ByteInput, label: string, signal?: AbortSignal): Promise<{ names: string[]; bytesRead: number }> {
  const opened = await openInput(input, label);
  const out: string[] = [];
  await forEachLine(
    opened,
    opened.name ?? label,
    (line) => {
      if (line === '') return;
      const tab = line.indexOf('\t');
      out.push(tab < 0 ? line : line.slice(0, tab));
    },
    signal,
  );
  return { names: out, bytesRead: opened.bytesRead() };
}

function byteSize(x: ByteInput): number | undefined {
  if (typeof Blob !== 'undefined' && x instanceof Blob) return x.size;
  if (x instanceof ArrayBuffer || ArrayBuffer.isView(x)) return x.byteLength;
  return undefined;
}

const indexNames = (k: number): string[] => Array.from({ length: k }, (_, i) => String(i));

/**
 * Whether a file name is the 10x file `stem` ("matrix.mtx", "features.tsv", "genes.tsv",
 * "barcodes.tsv"), gzipped or not, alone or after a prefix ending in "_" or "-" (GEO serves
 * "GSM123_matrix.mtx.gz").
 */
export function is10xName(name: string, stem: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return [stem, `${stem}.gz`].some((s) => base === s || base.endsWith(`_${s}`) || base.endsWith(`-${s}`));
}

/**
 * The three files of a 10x MEX folder among files the user picked (an <input type="file" multiple>
 * or webkitdirectory FileList, or dropped files), by name as read10xDir finds them on disk.
 * Throws a FileFormatError naming what is missing or ambiguous.
 */
export function find10xInputs(files: Iterable<File> | ArrayLike<File>): Read10xFiles {
  const list = Array.from(files as ArrayLike<File>);
  const nameOf = (f: File): string => (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
  const pick = (stem: string): File | undefined => {
    const hits = list.filter((f) => is10xName(nameOf(f), stem));
    if (hits.length > 1) {
      const exact = hits.filter((f) => f.name === stem || f.name === `${stem}.gz`);
      if (exact.length === 1) return exact[0];
      throw new FileFormatError(`Several files match ${stem}(.gz): ${hits.map(nameOf).join(', ')}. Pick the files of one 10x dataset.`);
    }
    return hits[0];
  };
  const matrix = pick('matrix.mtx');
  const features = pick('features.tsv');
  const genes = features ? undefined : pick('genes.tsv');
  const barcodes = pick('barcodes.tsv');
  const missing = [
    matrix ? '' : 'matrix.mtx(.gz)',
    features || genes ? '' : 'features.tsv(.gz) or genes.tsv(.gz)',
    barcodes ? '' : 'barcodes.tsv(.gz)',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new FileFormatError(
      `No ${missing.join(', no ')} among the files given (${list.map(nameOf).slice(0, 12).join(', ') || 'none'}). ` +
        'Pick the three files of a Cell Ranger output folder (filtered_feature_bc_matrix/), or the folder itself.',
    );
  }
  const out: Read10xFiles = { matrix: matrix! };
  if (features) out.features = features;
  if (genes) out.genes = genes;
  if (barcodes) out.barcodes = barcodes;
  return out;
}

/**
 * Read a 10x Genomics MEX folder's files into a cell-major CSR matrix with gene and barcode names.
 *
 *   const data = await read10x({ matrix: files[0], features: files[1], barcodes: files[2] });
 *
 * Each input is a File, Blob, ArrayBuffer, Uint8Array or ReadableStream<Uint8Array>, gzip-compressed
 * or not (detected from the bytes). The small name files are read first, then the matrix is
 * streamed; the size line is checked against them before any entry is parsed. Without a features
 * (genes) or barcodes file, names are the 0-based indices. In Node, read10xDir(path) finds the files.
 */
export async function read10x(files: Read10xFiles, options: Read10xOptions = {}): Promise<SingleCellData> {
  const t0 = performance.now();
  checkMaxBytes(options.maxBytes);
  if (files === null || typeof files !== 'object' || !('matrix' in files) || files.matrix == null) {
    throw new FileFormatError(
      'read10x: pass { matrix, features (or genes), barcodes }: matrix.mtx(.gz), features.tsv(.gz) or genes.tsv(.gz), barcodes.tsv(.gz).',
    );
  }
  if (files.features != null && files.genes != null) {
    throw new FileFormatError('read10x: pass features or genes, not both (genes.tsv is the Cell Ranger 2 name of features.tsv).');
  }
  const featureInput = files.features ?? files.genes;
  const featureLabel = files.features != null ? 'features.tsv' : 'genes.tsv';
  let bytesRead = 0;
  // Total size of all inputs when every one has a known size (Blobs, buffers; not streams).
  const sizes = [files.matrix, featureInput, files.barcodes].filter((x) => x != null).map(byteSize);
  const totalBytes = sizes.every((x) => x !== undefined) ? sizes.reduce<number>((a, b) => a + b!, 0) : undefined;
  const withTotal = (p: LoadProgress): LoadProgress => (totalBytes === undefined ? p : { ...p, totalBytes });
  const report = (phase: LoadPhase): void => options.onProgress?.(withTotal({ phase, bytesRead, entries: 0 }));
  let features: Features | undefined;
  if (featureInput != null) {
    report('features');
    features = await readFeatures(featureInput, featureLabel, options.signal);
    bytesRead += features.bytesRead;
  }
  let barcodes: string[] | undefined;
  if (files.barcodes != null) {
    report('barcodes');
    const b = await readBarcodes(files.barcodes, 'barcodes.tsv', options.signal);
    barcodes = b.names;
    bytesRead += b.bytesRead;
  }
  const opened = await openInput(files.matrix, 'matrix.mtx');
  const label = opened.name ?? 'matrix.mtx';
  const names: string[] = [label];
  for (const f of [featureInput, files.barcodes]) {
    const nm = (f as { name?: unknown } | undefined)?.name;
    if (typeof nm === 'string' && nm) names.push(nm);
  }
  const m = await parseOpened(opened, label, {
    ...options,
    transpose: true,
    onProgress: options.onProgress
      ? (p) => {
          const q: LoadProgress = { ...p, bytesRead: bytesRead + p.bytesRead };
          delete q.totalBytes;
          options.onProgress!(withTotal(q));
        }
      : undefined,
    onHeader: (rows, cols) => {
      if (features && features.names.length !== rows) {
        throw new FileFormatError(
          `${featureLabel}: ${formatCount(features.names.length)} features but ${label} has ${formatCount(rows)} rows (genes). ` +
            'The files come from different datasets; use the three files of one Cell Ranger output folder.',
        );
      }
      if (barcodes && barcodes.length !== cols) {
        throw new FileFormatError(
          `barcodes.tsv: ${formatCount(barcodes.length)} barcodes but ${label} has ${formatCount(cols)} columns (cells). ` +
            'The files come from different datasets; use the three files of one Cell Ranger output folder.',
        );
      }
    },
  });
  bytesRead += m.bytesRead;
  let matrix: LoadedCsr = m;
  let genes = features?.names ?? indexNames(m.d);
  let geneIds = features?.ids;
  let featureTypes = features?.types;
  let dropped = 0;
  if ((options.geneExpressionOnly ?? true) && featureTypes && featureTypes.some((t) => t !== 'Gene Expression')) {
    const keep = featureTypes.map((t) => t === 'Gene Expression');
    if (keep.some(Boolean)) {
      dropped = keep.length - keep.filter(Boolean).length;
      matrix = selectColumns(m, keep);
      genes = genes.filter((_, j) => keep[j]);
      geneIds = geneIds?.filter((_, j) => keep[j]);
      featureTypes = featureTypes.filter((_, j) => keep[j]);
    }
  }
  const warnings: string[] = [];
  if (m.beyondExact > 0) warnings.push(beyondExactWarning(m.beyondExact));
  if (!features) warnings.push('No features/genes file was given: genes are named by their 0-based index.');
  if (!barcodes) warnings.push('No barcodes file was given: cells are named by their 0-based index.');
  const stats = dropped > 0 ? valueStats(matrix.values, matrix.nnz) : m;
  const notCounts = notCountsWarning('The matrix', stats, 'load the raw (unnormalised) MatrixMarket file');
  if (notCounts) warnings.push(notCounts);
  const out: SingleCellData = {
    n: matrix.n,
    d: matrix.d,
    nnz: matrix.nnz,
    indptr: matrix.indptr,
    indices: matrix.indices,
    values: matrix.values,
    genes,
    cells: barcodes ?? indexNames(m.n),
    source: {
      format: '10x-mtx',
      name: names.join(', '),
      bytesRead,
      loadMs: performance.now() - t0,
      integerValued: stats.integerValued,
      looksLikeCounts: stats.integerValued && stats.nonNegative,
      maxValue: stats.maxValue,
      duplicatesSummed: m.duplicatesSummed,
      droppedFeatures: dropped,
      warnings,
      field: m.field,
      cellOrdered: m.cellOrdered,
    },
  };
  if (geneIds) out.geneIds = geneIds;
  if (featureTypes) out.featureTypes = featureTypes;
  options.onProgress?.(withTotal({ phase: 'done', bytesRead, entries: m.declaredEntries, totalEntries: m.declaredEntries }));
  return out;
}
