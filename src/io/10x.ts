/**
 * 10x Genomics MEX folders (matrix.mtx[.gz] + features.tsv[.gz] or genes.tsv[.gz] + barcodes.tsv[.gz])
 * streamed straight into a cell-major CSR matrix (the matrix by ./mtx/csr.ts).
 */
import { replacementWarning } from './names.js';
import { checkLoaderOptions, LOADER_OPTIONS } from './options.js';
import { suggestOption } from '../core/known-options.js';
import { FileFormatError, invalid } from '../errors.js';
import { beyondExactWarning, notCountsWarning, selectColumns, valueStats } from './csr.js';
import { forEachLine, openInput } from './input.js';
import { checkMaxBytes } from './memory.js';
import { parseOpened } from './mtx/csr.js';
import { formatCount } from './text.js';
import type { ByteInput, LoadedCsr, LoadOptions, LoadPhase, LoadProgress, SingleCellData } from './types.js';

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

async function readFeatures(input: ByteInput, label: string, signal: AbortSignal | undefined, maxBytes: number): Promise<Features> {
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
    maxBytes,
  );
  const out: Features = { names, bytesRead: opened.bytesRead() };
  if (columns >= 2) out.ids = ids;
  if (columns >= 3) out.types = types;
  return out;
}

async function readBarcodes(
  input: ByteInput,
  label: string,
  signal: AbortSignal | undefined,
  maxBytes: number,
): Promise<{ names: string[]; bytesRead: number }> {
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
    maxBytes,
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
  const iterable = files != null && typeof (files as Iterable<File>)[Symbol.iterator] === 'function';
  if (!iterable && !(files != null && typeof files === 'object' && typeof (files as ArrayLike<File>).length === 'number'))
    throw new FileFormatError(
      `find10xInputs: got ${files === null ? 'null' : typeof files}; pass the files the user picked (a FileList or an array of File).`,
    );
  const list = Array.from(files as ArrayLike<File>);
  if (!list.every((f) => f != null && typeof (f as File).name === 'string'))
    throw new FileFormatError('find10xInputs: every entry must be a File (with a name). Pass the FileList of an <input type="file">.');
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
const FILE_KEYS = ['matrix', 'features', 'genes', 'barcodes'];

/** A byte input itself passed where the files object belongs (its own keys are not file names). */
const isInput = (x: object): boolean =>
  x instanceof ArrayBuffer ||
  ArrayBuffer.isView(x) ||
  typeof (x as Blob).arrayBuffer === 'function' ||
  typeof (x as ReadableStream).getReader === 'function';

export async function read10x(files: Read10xFiles, options: Read10xOptions = {}): Promise<SingleCellData> {
  checkLoaderOptions(options, LOADER_OPTIONS.tenx, 'read10x');
  const t0 = performance.now();
  const maxBytes = checkMaxBytes(options.maxBytes);
  if (files !== null && typeof files === 'object' && !isInput(files)) {
    for (const key of Object.keys(files)) {
      if (FILE_KEYS.includes(key)) continue;
      const hint = suggestOption(key, FILE_KEYS);
      throw invalid(
        'UNKNOWN_OPTION',
        `read10x: unknown file '${key}' in the files object.${hint ? ` Did you mean '${hint}'?` : ''} Pass { ${FILE_KEYS.join(', ')} } only.`,
      );
    }
  }
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
    features = await readFeatures(featureInput, featureLabel, options.signal, maxBytes);
    bytesRead += features.bytesRead;
  }
  let barcodes: string[] | undefined;
  if (files.barcodes != null) {
    report('barcodes');
    const b = await readBarcodes(files.barcodes, 'barcodes.tsv', options.signal, maxBytes);
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
  const badText = replacementWarning({
    'gene name(s)': genes,
    'gene id(s)': geneIds,
    'feature type(s)': featureTypes,
    'cell name(s)': barcodes,
  });
  if (badText) warnings.push(badText);
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
