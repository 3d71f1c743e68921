/**
 * The single-cell backend contract: what a backend implements so that the stages (QC, normalise,
 * HVG, scale, PCA) run on it. The stage logic (QC thresholds, HVG selection, the PCA driver) is
 * written once over these operations:
 *
 *   ScOps    on a cell-major CSR matrix: per-cell QC sums, library-size normalisation + log1p
 *            (into a second value layer), per-gene shifted sums over stored entries, and the
 *            dense scaled matrix of selected genes;
 *   DenseOps on a dense n × g matrix with known column means: X_cᵀX_cQ and X_cV for the PCA.
 *
 * A backend registers an `ScBackend` as `registerImplementation('sc', name, impl)`; the stages look
 * it up by the engine's backend name. Implementations: src/backends/reference/sc.ts (float64, the
 * oracle) and src/backends/webgpu/sc/.
 *
 * Per-gene sums cover stored entries only; callers add the unstored zeros in float64
 * (`geneMoments` in ./moments.ts), so every backend shares every formula after the sums.
 */
import type { EngineInstance } from '../core/registry.js';
import type { CsrMatrix } from '../sparse.js';
import type { Backend } from '../types.js';

export type { CsrMatrix } from '../sparse.js';

/** A dense n × d matrix: row-major values. */
export interface DenseInput {
  n: number;
  d: number;
  data: ArrayLike<number>;
}

export type Layer = 'raw' | 'norm';

export interface GeneSumsRequest {
  layer: Layer;
  /** Applied to each stored value: x, expm1(x), or the scaled value clamp((x − centre)/divisor, ±maxValue). */
  transform: 'identity' | 'expm1' | 'scale';
  /** Per gene, subtracted after the transform (two-pass moments). Default 0. */
  shift?: Float64Array | null;
  /** Per gene upper clip after the transform (seurat_v3's √n·σ + μ). Default none. */
  clip?: Float64Array | null;
  centre?: Float64Array;
  divisor?: Float64Array;
  maxValue?: number;
}

export interface GeneSums {
  /** The shift actually subtracted (the GPU rounds it to float32), or null for none. */
  shift: Float64Array | null;
  /** Stored entries with x > 0 per gene. */
  positive: Float64Array;
  /** Σ (t − shift) and Σ (t − shift)² over stored entries. */
  s1: Float64Array;
  s2: Float64Array;
}

export interface RowQc {
  total: Float64Array;
  detected: Float64Array;
  masked: Float64Array;
}

export interface ScGpuCounters {
  dispatches: number;
  submits: number;
  readbacks: number;
  bytesRead: number;
  bytesWritten: number;
  peakAllocatedBytes: number;
  /** Row chunks of the largest GPU-resident matrix. */
  chunks: number;
}

export interface DenseOps {
  readonly n: number;
  readonly g: number;
  /** Column means, removed implicitly by every product. */
  readonly mean: Float64Array;
  /** Z = X_cᵀ(X_c Q) for Q g × l (row-major); returns g × l. */
  gram(q: Float64Array, l: number): Promise<Float64Array>;
  /** X_c V for V g × k; returns n × k. */
  project(v: Float64Array, k: number): Promise<Float32Array | Float64Array>;
  /** The matrix as stored (not centred), row-major n × g. */
  read(): Promise<Float32Array | Float64Array>;
  counters(): ScGpuCounters | undefined;
}

export interface ScOps {
  readonly backend: Backend;
  readonly n: number;
  readonly d: number;
  /** Stored entries per gene (exact, from the indices). */
  readonly entries: Float64Array;
  rowQc(mask: Uint8Array): Promise<RowQc>;
  /** Normalise each cell to `targetSum` (then log1p) into the 'norm' layer; returns the cell totals. */
  normalize(targetSum: number, log1p: boolean): Promise<Float64Array>;
  geneSums(req: GeneSumsRequest): Promise<GeneSums>;
  /** The 'norm' layer's values, in CSR order. */
  readNorm(): Promise<Float32Array | Float64Array>;
  /**
   * The dense scaled matrix of genes `cols` from a value layer: element (i, c) is
   * clamp((x_{i,cols[c]} − centre[c]) / divisor[c], ±maxValue); `mean` (the column means of that
   * matrix) is removed implicitly by the PCA products.
   */
  dense(
    layer: Layer,
    cols: Uint32Array,
    centre: Float64Array,
    divisor: Float64Array,
    maxValue: number,
    mean: Float64Array,
    l: number,
  ): Promise<DenseOps>;
  counters(): ScGpuCounters | undefined;
  /** Free device memory held for the matrix (a dense matrix built from it stays valid). */
  release(): void;
}

/** What a backend opens on an engine for one stage call. */
export interface ScSession {
  /** The backend's name in results ('reference' for the float64 oracle, 'webgpu'). */
  readonly backend: Backend;
  /** Operations over a cell-major CSR matrix (uploaded to the device on WebGPU). */
  csr(m: CsrMatrix): ScOps;
  /** The PCA operator of X − 1·meanᵀ for a dense matrix; `l` is the width of the products planned for. */
  dense(x: DenseInput, mean: Float64Array, l: number): DenseOps;
}

/** A backend's single-cell implementation, registered under contract 'sc'. */
export interface ScBackend {
  /** Run `fn` with a session on `engine`; whatever the session allocated is freed after. */
  session<T>(engine: EngineInstance, fn: (s: ScSession) => Promise<T>): Promise<T>;
}
