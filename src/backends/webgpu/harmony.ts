/**
 * The 'harmony' contract on WebGPU: the cells' data (z, z_corr, zcos, R, dist, scale) live on the
 * device for the whole run; the host sends centroids, block orders and ridge coefficients and reads
 * back only K·(d+1)-sized sums, O (K×B) and the per-cell objective terms. The block-wise R update
 * keeps the reference's order: per block three dispatches (remove the block from O, reassign its
 * cells, add them back), all blocks of one update in one submit. Kernels: shaders/harmony/.
 */
import type { HarmonyBackend, HarmonySession, HarmonySetup } from '../../harmony/backend.js';
import { normaliseRows } from '../../harmony/fit.js';
import { bindBuffers } from '../../gpu/bind.js';
import type { GpuRunner } from '../../gpu/runner.js';
import { withGpu } from '../../gpu/session.js';
import { harmonyPipelines, REDUCE_WG, WG, type HarmonyPipelines } from './harmony-kernels.js';

/** Fewest rows per segment of the cell sums (partials reduced in segment order by common/reduce). */
const MIN_SEG_ROWS = 256;
/** Most bytes of per-segment partial sums (bounds GPU memory and the binding size, not accuracy). */
const PARTIALS_BUDGET = 64 * 1024 * 1024;

/** Rows per segment for n cells and sums `width` wide: 256, or more (a multiple of 256) to keep the partials in budget. */
export function segmentRows(n: number, width: number): number {
  const maxSegments = Math.max(1, Math.floor(PARTIALS_BUDGET / (4 * width)));
  return Math.max(MIN_SEG_ROWS, Math.ceil(n / maxSegments / MIN_SEG_ROWS) * MIN_SEG_ROWS);
}

class WebGpuHarmony implements HarmonySession {
  private readonly p: HarmonyPipelines;
  private readonly device: GPUDevice;
  private readonly buf: Record<
    | 'z'
    | 'zcorr'
    | 'zcos'
    | 'R'
    | 'dist'
    | 'scale'
    | 'batch'
    | 'order'
    | 'params'
    | 'Y'
    | 'W'
    | 'O'
    | 'partials'
    | 'sums'
    | 'obj'
    | 'shape',
    GPUBuffer
  >;
  private readonly segments: number;
  private readonly segRows: number;
  private readonly reduceShape: { centroid: GPUBuffer; moe: GPUBuffer };
  private readonly groups: Record<
    'distances' | 'softAssign' | 'centroidSums' | 'moeSums' | 'objective' | 'correct' | 'reduceMoe' | 'reduceCentroid',
    GPUBindGroup
  >;
  private blocks: { key: string; bounds: Uint32Array; groups: { remove: GPUBindGroup; assign: GPUBindGroup; add: GPUBindGroup }[] } | null =
    null;

