/**
 * A dense n × g float32 matrix on the GPU (the scaled HVG matrix, or a caller's matrix for PCA),
 * in row chunks under the binding limit, and the two products of randomized PCA over it:
 *
 *   gram(Q):   per chunk Y = (X − 1μᵀ)·Q (tiled matmul), then per-segment partials of
 *              (X − 1μᵀ)ᵀ·Y (split-K tiled matmul), then one ordered, Kahan-compensated reduction
 *              over all segments; one readback of g × l floats per call;
 *   project(V): per chunk (X − 1μᵀ)·V, read back as the n × k scores.
 *
 * Chunks hold whole segments (as the k-means data layout does), so any chunking that is a
 * multiple of the segment gives bit-identical results. μ is subtracted as tiles are loaded:
 * zeros for a matrix centred in float64 on the host, the column means for the scaled matrix
 * built on the device.
 */
import { BufferLimitError } from '../../../errors.js';
import { trafficTotals, type GpuRunner } from '../../../gpu/runner.js';
import type { ChunkingOptions } from '../../../gpu/dataset.js';
import type { DenseOps, Layer, ScGpuCounters } from '../../../sc/backend.js';
import type { CsrOnDevice } from './csr-chunk.js';
import { scPipelines, clampMax, xqGroups, xtyGroups, ROW_WG, REDUCE_WG } from './kernels.js';
import { bindBuffers } from '../../../gpu/bind.js';

export interface DenseChunk {
  index: number;
  rows: number;
  rowOffset: number;
  segOffset: number;
  segments: number;
  x: GPUBuffer;
  /** {rows, segOffset, segRows, rowOffset} */
  uniform: GPUBuffer;
}

/** Most bytes of per-segment partial products kept at once (bounds GPU memory, not accuracy). */
export const PARTIALS_BUDGET = 64 * 1024 * 1024;
const MIN_SEG_ROWS = 256;

export function planDense(
  n: number,
  g: number,
  l: number,
  maxBinding: number,
  chunking: ChunkingOptions,
): { chunkRows: number; segRows: number } {
  const width = Math.max(g, l, 1);
  let chunkRows = Math.floor(maxBinding / (4 * width));
  if (chunkRows < 1) {
    throw new BufferLimitError(
      `A row of ${width} float32 values exceeds the device's binding limit of ${maxBinding} bytes. Select fewer genes, or use backend: "cpu".`,
    );
  }
  if (chunking.maxChunkRows !== undefined) chunkRows = Math.min(chunkRows, Math.max(1, Math.floor(chunking.maxChunkRows)));
  chunkRows = Math.min(chunkRows, n);
  const budget = Math.min(maxBinding, PARTIALS_BUDGET);
  const maxSegments = Math.max(1, Math.min(1024, Math.floor(budget / (4 * g * l))));
  const segRows = Math.max(MIN_SEG_ROWS, Math.ceil(n / maxSegments / MIN_SEG_ROWS) * MIN_SEG_ROWS);
  if (chunkRows > segRows && chunkRows < n) chunkRows -= chunkRows % segRows;
  return { chunkRows, segRows };
}

export class GpuDense implements DenseOps {
  readonly chunks: DenseChunk[] = [];
  readonly segRows: number;
  readonly totalSegments: number;
  private readonly mu: GPUBuffer;
  private readonly device: GPUDevice;
  private readonly groups = new Map<string, GPUBindGroup>();
  private scratch: { q: GPUBuffer; y: GPUBuffer; partials: GPUBuffer; z: GPUBuffer; shape: GPUBuffer; mm: GPUBuffer } | null = null;

  private constructor(
    readonly runner: GpuRunner,
    readonly n: number,
    readonly g: number,
    readonly l: number,
    readonly mean: Float64Array,
    muValues: Float32Array,
    chunking: ChunkingOptions,
  ) {
    this.device = runner.device;
    const maxBinding = Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
    const { chunkRows, segRows } = planDense(n, g, l, maxBinding, chunking);
    this.segRows = segRows;
    let segOffset = 0;
    for (let rowOffset = 0, index = 0; rowOffset < n; rowOffset += chunkRows, index++) {
      const rows = Math.min(chunkRows, n - rowOffset);
      const segments = Math.ceil(rows / segRows);
      const x = runner.storage(`dense chunk ${index} (${rows}×${g} f32)`, rows * g * 4);
      const uniform = runner.uniform(`dense chunk ${index} params`, new Uint32Array([rows, segOffset, segRows, rowOffset]));
      this.chunks.push({ index, rows, rowOffset, segOffset, segments, x, uniform });
      segOffset += segments;
    }
    this.totalSegments = segOffset;
    if (this.totalSegments * g * l * 4 > maxBinding) {
      throw new BufferLimitError(
        `PCA partial products need ${this.totalSegments * g * l * 4} bytes (${this.totalSegments} row segments × ${g} × ${l}), beyond the binding limit. ` +
          'Use larger chunks (maxChunkRows), fewer genes or components, or backend: "cpu".',
      );
    }
    this.mu = runner.storage(`dense column means (${g} f32)`, g * 4);
    runner.write(this.mu, 0, muValues);
  }

