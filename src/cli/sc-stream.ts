/**
 * `emgpu sc --stream`: the preprocessing in passes over a row source (preprocessStream), the
 * k-means and Gaussian mixtures on the PCs in memory, the NB mixture streamed over the kept cells ×
 * HVG counts (./sc-nb-stream.ts). A single .h5ad, 10x .h5 or AnnData Zarr store is opened through
 * openRowSource (read by row ranges, never whole); 10x folders and three files are loaded by the
 * in-memory loaders and wrapped by csrSource. Without --stream, such a file still streams when
 * loading it whole would exceed --max-bytes (`scInputPlan`).
 */
import { existsSync } from 'node:fs';
import type { Engine } from '../engine/engine.js';
import { FileFormatError } from '../errors.js';
import type { BackedCsrSource } from '../io/backed/h5ad-source.js';
import { DEFAULT_MAX_BYTES, estimateMemory, formatBytes } from '../io/memory.js';
import { formatOf, openRowSource } from '../io/open-source.js';
import type { ObsColumn, ScFormat, ScSource, SingleCellData } from '../io/types.js';
import type { ZarrCsrSource } from '../io/zarr/source.js';
import type { PreprocessOptions } from '../sc/preprocess.js';
import { preprocessStream, type PreprocessStreamResult } from '../sc/stream/preprocess.js';
import { csrSource } from '../stream/memory.js';
import type { CsrSource, PassProgress, RowSource } from '../stream/types.js';
import type { ProgressBar } from './progress.js';
import { readScInput } from './sc-input.js';

/**
 * What `emgpu sc` reports of where the data came from. A streamed source never scans its values
 * before the passes, so it has no integerValued / looksLikeCounts / maxValue (nor the in-memory
 * loaders' byte and duplicate counts): only what it knows.
 */
export type ScHeaderSource = Pick<ScSource, 'format' | 'warnings'> & Partial<ScSource>;

/** What the summary, the labels and the output need to know of the input besides its rows. */
export type ScHeader = Pick<SingleCellData, 'n' | 'd' | 'genes' | 'cells' | 'obs'> & { source: ScHeaderSource };

type Streamable = 'h5ad' | '10x-h5' | 'zarr';

/** The format of a single input that can be read by row ranges, else undefined. */
export function streamableFormat(paths: readonly string[]): Streamable | undefined {
  if (paths.length !== 1 || !existsSync(paths[0])) return undefined;
  let f: string;
  try {
    f = formatOf(paths[0]);
  } catch {
    return undefined;
  }
  return f === 'h5ad' || f === '10x-h5' || f === 'zarr' ? f : undefined;
}

const FORMAT: Record<Streamable, ScFormat> = { h5ad: 'h5ad', '10x-h5': '10x-h5', zarr: 'zarr' };

/** Open a single .h5ad / .h5 / Zarr path as a backed source (nothing but its row index read yet). */
async function openBacked(path: string): Promise<BackedCsrSource | ZarrCsrSource> {
  const s: RowSource = await openRowSource(path);
  if (s.kind !== 'csr') {
    await s.close();
    throw new FileFormatError(
      `${path}: its matrix is stored dense; emgpu sc streams sparse (CSR) matrices only. Run without --stream, or store X as CSR (adata.X = scipy.sparse.csr_matrix(adata.X)).`,
    );
  }
  return s as BackedCsrSource | ZarrCsrSource;
}

/** The header of a backed source: genes, cell names and the requested obs columns, read before it is closed. */
async function backedHeader(s: BackedCsrSource | ZarrCsrSource, format: Streamable, path: string, obsColumns: string[]): Promise<ScHeader> {
  const zarr = 'cellNames' in s;
  if (zarr && obsColumns.length > 0)
    throw new FileFormatError(
      `${path}: emgpu sc does not read obs columns of a Zarr store (only its matrix and names). Pass --labels FILE:COLUMN, a CSV keyed by cell barcode.`,
    );
  const cells = zarr ? await s.cellNames() : s.cells;
  let obs: Record<string, ObsColumn> | undefined;
  if (obsColumns.length > 0 && !zarr && s.obs) {
    obs = s.obs(obsColumns);
    // A missing column: read them all, so the error lists what the file has.
    if (obsColumns.some((c) => !(c in obs!))) obs = s.obs(true);
  }
  const source: ScHeaderSource = {
    format: FORMAT[format],
    name: path,
    warnings: [],
    ...(zarr
      ? { matrixSource: s.zarr.matrixSource, encoding: s.zarr.encoding, available: s.zarr.available }
      : {
          matrixSource: s.info.matrixSource as ScSource['matrixSource'],
          encoding: s.info.encoding,
          ...(s.info.available ? { available: s.info.available } : {}),
        }),
  };
  return { n: s.n, d: s.d, genes: s.genes, cells, source, ...(obs ? { obs } : {}) };
}

