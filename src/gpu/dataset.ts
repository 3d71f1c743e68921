/**
 * Data on the GPU: centred float32 rows split into chunks that each fit one storage binding,
 * and the segment layout shared by every per-segment reduction. Centring (subtracting the
 * float64 column means before rounding to float32) keeps squared distances accurate when the
 * data sit far from the origin; results are shifted back on the host. Each chunk's buffer holds
 * its rows×d values followed by its rows sample weights (ones when none are given: w·v = v
 * exactly, so unweighted results keep their bits); shaders/common/chunk.wgsl reads that layout.
 */
import type { Dataset } from '../data.js';
import type { GpuRunner } from './runner.js';
import { BufferLimitError, invalid } from '../errors.js';
import { packF16 } from './f16.js';

export interface GpuChunk {
  index: number;
  rows: number;
  rowOffset: number;
  segOffset: number;
  segments: number;
  /** rows×d centred float32 values (or, f16 storage, ⌈rows·d/2⌉ words of packed halves), then rows float32 sample weights. */
  x: GPUBuffer;
  /** {rows, segOffset, segRows, rowOffset} for the kernels. */
  uniform: GPUBuffer;
}

export interface ChunkingOptions {
  /** Upper bound on rows per chunk (tests force small chunks to exercise the chunked path). */
  maxChunkRows?: number;
  /** Largest per-row width any per-chunk buffer will have (k for responsibilities). */
  rowWidth?: number;
  /** Floats of partial statistics per segment: bounds the number of segments so partials fit one binding. */
  statsPerSegment?: number;
  /**
   * Store the rows in half precision (packed two per word, shaders/common/x_f16.wgsl): half the
   * bytes per pass; only kernels composed with common/x_f16 read such chunks. Opt-in.
   */
  f16?: boolean;
}

/** Most segments per reduction: bounds the partials buffer and the second reduction pass. */
export const MAX_SEGMENTS = 1024;
/** Rows per segment never go below one workgroup's worth. */
export const MIN_SEG_ROWS = 256;

export interface GpuData {
  n: number;
  d: number;
  chunks: GpuChunk[];
  chunkRows: number;
  segRows: number;
  totalSegments: number;
  /** Column means subtracted before upload. */
  mean: Float64Array;
  /** The centred float32 copy (host side), for rows the host needs (seeding, relocation); f16-rounded with f16 storage. */
  host: Float32Array;
  /** Whether the chunks hold half-precision rows (ChunkingOptions.f16). */
  f16: boolean;
  /** The float32 sample weights on the GPU (host copy), or null when none were given (all ones). */
  weights: Float32Array | null;
}

export function planChunks(
  n: number,
  d: number,
  limits: GPUSupportedLimits,
  opts: ChunkingOptions,
): { chunkRows: number; segRows: number } {
  const maxBinding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  // d values and one sample weight per row share the chunk's binding.
  const width = Math.max(d + 1, opts.rowWidth ?? 1, 1);
  let chunkRows = Math.floor(maxBinding / (4 * width));
  if (chunkRows < 1) {
    throw new BufferLimitError(
      `One row of ${width} float32 values (${4 * width} bytes) exceeds the device's storage binding limit of ${maxBinding} bytes. ` +
        'Reduce the number of features (e.g. PCA) or k, or use backend: "cpu".',
    );
  }
  if (opts.maxChunkRows !== undefined) chunkRows = Math.min(chunkRows, Math.max(1, Math.floor(opts.maxChunkRows)));
  chunkRows = Math.min(chunkRows, n);
  const maxSegments = Math.max(1, Math.min(MAX_SEGMENTS, Math.floor(maxBinding / (4 * Math.max(1, opts.statsPerSegment ?? 1)))));
  const segRows = Math.max(MIN_SEG_ROWS, Math.ceil(n / maxSegments / MIN_SEG_ROWS) * MIN_SEG_ROWS);
  // Whole segments per chunk: then every chunking sums the same rows in the same order and
  // chunked results are bit-identical to unchunked ones.
  if (chunkRows > segRows && chunkRows < n) chunkRows -= chunkRows % segRows;
  return { chunkRows, segRows };
}

export function uploadData(
  runner: GpuRunner,
  ds: Pick<Dataset, 'n' | 'd' | 'x'>,
  mean: Float64Array,
  opts: ChunkingOptions,
  label = 'data',
  weights?: ArrayLike<number>,
): GpuData {
  const { n, d } = ds;
  if (weights !== undefined && weights.length !== n) {
    throw invalid('SHAPE_MISMATCH', `Got ${weights.length} sample weights for ${n} samples. Pass one weight per sample (row).`);
  }
  const { chunkRows, segRows } = planChunks(n, d, runner.device.limits, opts);
  const host = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let f = 0; f < d; f++) host[i * d + f] = ds.x[i * d + f] - mean[f];
  const w = weights === undefined ? null : Float32Array.from(weights);
  const chunks: GpuChunk[] = [];
  let segOffset = 0;
  for (let rowOffset = 0, index = 0; rowOffset < n; rowOffset += chunkRows, index++) {
    const rows = Math.min(chunkRows, n - rowOffset);
    const segments = Math.ceil(rows / segRows);
    const values = host.subarray(rowOffset * d, (rowOffset + rows) * d);
    const f16 = !!opts.f16;
    const valueBytes = f16 ? Math.ceil((rows * d) / 2) * 4 : rows * d * 4;
    const x = runner.storage(`${label} chunk ${index} (${rows}×${d} ${f16 ? 'f16' : 'f32'} + ${rows} weights)`, valueBytes + rows * 4);
    // packF16 also rounds `values` (the host copy) to what the GPU holds.
    runner.write(x, 0, f16 ? packF16(values) : values);
    runner.write(x, valueBytes, w ? w.subarray(rowOffset, rowOffset + rows) : new Float32Array(rows).fill(1));
    const uniform = runner.uniform(`${label} chunk ${index} params`, new Uint32Array([rows, segOffset, segRows, rowOffset]));
    chunks.push({ index, rows, rowOffset, segOffset, segments, x, uniform });
    segOffset += segments;
  }
  return { n, d, chunks, chunkRows, segRows, totalSegments: segOffset, mean, host, weights: w, f16: !!opts.f16 };
}

/** Bytes of one chunk's rows and weights: what one pass over that chunk reads (f16 storage: half the values' bytes). */
export function chunkBytes(chunk: Pick<GpuChunk, 'rows'>, d: number, f16 = false): number {
  return f16 ? (Math.ceil((chunk.rows * d) / 2) + chunk.rows) * 4 : chunk.rows * (d + 1) * 4;
}

/** Bytes of one whole pass over the data (every chunk's rows and weights). */
export function passBytes(data: Pick<GpuData, 'n' | 'd'> & { f16?: boolean; chunks?: Pick<GpuChunk, 'rows'>[] }): number {
  if (data.f16 && data.chunks) return data.chunks.reduce((a, c) => a + chunkBytes(c, data.d, true), 0);
  return data.n * (data.d + 1) * 4;
}

/** Which chunk holds global row `row`, and where. */
export function locateRow(data: GpuData, row: number): { chunk: GpuChunk; local: number } {
  const chunk = data.chunks[Math.floor(row / data.chunkRows)];
  return { chunk, local: row - chunk.rowOffset };
}

/** Dispatch size for one thread per row. */
export function rowGroups(rows: number, wg = 256): number {
  return Math.ceil(rows / wg);
}
