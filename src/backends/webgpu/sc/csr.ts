/**
 * A cell-major CSR matrix on the GPU, in row chunks whose stored entries fit one storage binding
 * each (indptr rebased per chunk, indices, float32 values; a second value layer for normalised
 * data), and the per-cell / per-gene kernels over it. Per-gene work reads the chunk through a
 * CSC index built on the host when first needed (colptr and the CSR position of every entry in
 * gene order), so each gene is summed by one thread in a fixed order; the chunks' partial sums
 * come back and are added on the host in float64, in chunk order. Deterministic throughout.
 */
import { BufferLimitError } from '../../../errors.js';
import { trafficTotals, type GpuRunner } from '../../../gpu/runner.js';
import type { ChunkingOptions } from '../../../gpu/dataset.js';
import type { CsrMatrix, DenseOps, GeneSums, GeneSumsRequest, Layer, RowQc, ScGpuCounters, ScOps } from '../../../sc/backend.js';
import { entriesPerGene } from '../../../sc/moments.js';
import { scPipelines, clampMax, ROW_WG, F32_MAX, type GeneTransformCode } from './kernels.js';
import { bindBuffers } from '../../../gpu/bind.js';
import { GpuDense } from './dense.js';
import type { CsrChunk, CsrOnDevice } from './csr-chunk.js';

export type { CsrChunk } from './csr-chunk.js';

function bindingLimit(device: GPUDevice): number {
  return Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
}

/** Row ranges whose entries (and per-row outputs) fit one binding, at most maxChunkRows rows each. */
export function planCsrChunks(
  indptr: ArrayLike<number>,
  n: number,
  d: number,
  maxBinding: number,
  maxChunkRows?: number,
): [number, number][] {
  const maxNnz = Math.floor(maxBinding / 4);
  const maxRows = Math.max(1, Math.min(maxChunkRows ?? Infinity, Math.floor(maxBinding / 16) - 1));
  if (d * 16 > maxBinding) {
    throw new BufferLimitError(
      `${d} genes need ${d * 16} bytes of per-gene statistics, beyond the device's binding limit of ${maxBinding} bytes. Subset the genes first, or use backend: "cpu".`,
    );
  }
  const out: [number, number][] = [];
  let r0 = 0;
  while (r0 < n) {
    let r1 = r0;
    while (r1 < n && r1 - r0 < maxRows && indptr[r1 + 1] - indptr[r0] <= maxNnz) r1++;
    if (r1 === r0) {
      throw new BufferLimitError(
        `Cell ${r0} has ${indptr[r0 + 1] - indptr[r0]} stored entries, more than one GPU binding holds (${maxNnz}). Use backend: "cpu".`,
      );
    }
    out.push([r0, r1]);
    r0 = r1;
  }
  if (n === 0) out.push([0, 0]);
  return out;
}

function toU32(a: ArrayLike<number>, s: number, e: number): Uint32Array {
  if (a instanceof Uint32Array) return a.subarray(s, e);
  const out = new Uint32Array(e - s);
  for (let i = s; i < e; i++) out[i - s] = a[i];
  return out;
}

function toF32(a: ArrayLike<number>, s: number, e: number): Float32Array {
  if (a instanceof Float32Array) return a.subarray(s, e);
  const out = new Float32Array(e - s);
  for (let i = s; i < e; i++) out[i - s] = a[i];
  return out;
}

export class GpuCsrOps implements ScOps, CsrOnDevice {
  readonly backend = 'webgpu' as const;
  readonly n: number;
  readonly d: number;
  readonly entries: Float64Array;
  readonly chunks: CsrChunk[];
  private readonly device: GPUDevice;

