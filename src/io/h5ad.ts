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
import { replacementWarning } from './names.js';
import { checkLoaderOptions, LOADER_OPTIONS } from './options.js';
import type { Dataset, Group } from 'h5wasm';
import { FileFormatError } from '../errors.js';
import { formatCount } from './text.js';
import { beyondExactWarning, canonicalize, notCountsWarning, checkNnz, transposeCompressed, validateCsr, valueStats } from './csr.js';
import { hdf5Error, openH5, type OpenedH5 } from './h5.js';
import { attr, checkH5Budget, checkpoint, getPath, isDataset, readCompressed, readStrings, shapeOf } from './h5-read.js';
import { inputName } from './input.js';
import { checkMaxBytes } from './memory.js';
import type { ByteInput, LoadedCsr, H5adMatrixSource, LoadOptions, SingleCellData } from './types.js';
import { availableMatrices, dataframeIndex, encodingOf, readObs, readObsm } from './h5ad-obs.js';

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

export function shapeAttr(h: OpenedH5, g: Group): [number, number] | undefined {
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
async function denseToCsr(h: OpenedH5, ds: Dataset, signal?: AbortSignal): Promise<LoadedCsr> {
  const [n, d] = shapeOf(ds);
  const indptr = new Uint32Array(n + 1);
  const out = new Entries();
  const block = Math.max(1, Math.floor((1 << 22) / Math.max(1, d)));
  for (let r0 = 0; r0 < n; r0 += block) {
    await checkpoint(signal);
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
async function readMatrixElement(
  h: OpenedH5,
  path: string,
  options: ReadH5adOptions,
): Promise<{ matrix: LoadedCsr; encoding: 'dense' | 'csr' | 'csc' }> {
  const x = getPath(h, path);
  if (!x) throw new FileFormatError(`${h.label}: no ${path} in the file.`);
  if (isDataset(h, x)) {
    const shape = shapeOf(x);
    if (shape.length !== 2)
      throw new FileFormatError(`${h.label}: ${path} is a ${shape.length}-D dataset; a matrix is 2-D (cells × genes).`);
    checkH5Budget(h.label, options, { n: shape[0], d: shape[1], nnz: shape[0] * shape[1] }, h.size, h.mounted);
    return { matrix: await denseToCsr(h, x, options.signal), encoding: 'dense' };
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
    const { ptr, idx, vals } = await readCompressed(h, x, n, d, options.signal);
    return { matrix: { n, d, nnz: idx.length, indptr: ptr, indices: idx, values: vals }, encoding: 'csr' };
  }
  const { ptr, idx, vals } = await readCompressed(h, x, d, n, options.signal);
  const t = transposeCompressed(d, n, ptr, idx, vals);
  return { matrix: { n, d, nnz: idx.length, ...t }, encoding: 'csc' };
}

/**
 * Which matrix of an .h5ad to read: `choice` ('auto': layers/counts, else raw/X, else X), checked
 * against what the file has. One rule for readH5ad and the backed source.
 */
export function chooseH5adMatrix(h: OpenedH5, choice: 'auto' | H5adMatrixSource): { source: H5adMatrixSource; available: string[] } {
  const label = h.label;
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
  let source: H5adMatrixSource;
  if (choice === 'auto') {
    source = available.includes('layers/counts') ? 'layers/counts' : available.includes('raw/X') ? 'raw/X' : 'X';
  } else {
    if (!available.includes(choice)) {
      throw new FileFormatError(`${label}: no ${choice} in the file; it has ${available.join(', ')}. Pass one of those as { matrix }.`);
    }
    source = choice;
  }
  return { source, available };
}

/**
 * Read an AnnData .h5ad file (File, Blob, ArrayBuffer, Uint8Array or stream) into a cell-major
 * CSR matrix with names, obs labels and obsm embeddings. In a Web Worker a File/Blob is mounted
 * (WORKERFS) instead of copied; see readH5adFromFile.
 */
export async function readH5ad(input: ByteInput, options: ReadH5adOptions = {}): Promise<SingleCellData> {
  checkLoaderOptions(options, LOADER_OPTIONS.h5ad, 'readH5ad');
  const t0 = performance.now();
  const maxBytes = checkMaxBytes(options.maxBytes);
  const label = inputName(input) ?? 'data.h5ad';
  options.onProgress?.({ phase: 'open', bytesRead: 0, entries: 0 });
  const h = await openH5(input, label, {
    signal: options.signal,
    mount: options.mount,
    expect: 'an AnnData .h5ad file',
    maxBytes,
    timeoutMs: options.timeoutMs,
  });
  try {
    await checkpoint(options.signal);
    const { source, available } = chooseH5adMatrix(h, options.matrix ?? 'auto');
    await checkpoint(options.signal);
    options.onProgress?.({ phase: 'matrix', bytesRead: h.size, totalBytes: h.size, entries: 0 });
    const { matrix: raw, encoding } = await readMatrixElement(h, source, options);
    validateCsr(raw, `${label} ${source}`);
    const canon = canonicalize(raw);
    const matrix = canon.matrix;
    const { n, d } = matrix;

    await checkpoint(options.signal);
    const varPath = source === 'raw/X' ? 'raw/var' : 'var';
    const genes = dataframeIndex(h, varPath) ?? Array.from({ length: d }, (_, j) => String(j));
    if (genes.length !== d) {
      throw new FileFormatError(
        `${label}: ${varPath} names ${formatCount(genes.length)} genes but ${source} has ${formatCount(d)} columns. The file is inconsistent.`,
      );
    }
    await checkpoint(options.signal);
    const cells = dataframeIndex(h, 'obs') ?? Array.from({ length: n }, (_, i) => String(i));
    if (cells.length !== n) {
      throw new FileFormatError(
        `${label}: obs names ${formatCount(cells.length)} cells but ${source} has ${formatCount(n)} rows. The file is inconsistent.`,
      );
    }
    let geneIds: string[] | undefined;
    const ids = getPath(h, `${varPath}/gene_ids`);
    if (ids && isDataset(h, ids) && shapeOf(ids)[0] === d) geneIds = readStrings(h, ids);

    await checkpoint(options.signal);
    options.onProgress?.({ phase: 'obs', bytesRead: h.size, totalBytes: h.size, entries: matrix.nnz, totalEntries: matrix.nnz });
    const obs = readObs(h, n, options.obs ?? true);
    await checkpoint(options.signal);
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
    const badText = replacementWarning({ 'gene name(s)': genes, 'gene id(s)': geneIds, 'cell name(s)': cells });
    if (badText) warnings.push(badText);
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
  } catch (e) {
    throw hdf5Error(label, e, 'read the file');
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
