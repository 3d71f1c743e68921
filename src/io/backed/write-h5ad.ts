/**
 * Node: write a cells × genes CSR matrix to an AnnData .h5ad, block by block, through h5wasm's
 * Node build (it writes the real file). Every dataset is chunked and resizable, so memory is one
 * block (plus HDF5's chunk cache), whatever the file's size. The layout and encoding attributes
 * are anndata's (≥ 0.8: X as csr_matrix with int32 indices, int64 indptr and float32 data;
 * obs/var dataframes with a string-array index, numeric and string columns), so Python's anndata reads the file
 * (bench/stream/check-h5ad-anndata.py checks one by hand).
 *
 * Cell names are written as fixed-length strings (h5wasm cannot write a slice of variable-length
 * strings; anndata reads both); gene names and string obs columns whole, variable-length.
 */
import type { Dataset, File as H5File, Group } from 'h5wasm';
import { importAtRunTime, importNodeBuiltin } from '../../core/node-builtin.js';
import { checkOptionNames } from '../../core/known-options.js';
import { invalid, NotAFileError, throwIfAborted } from '../../errors.js';
import type { CsrMatrix } from '../../sparse.js';
import { MAX_DIMENSION } from '../memory.js';
import { checkNames } from '../names.js';

/**
 * An obs column: numbers (an 'array' column, its typed-array type kept for integers), or strings
 * (a 'string-array' column). Not categoricals: anndata reads their `ordered` attribute as a
 * numpy bool, which needs an HDF5 enum, and h5wasm cannot write enums; write labels as integer codes.
 */
export type ObsColumnInput = ArrayLike<number> | readonly string[];

export interface WriteH5adCsrOptions {
  /** Rows (cells) the blocks add up to. */
  n: number;
  /** Columns (genes). */
  d: number;
  /** The rows in order, as CSR blocks (any CsrMatrix: indptr may start anywhere). */
  blocks: AsyncIterable<CsrMatrix> | Iterable<CsrMatrix>;
  /** Gene names, d of them. */
  genes: readonly string[];
  /** Cell names, n of them (default "0" … "n-1", as anndata's default index). */
  cells?: readonly string[];
  /** obs columns, n values each; read after the last block, so a generator may fill them as it goes. */
  obs?: Record<string, ObsColumnInput>;
  /** Entries per HDF5 chunk of data/indices (default 2^18: 1 MiB of float32). */
  chunkEntries?: number;
  signal?: AbortSignal;
  /** After each block: rows written so far, of n. */
  onProgress?: (rowsDone: number, rowsTotal: number) => void;
}

export interface WriteH5adResult {
  path: string;
  n: number;
  d: number;
  nnz: number;
  /** Size of the file written. */
  bytes: number;
  ms: number;
}

const WRITE_OPTIONS = ['n', 'd', 'blocks', 'genes', 'cells', 'obs', 'chunkEntries', 'signal', 'onProgress'];

type H5Module = { default: typeof import('h5wasm').default };
let h5node: Promise<H5Module['default']> | undefined;
function loadH5Node(): Promise<H5Module['default']> {
  h5node ??= importAtRunTime<H5Module>('h5wasm/node').then(async (m) => {
    const M = (await m.default.ready) as unknown as { activate_throwing_error_handler?: () => void };
    M.activate_throwing_error_handler?.();
    return m.default;
  });
  return h5node;
}

function bad(msg: string): Error {
  return invalid('BAD_OPTION', `writeH5adCsr: ${msg}`);
}

function setEncoding(obj: Group | Dataset, type: string, version: string): void {
  obj.create_attribute('encoding-type', type);
  obj.create_attribute('encoding-version', version);
}

/** A 1-D resizable chunked dataset, empty at first. */
function growable(g: Group, name: string, empty: unknown, chunk: number, dtype?: string): Dataset {
  return g.create_dataset({ name, data: empty as never, shape: [0], maxshape: [null], chunks: [chunk], ...(dtype ? { dtype } : {}) });
}

function append(ds: Dataset, at: number, data: unknown, count: number): void {
  if (count === 0) return;
  ds.resize([at + count]);
  ds.write_slice([[at, at + count]], data);
}

const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

function writeDataframe(g: Group, index: readonly string[] | null, columns: string[]): void {
  setEncoding(g, 'dataframe', '0.2.0');
  g.create_attribute('_index', '_index');
  g.create_attribute('column-order', columns.length ? columns : new Float64Array(0));
  if (index) setEncoding(g.create_dataset({ name: '_index', data: index as string[] }), 'string-array', '0.2.0');
}

