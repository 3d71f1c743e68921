/**
 * Row sources: a matrix read in blocks of rows (cells) on demand, so that a fit or a pipeline
 * stage can make one pass over data larger than memory. Every streaming consumer (the streamed
 * fits, the shard statistics behind `emgpu worker`, the streaming single-cell pipeline, the
 * one-pass fits) reads through this interface; every chunked reader (backed .h5ad, 10x .h5,
 * AnnData Zarr, and the in-memory adapters of ./memory.ts) implements it.
 *
 * Contract:
 * - `readRows(start, end)` returns rows [start, end) renumbered from 0, and never keeps a
 *   reference to the block it returned (the caller may transfer or drop it);
 * - blocks are independent of how the caller chunks: the same rows give the same values;
 * - a source holds at most one block's worth of memory between calls (plus its own small index,
 *   e.g. indptr: 8 bytes per row), which is what keeps a pass within `maxBytes`;
 * - `close()` releases files and workers; reading after it throws.
 */
import type { CsrMatrix } from '../sparse.js';

/** A CSR block as a source returns it: float32 values, uint32 indices, nnz set. */
export type CsrBlock = Required<CsrMatrix<Float32Array, Uint32Array>>;

/** A dense row-major block of `n` rows × `d` columns. */
export interface DenseBlock {
  n: number;
  d: number;
  data: Float32Array | Float64Array;
}

interface SourceBase {
  /** Rows (cells) in the whole source. */
  readonly n: number;
  /** Columns (genes, features). */
  readonly d: number;
  /** A name for messages (file name, 'memory'). */
  readonly name: string;
  /** Release files and workers. Idempotent. */
  close(): Promise<void>;
}

/** Sparse rows: counts matrices (cells × genes). */
export interface CsrSource extends SourceBase {
  readonly kind: 'csr';
  /** Stored entries in the whole source (= indptr[n]). */
  readonly nnz: number;
  /** Stored entries in rows [start, end), without reading them (from the row index). */
  nnzIn(start: number, end: number): number;
  readRows(start: number, end: number, signal?: AbortSignal): Promise<CsrBlock>;
  /** Gene names, when the source has them. */
  readonly genes?: string[];
  /** Cell names, when the source has them (read lazily by sources whose names are large). */
  readonly cells?: string[];
}

/** Dense rows: embeddings, PC scores, dense matrix files. */
export interface DenseSource extends SourceBase {
  readonly kind: 'dense';
  readRows(start: number, end: number, signal?: AbortSignal): Promise<DenseBlock>;
}

export type RowSource = CsrSource | DenseSource;

/** One chunk of a pass: rows [start, end) of the source, and its index among the pass's chunks. */
export interface ChunkRange {
  index: number;
  start: number;
  end: number;
}

/** Progress of one pass over a source (what onProgress receives after each chunk). */
export interface PassProgress {
  /** What the pass computes, e.g. 'qc', 'hvg-variance', 'pca-range', 'em-iteration-3'. */
  pass: string;
  rowsDone: number;
  rowsTotal: number;
  chunksDone: number;
  chunksTotal: number;
  /** Wall time since the pass began, ms. */
  elapsedMs: number;
}

/** How a pass is chunked and watched: one option block for every streaming function. */
export interface PassOptions {
  /** Rows per chunk; default: as many as fit `chunkBytes`. */
  chunkRows?: number;
  /** Memory a chunk may take once read (CSR: 8 bytes per stored entry + 4 per row), default 64 MiB. */
  chunkBytes?: number;
  signal?: AbortSignal;
  onProgress?: (p: PassProgress) => void;
}
