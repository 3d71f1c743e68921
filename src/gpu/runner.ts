/**
 * One fit's GPU work: labelled buffers it owns and frees, dispatches split across x/y when
 * they exceed the per-dimension limit, batched readbacks through one staging buffer, and the
 * counters the benchmarks report (dispatches, submits, readbacks, bytes moved).
 */
import { BufferLimitError, GPUValidationError } from '../errors.js';
import type { GpuContext } from './device.js';
import type { GpuCounters } from '../types.js';

export interface Counters {
  dispatches: number;
  submits: number;
  readbacks: number;
  bytesRead: number;
  bytesWritten: number;
  allocatedBytes: number;
  peakAllocatedBytes: number;
}

export interface ReadRequest {
  buffer: GPUBuffer;
  offset: number;
  size: number;
}

export class GpuRunner {
  readonly device: GPUDevice;
  readonly counters: Counters = {
    dispatches: 0,
    submits: 0,
    readbacks: 0,
    bytesRead: 0,
    bytesWritten: 0,
    allocatedBytes: 0,
    peakAllocatedBytes: 0,
  };
  private readonly owned = new Set<GPUBuffer>();
  private staging: GPUBuffer | null = null;
  private encoderInFlight: GPUCommandEncoder | null = null;

  /** `maxGroupsPerDim` below the device limit forces split dispatches (tests use it on small data). */
  constructor(readonly ctx: GpuContext, private readonly groupsPerDimCap?: number) {
    this.device = ctx.device;
  }

  get maxGroupsPerDim(): number {
    const lim = this.device.limits.maxComputeWorkgroupsPerDimension;
    return this.groupsPerDimCap ? Math.min(lim, this.groupsPerDimCap) : lim;
  }

  checkLost(): void {
    if (this.ctx.lost) throw this.ctx.lost;
  }

  buffer(label: string, size: number, usage: GPUBufferUsageFlags): GPUBuffer {
    // WebGPU wants sizes in multiples of 4; zero-sized bindings are invalid.
    const bytes = Math.max(16, Math.ceil(size / 4) * 4);
    const lim = this.device.limits;
    if (bytes > lim.maxBufferSize || ((usage & GPUBufferUsage.STORAGE) !== 0 && bytes > lim.maxStorageBufferBindingSize)) {
      throw new BufferLimitError(
        `Buffer '${label}' needs ${bytes} bytes but the device allows ${Math.min(lim.maxBufferSize, lim.maxStorageBufferBindingSize)} per binding. ` +
          'Reduce k or d (e.g. with PCA), or use backend: "cpu".',
      );
    }
    const buf = this.device.createBuffer({ label: `emgpu ${label}`, size: bytes, usage });
    this.owned.add(buf);
    this.counters.allocatedBytes += bytes;
    this.counters.peakAllocatedBytes = Math.max(this.counters.peakAllocatedBytes, this.counters.allocatedBytes);
    return buf;
  }

  storage(label: string, size: number, extra: GPUBufferUsageFlags = 0): GPUBuffer {
    return this.buffer(label, size, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extra);
  }

