/**
 * Single-cell data as the loaders return it: a cell-major CSR count matrix plus names, labels
 * and embeddings. Plain typed arrays and arrays only, so a result survives `postMessage`
 * (structured clone) and can be transferred from a worker without copying.
 */

import type { CsrMatrix } from '../sparse.js';

export type { CsrMatrix } from '../sparse.js';

/** The CSR matrix a loader builds: float32 values, uint32 indices, nnz set (the limits are in src/sparse.ts). */
export type LoadedCsr = Required<CsrMatrix<Float32Array, Uint32Array>>;

/** A dense row-major n × d embedding (obsm entry such as X_umap or X_pca). */
export interface Embedding {
  data: Float32Array;
  n: number;
  d: number;
}

/** One per-cell annotation column: strings (categories decoded), numbers, or null for missing. */
export type ObsColumn = (string | number | null)[];

export type ScFormat = '10x-mtx' | '10x-h5' | 'h5ad' | 'synthetic' | 'zarr';

/** Which matrix of an .h5ad file was read. */
export type H5adMatrixSource = 'layers/counts' | 'raw/X' | 'X' | `layers/${string}`;

/** Where the data came from and what the loader found on the way. */
export interface ScSource {
  format: ScFormat;
  /** File name(s) when known (File.name or a path). */
  name?: string;
  /** Compressed bytes read from the input(s). */
  bytesRead: number;
  /** Wall-clock time of the load, ms. */
  loadMs: number;
  /** Every stored value is a whole number. */
  integerValued: boolean;
  /** Whole numbers and none negative: looks like raw counts (UMIs). */
  looksLikeCounts: boolean;
  /** Largest stored value (0 for an empty matrix). */
  maxValue: number;
  /** Entries with the same (cell, gene) that were summed into one (MatrixMarket only). */
  duplicatesSummed: number;
  /** Features dropped because their type is not "Gene Expression" (10x v3 with geneExpressionOnly). */
  droppedFeatures: number;
  /** Things the caller should know (e.g. counts beyond float32's exact range). */
  warnings: string[];
  /** MatrixMarket value type from the header. */
  field?: 'integer' | 'real' | 'pattern';
  /** MatrixMarket: entries came ordered by cell (one pass, no re-sort). */
  cellOrdered?: boolean;
  /** 10x HDF5: Cell Ranger layout ('v2': a group per genome; 'v3': the `matrix` group). */
  h5Layout?: 'v2' | 'v3';
  /** 10x HDF5: the genome read (v2 group name, or the v3 genome filter). */
  genome?: string;
  /** h5ad and zarr: which matrix was taken. */
  matrixSource?: H5adMatrixSource;
  /** h5ad: how that matrix was stored. */
  encoding?: 'dense' | 'csr' | 'csc';
  /** h5ad: the matrices present, for choosing another with `matrix`. */
  available?: string[];
  /** h5ad: read through WORKERFS (the File was not copied into memory). */
  mounted?: boolean;
}

/** A loaded single-cell dataset: the CSR matrix itself (cells × genes) plus its annotations. */
export interface SingleCellData extends LoadedCsr {
  /** Gene symbols (one per column). Not necessarily unique: see makeUnique(). */
  genes: string[];
  /** Gene ids (e.g. Ensembl) when the file has them. */
  geneIds?: string[];
  /** 10x feature types ("Gene Expression", "Antibody Capture", …) when the file has them. */
  featureTypes?: string[];
  /** Cell barcodes / names (one per row). */
  cells: string[];
  /** Per-cell label columns (h5ad obs), categoricals decoded to strings. */
  obs?: Record<string, ObsColumn>;
  /** Per-cell embeddings (h5ad obsm), e.g. X_umap (n × 2), X_pca (n × 50). */
  obsm?: Record<string, Embedding>;
  source: ScSource;
}

/** Anything a loader accepts as one file's bytes. */
export type ByteInput = Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array>;

export type LoadPhase = 'header' | 'features' | 'barcodes' | 'entries' | 'sorting' | 'open' | 'matrix' | 'obs' | 'obsm' | 'done';

export interface LoadProgress {
  phase: LoadPhase;
  /** Bytes read from the input so far (compressed bytes for .gz). */
  bytesRead: number;
  /** Size of the input when known (Blob, ArrayBuffer). */
  totalBytes?: number;
  /** Matrix entries parsed so far. */
  entries: number;
  /** Entries the matrix declares, once known. */
  totalEntries?: number;
}

/** Sizes in bytes for holding a matrix in the forms the library uses; see estimateMemory(). */
export interface MemoryEstimate {
  n: number;
  d: number;
  nnz: number;
  /** nnz / (n·d). */
  density: number;
  /** indptr (4·(n+1)) + indices (4·nnz) + values (4·nnz). */
  csrBytes: number;
  /** Dense float32 n·d. */
  denseBytes: number;
  /** Dense float64 n·d (the CPU reference's working precision). */
  denseFloat64Bytes: number;
  /** GPU storage buffers for the CSR matrix (the same three arrays). */
  gpuCsrBytes: number;
  /** GPU storage buffer for the dense float32 matrix. */
  gpuDenseBytes: number;
  /** Peak memory of the sparse loaders for cell-ordered input (as 10x writes it): the CSR itself. */
  loadBytes: number;
  /** Peak for entries in any order: CSR + a cell index per entry + the sorted copy. */
  loadBytesUnordered: number;
  /** One line for people: sizes with units. */
  human: string;
}

/** Options every loader takes. */
export interface LoadOptions {
  /** Called often while loading (at most about once per input chunk). */
  onProgress?: (p: LoadProgress) => void;
  /** Called once the matrix size is known, before the big arrays are allocated. */
  onEstimate?: (e: MemoryEstimate) => void;
  /** Refuse (MemoryLimitError) when the load would need more than this many bytes. */
  maxBytes?: number;
  /**
   * Abort the load (AbortError). Checked between input chunks, and for HDF5 files between HDF5 calls (the
   * reader yields to the event loop there); one HDF5 call itself is bounded by timeoutMs, not by the signal.
   */
  signal?: AbortSignal;
  /**
   * HDF5 readers in Node: the most one read inside HDF5 may take, in ms, before it is stopped with
   * FileTimeoutError (code FILE_TIMEOUT; a damaged file can loop HDF5). Default 60,000.
   */
  timeoutMs?: number;
}
