/**
 * MatrixMarket coordinate files streamed straight into a cell-major CSR matrix.
 *
 * The matrix is read as a byte stream (gunzipped by DecompressionStream when it starts with the gzip
 * magic) and parsed byte by byte by the one MatrixMarket parser (./parser.ts): no string per line,
 * no whole decompressed text in memory, no dense matrix. Indices are then sorted within each row
 * (pbmc3k lists genes in descending order) and duplicate (cell, gene) entries are summed, as scipy does.
 */
import { checkLoaderOptions, LOADER_OPTIONS } from '../options.js';
import { BufferLimitError } from '../../errors.js';
import { canonicalize, checkNnz, valueStats } from '../csr.js';
import { abortIfNeeded, openInput, readChunk, type OpenedInput } from '../input.js';
import { checkLoadBudget, checkMaxBytes, shapeEstimate, MemoryLimitError } from '../memory.js';
import type { ByteInput, LoadedCsr, LoadOptions, LoadPhase, LoadProgress, MemoryEstimate } from '../types.js';
import { type MtxField, type MtxSize, mtxFail } from './header.js';
import { MtxParser, type MtxSink } from './parser.js';

export interface MatrixMarketCsrOptions extends LoadOptions {
  /** Columns are samples (10x layout: rows = genes, columns = cells). Default true. */
  transpose?: boolean;
  /** Name used in messages. Default: the File's name, else "matrix.mtx". */
  label?: string;
  /** Called with the size line (file rows, columns, entries) before any entry is read; throw to stop. */
  onHeader?: (rows: number, cols: number, nnz: number) => void;
}

export interface MatrixMarketCsr extends LoadedCsr {
  field: MtxField;
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
 * Entries into CSR arrays, cell-major. 10x files list entries ordered by cell, so indices and values
 * go straight to their final place while the row lengths are counted; an entry for an earlier cell
 * switches to keeping each entry's cell for a counting sort at the end.
 */
class CsrSink implements MtxSink {
  n = 0;
  d = 0;
  indptr = new Uint32Array(1);
  indices = new Uint32Array(0);
  values = new Float32Array(0);
  cellOf: Uint32Array | undefined;
  private count = 0;
  private lastCell = 0;
  private declared = 0;
  private estimate: MemoryEstimate | undefined;

  private readonly maxBytes: number;

  constructor(
    private readonly label: string,
    private readonly transpose: boolean,
    private readonly options: MatrixMarketCsrOptions,
  ) {
    this.maxBytes = checkMaxBytes(options.maxBytes);
  }

  /** Most entries the input's bytes can hold (each line is at least "1 1\n"; gzip expands at most ~1032×). */
  maxEntries = Infinity;

  begin({ rows, cols, nnz }: MtxSize): void {
    const label = this.label;
    checkNnz(nnz, label);
    if (nnz > this.maxEntries) {
      throw mtxFail(
        label,
        `the size line declares ${nnz.toLocaleString('en-US')} entries, more than a file of this size can hold. The file is truncated or the size line is damaged; export the matrix again.`,
      );
    }
    this.declared = nnz;
    this.n = this.transpose ? cols : rows;
    this.d = this.transpose ? rows : cols;
    this.options.onHeader?.(rows, cols, nnz);
    const est = shapeEstimate({ n: this.n, d: this.d, nnz });
    this.estimate = est;
    this.options.onEstimate?.(est);
    checkLoadBudget(label, est, this.maxBytes);
    try {
      this.indptr = new Uint32Array(this.n + 1);
      this.indices = new Uint32Array(nnz);
      this.values = new Float32Array(nnz);
    } catch (e) {
      throw new BufferLimitError(
        `${label}: could not allocate ${est.human.split(':')[0]} as CSR (${String(e)}). Load a smaller matrix, or use a machine (or browser) with more memory.`,
      );
    }
  }

  entry(r: number, c: number, value: number, lineNo: number): void {
    const gene = this.transpose ? r - 1 : c - 1;
    const cell = this.transpose ? c - 1 : r - 1;
    if (cell < this.lastCell && this.cellOf === undefined) this.becomeUnordered(lineNo);
    if (this.cellOf !== undefined) this.cellOf[this.count] = cell;
    else this.lastCell = cell;
    this.indptr[cell + 1]++;
    this.indices[this.count] = gene;
    this.values[this.count] = value;
    this.count++;
  }

  /** Entries arrived out of cell order: record each entry's cell (those so far from the row counts). */
  private becomeUnordered(lineNo: number): void {
    const est = this.estimate!;
    const max = this.maxBytes;
    if (est.loadBytesUnordered > max) {
      throw new MemoryLimitError(
        this.label,
        est,
        est.loadBytesUnordered,
        max,
        `entries are not ordered by cell (line ${lineNo + 1}), so they are re-sorted`,
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
}

/**
 * Stream a MatrixMarket coordinate file into a cell-major CSR matrix (rows = the file's columns
 * by default, the 10x layout). Any entry order is accepted; indices come out sorted per row and
 * duplicates summed.
 */
export async function readMatrixMarketCsr(input: ByteInput, options: MatrixMarketCsrOptions = {}): Promise<MatrixMarketCsr> {
  checkLoaderOptions(options, LOADER_OPTIONS.mtxCsr, 'readMatrixMarketCsr');
  checkMaxBytes(options.maxBytes);
  const opened = await openInput(input, options.label ?? 'matrix.mtx');
  const label = options.label ?? opened.name ?? 'matrix.mtx';
  return parseOpened(opened, label, options);
}

export async function parseOpened(opened: OpenedInput, label: string, options: MatrixMarketCsrOptions): Promise<MatrixMarketCsr> {
  const sink = new CsrSink(label, options.transpose ?? true, options);
  if (opened.totalBytes !== undefined) sink.maxEntries = Math.floor(((opened.gzip ? 1032 : 1) * opened.totalBytes) / 4);
  const parser = new MtxParser(label, sink);
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
  const { n, d } = sink;
  const declared = parser.declared;
  const indptr = sink.indptr;
  let indices = sink.indices;
  let values = sink.values;
  for (let i = 0; i < n; i++) indptr[i + 1] += indptr[i];
  progress.report('sorting', parser.count, declared, true);
  const cellOrdered = sink.cellOf === undefined;
  if (sink.cellOf) {
    // Counting sort by cell; stable, so entries of a cell keep their file order.
    const cellOf = sink.cellOf;
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
