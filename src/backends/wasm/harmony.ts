/**
 * The 'harmony' contract on the 'wasm' backend (kernels: wasm/assembly/harmony.ts). The cells'
 * arrays (z, z_corr, zcos n × d; R, dist, scale n × K) live in the runtime's memory as f32 for the
 * whole run, like the WebGPU session; the host sends centroids, block orders and ridge
 * coefficients and gets back f64 sums. Passes over the cells run on the pool in blocks of a fixed
 * number of cells (set by n and the sums' width only), each block writing its own f64 partials,
 * reduced here in block order: the thread count never changes a bit. The block-wise R update is
 * sequential by nature (O changes between blocks, ~n·K work) and runs whole in one call on this
 * thread, O in f64 as on the reference.
 */
import type { HarmonyBackend, HarmonySession, HarmonySetup } from '../../harmony/backend.js';
import { normaliseRows } from '../../harmony/fit.js';
import { BLOCK_ROWS, type WasmPool } from './pool.js';
import { f32View, f64View, type BlockKernel, type WasmRuntime } from './runtime.js';
import { wasmState } from './state.js';

/** The kernels; named here so runtime.ts's list of block kernels stays as it is. */
const K_DIST = 'hmDistances' as BlockKernel;
const K_SOFT = 'hmSoftAssign' as BlockKernel;
const K_SUMS = 'hmSums' as BlockKernel;
const K_OBJ = 'hmObjective' as BlockKernel;
const K_CORRECT = 'hmCorrect' as BlockKernel;

interface UpdateRExport {
  hmUpdateR(...args: number[]): void;
}

/** Fewest cells per pool block: ~20 blocks at 5,000 cells, so 2–8 threads share a pass evenly. */
const MIN_CELLS = 256;
/** Most bytes of per-block partial sums (bounds memory, not accuracy). */
const PARTIALS_BUDGET = 64 * 1024 * 1024;
/** Cells per hmUpdateR call (about 50 ms at K 100): the event loop gets a turn between calls on large n. */
const UPDATE_R_CELLS = 65_536;

/** Cells per block for n cells whose widest per-block sums hold `width` f64: 256, or a multiple of it that keeps the partials in budget. */
export function cellsPerBlock(n: number, width: number): number {
  const maxBlocks = Math.max(1, Math.floor(PARTIALS_BUDGET / (8 * width)));
  return Math.max(MIN_CELLS, Math.ceil(n / maxBlocks / MIN_CELLS) * MIN_CELLS);
}

/** f64 scratch per block after hmSums's partials: four cells' rows promoted to f64. */
const sumsScratch = (d: number): number => 4 * d;

interface Buffers {
  z: number;
  zcorr: number;
  zcos: number;
  R: number;
  dist: number;
  scale: number;
  batch: number;
  sigma: number;
  theta: number;
  prB: number;
  Y: number;
  W: number;
  O: number;
  scratch: number;
  order: number;
  bounds: number;
  part: number;
}

function allocate(rt: WasmRuntime, z: Float64Array, s: HarmonySetup, nBlocks: number, partWidth: number): Buffers {
  const { n, d, K, B } = s;
  const a = rt.arena;
  const b: Buffers = {
    z: a.f32(n * d),
    zcorr: a.f32(n * d),
    zcos: a.f32(n * d),
    R: a.f32(n * K),
    dist: a.f32(n * K),
    scale: a.f32(n * K),
    batch: a.i32(n),
    sigma: a.f64(K),
    theta: a.f64(B),
    prB: a.f64(B),
    Y: a.f32(K * d),
    W: a.f32(K * B * d),
    O: a.f64(K * B),
    scratch: a.f64(2 * K * B),
    order: a.i32(n),
    bounds: a.i32(n + 1),
    part: a.f64(nBlocks * partWidth),
  };
  // Views after the last allocation (memory may have grown).
  f32View(rt, b.z, n * d).set(z);
  f32View(rt, b.zcorr, n * d).set(z);
  f32View(rt, b.zcos, n * d).set(normaliseRows(z, n, d));
  f32View(rt, b.R, n * K).fill(0);
  new Uint32Array(rt.memory.buffer, b.batch, n).set(s.batch);
  f64View(rt, b.sigma, K).set(s.sigma);
  f64View(rt, b.theta, B).set(s.theta);
  f64View(rt, b.prB, B).set(s.prB);
  return b;
}

class WasmHarmony implements HarmonySession {
  private readonly rt: WasmRuntime;
  private readonly nBlocks: number;

  constructor(
    private readonly pool: WasmPool,
    private readonly exclusive: <T>(fn: () => Promise<T> | T) => Promise<T>,
    private readonly buf: Buffers,
    private readonly s: HarmonySetup,
    private readonly cpb: number,
  ) {
    this.rt = pool.rt;
    this.nBlocks = Math.ceil(s.n / cpb);
  }

