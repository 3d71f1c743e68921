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
  /** Nanoseconds of GPU compute-pass time read back so far (timestamp queries only). */
  gpuNs: number;
  /** Bytes of the fit's data (rows, their weights) that the dispatches recorded so far read, by their plan. */
  dataBytes: number;
}

/** Passes per timestamp ring: two queries (begin, end) each. */
const TS_RING_PASSES = 256;

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
    gpuNs: 0,
    dataBytes: 0,
  };
  /** 'timestamp' when compute passes carry timestamp queries, else 'wall'. */
  readonly timing: 'timestamp' | 'wall';
  private readonly owned = new Set<GPUBuffer>();
  private staging: GPUBuffer | null = null;
  private encoderInFlight: GPUCommandEncoder | null = null;
  // Timestamp queries: a ring of 2×TS_RING_PASSES queries; a full ring is resolved into a
  // resolve buffer and the ring starts over. Resolved-but-unread buffers ride along with the
  // next read() (same submit, same mapAsync), so timing adds no round trips.
  private querySet: GPUQuerySet | null = null;
  private ringPasses = 0;
  private readonly resolvedPending: { buf: GPUBuffer; passes: number }[] = [];
  private readonly resolvePool: GPUBuffer[] = [];

  /**
   * `maxGroupsPerDim` below the device limit forces split dispatches (tests use it on small data).
   * `timestamps`: time every compute pass with timestamp queries when the device has them.
   */
  constructor(
    readonly ctx: GpuContext,
    private readonly groupsPerDimCap?: number,
    timestamps = false,
  ) {
    this.device = ctx.device;
    this.timing = timestamps && this.device.features.has('timestamp-query') ? 'timestamp' : 'wall';
  }

  private timestampWrites(): GPUComputePassTimestampWrites | undefined {
    if (this.timing !== 'timestamp') return undefined;
    if (!this.querySet) {
      this.querySet = this.device.createQuerySet({ label: 'emgpu pass timestamps', type: 'timestamp', count: 2 * TS_RING_PASSES });
    }
    if (this.ringPasses === TS_RING_PASSES) this.resolveRing();
    const i = this.ringPasses++;
    return { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  /** Encode a resolve of the ring's written queries into a resolve buffer; the ring starts over. */
  private resolveRing(): void {
    if (!this.querySet || this.ringPasses === 0) return;
    let buf = this.resolvePool.pop();
    if (!buf) {
      buf = this.device.createBuffer({
        label: 'emgpu timestamp resolve',
        size: 2 * TS_RING_PASSES * 8,
        usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
      });
      this.ctx.liveBytes += buf.size;
    }
    this.encoder().resolveQuerySet(this.querySet, 0, 2 * this.ringPasses, buf, 0);
    this.resolvedPending.push({ buf, passes: this.ringPasses });
    this.ringPasses = 0;
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
    this.ctx.liveBytes += bytes;
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
      this.ctx.liveBytes -= buf.size;
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

  /**
   * Record one compute dispatch of `groups` workgroups (split over x and y past the limit).
   * `dataBytes`: the bytes of the fit's data this dispatch reads, from its plan (a pass over a
   * chunk's rows and weights: rows·(d + 1)·4); it feeds the data-pass counters.
   */
  dispatch(label: string, pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, groups: number, dataBytes = 0): void {
    if (groups <= 0) return;
    const maxX = this.maxGroupsPerDim;
    const x = Math.min(groups, maxX);
    const y = Math.ceil(groups / x);
    if (y > maxX) throw new BufferLimitError(`Dispatch '${label}' needs ${groups} workgroups, beyond ${maxX}². Use a smaller chunk size.`);
    const timestampWrites = this.timestampWrites();
    const pass = this.encoder().beginComputePass({ label: `emgpu ${label}`, ...(timestampWrites ? { timestampWrites } : {}) });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y);
    pass.end();
    this.counters.dispatches++;
    this.counters.dataBytes += dataBytes;
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
    const dataBytes = sizes.reduce((a, b) => a + b, 0);
    // Pass timestamps written since the last read travel in the same staging buffer, after the data.
    this.resolveRing();
    const stamps = this.resolvedPending.splice(0);
    const stampsAt = Math.ceil(dataBytes / 8) * 8; // BigUint64Array views need 8-byte alignment
    const total = stamps.length ? stampsAt + stamps.reduce((a, s) => a + s.passes * 16, 0) : dataBytes;
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
    off = stampsAt;
    for (const s of stamps) {
      this.copy(s.buf, 0, staging, off, s.passes * 16);
      off += s.passes * 16;
    }
    this.submit();
    this.resolvePool.push(...stamps.map((s) => s.buf));
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
    off = stampsAt;
    for (const s of stamps) {
      const t = new BigUint64Array(mapped, off, s.passes * 2);
      for (let p = 0; p < s.passes; p++) {
        // end − begin per pass; timestamps may be quantised or reordered: clamp negatives to 0.
        const dt = t[2 * p + 1] - t[2 * p];
        if (dt > 0n) this.counters.gpuNs += Number(dt);
      }
      off += s.passes * 16;
    }
    staging.unmap();
    this.counters.readbacks++;
    // Data bytes only: timestamp bytes are excluded so bytesRead is the same with timing on or off.
    this.counters.bytesRead += dataBytes;
    return out;
  }

  destroy(): void {
    for (const b of this.owned) {
      this.ctx.liveBytes -= b.size;
      b.destroy();
    }
    this.owned.clear();
    this.counters.allocatedBytes = 0;
    this.staging = null;
    for (const b of [...this.resolvedPending.map((s) => s.buf), ...this.resolvePool]) {
      this.ctx.liveBytes -= b.size;
      b.destroy();
    }
    this.resolvedPending.length = 0;
    this.resolvePool.length = 0;
    this.querySet?.destroy();
    this.querySet = null;
    this.ringPasses = 0;
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
  // The scopes are popped whatever fn did; a lost device, OOM or validation error explains a
  // failure better than fn's own error, so it wins.
  const outcome = await fn().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const validation = await device.popErrorScope();
  const oom = await device.popErrorScope();
  if (ctx.lost) throw ctx.lost;
  if (oom) throw new BufferLimitError(`The GPU ran out of memory: ${oom.message}. Use a smaller dataset per fit, or backend: "cpu".`);
  if (validation) throw new GPUValidationError(`WebGPU validation error (a bug in emgpu; please report it): ${validation.message}`);
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/** Work done inside EM iterations (as opposed to upload, seeding and final passes). */
export interface IterationTraffic {
  iters: number;
  dispatches: number;
  bytesRead: number;
  /** GPU pass nanoseconds read back inside the iterations (timestamp timing only). */
  gpuNs?: number;
  /** Bytes of data the iterations' dispatches read (runner.counters.dataBytes). */
  dataBytes?: number;
}

/** The runner counters an iteration's traffic is the difference of. */
export type TrafficMark = Pick<Counters, 'dispatches' | 'bytesRead' | 'gpuNs' | 'dataBytes'>;

/** A mark of the runner's counters now, for `addTraffic` after the iteration's work. */
export function markTraffic(runner: GpuRunner): TrafficMark {
  const c = runner.counters;
  return { dispatches: c.dispatches, bytesRead: c.bytesRead, gpuNs: c.gpuNs, dataBytes: c.dataBytes };
}

/** Add the runner's traffic since `before` to `iter` (counting one iteration when `iteration`). */
export function addTraffic(iter: IterationTraffic, runner: GpuRunner, before: TrafficMark, iteration = true): void {
  const c = runner.counters;
  if (iteration) iter.iters++;
  iter.dispatches += c.dispatches - before.dispatches;
  iter.bytesRead += c.bytesRead - before.bytesRead;
  iter.gpuNs = (iter.gpuNs ?? 0) + c.gpuNs - before.gpuNs;
  iter.dataBytes = (iter.dataBytes ?? 0) + c.dataBytes - before.dataBytes;
}

/** The runner's traffic totals, as every report (a fit's GpuCounters, a single-cell stage's) gives them. */
export function trafficTotals(runner: GpuRunner) {
  const c = runner.counters;
  return {
    dispatches: c.dispatches,
    submits: c.submits,
    readbacks: c.readbacks,
    bytesRead: c.bytesRead,
    bytesWritten: c.bytesWritten,
    peakAllocatedBytes: c.peakAllocatedBytes,
  };
}

/**
 * The counters a fit reports: totals, and per-iteration figures from the EM loop's own traffic.
 * `passBytes`: the bytes of one whole pass over the data (rows and weights), the unit of
 * dataPassesPerIter.
 */
export function summariseCounters(runner: GpuRunner, iter: IterationTraffic, chunks: number, passBytes: number): GpuCounters {
  const dataBytesPerIter = iter.iters > 0 ? (iter.dataBytes ?? 0) / iter.iters : 0;
  return {
    ...trafficTotals(runner),
    dispatchesPerIter: iter.iters > 0 ? iter.dispatches / iter.iters : 0,
    bytesReadPerIter: iter.iters > 0 ? iter.bytesRead / iter.iters : 0,
    dataPassesPerIter: passBytes > 0 ? dataBytesPerIter / passBytes : 0,
    dataBytesPerIter,
    chunks,
    timing: runner.timing,
    ...(runner.timing === 'timestamp' && iter.iters > 0 ? { gpuMsPerIter: (iter.gpuNs ?? 0) / 1e6 / iter.iters } : {}),
  };
}