  constructor(
    readonly runner: GpuRunner,
    csr: CsrMatrix,
    readonly chunking: ChunkingOptions,
  ) {
    this.device = runner.device;
    this.n = csr.n;
    this.d = csr.d;
    const nnzAll = csr.indptr[csr.n];
    this.entries = entriesPerGene(csr.indices, nnzAll, csr.d);
    const ranges = planCsrChunks(csr.indptr, csr.n, csr.d, bindingLimit(this.device), chunking.maxChunkRows);
    this.chunks = ranges.map(([r0, r1], index) => {
      const rows = r1 - r0;
      const nnzOffset = csr.indptr[r0];
      const nnz = csr.indptr[r1] - nnzOffset;
      const hostIndptr = new Uint32Array(rows + 1);
      for (let i = 0; i <= rows; i++) hostIndptr[i] = csr.indptr[r0 + i] - nnzOffset;
      const hostIndices = toU32(csr.indices, nnzOffset, nnzOffset + nnz);
      const indptr = runner.storage(`csr indptr chunk ${index} (${rows + 1} u32)`, (rows + 1) * 4);
      runner.write(indptr, 0, hostIndptr);
      const indices = runner.storage(`csr indices chunk ${index} (${nnz} u32)`, nnz * 4);
      if (nnz > 0) runner.write(indices, 0, hostIndices);
      const raw = runner.storage(`csr values chunk ${index} (${nnz} f32)`, nnz * 4);
      if (nnz > 0) runner.write(raw, 0, toF32(csr.values, nnzOffset, nnzOffset + nnz));
      const uniform = runner.uniform(`csr chunk ${index} params`, new Uint32Array([rows, nnz, csr.d, 0]));
      return {
        index,
        rowOffset: r0,
        rows,
        nnzOffset,
        nnz,
        hostIndptr,
        hostIndices,
        indptr,
        indices,
        raw,
        norm: null,
        uniform,
        colptr: null,
        pos: null,
      };
    });
  }

  get nnz(): number {
    const last = this.chunks[this.chunks.length - 1];
    return last.nnzOffset + last.nnz;
  }

  async rowQc(mask: Uint8Array): Promise<RowQc> {
    const { runner, device } = this;
    const maskBuf = runner.storage(`qc gene mask (${this.d} u32)`, this.d * 4);
    runner.write(maskBuf, 0, Uint32Array.from(mask));
    const pipe = scPipelines.qcRows(device);
    const outs = this.chunks.map((c) => {
      const out = runner.storage(`qc sums chunk ${c.index} (${c.rows}×4 f32)`, c.rows * 16);
      const bg = bindBuffers(device, `qc rows chunk ${c.index}`, pipe, [c.indptr, c.indices, c.raw, maskBuf, out, c.uniform]);
      runner.dispatch('sc qc rows', pipe, bg, Math.ceil(c.rows / ROW_WG));
      return out;
    });
    const bufs = await runner.read(this.chunks.map((c, i) => ({ buffer: outs[i], offset: 0, size: c.rows * 16 })));
    const total = new Float64Array(this.n);
    const detected = new Float64Array(this.n);
    const masked = new Float64Array(this.n);
    this.chunks.forEach((c, i) => {
      const f = new Float32Array(bufs[i]);
      for (let r = 0; r < c.rows; r++) {
        total[c.rowOffset + r] = f[4 * r];
        detected[c.rowOffset + r] = f[4 * r + 1];
        masked[c.rowOffset + r] = f[4 * r + 2];
      }
    });
    outs.forEach((b) => runner.free(b));
    runner.free(maskBuf);
    return { total, detected, masked };
  }

  async normalize(targetSum: number, log1p: boolean): Promise<Float64Array> {
    const { runner, device } = this;
    const pipe = scPipelines.normalize(device, log1p);
    const params = runner.uniform('normalize params', new Float32Array([targetSum, 0, 0, 0]));
    const totalsBufs = this.chunks.map((c) => {
      if (!c.norm) c.norm = runner.storage(`csr normalised values chunk ${c.index} (${c.nnz} f32)`, c.nnz * 4);
      const totals = runner.storage(`cell totals chunk ${c.index}`, c.rows * 4);
      const bg = bindBuffers(device, `normalize chunk ${c.index}`, pipe, [c.indptr, c.raw, c.norm, totals, c.uniform, params]);
      runner.dispatch('sc normalize', pipe, bg, Math.ceil(c.rows / ROW_WG));
      return totals;
    });
    const bufs = await runner.read(this.chunks.map((c, i) => ({ buffer: totalsBufs[i], offset: 0, size: c.rows * 4 })));
    const totals = new Float64Array(this.n);
    this.chunks.forEach((c, i) => totals.set(new Float32Array(bufs[i]), c.rowOffset));
    totalsBufs.forEach((b) => runner.free(b));
    runner.free(params);
    return totals;
  }

  private valuesOf(c: CsrChunk, layer: Layer): GPUBuffer {
    if (layer === 'raw') return c.raw;
    if (!c.norm) throw new Error('normalize() must run before the norm layer is used');
    return c.norm;
  }