  /** Run a block kernel over every cell block; `width` f64 partials at the start of each block's `stride`, reduced in block order. */
  private async pass(kernel: BlockKernel, args: number[], width: number, stride = width): Promise<Float64Array> {
    const { part } = this.buf;
    await this.pool.run(kernel, this.nBlocks * BLOCK_ROWS, stride ? part : 0, stride * 8, args);
    const out = new Float64Array(width);
    const all = f64View(this.rt, part, this.nBlocks * stride);
    for (let j = 0; j < this.nBlocks; j++) for (let t = 0; t < width; t++) out[t] += all[j * stride + t];
    return out;
  }

  async centroidSums(): Promise<Float64Array> {
    const { d, K } = this.s;
    const S = await this.weighted(false);
    const Y = new Float64Array(K * d);
    for (let k = 0; k < K; k++) Y.set(S.subarray(k * (d + 1), k * (d + 1) + d), k * d);
    return Y;
  }

  /** Σ R_ik [x_i, 1] per (k, g): x = zcos and one group, or x = z and the batches. */
  private weighted(moe: boolean): Promise<Float64Array> {
    const { n, d, K, B } = this.s;
    const G = moe ? B : 1;
    const b = this.buf;
    const width = K * G * (d + 1);
    return this.exclusive(() =>
      this.pass(K_SUMS, [moe ? b.z : b.zcos, b.R, b.batch, n, d, K, G, this.cpb, BLOCK_ROWS], width, width + sumsScratch(d)),
    );
  }

  async distances(Y: Float64Array): Promise<void> {
    const { n, d, K } = this.s;
    const b = this.buf;
    await this.exclusive(async () => {
      f32View(this.rt, b.Y, K * d).set(Y);
      await this.pass(K_DIST, [b.zcos, b.Y, b.sigma, b.dist, b.scale, n, d, K, this.cpb, BLOCK_ROWS], 0);
    });
  }

  async softAssign(): Promise<void> {
    const { n, K } = this.s;
    const b = this.buf;
    await this.exclusive(() => this.pass(K_SOFT, [b.scale, b.R, n, K, this.cpb, BLOCK_ROWS], 0));
  }

  async updateR(order: Uint32Array, bounds: Uint32Array, O: Float64Array): Promise<void> {
    const { K, B } = this.s;
    const b = this.buf;
    const kernel = (this.rt.exports as unknown as UpdateRExport).hmUpdateR;
    // The blocks are sequential (each sees O after the last), so the kernel runs over groups of
    // blocks of about UPDATE_R_CELLS cells, one exclusive call each, with O left in wasm memory
    // between them: the same bits as one call, and the event loop gets a turn on large n. The
    // inputs go in with the first group and O comes out with the last (one call at small n).
    for (let j0 = 0; j0 + 1 < bounds.length; ) {
      let j1 = j0 + 1;
      while (j1 + 1 < bounds.length && bounds[j1 + 1] - bounds[j0] <= UPDATE_R_CELLS) j1++;
      const first = j0;
      const last = j1;
      await this.exclusive(() => {
        if (first === 0) {
          new Uint32Array(this.rt.memory.buffer, b.order, order.length).set(order);
          new Uint32Array(this.rt.memory.buffer, b.bounds, bounds.length).set(bounds);
          f64View(this.rt, b.O, K * B).set(O);
        }
        kernel(b.order, b.bounds + 4 * first, last - first + 1, b.O, b.scratch, b.scale, b.R, b.batch, b.theta, b.prB, K, B);
        if (last === bounds.length - 1) O.set(f64View(this.rt, b.O, K * B));
      });
      j0 = j1;
    }
  }

  async objective(): Promise<{ kmeans: number; entropy: number }> {
    const { n, K } = this.s;
    const b = this.buf;
    const [kmeans, entropy] = await this.exclusive(() => this.pass(K_OBJ, [b.R, b.dist, b.sigma, n, K, this.cpb, BLOCK_ROWS], 2));
    return { kmeans, entropy };
  }

  moeSums(): Promise<Float64Array> {
    return this.weighted(true);
  }

  async correct(W: Float64Array): Promise<void> {
    const { n, d, K, B } = this.s;
    const b = this.buf;
    await this.exclusive(async () => {
      f32View(this.rt, b.W, K * B * d).set(W);
      await this.pass(K_CORRECT, [b.z, b.R, b.batch, b.W, b.zcorr, b.zcos, n, d, K, B, this.cpb, BLOCK_ROWS], 0);
    });
  }

  read(what: { R: boolean }) {
    const { n, d, K } = this.s;
    const b = this.buf;
    return this.exclusive(() => ({
      corrected: f32View(this.rt, b.zcorr, n * d).slice(),
      ...(what.R ? { R: f32View(this.rt, b.R, n * K).slice() } : {}),
    }));
  }
}

export const wasmHarmony: HarmonyBackend = {
  async open(engine, z, setup, fn) {
    const st = wasmState(engine);
    const { n, d, K, B } = setup;
    const partWidth = Math.max(2, K * B * (d + 1) + sumsScratch(d));
    const cpb = cellsPerBlock(n, partWidth);
    const held = await st.region(() => allocate(st.rt, z, setup, Math.ceil(n / cpb), partWidth));
    try {
      return await fn(new WasmHarmony(st.pool, (f) => st.exclusive(f), held.value, setup, cpb));
    } finally {
      held.free();
    }
  },
};
