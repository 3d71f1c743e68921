/**
 * readZarr: an AnnData Zarr store loaded whole, as readH5ad loads an .h5ad (same matrix choice,
 * same SingleCellData, same warnings), built on the chunked source: the rows are read block by
 * block into one CSR. Dense X is kept sparse (zeros dropped); csc_matrix, which the source refuses,
 * is read whole here and transposed.
 */
import { checkLoaderOptions } from '../options.js';
import { throwIfAborted } from '../../errors.js';
import { yieldToEventLoop } from '../../core/yield.js';
import {
  beyondExactWarning,
  canonicalize,
  checkNnz,
  notCountsWarning,
  toFloat32,
  toUint32,
  transposeCompressed,
  validateCsr,
  valueStats,
} from '../csr.js';
import { checkLoadBudget, checkMaxBytes, shapeEstimate } from '../memory.js';
import { formatCount } from '../text.js';
import type { H5adMatrixSource, LoadedCsr, LoadOptions, SingleCellData } from '../types.js';
import { dataframeIndexArray, isArray, openNode, readStrings, zarrError, type ZArray } from './anndata.js';
import { zarrita } from './zarrita.js';
import { checkChunks } from './chunks.js';
import { openMatrix, type OpenedMatrix } from './open.js';
import { sourceOf } from './source.js';
import type { ZarrInput } from './store.js';

export interface ReadZarrOptions extends Omit<LoadOptions, 'timeoutMs'> {
  /** Which matrix: 'auto' (default: layers/counts, else raw/X, else X), 'X', 'raw/X' or 'layers/<name>'. */
  matrix?: 'auto' | H5adMatrixSource;
}

export const READ_ZARR_OPTIONS = ['onProgress', 'onEstimate', 'maxBytes', 'signal', 'matrix'] as const;

/** Rows per block when loading whole: about 4M stored entries (or dense values). */
const BLOCK_ENTRIES = 2 ** 22;

async function wholeArray(arr: ZArray, label: string): Promise<ArrayLike<number | bigint>> {
  const zarr = await zarrita();
  try {
    return (await zarr.get(arr as never)).data as unknown as ArrayLike<number | bigint>;
  } catch (e) {
    throw zarrError(label, e, arr.path);
  }
}

/** csc_matrix read whole (data, indices, indptr) and transposed to cell-major CSR. */
async function readCsc(m: OpenedMatrix, options: ReadZarrOptions, maxBytes: number): Promise<LoadedCsr> {
  const { n, d, label } = m;
  const part = async (p: string): Promise<ZArray> => {
    const a = await openNode(m.store, label, `${m.path}/${p}`);
    if (!isArray(a) || a.shape.length !== 1) throw zarrError(label, new Error(`${m.path}/${p} is not a 1-D array`), m.path);
    checkChunks(a, label);
    return a;
  };
  const data = await part('data');
  const nnz = data.shape[0];
  checkNnz(nnz, label);
  const est = shapeEstimate({ n, d, nnz });
  checkLoadBudget(label, est, maxBytes, 2 * est.csrBytes, 'the csc_matrix and its transpose');
  options.onEstimate?.(est);
  const ptr = toUint32(await wholeArray(await part('indptr'), label), `${m.path}/indptr`, label);
  const idx = toUint32(await wholeArray(await part('indices'), label), `${m.path}/indices`, label);
  const vals = toFloat32(await wholeArray(data, label));
  validateCsr({ n: d, d: n, nnz, indptr: ptr, indices: idx, values: vals }, `${label} ${m.path} (by gene)`);
  return { n, d, nnz, ...transposeCompressed(d, n, ptr, idx, vals) };
}

