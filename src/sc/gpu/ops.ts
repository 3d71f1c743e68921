/**
 * The two backends of the single-cell preprocessing stages behind one interface: the float64
 * CPU reference (here) and WebGPU (./csr.ts, ./dense.ts). The stage logic (QC thresholds, HVG
 * selection, the PCA driver) is written once over these operations:
 *
 *   ScOps    on a cell-major CSR matrix: per-cell QC sums, library-size normalisation + log1p
 *            (into a second value layer), per-gene shifted sums over stored entries, and the
 *            dense scaled matrix of selected genes;
 *   DenseOps on a dense n × g matrix with known column means: X_cᵀX_cQ and X_cV for the PCA.
 *
 * Per-gene sums cover stored entries only; callers add the unstored zeros in float64
 * (`geneMoments`), so the CPU and GPU paths share every formula after the sums.
 */
import type { Backend } from '../../types.js';
import type { GpuRunner } from '../../gpu/runner.js';
import type { ChunkingOptions } from '../../gpu/dataset.js';
import { GpuCsrOps } from './csr.js';
import { GpuDense } from './dense.js';

/** Structural cell-major CSR matrix (rows = cells, columns = genes). */
export interface CsrLike {
  n: number;
  d: number;
  indptr: ArrayLike<number>;
  indices: ArrayLike<number>;
  values: ArrayLike<number>;
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

/** Mean and variance (ddof 1) per gene from shifted sums over stored entries plus the unstored zeros. */
export function geneMoments(
  sums: GeneSums,
  entries: Float64Array,
  n: number,
  zero: (g: number) => number,
): { mean: Float64Array; variance: Float64Array } {
  const d = entries.length;
  const shift = sums.shift;
  const mean = new Float64Array(d);
  const variance = new Float64Array(d);
  for (let g = 0; g < d; g++) {
    const c = shift ? shift[g] : 0;
    const zeros = n - entries[g];
    const dz = zero(g) - c;
    const s1 = sums.s1[g] + zeros * dz;
    const s2 = sums.s2[g] + zeros * dz * dz;
    const m1 = s1 / n;
    mean[g] = c + m1;
    variance[g] = n > 1 ? Math.max(s2 - n * m1 * m1, 0) / (n - 1) : 0;
  }
  return { mean, variance };
}

/** The transformed value of an unstored zero for gene g. */
export function zeroValue(req: GeneSumsRequest, g: number): number {
  let t = 0;
  if (req.transform === 'scale') {
    const m = req.maxValue ?? Infinity;
    t = Math.min(Math.max((0 - req.centre![g]) / req.divisor![g], -m), m);
  }
  if (req.clip) t = Math.min(t, req.clip[g]);
  return t;
}

export function entriesPerGene(indices: ArrayLike<number>, nnz: number, d: number): Float64Array {
  const e = new Float64Array(d);
  for (let p = 0; p < nnz; p++) e[indices[p]]++;
  return e;
}

// ---------------------------------------------------------------------------------------------
// CPU reference (float64).

export class CpuCsrOps implements ScOps {
  readonly backend = 'reference' as const;
  readonly n: number;
  readonly d: number;
  readonly entries: Float64Array;
  private norm: Float64Array | null = null;

  constructor(private readonly csr: CsrLike) {
    this.n = csr.n;
    this.d = csr.d;
    this.entries = entriesPerGene(csr.indices, csr.indptr[csr.n], csr.d);
  }

  async rowQc(mask: Uint8Array): Promise<RowQc> {
    const { n, indptr, indices, values } = this.csr;
    const total = new Float64Array(n);
    const detected = new Float64Array(n);
    const masked = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let t = 0;
      let m = 0;
      let det = 0;
      for (let p = indptr[i]; p < indptr[i + 1]; p++) {
        const x = values[p];
        t += x;
        if (x > 0) det++;
        if (mask[indices[p]]) m += x;
      }
      total[i] = t;
      detected[i] = det;
      masked[i] = m;
    }
    return { total, detected, masked };
  }

