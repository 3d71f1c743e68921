/**
 * HDF5 through h5wasm (HDF5 compiled to WebAssembly), loaded on first use, and the 10x Genomics
 * Cell Ranger `.h5` reader.
 *
 * Opening: in a Web Worker a File/Blob is mounted with Emscripten's WORKERFS, so HDF5 reads only
 * the parts it needs, on demand, through FileReaderSync (the file is never copied whole into
 * memory). Everywhere else (the main thread, Node) the bytes are read into one ArrayBuffer and
 * handed to the in-memory file system without a second copy: memory = the file size, for the
 * duration of the load, plus the arrays read out of it.
 *
 * 10x layout: the matrix is stored compressed-sparse by column with columns = cells (indptr over
 * barcodes, indices = feature rows), which is exactly the cell-major CSR layout this library uses;
 * no transpose is needed. Cell Ranger 2 has one group per genome (data, indices, indptr, shape,
 * genes = ids, gene_names = symbols, barcodes); Cell Ranger ≥ 3 has one `matrix` group with
 * `features/{id,name,feature_type,genome}`.
 */
import type { Dataset, File as H5File, Group } from 'h5wasm';
import { FileFormatError } from '../errors.js';
import { formatCount } from '../io/text.js';
import {
  beyondExactWarning,
  canonicalize,
  notCountsWarning,
  checkNnz,
  selectColumns,
  toFloat32,
  toUint32,
  validateCsr,
  valueStats,
} from './csr.js';
import { abortIfNeeded, inputName, readAllBytes } from './input.js';
import { checkMaxBytes, estimateMemory, MemoryLimitError } from './memory.js';
import type { ByteInput, LoadedCsr, LoadOptions, SingleCellData } from './types.js';

type H5wasm = typeof import('h5wasm').default;

interface EmFS {
  writeFile(path: string, data: Uint8Array, opts?: { canOwn?: boolean }): void;
  unlink(path: string): void;
  mkdir(path: string): void;
  rmdir(path: string): void;
  mount(type: unknown, opts: unknown, mountpoint: string): unknown;
  unmount(mountpoint: string): void;
  filesystems: Record<string, unknown>;
}

interface H5Runtime {
  h5: H5wasm;
  FS: EmFS;
}

let runtime: Promise<H5Runtime> | undefined;