  /** Upload X − 1·meanᵀ, centred in float64 and rounded to float32. */
  static fromHost(
    runner: GpuRunner,
    X: { n: number; d: number; data: ArrayLike<number> },
    mean: Float64Array,
    l: number,
    chunking: ChunkingOptions,
  ): GpuDense {
    const { n, d } = X;
    const dense = new GpuDense(runner, n, d, l, mean, new Float32Array(d), chunking);
    for (const c of dense.chunks) {
      const host = new Float32Array(c.rows * d);
      for (let i = 0; i < c.rows; i++) {
        const src = (c.rowOffset + i) * d;
        for (let f = 0; f < d; f++) host[i * d + f] = X.data[src + f] - mean[f];
      }
      runner.write(c.x, 0, host);
    }
    return dense;
  }

  /** The scaled matrix of genes `cols` from the CSR's normalised layer, built on the device. */
  static fromCsr(
    runner: GpuRunner,
    csr: CsrOnDevice,
    layer: Layer,
    cols: Uint32Array,
    centre: Float64Array,
    divisor: Float64Array,
    maxValue: number,
    mean: Float64Array,
    l: number,
    chunking: ChunkingOptions,
  ): GpuDense {
    const G = cols.length;
    const device = runner.device;
    const dense = new GpuDense(runner, csr.n, G, l, mean, Float32Array.from(mean), chunking);
    const colInfo = new Float32Array(4 * G);
    for (let c = 0; c < G; c++) {
      colInfo[4 * c] = centre[c];
      colInfo[4 * c + 1] = divisor[c];
      colInfo[4 * c + 2] = Math.min(Math.max((0 - centre[c]) / divisor[c], -maxValue), maxValue);
      colInfo[4 * c + 3] = clampMax(maxValue);
    }
    const colmap = new Int32Array(csr.d).fill(-1);
    cols.forEach((g, c) => (colmap[g] = c));
    const colBuf = runner.storage(`scaled columns (${G}×4 f32)`, G * 16);
    runner.write(colBuf, 0, colInfo);
    const mapBuf = runner.storage(`gene → column map (${csr.d} i32)`, csr.d * 4);
    runner.write(mapBuf, 0, colmap);
    const fill = scPipelines.densifyFill(device);
    const scatter = scPipelines.densifyScatter(device);
    const temps: GPUBuffer[] = [];
    for (const dc of dense.chunks) {
      const region = runner.uniform(`densify fill region ${dc.index}`, new Uint32Array([dc.rows, G, 0, 0]));
      temps.push(region);
      runner.dispatch(
        'sc densify fill',
        fill,
        bindBuffers(device, `densify fill ${dc.index}`, fill, [dc.x, colBuf, region]),
        Math.ceil((dc.rows * G) / ROW_WG),
      );
      for (const cc of csr.chunks) {
        const r0 = Math.max(dc.rowOffset, cc.rowOffset);
        const r1 = Math.min(dc.rowOffset + dc.rows, cc.rowOffset + cc.rows);
        if (r1 <= r0) continue;
        const reg = runner.uniform(
          `densify scatter region ${dc.index}/${cc.index}`,
          new Uint32Array([r1 - r0, G, r0 - cc.rowOffset, r0 - dc.rowOffset]),
        );
        temps.push(reg);
        const bg = bindBuffers(device, `densify scatter ${dc.index}/${cc.index}`, scatter, [
          dc.x,
          colBuf,
          reg,
          cc.indptr,
          cc.indices,
          csr.layerBuffer(cc, layer),
          mapBuf,
        ]);
        runner.dispatch('sc densify scatter', scatter, bg, Math.ceil((r1 - r0) / ROW_WG));
      }
    }
    runner.submit();
    // Freed after the submit: WebGPU keeps destroyed buffers alive for work already submitted.
    for (const b of [...temps, colBuf, mapBuf]) runner.free(b);
    return dense;
  }