/** Read an AnnData Zarr store (directory path in Node; URL, directory handle or FileList in browsers) into memory. */
export async function readZarr(input: ZarrInput, options: ReadZarrOptions = {}): Promise<SingleCellData> {
  checkLoaderOptions(options, READ_ZARR_OPTIONS, 'readZarr');
  const t0 = performance.now();
  const maxBytes = checkMaxBytes(options.maxBytes);
  options.onProgress?.({ phase: 'open', bytesRead: 0, entries: 0 });
  const m = await openMatrix(input, options.matrix ?? 'auto');
  const { label, n, d } = m;
  let matrix: LoadedCsr;
  if (m.encoding === 'csc') matrix = await readCsc(m, options, maxBytes);
  else {
    const src = await sourceOf(m, { maxBytes, signal: options.signal });
    try {
      if (src.kind === 'csr') {
        checkNnz(src.nnz, label);
        const est = shapeEstimate({ n, d, nnz: src.nnz });
        checkLoadBudget(label, est, maxBytes);
        options.onEstimate?.(est);
        const indptr = new Uint32Array(n + 1);
        const indices = new Uint32Array(src.nnz);
        const values = new Float32Array(src.nnz);
        const rowsPer = Math.max(1, Math.floor((BLOCK_ENTRIES * n) / Math.max(1, src.nnz)));
        let w = 0;
        for (let s = 0; s < n; s += rowsPer) {
          throwIfAborted(options.signal);
          const e = Math.min(n, s + rowsPer);
          const b = await src.readRows(s, e, options.signal);
          indices.set(b.indices, w);
          values.set(b.values, w);
          for (let i = 1; i <= b.n; i++) indptr[s + i] = w + b.indptr[i];
          w += b.nnz;
          options.onProgress?.({ phase: 'matrix', bytesRead: 0, entries: w, totalEntries: src.nnz });
          await yieldToEventLoop();
        }
        matrix = {
          n,
          d,
          nnz: w,
          indptr,
          indices: w < src.nnz ? indices.slice(0, w) : indices,
          values: w < src.nnz ? values.slice(0, w) : values,
        };
      } else {
        const est = shapeEstimate({ n, d, nnz: n * d });
        checkLoadBudget(label, est, maxBytes);
        options.onEstimate?.(est);
        const indptr = new Uint32Array(n + 1);
        let indices = new Uint32Array(1 << 16);
        let values = new Float32Array(1 << 16);
        let w = 0;
        const rowsPer = Math.max(1, Math.floor(BLOCK_ENTRIES / Math.max(1, d)));
        for (let s = 0; s < n; s += rowsPer) {
          throwIfAborted(options.signal);
          const b = await src.readRows(s, Math.min(n, s + rowsPer), options.signal);
          for (let i = 0; i < b.n; i++) {
            for (let j = 0; j < d; j++) {
              const x = b.data[i * d + j];
              if (x === 0) continue;
              if (w === indices.length) {
                const i2 = new Uint32Array(2 * w);
                i2.set(indices);
                indices = i2;
                const v2 = new Float32Array(2 * w);
                v2.set(values);
                values = v2;
              }
              indices[w] = j;
              values[w++] = x;
            }
            indptr[s + i + 1] = w;
          }
          options.onProgress?.({ phase: 'matrix', bytesRead: 0, entries: w });
          await yieldToEventLoop();
        }
        checkNnz(w, label);
        matrix = { n, d, nnz: w, indptr, indices: indices.slice(0, w), values: values.slice(0, w) };
      }
    } finally {
      await src.close();
    }
  }
  const canon = canonicalize(matrix);
  matrix = canon.matrix;

  throwIfAborted(options.signal);
  options.onProgress?.({ phase: 'obs', bytesRead: 0, entries: matrix.nnz, totalEntries: matrix.nnz });
  const obsIndex = await dataframeIndexArray(m.store, label, 'obs');
  const cells = obsIndex ? await readStrings(obsIndex, label) : Array.from({ length: n }, (_, i) => String(i));
  if (cells.length !== n)
    throw zarrError(label, new Error(`obs names ${formatCount(cells.length)} cells but ${m.path} has ${formatCount(n)} rows`), 'obs');

  const stats = valueStats(matrix.values, matrix.nnz);
  const warnings: string[] = [];
  if (stats.beyondExact > 0) warnings.push(beyondExactWarning(stats.beyondExact));
  const others = m.available.filter((a) => a !== m.matrixSource);
  const notCounts = notCountsWarning(
    m.matrixSource,
    stats,
    others.length ? `the store also has ${others.join(', ')}` : 'this store has no other matrix',
  );
  if (notCounts) warnings.push(notCounts);
  const out: SingleCellData = {
    ...matrix,
    genes: m.genes,
    cells,
    source: {
      format: 'zarr',
      name: label,
      bytesRead: m.bytesRead(),
      loadMs: performance.now() - t0,
      integerValued: stats.integerValued,
      looksLikeCounts: stats.integerValued && stats.nonNegative,
      maxValue: stats.maxValue,
      duplicatesSummed: canon.duplicates,
      droppedFeatures: 0,
      warnings,
      matrixSource: m.matrixSource,
      encoding: m.encoding,
      available: m.available,
    },
  };
  options.onProgress?.({ phase: 'done', bytesRead: m.bytesRead(), entries: matrix.nnz, totalEntries: matrix.nnz });
  return out;
}