/** h5wasm, loaded (and its WebAssembly compiled) on first use; HDF5 errors throw instead of printing. */
export function loadH5wasm(): Promise<H5Runtime> {
  runtime ??= (async () => {
    const mod = await import('h5wasm');
    const h5 = mod.default;
    const Module = await h5.ready;
    (Module as unknown as { activate_throwing_error_handler?: () => number }).activate_throwing_error_handler?.();
    return { h5, FS: Module.FS as unknown as EmFS };
  })();
  runtime.catch(() => {
    runtime = undefined;
  });
  return runtime;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** HDF5's superblock signature at offset 0, 512, 1024, 2048, … (after an optional user block). */
export function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (let off = 0; off + 8 <= bytes.length; off = off === 0 ? 512 : off * 2) {
    let ok = true;
    for (let k = 0; k < 8; k++) {
      if (bytes[off + k] !== SIGNATURE[k]) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

function describeStart(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'the file is empty';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'it is gzip-compressed data';
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'it is a zip archive (a .zarr.zip? a .loom.zip?)';
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 40)).replace(/[^\x20-\x7e]/g, '.');
  if (head.startsWith('%%MatrixMarket')) return 'it is a MatrixMarket text file (use read10x for .mtx)';
  return `it starts with "${head}"`;
}

/** Turn an h5wasm/HDF5 error into a FileFormatError that says what happened and what to do. */
export function hdf5Error(label: string, e: unknown, doing: string): Error {
  if (e instanceof FileFormatError) return e;
  const text = e instanceof Error ? e.message : String(e);
  if (!/HDF5|H5/.test(text)) return e instanceof Error ? e : new Error(text);
  const trunc = /truncated file: eof = (\d+).*stored_eof = (\d+)/.exec(text);
  if (trunc) {
    return new FileFormatError(
      `${label}: the HDF5 file is truncated: ${formatCount(Number(trunc[1]))} of ${formatCount(Number(trunc[2]))} bytes are there. ` +
        'The download or copy was cut short; get the file again.',
    );
  }
  // The innermost entry of HDF5's error stack names the cause.
  const entries = [...text.matchAll(/#\d+: .*? in ([A-Za-z0-9_]+)\(\): (.*)/g)];
  const cause = entries.length ? entries[entries.length - 1][2].trim() : text.split('\n')[0];
  return new FileFormatError(`${label}: HDF5 could not ${doing} (${cause}). The file is corrupt or truncated; get it again.`);
}

export interface OpenedH5 {
  file: H5File;
  h5: H5wasm;
  label: string;
  /** Mounted through WORKERFS (nothing copied) rather than read into memory. */
  mounted: boolean;
  /** Bytes of the file. */
  size: number;
  close(): void;
}

let openCount = 0;

function inWorker(): boolean {
  const g = globalThis as { WorkerGlobalScope?: unknown; FileReaderSync?: unknown };
  return (
    typeof g.WorkerGlobalScope === 'function' &&
    globalThis instanceof (g.WorkerGlobalScope as new () => unknown) &&
    typeof g.FileReaderSync === 'function'
  );
}

export interface OpenH5Options {
  /** Mount a Blob/File with WORKERFS when running in a worker (default true). */
  mount?: boolean;
  signal?: AbortSignal;
  /** What the caller expects, for the "not HDF5" message. */
  expect?: string;
}

/**
 * Open an HDF5 input read-only. Blobs in a worker are mounted (random access, no copy); anything
 * else is read into memory and given to HDF5's in-memory file system (no second copy).
 */
export async function openH5(input: ByteInput, label: string, options: OpenH5Options = {}): Promise<OpenedH5> {
  const { h5, FS } = await loadH5wasm();
  abortIfNeeded(options.signal);
  const id = ++openCount;
  const expect = options.expect ?? 'an HDF5 file';
  const notH5 = (start: Uint8Array): FileFormatError =>
    new FileFormatError(`${label}: not an HDF5 file: ${describeStart(start)}. Expected ${expect}.`);
  if (typeof Blob !== 'undefined' && input instanceof Blob && (options.mount ?? true) && inWorker() && FS.filesystems.WORKERFS) {
    const head = new Uint8Array(await input.slice(0, Math.min(input.size, 4096)).arrayBuffer());
    if (!hasHdf5Signature(head)) {
      // A user block can push the signature past 4 KiB; probe the larger power-of-two offsets.
      let found = false;
      for (let off = 4096; off + 8 <= input.size && !found; off *= 2) {
        const probe = new Uint8Array(await input.slice(off, off + 8).arrayBuffer());
        found = probe.length === 8 && probe.every((b, k) => b === SIGNATURE[k]);
      }
      if (!found) throw notH5(head);
    }
    const dir = `/emgpu-mnt-${id}`;
    const name = inputName(input) ?? 'data.h5';
    FS.mkdir(dir);
    FS.mount(FS.filesystems.WORKERFS, { blobs: [{ name, data: input }] }, dir);
    const unmount = (): void => {
      try {
        FS.unmount(dir);
        FS.rmdir(dir);
      } catch {
        /* already gone */
      }
    };
    let file: H5File;
    try {
      file = new h5.File(`${dir}/${name}`, 'r');
    } catch (e) {
      unmount();
      throw hdf5Error(label, e, 'open the file');
    }
    return {
      file,
      h5,
      label,
      mounted: true,
      size: input.size,
      close() {
        try {
          file.close();
        } finally {
          unmount();
        }
      },
    };
  }
  const bytes = await readAllBytes(input, label, options.signal);
  if (!hasHdf5Signature(bytes)) throw notH5(bytes.subarray(0, 64));
  const path = `/emgpu-${id}.h5`;
  FS.writeFile(path, bytes, { canOwn: true });
  let file: H5File;
  try {
    file = new h5.File(path, 'r');
  } catch (e) {
    FS.unlink(path);
    throw hdf5Error(label, e, 'open the file');
  }
  return {
    file,
    h5,
    label,
    mounted: false,
    size: bytes.byteLength,
    close() {
      try {
        file.close();
      } finally {
        try {
          FS.unlink(path);
        } catch {
          /* already gone */
        }
      }
    },
  };
}

// ---- small typed accessors over h5wasm objects ------------------------------------------------

export function isGroup(h: OpenedH5, x: unknown): x is Group {
  return x instanceof h.h5.Group;
}

export function isDataset(h: OpenedH5, x: unknown): x is Dataset {
  return x instanceof h.h5.Dataset;
}

/** The object at a path, or undefined (missing paths, broken links). */
export function getPath(h: OpenedH5, path: string): Group | Dataset | undefined {
  let x: unknown;
  try {
    x = h.file.get(path);
  } catch (e) {
    const err = hdf5Error(h.label, e, `read ${path}`);
    if (err instanceof FileFormatError) throw err;
    return undefined;
  }
  return isGroup(h, x) || isDataset(h, x) ? x : undefined;
}

/** An attribute's value (strings decoded, bigints as numbers), or undefined. */
export function attr(h: OpenedH5, obj: Group | Dataset, name: string): unknown {
  let a: { value: unknown } | undefined;
  try {
    a = obj.attrs[name];
  } catch (e) {
    throw hdf5Error(h.label, e, `read the attributes of ${obj.path}`);
  }
  if (!a) return undefined;
  try {
    const v = a.value;
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Array.from(v, Number);
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
    return v;
  } catch {
    return undefined; // attribute types h5wasm cannot read (e.g. object references) are not needed
  }
}

/** A dataset's whole value, with HDF5 errors made readable. */
export function readValue(h: OpenedH5, ds: Dataset): unknown {
  try {
    return ds.value;
  } catch (e) {
    throw hdf5Error(h.label, e, `read ${ds.path}`);
  }
}

/** A 1-D dataset of strings (fixed or variable length; bytes decoded as UTF-8). */
export function readStrings(h: OpenedH5, ds: Dataset): string[] {
  const v = readValue(h, ds);
  if (Array.isArray(v))
    return v.map((s) => (typeof s === 'string' ? s : s instanceof Uint8Array ? new TextDecoder().decode(s) : String(s)));
  if (typeof v === 'string') return [v];
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => String(x));
  throw new FileFormatError(`${h.label}: ${ds.path} should hold strings but holds ${describeValue(v)}.`);
}

export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<unknown>).length})`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v;
}

/** A numeric array dataset's value (typed array), or a clear error. */
export function readNumeric(h: OpenedH5, ds: Dataset): ArrayLike<number> & { length: number } {
  const v = readValue(h, ds);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return v as unknown as ArrayLike<number> & { length: number };
  if (typeof v === 'number' || typeof v === 'bigint') return [Number(v)];
  throw new FileFormatError(`${h.label}: ${ds.path} should hold numbers but holds ${describeValue(v)}.`);
}

export function shapeOf(ds: Dataset): number[] {
  return ds.shape ?? [];
}

/** Compressed-sparse triplet from a group (data, indices, indptr) as Uint32/Float32 arrays. */
export function readCompressed(
  h: OpenedH5,
  g: Group,
  nMajor: number,
  nMinor: number,
): { ptr: Uint32Array; idx: Uint32Array; vals: Float32Array } {
  const need = (name: string): Dataset => {
    const ds = getPath(h, `${g.path}/${name}`);
    if (!ds || !isDataset(h, ds))
      throw new FileFormatError(
        `${h.label}: ${g.path} has no "${name}" dataset; a compressed sparse matrix needs data, indices and indptr.`,
      );
    return ds;
  };
  const ptr = toUint32(readNumeric(h, need('indptr')), `${g.path}/indptr`, h.label);
  if (ptr.length !== nMajor + 1) {
    throw new FileFormatError(
      `${h.label}: ${g.path}/indptr has ${ptr.length} entries; the shape needs ${nMajor + 1}. The file is corrupt.`,
    );
  }
  const idx = toUint32(readNumeric(h, need('indices')), `${g.path}/indices`, h.label);
  const vals = toFloat32(readNumeric(h, need('data')));
  if (idx.length !== vals.length || ptr[nMajor] !== idx.length) {
    throw new FileFormatError(
      `${h.label}: ${g.path} has ${idx.length} indices, ${vals.length} values and indptr ending at ${ptr[nMajor]}; they must agree. The file is corrupt or truncated.`,
    );
  }
  for (let k = 0; k < idx.length; k++) {
    if (idx[k] >= nMinor)
      throw new FileFormatError(`${h.label}: ${g.path}/indices[${k}] = ${idx[k]} is outside 0..${nMinor - 1}. The file is corrupt.`);
  }
  return { ptr, idx, vals };
}

/** maxBytes check for the HDF5 readers: file (unless mounted) + CSR + int64 index staging. */
export function checkH5Budget(
  label: string,
  options: LoadOptions,
  shape: { n: number; d: number; nnz: number },
  fileBytes: number,
  mounted: boolean,
): void {
  const est = estimateMemory(shape);
  options.onEstimate?.(est);
  const needed = est.csrBytes + 8 * shape.nnz + (mounted ? 0 : fileBytes);
  if (options.maxBytes !== undefined && needed > options.maxBytes) {
    throw new MemoryLimitError(
      label,
      est,
      needed,
      options.maxBytes,
      `the CSR matrix, its int64 indices as stored${mounted ? '' : ' and the file itself in memory'}`,
    );
  }
}

// ---- 10x Genomics Cell Ranger .h5 -------------------------------------------------------------

export interface Read10xH5Options extends LoadOptions {
  /**
   * Genome to read: the group name for Cell Ranger 2 files with several genomes (required then);
   * for Cell Ranger ≥ 3, keeps only features of this genome.
   */
  genome?: string;
  /** Keep only "Gene Expression" features (Cell Ranger ≥ 3), as scanpy's gex_only. Default true. */
  geneExpressionOnly?: boolean;
}

const MATRIX_PARTS = ['data', 'indices', 'indptr', 'shape'];

/**
 * Read a 10x Genomics Cell Ranger HDF5 matrix (`filtered_feature_bc_matrix.h5`, or Cell Ranger 2's
 * `filtered_gene_bc_matrices_h5.h5`) into a cell-major CSR matrix with gene and barcode names.
 */
export async function read10xH5(input: ByteInput, options: Read10xH5Options = {}): Promise<SingleCellData> {
  const t0 = performance.now();
  checkMaxBytes(options.maxBytes);
  const label = inputName(input) ?? 'matrix.h5';
  options.onProgress?.({ phase: 'open', bytesRead: 0, entries: 0 });
  const h = await openH5(input, label, { signal: options.signal, expect: 'a 10x Genomics Cell Ranger .h5 matrix' });
  try {
    const rootKeys = h.file.keys();
    const hasParts = (g: Group): boolean => {
      const keys = g.keys();
      return MATRIX_PARTS.every((k) => keys.includes(k));
    };
    let group: Group;
    let layout: 'v2' | 'v3';
    let genomeName: string | undefined;
    const m = getPath(h, 'matrix');
    if (m && isGroup(h, m) && hasParts(m)) {
      group = m;
      layout = 'v3';
      genomeName = options.genome;
    } else {
      const genomes = rootKeys.filter((k) => {
        const g = getPath(h, k);
        return g !== undefined && isGroup(h, g) && hasParts(g);
      });
      if (genomes.length === 0) {
        const anndata = ['X', 'obs', 'var'].every((k) => rootKeys.includes(k));
        throw new FileFormatError(
          `${label}: an HDF5 file, but not a 10x Genomics matrix: no "matrix" group (Cell Ranger ≥ 3) and no genome group with data, indices, indptr and shape (Cell Ranger 2). ` +
            `Top-level entries: ${rootKeys.slice(0, 12).join(', ') || '(none)'}.` +
            (anndata
              ? ' It looks like an AnnData file: read it with readH5ad.'
              : ' Use the filtered_feature_bc_matrix.h5 that Cell Ranger writes.'),
        );
      }
      if (options.genome !== undefined) {
        if (!genomes.includes(options.genome)) {
          throw new FileFormatError(`${label}: no genome "${options.genome}"; this file has ${genomes.map((g) => `"${g}"`).join(', ')}.`);
        }
        genomeName = options.genome;
      } else if (genomes.length > 1) {
        throw new FileFormatError(
          `${label}: the file holds ${genomes.length} genomes (${genomes.map((g) => `"${g}"`).join(', ')}); pass { genome } to choose one.`,
        );
      } else genomeName = genomes[0];
      group = getPath(h, genomeName!) as Group;
      layout = 'v2';
    }
    const gp = group.path;
    const ds = (name: string): Dataset | undefined => {
      const x = getPath(h, `${gp}/${name}`);
      return x && isDataset(h, x) ? x : undefined;
    };
    const shape = readNumeric(h, ds('shape')!);
    if (shape.length !== 2) throw new FileFormatError(`${label}: ${gp}/shape has ${shape.length} values; expected 2 (features, barcodes).`);
    const d = Number(shape[0]);
    const n = Number(shape[1]);
    const nnz = shapeOf(ds('data')!)[0] ?? 0;
    checkNnz(nnz, label);
    checkH5Budget(label, options, { n, d, nnz }, h.size, h.mounted);
    abortIfNeeded(options.signal);
    options.onProgress?.({ phase: 'matrix', bytesRead: h.size, totalBytes: h.size, entries: 0, totalEntries: nnz });
    // Columns are cells: indptr over barcodes, indices = features. That is cell-major CSR.
    const { ptr, idx, vals } = readCompressed(h, group, n, d);
    let matrix: LoadedCsr = { n, d, nnz: idx.length, indptr: ptr, indices: idx, values: vals };
    validateCsr(matrix, `${label} ${gp}`);
    const canon = canonicalize(matrix);
    matrix = canon.matrix;

    let genes: string[];
    let geneIds: string[] | undefined;
    let featureTypes: string[] | undefined;
    let featureGenomes: string[] | undefined;
    if (layout === 'v3') {
      const f = (name: string): string[] | undefined => {
        const x = ds(`features/${name}`);
        return x ? readStrings(h, x) : undefined;
      };
      genes = f('name') ?? f('id') ?? [];
      geneIds = f('id');
      featureTypes = f('feature_type');
      featureGenomes = f('genome');
    } else {
      const names = ds('gene_names');
      const ids = ds('genes');
      genes = names ? readStrings(h, names) : ids ? readStrings(h, ids) : [];
      geneIds = ids ? readStrings(h, ids) : undefined;
    }
    const bc = ds('barcodes');
    const cells = bc ? readStrings(h, bc) : [];
    if (genes.length !== d)
      throw new FileFormatError(
        `${label}: ${formatCount(genes.length)} feature names for ${formatCount(d)} features in ${gp}/shape. The file is corrupt.`,
      );
    if (cells.length !== n)
      throw new FileFormatError(
        `${label}: ${formatCount(cells.length)} barcodes for ${formatCount(n)} cells in ${gp}/shape. The file is corrupt.`,
      );

    let keep: boolean[] | undefined;
    if ((options.geneExpressionOnly ?? true) && featureTypes && featureTypes.some((t) => t !== 'Gene Expression')) {
      keep = featureTypes.map((t) => t === 'Gene Expression');
    }
    if (layout === 'v3' && options.genome !== undefined) {
      if (!featureGenomes) throw new FileFormatError(`${label}: { genome } was given but the file has no features/genome.`);
      if (!featureGenomes.includes(options.genome)) {
        throw new FileFormatError(
          `${label}: no features of genome "${options.genome}"; the file has ${[...new Set(featureGenomes)].map((g) => `"${g}"`).join(', ')}.`,
        );
      }
      keep = featureGenomes.map((g, j) => g === options.genome && (keep ? keep[j] : true));
    }
    let dropped = 0;
    if (keep?.some((k) => !k) && keep.some(Boolean)) {
      dropped = keep.filter((k) => !k).length;
      matrix = selectColumns(matrix, keep);
      const k = keep;
      genes = genes.filter((_, j) => k[j]);
      geneIds = geneIds?.filter((_, j) => k[j]);
      featureTypes = featureTypes?.filter((_, j) => k[j]);
    }
    const stats = valueStats(matrix.values, matrix.nnz);
    const warnings: string[] = [];
    if (stats.beyondExact > 0) warnings.push(beyondExactWarning(stats.beyondExact));
    const notCounts = notCountsWarning('The matrix', stats, "Cell Ranger's .h5 files hold raw counts: check the file's origin");
    if (notCounts) warnings.push(notCounts);
    const out: SingleCellData = {
      ...matrix,
      genes,
      cells,
      source: {
        format: '10x-h5',
        name: label,
        bytesRead: h.size,
        loadMs: 0,
        integerValued: stats.integerValued,
        looksLikeCounts: stats.integerValued && stats.nonNegative,
        maxValue: stats.maxValue,
        duplicatesSummed: canon.duplicates,
        droppedFeatures: dropped,
        warnings,
        h5Layout: layout,
        mounted: h.mounted,
      },
    };
    if (genomeName !== undefined) out.source.genome = genomeName;
    if (geneIds) out.geneIds = geneIds;
    if (featureTypes) out.featureTypes = featureTypes;
    out.source.loadMs = performance.now() - t0;
    options.onProgress?.({ phase: 'done', bytesRead: h.size, totalBytes: h.size, entries: nnz, totalEntries: nnz });
    return out;
  } finally {
    h.close();
  }
}