/** Write one obs column (numbers in slices of 2^20 values, to bound HDF5's copy; strings whole). */
function writeObsColumn(obs: Group, name: string, col: ObsColumnInput, n: number): void {
  const len = (col as ArrayLike<unknown>)?.length;
  if (len !== n) throw bad(`obs column "${name}" has ${String(len)} values for ${n} cells. Pass one value per cell.`);
  if (Array.isArray(col) && col.some((v) => typeof v === 'string')) {
    if (!col.every((v) => typeof v === 'string'))
      throw bad(`obs column "${name}" mixes strings and other values. Pass numbers or strings.`);
    setEncoding(obs.create_dataset({ name, data: col as string[] }), 'string-array', '0.2.0');
    return;
  }
  const nums = col as ArrayLike<number>;
  type Typed = new (n: number) => ArrayLike<number> & { [k: number]: number };
  const Kind: Typed =
    nums instanceof Int32Array ||
    nums instanceof Int16Array ||
    nums instanceof Int8Array ||
    nums instanceof Uint8Array ||
    nums instanceof Uint16Array
      ? (nums.constructor as Typed)
      : Float64Array;
  const SLICE = 2 ** 20;
  const ds = growable(obs, name, new Kind(0), Math.min(Math.max(1, n), SLICE));
  for (let a = 0; a < n; a += SLICE) {
    const b = Math.min(n, a + SLICE);
    const part = new Kind(b - a);
    for (let i = a; i < b; i++) {
      const v = nums[i];
      if (typeof v !== 'number') throw bad(`obs column "${name}": value ${String(v)} at cell ${i} is not a number.`);
      part[i - a] = v;
    }
    append(ds, a, part, b - a);
  }
  setEncoding(ds, 'array', '0.2.0');
}

/**
 * Write `blocks` (n rows × d columns in all) to `path` as an AnnData .h5ad with X in CSR, the gene
 * names as var, cell names and obs columns as obs. Memory: one block. A failed write removes the
 * partial file.
 */
