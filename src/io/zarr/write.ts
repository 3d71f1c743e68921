/**
 * writeZarrCsr (Node): CSR blocks of cells streamed into an AnnData Zarr v2 store, as anndata 0.8
 * with zarr 2 writes one (X a csr_matrix group; obs and var dataframes with their string index;
 * empty obsm, varm, obsp, varp, layers, uns). Memory is bounded by one block plus one chunk of each
 * array: entries are buffered until a chunk is full, compressed (zlib, which numcodecs and zarrita
 * both read) and written. For synthetic stores larger than memory (issue 16's ≥ 2M-cell figures).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { checkOptionNames } from '../../core/known-options.js';
import { FileFormatError, invalid, throwIfAborted } from '../../errors.js';
import type { CsrMatrix } from '../../sparse.js';
import { checkNames } from '../names.js';

export interface WriteZarrCsrOptions {
  /** Rows (cells) the blocks hold in all. */
  n: number;
  /** Columns (genes). */
  d: number;
  /** CSR blocks of consecutive rows, each with its own indptr from 0; their rows must add up to n. */
  blocks: Iterable<CsrMatrix> | AsyncIterable<CsrMatrix>;
  /** Gene names (var_names), d of them. */
  genes: string[];
  /** Cell names (obs_names), n of them; without them, `${cellPrefix}${row}` (default '0', '1', … as anndata). */
  cells?: string[];
  /** Prefix of the generated cell names when `cells` is left out (names are never all held at once). Default ''. */
  cellPrefix?: string;
  /** Stored entries per chunk of X/data and X/indices; default 2^20 (4 MB each uncompressed). */
  chunkEntries?: number;
  /** Rows per chunk of X/indptr and of the obs index; default 2^16. */
  chunkRows?: number;
  /** zlib level 1–9, or 0 for uncompressed chunks; default 1 (fast). */
  level?: number;
  /** Replace an existing store at the path (only a directory that is a Zarr store). Default false. */
  overwrite?: boolean;
  /**
   * Stops the write before the next block or chunk (AbortError). The store is left incomplete (no .zarray for
   * X's arrays, so readers refuse it); write again with overwrite: true.
   */
  signal?: AbortSignal;
}

export interface WriteZarrCsrResult {
  path: string;
  n: number;
  d: number;
  nnz: number;
  /** Bytes written to disk (chunks and metadata). */
  bytesWritten: number;
}

const WRITE_OPTIONS = ['n', 'd', 'blocks', 'genes', 'cells', 'cellPrefix', 'chunkEntries', 'chunkRows', 'level', 'overwrite', 'signal'];

const json = (x: unknown): string => `${JSON.stringify(x, null, 4)}\n`;
const DICT = { 'encoding-type': 'dict', 'encoding-version': '0.1.0' };

/** vlen-utf8 (numcodecs VLenUTF8): item count, then each item's byte length and UTF-8 bytes. */
function vlenUtf8(items: string[]): Uint8Array {
  const enc = new TextEncoder();
  const parts = items.map((s) => enc.encode(s));
  const out = new Uint8Array(4 + parts.reduce((t, p) => t + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, items.length, true);
  let o = 4;
  for (const p of parts) {
    view.setUint32(o, p.length, true);
    out.set(p, o + 4);
    o += 4 + p.length;
  }
  return out;
}

/** Writes a Zarr v2 store's files and counts their bytes. */
class Writer {
  bytes = 0;
  constructor(
    readonly root: string,
    readonly level: number,
  ) {}
  compressor(): unknown {
    return this.level > 0 ? { id: 'zlib', level: this.level } : null;
  }
  async file(key: string, data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.bytes += bytes.byteLength;
    await writeFile(join(this.root, key), bytes);
  }
  async group(path: string, attrs: Record<string, unknown>): Promise<void> {
    mkdirSync(join(this.root, path), { recursive: true });
    await this.file(join(path, '.zgroup'), json({ zarr_format: 2 }));
    await this.file(join(path, '.zattrs'), json(attrs));
  }
  async chunk(path: string, k: number, raw: Uint8Array): Promise<void> {
    await this.file(join(path, String(k)), this.level > 0 ? deflateSync(raw, { level: this.level }) : raw);
  }
  async arrayMeta(
    path: string,
    meta: { shape: number; chunk: number; dtype: string; strings?: boolean },
    attrs?: Record<string, unknown>,
  ): Promise<void> {
    mkdirSync(join(this.root, path), { recursive: true });
    await this.file(
      join(path, '.zarray'),
      json({
        chunks: [meta.chunk],
        compressor: this.compressor(),
        dtype: meta.dtype,
        fill_value: 0,
        filters: meta.strings ? [{ id: 'vlen-utf8' }] : null,
        order: 'C',
        shape: [meta.shape],
        zarr_format: 2,
      }),
    );
    if (attrs) await this.file(join(path, '.zattrs'), json(attrs));
  }
  /** A 1-D string array (a dataframe index), chunk by chunk; edge chunks padded to the chunk length as zarr 2 stores them. */
  async strings(path: string, count: number, chunk: number, at: (i: number) => string): Promise<void> {
    await this.arrayMeta(
      path,
      { shape: count, chunk, dtype: '|O', strings: true },
      { 'encoding-type': 'string-array', 'encoding-version': '0.2.0' },
    );
    for (let k = 0; k * chunk < count; k++) {
      const items = Array.from({ length: chunk }, (_, i) => (k * chunk + i < count ? at(k * chunk + i) : ''));
      await this.chunk(path, k, vlenUtf8(items));
    }
  }
}

function positiveInt(name: string, v: unknown, fallback: number, max = 2 ** 31 - 1): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)
    throw invalid('BAD_OPTION', `writeZarrCsr: ${name} is ${String(v)}; it must be a whole number in 1..${max}.`);
  return v;
}

