/**
 * Memory arithmetic for a count matrix before it is loaded: how many bytes as CSR, dense, on the
 * GPU, and at the loader's peak; and the error a loader throws when a `maxBytes` budget is exceeded.
 */
import { checkOptionNames } from '../core/known-options.js';
import { BufferLimitError, FileFormatError, invalid } from '../errors.js';
import type { MemoryEstimate } from './types.js';

/** Bytes with a decimal unit: 512 B, 18.3 MB, 1.25 GB. */
export function formatBytes(bytes: number): string {
  if (bytes === Infinity) return 'Infinity';
  if (typeof bytes !== 'number' || !(bytes >= 0))
    throw invalid('BAD_OPTION', `formatBytes: ${String(bytes)} is not a number of bytes (a number >= 0).`);
  const a = Math.abs(bytes);
  if (a < 1e3) return `${bytes} B`;
  if (a < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (a < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (a < 1e12) return `${(bytes / 1e9).toFixed(2)} GB`;
  return `${(bytes / 1e12).toFixed(2)} TB`;
}

const count = (x: number): string => x.toLocaleString('en-US');

function checkCount(name: string, x: number): void {
  if (!(Number.isInteger(x) && x >= 0)) {
    throw invalid('BAD_OPTION', `estimateMemory: ${name}=${String(x)} must be a whole number >= 0.`);
  }
}

/**
 * Bytes needed to hold an n (cells) × d (genes) matrix with nnz stored entries:
 * CSR = 4·(n+1) + 8·nnz (Uint32 indptr, Uint32 indices, Float32 values), dense float32 = 4·n·d,
 * dense float64 = 8·n·d; the GPU holds the same CSR arrays (or the dense float32 matrix) in storage
 * buffers. The sparse loaders peak at the CSR size when entries arrive ordered by cell (10x files
 * do), and at CSR + 12·nnz when they must be re-sorted (a cell index per entry, then a sorted copy).
 * Gene and cell names are not counted (typically well under 1% of the matrix).
 */
export function estimateMemory(shape: { n: number; d: number; nnz: number }): MemoryEstimate {
  checkOptionNames(shape, ['n', 'd', 'nnz'], 'estimateMemory', 'n, d, nnz');
  const { n, d, nnz } = shape;
  checkCount('n', n);
  checkCount('d', d);
  checkCount('nnz', nnz);
  if (nnz > n * d)
    throw invalid(
      'BAD_OPTION',
      `estimateMemory: nnz=${nnz} is more than n·d = ${n * d} entries; a matrix stores at most one value per cell and gene.`,
    );
  return shapeEstimate(shape);
}

/** estimateMemory for the loaders: a declared shape, whose entries may exceed n·d (a file's duplicates, summed later). */
export function shapeEstimate(shape: { n: number; d: number; nnz: number }): MemoryEstimate {
  const { n, d, nnz } = shape;
  checkCount('n', n);
  checkCount('d', d);
  checkCount('nnz', nnz);
  const cells = n * d;
  const csrBytes = 4 * (n + 1) + 8 * nnz;
  const denseBytes = 4 * cells;
  const e: MemoryEstimate = {
    n,
    d,
    nnz,
    density: cells > 0 ? nnz / cells : 0,
    csrBytes,
    denseBytes,
    denseFloat64Bytes: 8 * cells,
    gpuCsrBytes: csrBytes,
    gpuDenseBytes: denseBytes,
    loadBytes: csrBytes,
    loadBytesUnordered: csrBytes + 12 * nnz,
    human: '',
  };
  const pct = e.density * 100;
  e.human =
    `${count(n)} cells × ${count(d)} genes, ${count(nnz)} non-zeros (${pct >= 0.01 || pct === 0 ? pct.toFixed(2) : pct.toExponential(1)}% dense): ` +
    `CSR ${formatBytes(csrBytes)} (load peak ${formatBytes(e.loadBytes)}, ${formatBytes(e.loadBytesUnordered)} if entries are not ordered by cell); ` +
    `dense float32 ${formatBytes(denseBytes)}, float64 ${formatBytes(e.denseFloat64Bytes)}; ` +
    `GPU ${formatBytes(e.gpuCsrBytes)} as CSR, ${formatBytes(e.gpuDenseBytes)} dense`;
  return e;
}

/** A load would exceed the caller's `maxBytes` budget. Also a BufferLimitError (code BUFFER_LIMIT). */
export class MemoryLimitError extends BufferLimitError {
  override name = 'MemoryLimitError';
  readonly estimate: MemoryEstimate;
  readonly maxBytes: number;
  readonly neededBytes: number;
  constructor(source: string, estimate: MemoryEstimate, neededBytes: number, maxBytes: number, why: string) {
    super(
      `${source}: loading needs about ${formatBytes(neededBytes)} (${why}; ${estimate.human}), above maxBytes = ${formatBytes(maxBytes)}. ` +
        'Raise maxBytes if the machine has the memory, or load a smaller matrix: the filtered matrix rather than the raw one ' +
        "(Cell Ranger's filtered_feature_bc_matrix), or a subset of cells or genes.",
    );
    this.estimate = estimate;
    this.maxBytes = maxBytes;
    this.neededBytes = neededBytes;
  }
}

/**
 * The loaders' memory budget when the caller gives none: 2 GiB, enough for a few hundred million
 * non-zeros (most single-cell matrices), small enough that a damaged size line cannot make a loader
 * allocate gigabytes. Raise it with `maxBytes` (Infinity turns the check off).
 */
export const DEFAULT_MAX_BYTES = 2 ** 31;

/** Validate a maxBytes option and return the budget in force (DEFAULT_MAX_BYTES when left out). */
export function checkMaxBytes(maxBytes: number | undefined): number {
  if (maxBytes === undefined) return DEFAULT_MAX_BYTES;
  if (typeof maxBytes !== 'number' || !(maxBytes > 0)) {
    throw invalid(
      'BAD_OPTION',
      `maxBytes=${String(maxBytes)} must be a positive number of bytes (default ${formatBytes(DEFAULT_MAX_BYTES)}; Infinity for no limit).`,
    );
  }
  return maxBytes;
}

/**
 * Refuse a matrix whose dimensions the library's CSR arrays cannot index, before anything is
 * allocated: rows and columns are Uint32 indices, and their count must be exact in a double.
 */
export function checkDimensions(
  source: string,
  n: number,
  d: number,
  what = 'the matrix',
  names = ['rows (cells)', 'columns (genes)'],
): void {
  for (const [name, x] of [
    [names[0], n],
    [names[1], d],
  ] as const) {
    if (!(Number.isInteger(x) && x >= 0 && x <= MAX_DIMENSION)) {
      throw new FileFormatError(
        `${source}: ${what} declares ${typeof x === 'number' && Number.isFinite(x) ? x.toLocaleString('en-US') : String(x)} ${name}; ` +
          `the most a matrix can have is ${MAX_DIMENSION.toLocaleString('en-US')} (32-bit indices). The file is damaged or not what it claims to be; export the matrix again.`,
      );
    }
  }
}

/** Largest row or column count: indices are Uint32, and indptr has n + 1 entries. */
export const MAX_DIMENSION = 2 ** 32 - 2;

/**
 * Refuse a load whose CSR arrays, or one float64 per gene (the gene totals every pipeline
 * computes), would exceed the budget: checked from the declared shape, before allocating.
 */
export function checkLoadBudget(
  source: string,
  est: MemoryEstimate,
  maxBytes: number,
  needed = est.loadBytes,
  why = 'the CSR matrix',
): void {
  if (needed > maxBytes) throw new MemoryLimitError(source, est, needed, maxBytes, why);
  if (8 * est.d > maxBytes)
    throw new MemoryLimitError(source, est, 8 * est.d, maxBytes, `one number per gene for ${est.d.toLocaleString('en-US')} genes`);
}
