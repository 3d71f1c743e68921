/**
 * Where the batches of a one-pass fit come from. In memory, rows are drawn as scikit-learn's
 * MiniBatchKMeans draws them (uniformly with replacement, `batchSize` per step) or, for stepwise EM,
 * as a seeded permutation per pass cut into batches. From a RowSource, random row access is costly
 * (a file is read in blocks), so a batch is one chunk of `batchSize` consecutive rows and each pass
 * visits every chunk once in a seeded shuffled order: batches are then not independent draws, and
 * rows stored together (e.g. cells of one sample) stay together. Shuffle the file once if its row
 * order is structured.
 */
import { randomPermutation, type Rng } from '../core/rng.js';
import { toDataset, type DataInput, type Dataset } from '../data.js';
import { invalid, throwIfAborted } from '../errors.js';
import type { CsrBlock, RowSource } from '../stream/types.js';
import { readChecked } from '../stream/block.js';
import { checkSource as checkRowSource } from '../stream/check.js';

/** A dense batch: rows in float64, their sample weights (null: all ones) and, in memory, their row numbers. */
export interface Batch {
  n: number;
  d: number;
  x: Float64Array;
  w: Float64Array | null;
}

export function isRowSource(v: unknown): v is RowSource {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as RowSource).readRows === 'function' &&
    ((v as RowSource).kind === 'dense' || (v as RowSource).kind === 'csr')
  );
}

/** Dense float64 rows of a block (CSR blocks densified: one-pass fits on counts are by chunk, d columns each). */
export function densify(block: CsrBlock | { n: number; d: number; data: Float32Array | Float64Array }): Float64Array {
  if ('data' in block) return Float64Array.from(block.data);
  const x = new Float64Array(block.n * block.d);
  for (let i = 0; i < block.n; i++)
    for (let p = block.indptr[i]; p < block.indptr[i + 1]; p++) x[i * block.d + block.indices[p]] = block.values[p];
  return x;
}

/** The most columns a source of a one-pass fit may declare (2^26: 512 MiB per float64 row). */
export const MAX_SOURCE_COLUMNS = 2 ** 26;

/** The data of a one-pass fit: validated rows in memory, or a source read in chunks. */
export type OnlineData = { kind: 'memory'; ds: Dataset } | { kind: 'source'; src: RowSource };

export function toOnlineData(data: DataInput | RowSource): OnlineData {
  if (isRowSource(data)) {
    checkRowSource(data, 'The one-pass fit');
    if (data.d > MAX_SOURCE_COLUMNS)
      throw invalid(
        'BUFFER_LIMIT',
        `${data.name} declares d=${data.d.toLocaleString('en-US')} columns; the one-pass fits hold float64 rows of d values per centre and per batch row, which would not fit in memory. Keep the columns that matter (e.g. PCs or highly variable genes) and check that the source's d is right.`,
      );
    if (!(data.n >= 1 && data.d >= 1))
      throw invalid(
        'EMPTY_DATA',
        `${data.name}: the source has n=${data.n} rows, d=${data.d} columns. Pass a source with at least one row and one column.`,
      );
    return { kind: 'source', src: data };
  }
  return { kind: 'memory', ds: toDataset(data) };
}

export const rowsOf = (o: OnlineData): number => (o.kind === 'memory' ? o.ds.n : o.src.n);
export const colsOf = (o: OnlineData): number => (o.kind === 'memory' ? o.ds.d : o.src.d);

function pick(w: Float64Array | null, rows: ArrayLike<number>): Float64Array | null {
  return w ? Float64Array.from(rows, (r) => w[r]) : null;
}

/** Rows `rows` of an in-memory dataset as a batch. */
export function gather(ds: Dataset, rows: ArrayLike<number>, w: Float64Array | null): Batch {
  const d = ds.d;
  const x = new Float64Array(rows.length * d);
  for (let t = 0; t < rows.length; t++) x.set(ds.x.subarray(rows[t] * d, rows[t] * d + d), t * d);
  return { n: rows.length, d, x, w: pick(w, rows) };
}

/** Rows [start, end) of a source as a dense batch. */
export async function readBatch(src: RowSource, start: number, end: number, w: Float64Array | null, signal?: AbortSignal): Promise<Batch> {
  throwIfAborted(signal);
  const block = await readChecked(src, start, end, signal);
  const rows = Array.from({ length: end - start }, (_, t) => start + t);
  return { n: end - start, d: src.d, x: densify(block), w: pick(w, rows) };
}

/** `m` row numbers uniformly from [0, n) with replacement (numpy's randint). */
export function drawRows(rng: Rng, n: number, m: number): Int32Array {
  const out = new Int32Array(m);
  for (let t = 0; t < m; t++) out[t] = rng.int(n);
  return out;
}

/** Chunks of `size` consecutive rows covering [0, n). */
export function chunkCount(n: number, size: number): number {
  return Math.ceil(n / size);
}

/** The chunk order of one pass: a seeded permutation of 0..chunks−1. */
export function chunkOrder(rng: Rng, chunks: number): Int32Array {
  return randomPermutation(rng, new Int32Array(chunks));
}

/** Batch `t` of one pass over the data (in memory: of `perm`; from a source: chunk `order[t]`). */
export async function passBatch(
  data: OnlineData,
  size: number,
  t: number,
  order: Int32Array,
  w: Float64Array | null,
  signal?: AbortSignal,
): Promise<Batch> {
  const n = rowsOf(data);
  if (data.kind === 'memory') return gather(data.ds, order.subarray(t * size, Math.min(n, (t + 1) * size)), w);
  const c = order[t];
  return readBatch(data.src, c * size, Math.min(n, (c + 1) * size), w, signal);
}

export function concat(parts: Batch[]): Batch {
  const d = parts[0].d;
  const n = parts.reduce((a, p) => a + p.n, 0);
  const x = new Float64Array(n * d);
  const w = parts[0].w ? new Float64Array(n) : null;
  let off = 0;
  for (const p of parts) {
    x.set(p.x, off * d);
    if (w && p.w) w.set(p.w, off);
    off += p.n;
  }
  return { n, d, x, w };
}

/** About `rows` rows of a source: ⌈rows / size⌉ distinct chunks of `size` rows, chosen at random. */
export async function sourceSample(
  src: RowSource,
  rows: number,
  size: number,
  rng: Rng,
  w: Float64Array | null,
  signal?: AbortSignal,
): Promise<Batch> {
  const chunks = chunkCount(src.n, size);
  const picked = rng.sample(chunks, Math.min(chunks, Math.ceil(rows / size)));
  const parts: Batch[] = [];
  for (const c of picked) parts.push(await readBatch(src, c * size, Math.min(src.n, (c + 1) * size), w, signal));
  return concat(parts);
}

/** An initialisation sample: `rows` distinct rows in memory, or random chunks of a source. */
export async function initSample(
  data: OnlineData,
  rows: number,
  size: number,
  rng: Rng,
  w: Float64Array | null,
  signal?: AbortSignal,
): Promise<Batch> {
  if (data.kind === 'memory') return gather(data.ds, rng.sample(data.ds.n, Math.min(rows, data.ds.n)), w);
  return sourceSample(data.src, rows, size, rng, w, signal);
}