  async normalize(targetSum: number, log1p: boolean): Promise<Float64Array> {
    const { n, indptr, values } = this.csr;
    const out = new Float64Array(indptr[n]);
    const totals = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let t = 0;
      for (let p = indptr[i]; p < indptr[i + 1]; p++) t += values[p];
      totals[i] = t;
      const div = t === 0 ? 1 : t / targetSum;
      for (let p = indptr[i]; p < indptr[i + 1]; p++) {
        const y = values[p] / div;
        out[p] = log1p ? Math.log1p(y) : y;
      }
    }
    this.norm = out;
    return totals;
  }

  private layer(which: Layer): ArrayLike<number> {
    if (which === 'raw') return this.csr.values;
    if (!this.norm) throw new Error('normalize() must run before the norm layer is used');
    return this.norm;
  }

  async geneSums(req: GeneSumsRequest): Promise<GeneSums> {
    const { d, csr } = this;
    const vals = this.layer(req.layer);
    const nnz = csr.indptr[csr.n];
    const positive = new Float64Array(d);
    const s1 = new Float64Array(d);
    const s2 = new Float64Array(d);
    const maxV = req.maxValue ?? Infinity;
    for (let p = 0; p < nnz; p++) {
      const g = csr.indices[p];
      const x = vals[p];
      if (x > 0) positive[g]++;
      let t = x;
      if (req.transform === 'expm1') t = Math.expm1(x);
      else if (req.transform === 'scale') t = Math.min(Math.max((x - req.centre![g]) / req.divisor![g], -maxV), maxV);
      if (req.clip && t > req.clip[g]) t = req.clip[g];
      const dl = t - (req.shift ? req.shift[g] : 0);
      s1[g] += dl;
      s2[g] += dl * dl;
    }
    return { shift: req.shift ?? null, positive, s1, s2 };
  }

  async readNorm(): Promise<Float64Array> {
    return Float64Array.from(this.layer('norm'));
  }

  async dense(
    layer: Layer,
    cols: Uint32Array,
    centre: Float64Array,
    divisor: Float64Array,
    maxValue: number,
    mean: Float64Array,
  ): Promise<DenseOps> {
    const { n, indptr, indices } = this.csr;
    const G = cols.length;
    const vals = this.layer(layer);
    const colmap = new Int32Array(this.d).fill(-1);
    cols.forEach((g, c) => (colmap[g] = c));
    const x = new Float64Array(n * G);
    const clampV = (v: number) => Math.min(Math.max(v, -maxValue), maxValue);
    for (let i = 0; i < n; i++) for (let c = 0; c < G; c++) x[i * G + c] = clampV((0 - centre[c]) / divisor[c]);
    for (let i = 0; i < n; i++) {
      for (let p = indptr[i]; p < indptr[i + 1]; p++) {
        const c = colmap[indices[p]];
        if (c >= 0) x[i * G + c] = clampV((vals[p] - centre[c]) / divisor[c]);
      }
    }
    return cpuDense(x, n, G, mean);
  }

  counters(): undefined {
    return undefined;
  }

  release(): void {
    this.norm = null;
  }
}

/** Dense float64 operator: keeps X − 1μᵀ (a copy) and the column means. */
export function cpuDense(data: ArrayLike<number>, n: number, g: number, mean: Float64Array): DenseOps {
  const xc = new Float64Array(n * g);
  for (let i = 0; i < n; i++) for (let f = 0; f < g; f++) xc[i * g + f] = data[i * g + f] - mean[f];
  return {
    n,
    g,
    mean,
    async gram(q: Float64Array, l: number): Promise<Float64Array> {
      const z = new Float64Array(g * l);
      const y = new Float64Array(l);
      for (let i = 0; i < n; i++) {
        y.fill(0);
        const row = i * g;
        for (let f = 0; f < g; f++) {
          const v = xc[row + f];
          if (v === 0) continue;
          const qf = f * l;
          for (let a = 0; a < l; a++) y[a] += v * q[qf + a];
        }
        for (let f = 0; f < g; f++) {
          const v = xc[row + f];
          if (v === 0) continue;
          const zf = f * l;
          for (let a = 0; a < l; a++) z[zf + a] += v * y[a];
        }
      }
      return z;
    },
    async project(v: Float64Array, k: number): Promise<Float64Array> {
      const out = new Float64Array(n * k);
      for (let i = 0; i < n; i++) {
        for (let f = 0; f < g; f++) {
          const x = xc[i * g + f];
          if (x === 0) continue;
          for (let j = 0; j < k; j++) out[i * k + j] += x * v[f * k + j];
        }
      }
      return out;
    },
    async read(): Promise<Float64Array> {
      const out = new Float64Array(n * g);
      for (let i = 0; i < n; i++) for (let f = 0; f < g; f++) out[i * g + f] = xc[i * g + f] + mean[f];
      return out;
    },
    counters: () => undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Factories.

export function gpuCsrOps(runner: GpuRunner, csr: CsrLike, chunking: ChunkingOptions): GpuCsrOps {
  return new GpuCsrOps(runner, csr, chunking);
}

/** A dense matrix (row-major n × d) centred in float64 on the host, uploaded in row chunks. */
export function gpuDenseFromMatrix(
  runner: GpuRunner,
  x: { n: number; d: number; data: ArrayLike<number> },
  mean: Float64Array,
  l: number,
  chunking: ChunkingOptions,
): GpuDense {
  return GpuDense.fromHost(runner, x, mean, l, chunking);
}
