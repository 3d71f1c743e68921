/**
 * Hard and soft k-means on the GPU. Per EM iteration: one pass over the data, a dispatch per
 * chunk of the fused kernel (shaders/kmeans/fused.wgsl: distances + argmin, or distances +
 * logsumexp → responsibilities, and the per-segment partial statistics, with x read once);
 * then one reduction dispatch over all segments and a single readback of k×(d+2) floats plus
 * the changed-label count. The small
 * k×d M-step (division, empty clusters, shift) runs on the host in float64 (kmeans/mstep.ts).
 * This file holds the GPU state of a fit and prediction for new data; kmeans-seed.ts seeds it by
 * k-means++ and kmeans-session.ts adapts it to the backend contract.
 */

import type { Dataset } from '../../data.js';
import type { GpuRunner } from '../../gpu/runner.js';
import { chunkBytes, uploadData, locateRow, rowGroups, type GpuChunk, type GpuData, type ChunkingOptions } from '../../gpu/dataset.js';
import { kmeansPipelines, WG, type KMeansPipelines } from './kmeans-kernels.js';
import { bindBuffers } from '../../gpu/bind.js';
import { type FusedLayout, fusedLayout } from './kmeans-plan.js';

interface RowBuffers {
  labels: GPUBuffer;
  dist: GPUBuffer;
  mind: GPUBuffer;
}

/** Everything one fit keeps on the GPU, created once and reused by every restart. */
export class KMeansGpuState {
  readonly k: number;
  readonly d: number;
  readonly J: number;
  readonly pipes: KMeansPipelines;
  readonly centroids: GPUBuffer;
  readonly changed: GPUBuffer;
  readonly partials: GPUBuffer;
  readonly reduced: GPUBuffer;
  readonly reduceShape: GPUBuffer;
  readonly rows: RowBuffers[];
  /** {β, _, _, _}: soft k-means' inverse temperature (unused by the hard kernels). */
  readonly params: GPUBuffer;
  resp: GPUBuffer | null = null;
  private readonly groups = new Map<string, GPUBindGroup>();

  /**
   * `layout`: whether the fused pass stages rows in workgroup memory, and its threads per
   * workgroup (default: the adapter's, kmeans-plan.ts fusedLayout). `subgroups`: whether it may
   * merge lanes through subgroups where the device has them (kmeans-kernels.ts). Tests set both
   * to compare the paths' bits.
   */
  constructor(
    readonly runner: GpuRunner,
    readonly data: GpuData,
    k: number,
    readonly layout: FusedLayout = fusedLayout(runner.ctx.software),
    readonly subgroups = true,
  ) {
    this.k = k;
    this.d = data.d;
    this.J = data.d + 2;
    this.pipes = kmeansPipelines(runner.device, data.d, k, layout, subgroups, data.f16);
    this.centroids = runner.storage(`centroids (${k}×${data.d})`, k * data.d * 4);
    this.changed = runner.storage('changed-label count', 4);
    this.partials = runner.storage(`M-step partials (${data.totalSegments}×${k}×${this.J})`, data.totalSegments * k * this.J * 4);
    this.reduced = runner.storage(`M-step statistics (${k}×${this.J})`, k * this.J * 4);
    this.params = runner.uniform('k-means params (beta)', new Float32Array([1, 0, 0, 0]));
    this.reduceShape = runner.uniform('M-step reduce shape', new Uint32Array([data.totalSegments, k * this.J, 0, 0]));
    this.rows = data.chunks.map((c) => ({
      labels: runner.storage(`labels chunk ${c.index}`, c.rows * 4),
      dist: runner.storage(`row scores chunk ${c.index}`, c.rows * 4),
      mind: runner.storage(`nearest distance chunk ${c.index}`, c.rows * 4),
    }));
  }