export interface ScSourceOptions {
  /** obs columns to read (--labels COLUMN). */
  obsColumns?: string[];
  /** The in-memory loaders' budget (10x folders and files). */
  maxBytes?: number;
}

/** The row source `emgpu sc --stream` reads, and the input's header. */
export async function openScSource(
  paths: readonly string[],
  options: ScSourceOptions = {},
  opened?: BackedCsrSource | ZarrCsrSource,
): Promise<{ source: CsrSource; header: ScHeader }> {
  const format = streamableFormat(paths);
  if (format) {
    const s = opened ?? (await openBacked(paths[0]));
    try {
      return { source: s, header: await backedHeader(s, format, paths[0], options.obsColumns ?? []) };
    } catch (e) {
      await s.close();
      throw e;
    }
  }
  const data = await readScInput(paths, options.maxBytes);
  const header: ScHeader = {
    n: data.n,
    d: data.d,
    genes: data.genes,
    cells: data.cells,
    source: data.source,
    ...(data.obs ? { obs: data.obs } : {}),
  };
  return { source: csrSource(data, { name: data.source.name, genes: data.genes, cells: data.cells }), header };
}

/** Bytes the in-memory loader of a backed file would need: CSR, its int64 indices as stored, the file (as checkH5Budget counts). */
function inMemoryBytes(s: BackedCsrSource | ZarrCsrSource): number {
  const e = estimateMemory({ n: s.n, d: s.d, nnz: s.nnz });
  return e.csrBytes + 8 * s.nnz + ('info' in s ? s.info.fileBytes : 0);
}

/**
 * Whether `emgpu sc` streams: with --stream; or a single .h5ad / .h5 whose whole load would
 * exceed maxBytes (default DEFAULT_MAX_BYTES); or a Zarr store (read only by row ranges here).
 * `note` is the one line saying why it streams unasked; `opened` the source already open.
 */
export async function scInputPlan(
  paths: readonly string[],
  o: { stream?: boolean; maxBytes?: number },
): Promise<{ stream: boolean; note?: string; opened?: BackedCsrSource | ZarrCsrSource }> {
  if (o.stream) return { stream: true };
  const format = streamableFormat(paths);
  if (!format) return { stream: false };
  const s = await openBacked(paths[0]);
  if (format === 'zarr') return { stream: true, opened: s, note: `${paths[0]}: a Zarr store, read in chunks of cells (as --stream).` };
  const needed = inMemoryBytes(s);
  const cap = o.maxBytes ?? DEFAULT_MAX_BYTES;
  if (needed <= cap) {
    await s.close();
    return { stream: false };
  }
  return {
    stream: true,
    opened: s,
    note: `${paths[0]}: loading it whole needs about ${formatBytes(needed)}, above --max-bytes ${formatBytes(cap)}; streaming it in chunks of cells instead (as --stream).`,
  };
}

/** preprocessStream with the options `emgpu sc` gives preprocess (scPreprocessOptions), progress per pass on the bar. */
export async function preprocessStreamed(
  source: CsrSource,
  options: PreprocessOptions,
  engine: Engine,
  bar: ProgressBar | undefined,
): Promise<PreprocessStreamResult> {
  const { returnNormalized: _r, returnScaled: _s, onStage: _o, ...opts } = options;
  return preprocessStream(source, {
    ...opts,
    engine,
    onStage: (e) => bar?.status(`preprocess: ${e.stage} done (${e.done}/${e.total})`),
    onProgress: (p: PassProgress) => bar?.status(`preprocess pass ${p.pass}: ${p.chunksDone}/${p.chunksTotal} chunks`),
  });
}
