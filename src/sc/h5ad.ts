/**
 * AnnData `.h5ad` files (scanpy's format) through h5wasm: the count matrix as cell-major CSR, cell
 * and gene names, obs label columns (categoricals decoded) and obsm embeddings.
 *
 * Which matrix: raw counts are what the mixture models want, so by default `layers/counts` is taken
 * when present, else `raw/X` (with `raw/var` names), else `X`; `source.matrixSource` says which, and
 * `source.integerValued` / `looksLikeCounts` whether the values are whole non-negative numbers (scanpy
 * often keeps log-normalised data in raw.X; a warning says so). `matrix: 'X'` (or any layer) picks one.
 *
 * Encodings read: X dense (2-D dataset, read in row blocks and kept sparse) or sparse groups with
 * encoding-type 'csr_matrix' / 'csc_matrix' (anndata ≥ 0.7) or the older h5sparse_format 'csr'/'csc'
 * attribute; obs as a dataframe group (index named by its `_index` attribute) with new-style
 * categoricals (a group of categories + codes), nullable columns (values + mask), and old-style
 * categoricals (codes, with categories in `obs/__categories/<col>`), or very old files' compound
 * obs dataset with categories in `uns/<col>_categories`.
 *
 * Memory: see openH5. readH5adFromFile(file) in a Web Worker mounts the File (WORKERFS), so only
 * the datasets read are in memory; elsewhere the whole file is read into memory first.
 */
import type { Dataset, Group } from 'h5wasm';
import { FileFormatError } from '../errors.js';
import { formatCount } from '../io/text.js';
import {
  beyondExactWarning,
  canonicalize,
  notCountsWarning,
  checkNnz,
  transposeCompressed,
  validateCsr,
  toFloat32,
  valueStats,
} from './csr.js';
import {
  attr,
  checkH5Budget,
  getPath,
  isDataset,
  isGroup,
  openH5,
  readCompressed,
  readNumeric,
  readStrings,
  readValue,
  shapeOf,
  type OpenedH5,
} from './h5.js';
import { abortIfNeeded, inputName } from './input.js';
import { checkMaxBytes } from './memory.js';
import type { ByteInput, LoadedCsr, Embedding, H5adMatrixSource, LoadOptions, ObsColumn, SingleCellData } from './types.js';

export interface ReadH5adOptions extends LoadOptions {
  /** Which matrix: 'auto' (default: layers/counts, else raw/X, else X), 'X', 'raw/X' or 'layers/<name>'. */
  matrix?: 'auto' | H5adMatrixSource;
  /** obs columns to read: true (default, all), false (none), or a list of names. */
  obs?: boolean | string[];
  /** obsm entries to read: true (default, every 2-D array with one row per cell), false, or a list. */
  obsm?: boolean | string[];
  /** In a Web Worker, mount a File/Blob with WORKERFS instead of reading it into memory. Default true. */
  mount?: boolean;
}

type Element = Group | Dataset;

function encodingOf(h: OpenedH5, x: Element): string | undefined {
  const e = attr(h, x, 'encoding-type');
  if (typeof e === 'string') return e;
  const old = attr(h, x, 'h5sparse_format');
  if (typeof old === 'string') return old === 'csr' ? 'csr_matrix' : old === 'csc' ? 'csc_matrix' : old;
  return undefined;
}

function shapeAttr(h: OpenedH5, g: Group): [number, number] | undefined {
  const s = attr(h, g, 'shape') ?? attr(h, g, 'h5sparse_shape');
  if (Array.isArray(s) && s.length === 2) return [Number(s[0]), Number(s[1])];
  return undefined;
}

/** Growable Uint32/Float32 pair for dense → sparse conversion. */
class Entries {
  indices = new Uint32Array(1 << 16);
  values = new Float32Array(1 << 16);
  length = 0;
  push(j: number, v: number): void {
    if (this.length === this.indices.length) {
      const cap = this.indices.length * 2;
      const i2 = new Uint32Array(cap);
      i2.set(this.indices);
      const v2 = new Float32Array(cap);
      v2.set(this.values);
      this.indices = i2;
      this.values = v2;
    }
    this.indices[this.length] = j;
    this.values[this.length] = v;
    this.length++;
  }
}

