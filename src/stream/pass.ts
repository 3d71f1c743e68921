/**
 * One pass over a row source in chunks: the chunk plan (rows per chunk from a byte budget, or
 * given), progress after each chunk, and abort between chunks. Every streaming function runs its
 * passes through `forEachChunk`, so chunking, progress and cancellation behave the same everywhere.
 */
import { invalid, throwIfAborted } from '../errors.js';
import { yieldToEventLoop } from '../core/yield.js';
import { checkChunkCount, checkPassOptions, checkSource } from './check.js';
import type { ChunkRange, PassOptions, RowSource } from './types.js';
import { checkBlock } from './block.js';

/** Default memory of one chunk once read. */
export const DEFAULT_CHUNK_BYTES = 64 * 2 ** 20;

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Bytes one row of the source takes once read, on average (CSR: 8 per entry + 4 per row; dense: 4 per value). */
export function bytesPerRow(source: RowSource): number {
  if (source.kind === 'csr') return source.n === 0 ? 4 : 4 + (8 * source.nnz) / source.n;
  return 4 * Math.max(1, source.d);
}

/** The chunk plan of a pass: consecutive row ranges covering [0, n). */
export function chunkRanges(source: RowSource, opts: PassOptions = {}): ChunkRange[] {
  checkSource(source, 'chunkRanges');
  checkPassOptions(opts, 'chunkRanges');
  let rows: number;
  if (opts.chunkRows !== undefined) {
    if (!Number.isInteger(opts.chunkRows) || opts.chunkRows < 1)
      throw invalid(
        'BAD_OPTION',
        `chunkRows is ${String(opts.chunkRows)}; it must be a whole number ≥ 1. Pass e.g. chunkRows: 65536, or leave it out to size chunks by chunkBytes.`,
      );
    rows = opts.chunkRows;
  } else {
    const budget = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    if (!Number.isFinite(budget) || budget < 1)
      throw invalid(
        'BAD_OPTION',
        `chunkBytes is ${String(budget)}; it must be a positive number of bytes. Pass e.g. chunkBytes: 64 * 2 ** 20.`,
      );
    rows = Math.max(1, Math.floor(budget / bytesPerRow(source)));
  }
  checkChunkCount(source.n, rows, 'chunkRanges');
  const out: ChunkRange[] = [];
  for (let start = 0, index = 0; start < source.n; start += rows, index++)
    out.push({ index, start, end: Math.min(source.n, start + rows) });
  return out;
}

/**
 * Read the source chunk by chunk, in order, and hand each block to `fn`. Between chunks: one
 * event-loop turn (a timer's abort can run), then the signal; after each chunk: onProgress.
 */
export async function forEachChunk<B>(
  source: { n: number; readRows(start: number, end: number, signal?: AbortSignal): Promise<B> } & RowSource,
  pass: string,
  opts: PassOptions,
  fn: (block: B, range: ChunkRange) => void | Promise<void>,
): Promise<void> {
  checkSource(source, 'forEachChunk');
  if (typeof source.readRows !== 'function')
    throw invalid(
      'BAD_OPTION',
      `forEachChunk: the source has no readRows function; pass a row source (csrSource, denseSource, a reader's source).`,
    );
  if (typeof fn !== 'function') throw invalid('BAD_OPTION', 'forEachChunk: the last argument must be a function (block, range) => void.');
  if (opts === null) checkPassOptions(opts, 'forEachChunk');
  opts ??= {};
  const ranges = chunkRanges(source, opts);
  const t0 = now();
  let rowsDone = 0;
  for (const range of ranges) {
    throwIfAborted(opts.signal);
    const block = checkBlock(source, await source.readRows(range.start, range.end, opts.signal), range.start, range.end);
    await fn(block, range);
    rowsDone += range.end - range.start;
    opts.onProgress?.({
      pass,
      rowsDone,
      rowsTotal: source.n,
      chunksDone: range.index + 1,
      chunksTotal: ranges.length,
      elapsedMs: now() - t0,
    });
    await yieldToEventLoop();
  }
  throwIfAborted(opts.signal);
}