  group(key: string, make: () => GPUBindGroup): GPUBindGroup {
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = make()));
    return g;
  }

  /** Set soft k-means' β (the params uniform every k-means kernel binds). */
  ensureSoft(beta: number): void {
    this.runner.write(this.params, 0, new Float32Array([beta, 0, 0, 0]));
  }

  writeCentres(centred: Float64Array): void {
    this.runner.write(this.centroids, 0, new Float32Array(centred));
  }

  /** Hard E-step (labels, distances, changed count) fused with the statistics, one dispatch per chunk, then the reduction. */
  encodeHardStep(): void {
    this.runner.clear(this.changed);
    this.encodeFused(false);
  }

  /** Soft E-step (responsibilities, min distances) fused with the statistics, one dispatch per chunk, then the reduction. */
  encodeSoftStep(): void {
    this.encodeFused(true);
  }

  /** One pass over the data: the fused kernel on every chunk (one workgroup per segment), then the reduction. */
  private encodeFused(soft: boolean): void {
    const pipeline = soft ? this.pipes.fusedSoft : this.pipes.fusedHard;
    const mode = soft ? 'soft' : 'hard';
    for (const c of this.data.chunks) {
      const rb = this.rows[c.index];
      const g = this.group(`fused-${mode} ${c.index}`, () =>
        bindBuffers(this.runner.device, `k-means ${mode} pass chunk ${c.index}`, pipeline, [
          c.x,
          this.centroids,
          rb.labels,
          soft ? rb.mind : rb.dist,
          this.partials,
          c.uniform,
          this.changed,
          this.params,
        ]),
      );
      this.runner.dispatch(`k-means ${mode} pass`, pipeline, g, c.segments, chunkBytes(c, this.d, this.data.f16));
    }
    this.encodeReduce();
  }

  /** The bindings of the soft E-step kernel, for the final responsibilities and transform's distances. */
  private softBindings(c: GpuChunk): (GPUBuffer | null)[] {
    const rb = this.rows[c.index];
    return [c.x, this.centroids, this.respScratch(), rb.dist, rb.mind, c.uniform, this.params];
  }

  private respScratch(): GPUBuffer {
    const maxRows = Math.max(...this.data.chunks.map((c) => c.rows));
    this.resp ??= this.runner.storage(`responsibilities scratch (${maxRows}×${this.k})`, maxRows * this.k * 4);
    return this.resp;
  }

  encodeReduce(): void {
    const g = this.group('reduce', () =>
      bindBuffers(this.runner.device, 'M-step reduce', this.pipes.reduce, [this.partials, this.reduced, this.reduceShape]),
    );
    this.runner.dispatch('M-step reduce', this.pipes.reduce, g, Math.ceil((this.k * this.J) / WG));
  }

  /** Read the reduced statistics (and the changed count): the one readback of an iteration. */
  async readStats(): Promise<{ stats: Float64Array; changed: number }> {
    const [s, c] = await this.runner.read([
      { buffer: this.reduced, offset: 0, size: this.k * this.J * 4 },
      { buffer: this.changed, offset: 0, size: 4 },
    ]);
    return { stats: Float64Array.from(new Float32Array(s)), changed: new Uint32Array(c)[0] };
  }

  /** Global rows of the m largest values of a per-row buffer (ties to the lower row), m argmax rounds. */
  async topRows(which: 'dist' | 'mind', m: number): Promise<number[]> {
    const out: number[] = [];
    const data = this.data;
    const pairs = this.runner.storage('argmax pairs', data.totalSegments * 8);
    try {
      for (let t = 0; t < m; t++) {
        for (const c of data.chunks) {
          const g = bindBuffers(this.runner.device, `argmax chunk ${c.index}`, this.pipes.argmax, [
            this.rows[c.index][which],
            pairs,
            c.uniform,
          ]);
          this.runner.dispatch('argmax', this.pipes.argmax, g, c.segments);
        }
        const [buf] = await this.runner.read([{ buffer: pairs, offset: 0, size: data.totalSegments * 8 }]);
        const u = new Uint32Array(buf);
        const f = new Float32Array(buf);
        let best = -Infinity;
        let row = -1;
        for (let s = 0; s < data.totalSegments; s++) {
          const r = u[2 * s + 1];
          if (r === 0xffffffff) continue;
          if (f[2 * s] > best || (f[2 * s] === best && r < row)) {
            best = f[2 * s];
            row = r;
          }
        }
        out.push(row);
        // Exclude the winner from the next round.
        const { chunk, local } = locateRow(data, row);
        this.runner.write(this.rows[chunk.index][which], local * 4, new Float32Array([-1]));
      }
    } finally {
      this.runner.free(pairs);
    }
    return out;
  }

  async readLabelsAndDist(): Promise<{ labels: Uint32Array; dist: Float32Array }> {
    const reqs = this.data.chunks.flatMap((c) => [
      { buffer: this.rows[c.index].labels, offset: 0, size: c.rows * 4 },
      { buffer: this.rows[c.index].dist, offset: 0, size: c.rows * 4 },
    ]);
    const bufs = await this.runner.read(reqs);
    const labels = new Uint32Array(this.data.n);
    const dist = new Float32Array(this.data.n);
    this.data.chunks.forEach((c, i) => {
      labels.set(new Uint32Array(bufs[2 * i]), c.rowOffset);
      dist.set(new Float32Array(bufs[2 * i + 1]), c.rowOffset);
    });
    return { labels, dist };
  }

  /** Responsibilities (or distances) of every chunk, read chunk by chunk into one n×k array. */
  async readRowMatrix(pipeline: GPUComputePipeline, mode: string): Promise<Float32Array> {
    const out = new Float32Array(this.data.n * this.k);
    for (const c of this.data.chunks) {
      const g = this.group(`${mode} ${c.index}`, () =>
        bindBuffers(this.runner.device, `${mode} chunk ${c.index}`, pipeline, this.softBindings(c)),
      );
      this.runner.dispatch(mode, pipeline, g, rowGroups(c.rows, WG));
      const [buf] = await this.runner.read([{ buffer: this.respScratch(), offset: 0, size: c.rows * this.k * 4 }]);
      out.set(new Float32Array(buf), c.rowOffset * this.k);
    }
    return out;
  }
}

export function uncentre(centred: Float64Array, mean: Float64Array, k: number, d: number): Float64Array {
  const out = new Float64Array(k * d);
  for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) out[j * d + f] = centred[j * d + f] + mean[f];
  return out;
}

/** Nearest centroids (labels, squared distances) or Euclidean distances for new data. */
export async function applyCentroidsGpu(
  runner: GpuRunner,
  ds: Pick<Dataset, 'n' | 'd' | 'x'>,
  centroids: Float64Array,
  k: number,
  what: 'predict' | 'transform',
  chunking: ChunkingOptions,
): Promise<{ labels?: Uint32Array; dist?: Float32Array; distances?: Float32Array }> {
  // Centre on the centroids' mean: new data has no statistics of its own worth computing.
  const d = ds.d;
  const mean = new Float64Array(d);
  for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) mean[f] += centroids[j * d + f] / k;
  const data = uploadData(runner, ds, mean, { ...chunking, rowWidth: what === 'transform' ? k : 1 }, 'new data');
  const st = new KMeansGpuState(runner, data, k);
  const centred = new Float64Array(k * d);
  for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) centred[j * d + f] = centroids[j * d + f] - mean[f];
  st.writeCentres(centred);
  if (what === 'predict') {
    st.encodeHardStep();
    return st.readLabelsAndDist();
  }
  st.ensureSoft(1);
  return { distances: await st.readRowMatrix(st.pipes.distances, 'distances') };
}