export async function writeH5adCsr(path: string, options: WriteH5adCsrOptions): Promise<WriteH5adResult> {
  checkOptionNames(options, WRITE_OPTIONS, 'writeH5adCsr', 'n, d, blocks, genes');
  const { n, d, genes, cells } = options;
  if (typeof path !== 'string' || path === '') throw bad('pass the path of the .h5ad file to write.');
  if (!Number.isInteger(n) || n < 0 || n > MAX_DIMENSION)
    throw bad(`n=${String(n)} must be a whole number of cells in [0, ${MAX_DIMENSION}].`);
  if (!Number.isInteger(d) || d < 1 || d > MAX_DIMENSION)
    throw bad(`d=${String(d)} must be a whole number of genes in [1, ${MAX_DIMENSION}].`);
  if (!Array.isArray(genes) || genes.length !== d)
    throw bad(`genes has ${Array.isArray(genes) ? genes.length : 0} names for ${d} columns. Pass one name per gene.`);
  if (cells !== undefined && (!Array.isArray(cells) || cells.length !== n))
    throw bad(`cells has ${Array.isArray(cells) ? cells.length : 0} names for ${n} rows. Pass one name per cell, or leave it out.`);
  checkNames(genes, 'genes', 'writeH5adCsr');
  if (cells !== undefined) checkNames(cells, 'cells', 'writeH5adCsr');
  const chunk = options.chunkEntries ?? 2 ** 18;
  // HDF5 chunks are at most 4 GiB; 2^26 entries (256 MiB of float32) is far above any useful chunk.
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > 2 ** 26)
    throw bad(`chunkEntries=${String(chunk)} must be a whole number in [1, 2^26].`);
  if (
    !options.blocks ||
    (typeof (options.blocks as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function' &&
      typeof (options.blocks as Iterable<unknown>)[Symbol.iterator] !== 'function')
  )
    throw bad('blocks must be an iterable or async iterable of CSR blocks (e.g. a generator).');
  const t0 = performance.now();
  const h5 = await loadH5Node();
  const { resolve, dirname } = await importNodeBuiltin<typeof import('node:path')>('path');
  const fs = await importNodeBuiltin<typeof import('node:fs')>('fs');
  const full = resolve(path);
  // Where HDF5 cannot create the file (a folder, a missing parent folder, no permission) it only
  // prints a diagnostic stack; say why in a typed error instead.
  const parent = dirname(full);
  if (!fs.existsSync(parent) || !fs.statSync(parent).isDirectory())
    throw new NotAFileError(
      parent,
      `writeH5adCsr: the folder ${parent} does not exist. Create it first, or pass a path in an existing folder.`,
    );
  if (fs.existsSync(full) && fs.statSync(full).isDirectory())
    throw new NotAFileError(full, `writeH5adCsr: ${full} is a folder. Pass the path of a file to write.`);
  let f: H5File | undefined;
  try {
    f = new h5.File(full, 'w');
  } catch (e) {
    throw new NotAFileError(
      full,
      `writeH5adCsr: HDF5 could not create ${full} (${String((e as Error)?.message ?? e).split('\n')[0]}). Check the path and that it can be written.`,
    );
  }
  try {
    setEncoding(f, 'anndata', '0.1.0');
    const X = f.create_group('X');
    setEncoding(X, 'csr_matrix', '0.1.0');
    X.create_attribute('shape', new BigInt64Array([BigInt(n), BigInt(d)]));
    const dataDs = growable(X, 'data', new Float32Array(0), chunk);
    const indicesDs = growable(X, 'indices', new Int32Array(0), chunk);
    const indptrDs = growable(X, 'indptr', new BigInt64Array(0), Math.min(n + 1, 2 ** 17));
    append(indptrDs, 0, new BigInt64Array(1), 1);
    const obs = f.create_group('obs');
    const obsNames = Object.keys(options.obs ?? {});
    writeDataframe(obs, null, obsNames);
    const width = Math.max(1, cells ? cells.reduce((w, s) => Math.max(w, utf8Length(String(s))), 0) : String(Math.max(0, n - 1)).length);
    const nameDs = growable(obs, '_index', [], Math.min(Math.max(1, n), 2 ** 16), `S${width}`);
    setEncoding(nameDs, 'string-array', '0.2.0');
    let rows = 0;
    let nnz = 0;
    for await (const block of options.blocks as AsyncIterable<CsrMatrix>) {
      throwIfAborted(options.signal);
      const nb = block?.n;
      if (!Number.isInteger(nb) || nb < 0 || block.d !== d)
        throw bad(`a block is ${String(nb)} × ${String(block?.d)}; blocks must be CSR with d = ${d} columns.`);
      if (rows + nb > n) throw bad(`the blocks hold more than n = ${n} rows. Pass the total number of cells as n.`);
      const ip = block.indptr;
      if (ip.length < nb + 1) throw bad(`a block of ${nb} rows has ${ip.length} indptr entries; it needs ${nb + 1}.`);
      const base = Number(ip[0]);
      const count = Number(ip[nb]) - base;
      const idx = new Int32Array(count);
      const vals = new Float32Array(count);
      const ptr = new BigInt64Array(nb);
      for (let i = 0; i < nb; i++) {
        if (!(Number(ip[i + 1]) >= Number(ip[i]))) throw bad(`block indptr decreases at its row ${i}; it must be non-decreasing.`);
        ptr[i] = BigInt(nnz + Number(ip[i + 1]) - base);
      }
      for (let k = 0; k < count; k++) {
        const j = Number(block.indices[base + k]);
        const v = Number(block.values[base + k]);
        if (!(Number.isInteger(j) && j >= 0 && j < d))
          throw bad(`column index ${j} at entry ${k} of the block starting at row ${rows} is outside 0..${d - 1}.`);
        if (v - v !== 0)
          throw invalid(
            'NON_FINITE',
            `writeH5adCsr: value ${v} at entry ${k} of the block starting at row ${rows}. Values must be finite.`,
          );
        idx[k] = j;
        vals[k] = v;
      }
      append(dataDs, nnz, vals, count);
      append(indicesDs, nnz, idx, count);
      append(indptrDs, rows + 1, ptr, nb);
      const names = new Array<string>(nb);
      for (let i = 0; i < nb; i++) names[i] = cells ? String(cells[rows + i]) : String(rows + i);
      append(nameDs, rows, names, nb);
      rows += nb;
      nnz += count;
      options.onProgress?.(rows, n);
    }
    if (rows !== n) throw bad(`the blocks hold ${rows} rows, not n = ${n}. Pass every row, or the right n.`);
    for (const name of obsNames) writeObsColumn(obs, name, (options.obs as Record<string, ObsColumnInput>)[name], n);
    writeDataframe(f.create_group('var'), genes as string[], []);
    for (const g of ['obsm', 'varm', 'obsp', 'varp', 'layers', 'uns']) setEncoding(f.create_group(g), 'dict', '0.1.0');
    f.close();
    f = undefined;
    return { path: full, n, d, nnz, bytes: fs.statSync(full).size, ms: performance.now() - t0 };
  } catch (e) {
    try {
      f?.close();
    } catch {
      /* the error below matters */
    }
    try {
      fs.unlinkSync(full);
    } catch {
      /* already gone */
    }
    throw e;
  }
}