/** A dense 2-D dataset as CSR (zeros dropped), read in blocks of rows to bound memory. */
function denseToCsr(h: OpenedH5, ds: Dataset, signal?: AbortSignal): LoadedCsr {
  const [n, d] = shapeOf(ds);
  const indptr = new Uint32Array(n + 1);
  const out = new Entries();
  const block = Math.max(1, Math.floor((1 << 22) / Math.max(1, d)));
  for (let r0 = 0; r0 < n; r0 += block) {
    abortIfNeeded(signal);
    const r1 = Math.min(n, r0 + block);
    let v: unknown;
    try {
      v = ds.slice([[r0, r1], []]);
    } catch (e) {
      throw new FileFormatError(
        `${h.label}: HDF5 could not read rows ${r0}..${r1} of ${ds.path} (${e instanceof Error ? e.message.split('\n').pop() : String(e)}). The file is corrupt or truncated.`,
      );
    }
    if (!ArrayBuffer.isView(v) || v instanceof DataView) throw new FileFormatError(`${h.label}: ${ds.path} is not a numeric matrix.`);
    const a = v as unknown as ArrayLike<number | bigint>;
    const big = typeof a[0] === 'bigint';
    for (let i = r0; i < r1; i++) {
      const base = (i - r0) * d;
      for (let j = 0; j < d; j++) {
        const x = big ? Number(a[base + j]) : (a[base + j] as number);
        if (x !== 0) out.push(j, x);
      }
      indptr[i + 1] = out.length;
    }
  }
  checkNnz(out.length, h.label);
  return { n, d, nnz: out.length, indptr, indices: out.indices.slice(0, out.length), values: out.values.slice(0, out.length) };
}

/** Read one matrix element (dense dataset or CSR/CSC group) as cell-major CSR. */
function readMatrixElement(h: OpenedH5, path: string, options: ReadH5adOptions): { matrix: LoadedCsr; encoding: 'dense' | 'csr' | 'csc' } {
  const x = getPath(h, path);
  if (!x) throw new FileFormatError(`${h.label}: no ${path} in the file.`);
  if (isDataset(h, x)) {
    const shape = shapeOf(x);
    if (shape.length !== 2)
      throw new FileFormatError(`${h.label}: ${path} is a ${shape.length}-D dataset; a matrix is 2-D (cells × genes).`);
    checkH5Budget(h.label, options, { n: shape[0], d: shape[1], nnz: shape[0] * shape[1] }, h.size, h.mounted);
    return { matrix: denseToCsr(h, x, options.signal), encoding: 'dense' };
  }
  const enc = encodingOf(h, x);
  const shape = shapeAttr(h, x);
  if ((enc !== 'csr_matrix' && enc !== 'csc_matrix') || !shape) {
    throw new FileFormatError(
      `${h.label}: ${path} is a group with encoding-type ${enc ? `"${enc}"` : '(none)'}${shape ? '' : ' and no shape attribute'}; ` +
        'expected a dense array or a sparse matrix (encoding-type "csr_matrix" or "csc_matrix" with a shape). Write the file with anndata ≥ 0.7.',
    );
  }
  const [n, d] = shape;
  const data = getPath(h, `${path}/data`);
  const nnz = data && isDataset(h, data) ? (shapeOf(data)[0] ?? 0) : 0;
  checkNnz(nnz, h.label);
  checkH5Budget(h.label, options, { n, d, nnz }, h.size, h.mounted);
  if (enc === 'csr_matrix') {
    const { ptr, idx, vals } = readCompressed(h, x, n, d);
    return { matrix: { n, d, nnz: idx.length, indptr: ptr, indices: idx, values: vals }, encoding: 'csr' };
  }
  const { ptr, idx, vals } = readCompressed(h, x, d, n);
  const t = transposeCompressed(d, n, ptr, idx, vals);
  return { matrix: { n, d, nnz: idx.length, ...t }, encoding: 'csc' };
}

/** Members of a compound (structured) dataset as columns. */
function compoundColumns(h: OpenedH5, ds: Dataset): Record<string, unknown[]> | undefined {
  const members = ds.metadata.compound_type?.members;
  if (!members) return undefined;
  const rows = readValue(h, ds);
  if (!Array.isArray(rows)) return undefined;
  const out: Record<string, unknown[]> = {};
  members.forEach((m, k) => {
    out[m.name] = rows.map((row) => (Array.isArray(row) ? row[k] : undefined));
  });
  return out;
}

function asStringList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map(String);
  return [];
}