  private group(key: string, make: () => GPUBindGroup): GPUBindGroup {
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = make()));
    return g;
  }

  private ensureScratch() {
    if (this.scratch) return this.scratch;
    const { runner, g, l } = this;
    const maxRows = Math.max(...this.chunks.map((c) => c.rows));
    this.scratch = {
      q: runner.storage(`pca basis (${g}×${l} f32)`, g * l * 4),
      y: runner.storage(`pca X·Q chunk scratch (${maxRows}×${l} f32)`, maxRows * l * 4),
      partials: runner.storage(`pca Xᵀ·Y partials (${this.totalSegments}×${g}×${l} f32)`, this.totalSegments * g * l * 4),
      z: runner.storage(`pca Xᵀ·X·Q (${g}×${l} f32)`, g * l * 4),
      shape: runner.uniform('pca reduce shape', new Uint32Array([this.totalSegments, g * l, 0, 0])),
      mm: runner.uniform('pca product shape (K, N)', new Uint32Array([g, l, 0, 0])),
    };
    return this.scratch;
  }

  async gram(q: Float64Array, l: number): Promise<Float64Array> {
    if (l !== this.l) throw new RangeError(`gram with l=${l}, but the layout was planned for l=${this.l}`);
    const { runner, device, g } = this;
    const s = this.ensureScratch();
    runner.write(s.q, 0, Float32Array.from(q));
    const xq = scPipelines.matmulXq(device, l);
    const xty = scPipelines.matmulXty(device, l);
    const reduce = scPipelines.reduce(device);
    for (const c of this.chunks) {
      const g1 = this.group(`xq ${c.index}`, () =>
        bindBuffers(device, `pca X·Q chunk ${c.index}`, xq, [c.x, this.mu, s.q, s.y, c.uniform, s.mm]),
      );
      runner.dispatch('sc pca X·Q', xq, g1, xqGroups(c.rows, l));
      const g2 = this.group(`xty ${c.index}`, () =>
        bindBuffers(device, `pca Xᵀ·Y chunk ${c.index}`, xty, [c.x, this.mu, s.y, s.partials, c.uniform, s.mm]),
      );
      runner.dispatch('sc pca Xᵀ·Y', xty, g2, xtyGroups(c.segments, g, l));
    }
    const g3 = this.group('reduce', () => bindBuffers(device, 'pca reduce', reduce, [s.partials, s.z, s.shape]));
    runner.dispatch('sc pca reduce', reduce, g3, Math.ceil((g * l) / REDUCE_WG));
    const [buf] = await runner.read([{ buffer: s.z, offset: 0, size: g * l * 4 }]);
    return Float64Array.from(new Float32Array(buf));
  }

  async project(v: Float64Array, k: number): Promise<Float32Array> {
    const { runner, device, g, n } = this;
    const vBuf = runner.storage(`pca loadings (${g}×${k} f32)`, g * k * 4);
    runner.write(vBuf, 0, Float32Array.from(v));
    const xq = scPipelines.matmulXq(device, k);
    const shape = runner.uniform('pca scores shape (K, N)', new Uint32Array([g, k, 0, 0]));
    const outs = this.chunks.map((c) => {
      const out = runner.storage(`pca scores chunk ${c.index} (${c.rows}×${k} f32)`, c.rows * k * 4);
      runner.dispatch(
        'sc pca scores',
        xq,
        bindBuffers(device, `pca scores chunk ${c.index}`, xq, [c.x, this.mu, vBuf, out, c.uniform, shape]),
        xqGroups(c.rows, k),
      );
      return out;
    });
    const bufs = await runner.read(this.chunks.map((c, i) => ({ buffer: outs[i], offset: 0, size: c.rows * k * 4 })));
    const scores = new Float32Array(n * k);
    this.chunks.forEach((c, i) => scores.set(new Float32Array(bufs[i]).subarray(0, c.rows * k), c.rowOffset * k));
    outs.forEach((b) => runner.free(b));
    runner.free(vBuf);
    runner.free(shape);
    return scores;
  }

  async read(): Promise<Float32Array> {
    const bufs = await this.runner.read(this.chunks.map((c) => ({ buffer: c.x, offset: 0, size: c.rows * this.g * 4 })));
    const out = new Float32Array(this.n * this.g);
    this.chunks.forEach((c, i) => out.set(new Float32Array(bufs[i]).subarray(0, c.rows * this.g), c.rowOffset * this.g));
    return out;
  }

  counters(): ScGpuCounters {
    return { ...trafficTotals(this.runner), chunks: this.chunks.length };
  }
}