  constructor(
    private readonly runner: GpuRunner,
    z: Float64Array,
    private readonly s: HarmonySetup,
  ) {
    const { n, d, K, B } = s;
    this.device = runner.device;
    this.p = harmonyPipelines(this.device, d, K, B);
    const moeWidth = K * B * (d + 1);
    this.segRows = segmentRows(n, moeWidth);
    this.segments = Math.ceil(n / this.segRows);
    const st = (label: string, bytes: number) => runner.storage(`harmony ${label}`, bytes);
    this.buf = {
      z: st(`z (${n}×${d} f32)`, n * d * 4),
      zcorr: st('z_corr', n * d * 4),
      zcos: st('zcos', n * d * 4),
      R: st(`R (${n}×${K} f32)`, n * K * 4),
      dist: st('dist', n * K * 4),
      scale: st('scale', n * K * 4),
      batch: st('batch', n * 4),
      order: st('order', n * 4),
      params: st('params', (K + 2 * B) * 4),
      Y: st('centroids', K * d * 4),
      W: st('ridge coefficients', K * B * d * 4),
      O: st('O (Kahan pairs)', K * B * 8),
      partials: st('partial sums', this.segments * moeWidth * 4),
      sums: st('sums', moeWidth * 4),
      obj: st('objective terms', 2 * n * 4),
      shape: runner.uniform('harmony shape', new Uint32Array([n, 0, n, this.segRows])),
    };
    const zf = Float32Array.from(z);
    runner.write(this.buf.z, 0, zf);
    runner.write(this.buf.zcorr, 0, zf);
    runner.write(this.buf.zcos, 0, Float32Array.from(normaliseRows(z, n, d)));
    runner.write(this.buf.batch, 0, s.batch);
    const params = new Float32Array(K + 2 * B);
    params.set(s.sigma, 0);
    params.set(s.theta, K);
    params.set(s.prB, K + B);
    runner.write(this.buf.params, 0, params);
    this.reduceShape = {
      centroid: runner.uniform('harmony reduce shape (centroids)', new Uint32Array([this.segments, K * (d + 1), 0, 0])),
      moe: runner.uniform('harmony reduce shape (moe)', new Uint32Array([this.segments, moeWidth, 0, 0])),
    };
    const b = this.buf;
    const dev = this.device;
    this.groups = {
      distances: bindBuffers(dev, 'harmony distances', this.p.distances, [b.zcos, b.Y, b.params, b.dist, b.scale, null, b.shape]),
      softAssign: bindBuffers(dev, 'harmony soft_assign', this.p.softAssign, [null, null, null, null, b.scale, b.R, b.shape]),
      // batch is bound though G = 1 never reads it: WGSL counts the guarded read as a use.
      centroidSums: bindBuffers(dev, 'harmony centroid sums', this.p.centroidSums, [b.zcos, b.R, b.batch, b.partials, b.shape]),
      moeSums: bindBuffers(dev, 'harmony moe sums', this.p.moeSums, [b.z, b.R, b.batch, b.partials, b.shape]),
      objective: bindBuffers(dev, 'harmony objective', this.p.objective, [b.R, b.dist, b.params, b.obj, b.shape]),
      correct: bindBuffers(dev, 'harmony correct', this.p.correct, [b.z, b.R, b.batch, b.W, b.zcorr, b.zcos, b.shape]),
      reduceMoe: bindBuffers(dev, 'harmony reduce (moe)', this.p.reduce, [b.partials, b.sums, this.reduceShape.moe]),
      reduceCentroid: bindBuffers(dev, 'harmony reduce (centroids)', this.p.reduce, [b.partials, b.sums, this.reduceShape.centroid]),
    };
  }

  private perCell(): number {
    return Math.ceil(this.s.n / WG);
  }

  /** Sums of R·[x, 1] over the cells (G groups), reduced over segments, read back as float64. */
  private async sums(moe: boolean): Promise<Float64Array> {
    const { d, K, B } = this.s;
    const width = K * (moe ? B : 1) * (d + 1);
    const r = this.runner;
    r.dispatch(
      moe ? 'harmony moe sums' : 'harmony centroid sums',
      moe ? this.p.moeSums : this.p.centroidSums,
      moe ? this.groups.moeSums : this.groups.centroidSums,
      this.segments * Math.ceil(width / WG),
    );
    r.dispatch('harmony reduce', this.p.reduce, moe ? this.groups.reduceMoe : this.groups.reduceCentroid, Math.ceil(width / REDUCE_WG));
    const [out] = await r.read([{ buffer: this.buf.sums, offset: 0, size: width * 4 }]);
    return Float64Array.from(new Float32Array(out));
  }

  async centroidSums(): Promise<Float64Array> {
    const { d, K } = this.s;
    const S = await this.sums(false);
    const Y = new Float64Array(K * d);
    for (let k = 0; k < K; k++) Y.set(S.subarray(k * (d + 1), k * (d + 1) + d), k * d);
    return Y;
  }

  async distances(Y: Float64Array): Promise<void> {
    this.runner.write(this.buf.Y, 0, Float32Array.from(Y));
    this.runner.dispatch('harmony distances', this.p.distances, this.groups.distances, this.perCell());
  }