/** The dataset holding a dataframe group's index: named by its `_index` attribute, else "_index" or "index". */
function indexName(h: OpenedH5, g: Group): string | undefined {
  const named = attr(h, g, '_index');
  const keys = g.keys();
  return [typeof named === 'string' ? named : undefined, '_index', 'index'].find((c): c is string => c !== undefined && keys.includes(c));
}

/** A dataframe's index (obs_names / var_names). */
function dataframeIndex(h: OpenedH5, path: string): string[] | undefined {
  const x = getPath(h, path);
  if (!x) return undefined;
  if (isGroup(h, x)) {
    const name = indexName(h, x);
    const ds = name === undefined ? undefined : getPath(h, `${path}/${name}`);
    return ds && isDataset(h, ds) ? readStrings(h, ds) : undefined;
  }
  const cols = compoundColumns(h, x);
  const idx = cols?.index ?? cols?._index;
  return idx ? idx.map((s) => (s instanceof Uint8Array ? new TextDecoder().decode(s) : String(s))) : undefined;
}

function toCell(x: unknown): string | number | null {
  if (x === null || x === undefined) return null;
  if (typeof x === 'bigint') return Number(x);
  if (typeof x === 'number') return Number.isNaN(x) ? null : x;
  if (typeof x === 'boolean') return x ? 'True' : 'False';
  if (x instanceof Uint8Array) return new TextDecoder().decode(x);
  return String(x);
}

/** Values of a 1-D dataset as an obs column (enums: their names; booleans: 'True'/'False'). */
function plainColumn(h: OpenedH5, ds: Dataset): ObsColumn {
  const v = readValue(h, ds);
  const en = ds.metadata.enum_type;
  if (en && ArrayBuffer.isView(v)) {
    const names = new Map<number, string>();
    for (const [k, code] of Object.entries(en.members)) names.set(Number(code), k === 'TRUE' ? 'True' : k === 'FALSE' ? 'False' : k);
    return Array.from(v as unknown as ArrayLike<number>, (c) => names.get(Number(c)) ?? null);
  }
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, toCell);
  if (Array.isArray(v)) return v.map(toCell);
  return [toCell(v)];
}

function decodeCodes(codes: ArrayLike<number | bigint>, categories: (string | number | null)[]): ObsColumn {
  return Array.from(codes, (c) => {
    const k = Number(c);
    return k >= 0 && k < categories.length ? categories[k] : null;
  });
}

/** obs columns, categoricals decoded. */
function readObs(h: OpenedH5, n: number, want: boolean | string[]): Record<string, ObsColumn> {
  const out: Record<string, ObsColumn> = {};
  if (want === false) return out;
  const obs = getPath(h, 'obs');
  if (!obs) return out;
  const wanted = (name: string): boolean => want === true || (Array.isArray(want) && want.includes(name));
  if (isDataset(h, obs)) {
    // anndata < 0.7: a compound dataset; categorical columns hold codes, categories in uns/<col>_categories.
    const cols = compoundColumns(h, obs) ?? {};
    for (const [name, values] of Object.entries(cols)) {
      if (name === 'index' || name === '_index' || !wanted(name) || values.length !== n) continue;
      const cats = getPath(h, `uns/${name}_categories`);
      if (cats && isDataset(h, cats))
        out[name] = decodeCodes(
          values.map((x) => Number(x)),
          plainColumn(h, cats),
        );
      else out[name] = values.map(toCell);
    }
    return out;
  }
  const g = obs as Group;
  const index = indexName(h, g);
  const order = asStringList(attr(h, g, 'column-order'));
  const keys = g.keys();
  const names = [...order.filter((k) => keys.includes(k)), ...keys.filter((k) => !order.includes(k))].filter(
    (k) => k !== index && k !== '__categories',
  );
  for (const name of names) {
    if (!wanted(name)) continue;
    const x = getPath(h, `obs/${name}`);
    if (!x) continue;
    if (isGroup(h, x)) {
      const enc = encodingOf(h, x);
      const part = (p: string): Dataset | undefined => {
        const y = getPath(h, `obs/${name}/${p}`);
        return y && isDataset(h, y) ? y : undefined;
      };
      if (enc === 'categorical') {
        const cats = part('categories');
        const codes = part('codes');
        if (!cats || !codes) continue;
        out[name] = decodeCodes(readNumeric(h, codes), plainColumn(h, cats));
      } else if (enc === 'nullable-integer' || enc === 'nullable-boolean' || enc === 'nullable-string-array') {
        const values = part('values');
        if (!values) continue;
        const col = plainColumn(h, values);
        const mask = part('mask');
        if (mask) {
          const m = readNumeric(h, mask);
          for (let i = 0; i < col.length; i++) if (m[i]) col[i] = null;
        }
        if (enc === 'nullable-boolean')
          for (let i = 0; i < col.length; i++) if (typeof col[i] === 'number') col[i] = col[i] ? 'True' : 'False';
        out[name] = col;
      }
      continue;
    }
    if (shapeOf(x).length !== 1 || shapeOf(x)[0] !== n) continue;
    // anndata 0.7 style categorical: codes here, categories in obs/__categories/<name>.
    const oldCats = getPath(h, `obs/__categories/${name}`);
    if (oldCats && isDataset(h, oldCats)) out[name] = decodeCodes(readNumeric(h, x), plainColumn(h, oldCats));
    else out[name] = plainColumn(h, x);
  }
  return out;
}