/** Stream CSR blocks into an AnnData Zarr store at `path` (Node). */
export async function writeZarrCsr(path: string, options: WriteZarrCsrOptions): Promise<WriteZarrCsrResult> {
  checkOptionNames(options, WRITE_OPTIONS, 'writeZarrCsr');
  // '' would resolve to the working directory and write the store's files straight into it.
  if (typeof path !== 'string' || path === '')
    throw invalid(
      'BAD_OPTION',
      `writeZarrCsr: the path is ${path === '' ? "''" : typeof path}; pass the folder of the .zarr store to write.`,
    );
  const { n, d, genes, cells } = options;
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 2 || !Number.isInteger(d) || d < 1 || d > 2 ** 31 - 1)
    throw invalid(
      'BAD_OPTION',
      `writeZarrCsr: n = ${String(n)} and d = ${String(d)} must be whole numbers (0 ≤ n < 2^32 - 1, 1 ≤ d < 2^31).`,
    );
  if (!Array.isArray(genes) || genes.length !== d)
    throw invalid(
      'SHAPE_MISMATCH',
      `writeZarrCsr: genes has ${Array.isArray(genes) ? genes.length : 'no'} names for ${d} columns. Pass one name per gene.`,
    );
  if (cells !== undefined && (!Array.isArray(cells) || cells.length !== n))
    throw invalid(
      'SHAPE_MISMATCH',
      `writeZarrCsr: cells has ${Array.isArray(cells) ? cells.length : 'no'} names for ${n} rows. Pass one name per cell, or leave cells out (names from cellPrefix).`,
    );
  checkNames(genes, 'genes', 'writeZarrCsr');
  if (cells !== undefined) checkNames(cells, 'cells', 'writeZarrCsr');
  const prefix = options.cellPrefix ?? '';
  if (typeof prefix !== 'string') throw invalid('BAD_OPTION', 'writeZarrCsr: cellPrefix must be a string.');
  const blocks = options.blocks as unknown;
  if (
    blocks === null ||
    typeof blocks !== 'object' ||
    (typeof (blocks as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function' &&
      typeof (blocks as Iterable<unknown>)[Symbol.iterator] !== 'function')
  )
    throw invalid('BAD_OPTION', 'writeZarrCsr: blocks must be an iterable or async iterable of CSR blocks (e.g. an array or a generator).');
  const chunkEntries = positiveInt('chunkEntries', options.chunkEntries, 2 ** 20);
  const chunkRows = positiveInt('chunkRows', options.chunkRows, 2 ** 16);
  const level = options.level ?? 1;
  if (!Number.isInteger(level) || level < 0 || level > 9)
    throw invalid('BAD_OPTION', `writeZarrCsr: level is ${String(level)}; pass 0 (none) to 9.`);
  throwIfAborted(options.signal);
  if (existsSync(path)) {
    if (!options.overwrite)
      throw invalid('BAD_OPTION', `writeZarrCsr: ${path} exists. Pass overwrite: true to replace it, or another path.`);
    if (!existsSync(join(path, '.zgroup')))
      throw invalid('BAD_OPTION', `writeZarrCsr: ${path} exists and is not a Zarr store; refusing to replace it.`);
    rmSync(path, { recursive: true });
  }
  const w = new Writer(path, level);
  await w.group('', { 'encoding-type': 'anndata', 'encoding-version': '0.1.0' });
  for (const g of ['obsm', 'varm', 'obsp', 'varp', 'layers', 'uns']) await w.group(g, DICT);
  await w.group('X', { 'encoding-type': 'csr_matrix', 'encoding-version': '0.1.0', shape: [n, d] });
  for (const p of ['X/data', 'X/indices', 'X/indptr']) mkdirSync(join(path, p), { recursive: true });

  // Buffers: one chunk of each array.
  const data = new Float32Array(chunkEntries);
  const indices = new Int32Array(chunkEntries);
  const indptr = new BigInt64Array(chunkRows);
  let fill = 0; // entries in the data/indices buffers
  let dataChunk = 0;
  let rowFill = 0; // entries in the indptr buffer
  let ptrChunk = 0;
  let nnz = 0;
  let rows = 0;
  const pushPtr = async (v: number): Promise<void> => {
    indptr[rowFill++] = BigInt(v);
    if (rowFill === chunkRows) {
      await w.chunk('X/indptr', ptrChunk++, new Uint8Array(indptr.buffer));
      rowFill = 0;
    }
  };
  const flushEntries = async (): Promise<void> => {
    if (fill < chunkEntries) {
      data.fill(0, fill);
      indices.fill(0, fill);
    }
    throwIfAborted(options.signal);
    await w.chunk('X/data', dataChunk, new Uint8Array(data.buffer));
    await w.chunk('X/indices', dataChunk++, new Uint8Array(indices.buffer));
    fill = 0;
  };
  await pushPtr(0);
  for await (const b of options.blocks) {
    throwIfAborted(options.signal);
    if (b === null || typeof b !== 'object' || !Number.isInteger(b.n) || b.n < 0 || b.indptr?.length !== b.n + 1)
      throw invalid('BAD_OPTION', `writeZarrCsr: a block at row ${rows} is not a CSR matrix { n, d, indptr (n + 1), indices, values }.`);
    if (b.d !== d) throw invalid('DIMENSION_MISMATCH', `writeZarrCsr: a block has ${b.d} columns; the store has ${d}.`);
    if (rows + b.n > n) throw invalid('SHAPE_MISMATCH', `writeZarrCsr: the blocks hold more than n = ${n} rows.`);
    for (let i = 0; i < b.n; i++) {
      const s = Number(b.indptr[i]);
      const e = Number(b.indptr[i + 1]);
      if (!(e >= s)) throw new FileFormatError(`writeZarrCsr: the indptr of the block at row ${rows} decreases at row ${rows + i}.`);
      for (let k = s; k < e; k++) {
        const j = Number(b.indices[k]);
        const v = Number(b.values[k]);
        if (!(Number.isInteger(j) && j >= 0 && j < d))
          throw invalid('DIMENSION_MISMATCH', `writeZarrCsr: row ${rows + i} has column index ${j}, outside 0..${d - 1}.`);
        if (!Number.isFinite(v)) throw invalid('NON_FINITE', `writeZarrCsr: row ${rows + i}, column ${j} is ${v}. Write finite values.`);
        data[fill] = v;
        indices[fill++] = j;
        if (fill === chunkEntries) await flushEntries();
      }
      nnz += e - s;
      await pushPtr(nnz);
    }
    rows += b.n;
  }
  if (rows !== n) throw invalid('SHAPE_MISMATCH', `writeZarrCsr: the blocks hold ${rows} rows, not n = ${n}.`);
  if (fill > 0) await flushEntries();
  if (rowFill > 0) {
    indptr.fill(0n, rowFill);
    await w.chunk('X/indptr', ptrChunk++, new Uint8Array(indptr.buffer));
  }
  await w.arrayMeta('X/data', { shape: nnz, chunk: chunkEntries, dtype: '<f4' });
  await w.arrayMeta('X/indices', { shape: nnz, chunk: chunkEntries, dtype: '<i4' });
  await w.arrayMeta('X/indptr', { shape: n + 1, chunk: chunkRows, dtype: '<i8' });

  const frame = { _index: '_index', 'column-order': [], 'encoding-type': 'dataframe', 'encoding-version': '0.2.0' };
  await w.group('obs', frame);
  await w.strings('obs/_index', n, chunkRows, cells ? (i) => String(cells[i]) : (i) => `${prefix}${i}`);
  await w.group('var', frame);
  await w.strings('var/_index', d, Math.max(1, Math.min(d, chunkRows)), (j) => genes[j]);
  return { path, n, d, nnz, bytesWritten: w.bytes };
}