  /** CSC index of a chunk: colptr (d + 1) and each entry's CSR position in gene order. */
  private ensureCsc(c: CsrChunk): void {
    if (c.colptr) return;
    const d = this.d;
    const colptr = new Uint32Array(d + 1);
    for (let p = 0; p < c.nnz; p++) colptr[c.hostIndices[p] + 1]++;
    for (let g = 0; g < d; g++) colptr[g + 1] += colptr[g];
    const next = colptr.slice(0, d);
    const pos = new Uint32Array(c.nnz);
    for (let p = 0; p < c.nnz; p++) pos[next[c.hostIndices[p]]++] = p;
    c.colptr = this.runner.storage(`csc colptr chunk ${c.index} (${d + 1} u32)`, (d + 1) * 4);
    this.runner.write(c.colptr, 0, colptr);
    c.pos = this.runner.storage(`csc positions chunk ${c.index} (${c.nnz} u32)`, c.nnz * 4);
    if (c.nnz > 0) this.runner.write(c.pos, 0, pos);
  }

  async geneSums(req: GeneSumsRequest): Promise<GeneSums> {
    const { runner, device, d } = this;
    const mode: GeneTransformCode = req.transform === 'identity' ? 0 : req.transform === 'expm1' ? 1 : 2;
    const pipe = scPipelines.geneStats(device);
    const reqWords = new ArrayBuffer(16);
    new Uint32Array(reqWords)[0] = mode;
    new Float32Array(reqWords)[1] = clampMax(req.maxValue ?? Infinity);
    const reqBuf = runner.uniform('gene sums request {mode, maxv}', new Uint32Array(reqWords));
    const params = new Float32Array(4 * d);
    const shift = req.shift ? new Float64Array(d) : null;
    for (let g = 0; g < d; g++) {
      if (shift) shift[g] = params[4 * g] = Math.fround(req.shift![g]);
      params[4 * g + 1] = req.clip ? Math.min(req.clip[g], F32_MAX) : F32_MAX;
      params[4 * g + 2] = req.transform === 'scale' ? req.centre![g] : 0;
      params[4 * g + 3] = req.transform === 'scale' ? req.divisor![g] : 1;
    }
    const paramBuf = runner.storage(`gene sums params (${d}×4 f32)`, d * 16);
    runner.write(paramBuf, 0, params);
    const outs = this.chunks.map((c) => {
      this.ensureCsc(c);
      const out = runner.storage(`gene sums chunk ${c.index} (${d}×4 f32)`, d * 16);
      const bg = bindBuffers(device, `gene sums chunk ${c.index}`, pipe, [
        this.valuesOf(c, req.layer),
        c.colptr!,
        c.pos!,
        paramBuf,
        out,
        c.uniform,
        reqBuf,
      ]);
      runner.dispatch('sc gene sums', pipe, bg, Math.ceil(d / ROW_WG));
      return out;
    });
    const bufs = await runner.read(outs.map((buffer) => ({ buffer, offset: 0, size: d * 16 })));
    const positive = new Float64Array(d);
    const s1 = new Float64Array(d);
    const s2 = new Float64Array(d);
    for (const b of bufs) {
      const f = new Float32Array(b);
      for (let g = 0; g < d; g++) {
        positive[g] += f[4 * g];
        s1[g] += f[4 * g + 1];
        s2[g] += f[4 * g + 2];
      }
    }
    outs.forEach((b) => runner.free(b));
    runner.free(paramBuf);
    runner.free(reqBuf);
    return { shift, positive, s1, s2 };
  }

  async readNorm(): Promise<Float32Array> {
    const bufs = await this.runner.read(this.chunks.map((c) => ({ buffer: this.valuesOf(c, 'norm'), offset: 0, size: c.nnz * 4 })));
    const out = new Float32Array(this.nnz);
    this.chunks.forEach((c, i) => out.set(new Float32Array(bufs[i]).subarray(0, c.nnz), c.nnzOffset));
    return out;
  }

  async dense(
    layer: Layer,
    cols: Uint32Array,
    centre: Float64Array,
    divisor: Float64Array,
    maxValue: number,
    mean: Float64Array,
    l: number,
  ): Promise<DenseOps> {
    return GpuDense.fromCsr(this.runner, this, layer, cols, centre, divisor, maxValue, mean, l, this.chunking);
  }

  /** The value buffer of a layer in one chunk. */
  layerBuffer(c: CsrChunk, layer: Layer): GPUBuffer {
    return this.valuesOf(c, layer);
  }

  /** Free the GPU copy (the runner would at the end of the run anyway). */
  release(): void {
    for (const c of this.chunks) {
      for (const b of [c.indptr, c.indices, c.raw, c.norm, c.uniform, c.colptr, c.pos]) if (b) this.runner.free(b);
      c.norm = c.colptr = c.pos = null;
    }
  }

  counters(): ScGpuCounters {
    return { ...trafficTotals(this.runner), chunks: this.chunks.length };
  }
}