/** obsm: every 2-D numeric dataset with n rows (or the listed ones), as float32. */
function readObsm(h: OpenedH5, n: number, want: boolean | string[]): Record<string, Embedding> {
  const out: Record<string, Embedding> = {};
  if (want === false) return out;
  const g = getPath(h, 'obsm');
  if (!g || !isGroup(h, g)) return out;
  for (const name of g.keys()) {
    if (Array.isArray(want) && !want.includes(name)) continue;
    const ds = getPath(h, `obsm/${name}`);
    if (!ds || !isDataset(h, ds)) continue;
    const shape = shapeOf(ds);
    if (shape.length !== 2 || shape[0] !== n || ds.metadata.compound_type || ds.metadata.type === 3) continue;
    const v = readValue(h, ds);
    if (!ArrayBuffer.isView(v) || v instanceof DataView) continue;
    out[name] = { data: toFloat32(v as unknown as ArrayLike<number>), n, d: shape[1] };
  }
  return out;
}

/** The matrices an h5ad holds: X, raw/X, layers/*. */
function availableMatrices(h: OpenedH5): string[] {
  const out: string[] = [];
  if (getPath(h, 'X')) out.push('X');
  if (getPath(h, 'raw/X')) out.push('raw/X');
  const layers = getPath(h, 'layers');
  if (layers && isGroup(h, layers)) for (const k of layers.keys()) out.push(`layers/${k}`);
  return out;
}

/**
 * Read an AnnData .h5ad file (File, Blob, ArrayBuffer, Uint8Array or stream) into a cell-major
 * CSR matrix with names, obs labels and obsm embeddings. In a Web Worker a File/Blob is mounted
 * (WORKERFS) instead of copied; see readH5adFromFile.
 */