  uniform(label: string, words: Uint32Array | Float32Array): GPUBuffer {
    const buf = this.buffer(label, words.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.write(buf, 0, words);
    return buf;
  }

  free(buf: GPUBuffer): void {
    if (this.owned.delete(buf)) {
      this.counters.allocatedBytes -= buf.size;
      buf.destroy();
    }
  }

  write(buf: GPUBuffer, offset: number, data: ArrayBufferView): void {
    this.device.queue.writeBuffer(buf, offset, data.buffer, data.byteOffset, data.byteLength);
    this.counters.bytesWritten += data.byteLength;
  }

  /** The encoder collecting the current batch of work; `submit()` sends it. */
  encoder(): GPUCommandEncoder {
    if (!this.encoderInFlight) this.encoderInFlight = this.device.createCommandEncoder({ label: 'emgpu batch' });
    return this.encoderInFlight;
  }

  /** Record one compute dispatch of `groups` workgroups (split over x and y past the limit). */
  dispatch(label: string, pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, groups: number): void {
    if (groups <= 0) return;
    const maxX = this.maxGroupsPerDim;
    const x = Math.min(groups, maxX);
    const y = Math.ceil(groups / x);
    if (y > maxX) throw new BufferLimitError(`Dispatch '${label}' needs ${groups} workgroups, beyond ${maxX}². Use a smaller chunk size.`);
    const pass = this.encoder().beginComputePass({ label: `emgpu ${label}` });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y);
    pass.end();
    this.counters.dispatches++;
  }

  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): void {
    this.encoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, size);
  }

  clear(buf: GPUBuffer, offset = 0, size?: number): void {
    this.encoder().clearBuffer(buf, offset, size);
  }

  submit(): void {
    if (!this.encoderInFlight) return;
    this.device.queue.submit([this.encoderInFlight.finish()]);
    this.encoderInFlight = null;
    this.counters.submits++;
  }

  /**
   * Copy the requested ranges into one staging buffer after the pending work, submit, and map
   * once: one round trip however many ranges. Returns one ArrayBuffer per request.
   */
  async read(requests: ReadRequest[]): Promise<ArrayBuffer[]> {
    this.checkLost();
    const sizes = requests.map((r) => Math.ceil(r.size / 4) * 4);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (!this.staging || this.staging.size < total) {
      if (this.staging) this.free(this.staging);
      this.staging = this.buffer('readback staging', Math.max(total, 256), GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    }
    const staging = this.staging;
    let off = 0;
    requests.forEach((r, i) => {
      this.copy(r.buffer, r.offset, staging, off, sizes[i]);
      off += sizes[i];
    });
    this.submit();
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, total);
    } catch (e) {
      this.checkLost();
      throw new GPUValidationError(`Reading results back from the GPU failed: ${(e as Error).message}`);
    }
    const mapped = staging.getMappedRange(0, total);
    const out: ArrayBuffer[] = [];
    off = 0;
    requests.forEach((r, i) => {
      out.push(mapped.slice(off, off + r.size));
      off += sizes[i];
    });
    staging.unmap();
    this.counters.readbacks++;
    this.counters.bytesRead += total;
    return out;
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.owned.clear();
    this.counters.allocatedBytes = 0;
    this.staging = null;
  }
}

/**
 * Run GPU work inside validation and out-of-memory error scopes; any error fails the fit with a
 * typed error instead of producing silent garbage.
 */
export async function withErrorScopes<T>(ctx: GpuContext, fn: () => Promise<T>): Promise<T> {
  if (ctx.lost) throw ctx.lost;
  const device = ctx.device;
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: T;
  try {
    result = await fn();
  } finally {
    const validation = await device.popErrorScope();
    const oom = await device.popErrorScope();
    if (ctx.lost) throw ctx.lost;
    if (oom) throw new BufferLimitError(`The GPU ran out of memory: ${oom.message}. Use a smaller dataset per fit, or backend: "cpu".`);
    if (validation) throw new GPUValidationError(`WebGPU validation error (a bug in emgpu; please report it): ${validation.message}`);
  }
  return result;
}

/** Work done inside EM iterations (as opposed to upload, seeding and final passes). */
export interface IterationTraffic {
  iters: number;
  dispatches: number;
  bytesRead: number;
}

/** The counters a fit reports: totals, and per-iteration figures from the EM loop's own traffic. */
export function summariseCounters(runner: GpuRunner, iter: IterationTraffic, chunks: number): GpuCounters {
  const c = runner.counters;
  return {
    dispatches: c.dispatches,
    submits: c.submits,
    readbacks: c.readbacks,
    bytesRead: c.bytesRead,
    bytesWritten: c.bytesWritten,
    dispatchesPerIter: iter.iters > 0 ? iter.dispatches / iter.iters : 0,
    bytesReadPerIter: iter.iters > 0 ? iter.bytesRead / iter.iters : 0,
    chunks,
    peakAllocatedBytes: c.peakAllocatedBytes,
  };
}