  async softAssign(): Promise<void> {
    this.runner.dispatch('harmony soft_assign', this.p.softAssign, this.groups.softAssign, this.perCell());
  }

  /** Per-block uniforms and bind groups, made once for a set of block bounds (fixed for a run). */
  private blockGroups(bounds: Uint32Array) {
    const key = bounds.join(',');
    if (this.blocks?.key === key) return this.blocks.groups;
    const b = this.buf;
    const groups = [];
    for (let j = 0; j + 1 < bounds.length; j++) {
      const shape = this.runner.uniform(`harmony block ${j}`, new Uint32Array([this.s.n, bounds[j], bounds[j + 1], this.segRows]));
      groups.push({
        remove: bindBuffers(this.device, `harmony block ${j} remove`, this.p.remove, [b.order, b.batch, b.R, b.O, shape]),
        assign: bindBuffers(this.device, `harmony block ${j} assign`, this.p.blockAssign, [
          b.order,
          b.batch,
          b.params,
          b.scale,
          b.O,
          b.R,
          shape,
        ]),
        add: bindBuffers(this.device, `harmony block ${j} add`, this.p.add, [b.order, b.batch, b.R, b.O, shape]),
      });
    }
    this.blocks = { key, bounds, groups };
    return groups;
  }

  async updateR(order: Uint32Array, bounds: Uint32Array, O: Float64Array): Promise<void> {
    const { K, B } = this.s;
    const r = this.runner;
    const groups = this.blockGroups(bounds);
    // O as Kahan pairs (value, compensation): true value ≈ value − compensation.
    const pairs = new Float32Array(2 * K * B);
    for (let j = 0; j < K * B; j++) {
      pairs[2 * j] = O[j];
      pairs[2 * j + 1] = pairs[2 * j] - O[j];
    }
    r.write(this.buf.O, 0, pairs);
    r.write(this.buf.order, 0, order);
    groups.forEach((g, j) => {
      r.dispatch('harmony block remove', this.p.remove, g.remove, K * B);
      r.dispatch('harmony block assign', this.p.blockAssign, g.assign, Math.ceil((bounds[j + 1] - bounds[j]) / WG));
      r.dispatch('harmony block add', this.p.add, g.add, K * B);
    });
    const [out] = await r.read([{ buffer: this.buf.O, offset: 0, size: K * B * 8 }]);
    const o = new Float32Array(out);
    for (let j = 0; j < K * B; j++) O[j] = o[2 * j] - o[2 * j + 1];
  }

  async objective(): Promise<{ kmeans: number; entropy: number }> {
    const { n } = this.s;
    this.runner.dispatch('harmony objective', this.p.objective, this.groups.objective, this.perCell());
    const [out] = await this.runner.read([{ buffer: this.buf.obj, offset: 0, size: 2 * n * 4 }]);
    const t = new Float32Array(out);
    let kmeans = 0;
    let entropy = 0;
    for (let i = 0; i < n; i++) {
      kmeans += t[2 * i];
      entropy += t[2 * i + 1];
    }
    return { kmeans, entropy };
  }

  moeSums(): Promise<Float64Array> {
    return this.sums(true);
  }

  async correct(W: Float64Array): Promise<void> {
    this.runner.write(this.buf.W, 0, Float32Array.from(W));
    this.runner.dispatch('harmony correct', this.p.correct, this.groups.correct, this.perCell());
  }

  async read(what: { R: boolean }) {
    const { n, d, K } = this.s;
    const req = [{ buffer: this.buf.zcorr, offset: 0, size: n * d * 4 }];
    if (what.R) req.push({ buffer: this.buf.R, offset: 0, size: n * K * 4 });
    const out = await this.runner.read(req);
    return { corrected: new Float32Array(out[0]), ...(what.R ? { R: new Float32Array(out[1]) } : {}) };
  }
}

export const webgpuHarmony: HarmonyBackend = {
  open: (engine, z, setup, fn) => withGpu(engine, (runner) => fn(new WebGpuHarmony(runner, z, setup))),
};