export async function readH5ad(input: ByteInput, options: ReadH5adOptions = {}): Promise<SingleCellData> {
  const t0 = performance.now();
  checkMaxBytes(options.maxBytes);
  const label = inputName(input) ?? 'data.h5ad';
  options.onProgress?.({ phase: 'open', bytesRead: 0, entries: 0 });
  const h = await openH5(input, label, { signal: options.signal, mount: options.mount, expect: 'an AnnData .h5ad file' });
  try {
    const rootKeys = h.file.keys();
    const available = availableMatrices(h);
    const isTenx =
      rootKeys.includes('matrix') ||
      (rootKeys.length > 0 && rootKeys.every((k) => !['X', 'obs', 'var'].includes(k)) && getPath(h, `${rootKeys[0]}/indptr`) !== undefined);
    if (!available.includes('X')) {
      throw new FileFormatError(
        `${label}: an HDF5 file without an X matrix, so not an AnnData .h5ad file (top-level entries: ${rootKeys.slice(0, 12).join(', ') || '(none)'}). ` +
          (isTenx ? 'It looks like a 10x Genomics Cell Ranger .h5: read it with read10xH5.' : 'Write it with anndata (adata.write_h5ad).'),
      );
    }
    const choice = options.matrix ?? 'auto';
    let source: H5adMatrixSource;
    if (choice === 'auto') {
      source = available.includes('layers/counts') ? 'layers/counts' : available.includes('raw/X') ? 'raw/X' : 'X';
    } else {
      if (!available.includes(choice)) {
        throw new FileFormatError(`${label}: no ${choice} in the file; it has ${available.join(', ')}. Pass one of those as { matrix }.`);
      }
      source = choice;
    }
    abortIfNeeded(options.signal);
    options.onProgress?.({ phase: 'matrix', bytesRead: h.size, totalBytes: h.size, entries: 0 });
    const { matrix: raw, encoding } = readMatrixElement(h, source, options);
    validateCsr(raw, `${label} ${source}`);
    const canon = canonicalize(raw);
    const matrix = canon.matrix;
    const { n, d } = matrix;

    const varPath = source === 'raw/X' ? 'raw/var' : 'var';
    const genes = dataframeIndex(h, varPath) ?? Array.from({ length: d }, (_, j) => String(j));
    if (genes.length !== d) {
      throw new FileFormatError(
        `${label}: ${varPath} names ${formatCount(genes.length)} genes but ${source} has ${formatCount(d)} columns. The file is inconsistent.`,
      );
    }
    const cells = dataframeIndex(h, 'obs') ?? Array.from({ length: n }, (_, i) => String(i));
    if (cells.length !== n) {
      throw new FileFormatError(
        `${label}: obs names ${formatCount(cells.length)} cells but ${source} has ${formatCount(n)} rows. The file is inconsistent.`,
      );
    }
    let geneIds: string[] | undefined;
    const ids = getPath(h, `${varPath}/gene_ids`);
    if (ids && isDataset(h, ids) && shapeOf(ids)[0] === d) geneIds = readStrings(h, ids);

    options.onProgress?.({ phase: 'obs', bytesRead: h.size, totalBytes: h.size, entries: matrix.nnz, totalEntries: matrix.nnz });
    const obs = readObs(h, n, options.obs ?? true);
    options.onProgress?.({ phase: 'obsm', bytesRead: h.size, totalBytes: h.size, entries: matrix.nnz, totalEntries: matrix.nnz });
    const obsm = readObsm(h, n, options.obsm ?? true);

    const stats = valueStats(matrix.values, matrix.nnz);
    const looksLikeCounts = stats.integerValued && stats.nonNegative;
    const warnings: string[] = [];
    if (stats.beyondExact > 0) warnings.push(beyondExactWarning(stats.beyondExact));
    if (stats.nonFinite > 0) warnings.push(`${formatCount(stats.nonFinite)} value(s) of ${source} are NaN or infinite.`);
    const others = available.filter((a) => a !== source);
    const notCounts = notCountsWarning(
      source,
      stats,
      others.length ? `the file also has ${others.join(', ')}` : 'this file has no other matrix',
    );
    if (notCounts) warnings.push(notCounts);
    const out: SingleCellData = {
      ...matrix,
      genes,
      cells,
      source: {
        format: 'h5ad',
        name: label,
        bytesRead: h.size,
        loadMs: 0,
        integerValued: stats.integerValued,
        looksLikeCounts,
        maxValue: stats.maxValue,
        duplicatesSummed: canon.duplicates,
        droppedFeatures: 0,
        warnings,
        matrixSource: source,
        encoding,
        available,
        mounted: h.mounted,
      },
    };
    if (geneIds) out.geneIds = geneIds;
    if (Object.keys(obs).length) out.obs = obs;
    if (Object.keys(obsm).length) out.obsm = obsm;
    out.source.loadMs = performance.now() - t0;
    options.onProgress?.({ phase: 'done', bytesRead: h.size, totalBytes: h.size, entries: matrix.nnz, totalEntries: matrix.nnz });
    return out;
  } finally {
    h.close();
  }
}

/**
 * Read an .h5ad the user picked (a File from <input type="file"> or drag and drop). In a Web Worker
 * the File is mounted with WORKERFS: HDF5 reads the parts it needs on demand (FileReaderSync), so a
 * multi-GB file costs only the arrays read out of it. On the main thread (and in Node) there is no
 * synchronous file access, so the whole file is read into memory first (its size, for the duration
 * of the load): call this from a worker for large files.
 */
export async function readH5adFromFile(file: Blob, options: ReadH5adOptions = {}): Promise<SingleCellData> {
  if (typeof Blob === 'undefined' || !(file instanceof Blob)) {
    throw new FileFormatError('readH5adFromFile: pass a File or Blob (for bytes or a stream, use readH5ad).');
  }
  return readH5ad(file, { ...options, mount: options.mount ?? true });
}
