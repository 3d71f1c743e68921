/**
 * The 'wasm' implementation of the single-cell contract (src/sc/backend.ts), with the semantics of
 * the float64 reference (src/backends/reference/sc.ts): kernels in wasm/assembly/sc.ts run over
 * fixed 4096-cell blocks on the engine's pool; sums over cells (per gene, the Gram product) are
 * per-block f64 partials reduced here in block order, so 1, 2 or 3 threads give identical bits.
 *
 * Storage, as on WebGPU: the CSR is copied in once (values rounded to f32), the 'norm' layer is f32
 * (computed in f64, rounded once), the dense PCA matrix is centred in f64 and rounded to f32.
 * Everything else (totals, QC sums, gene sums, products) is accumulated in f64.
 *
 * Long-lived buffers (the CSR, the norm layer, a dense matrix) are each an engine-state region,
 * freed by release() or at the end of the session; per-call scratch (partials, parameters, outputs)
 * is allocated and released inside one `exclusive` call, so sessions and fits may overlap on one engine.
 */
import { entriesPerGene } from '../../sc/moments.js';
import type {
  CsrMatrix,
  DenseInput,
  DenseOps,
  GeneSums,
  GeneSumsRequest,
  Layer,
  RowQc,
  ScBackend,
  ScOps,
  ScSession,
} from '../../sc/backend.js';
import { blockCount, type WasmPool } from './pool.js';
import { f32View, f64View, i32View, putF32, putF64, type BlockKernel, type WasmRuntime } from './runtime.js';
import { wasmState, type WasmEngineState } from './state.js';

/** The kernels of wasm/assembly/sc.ts (addresses are byte offsets into the runtime's memory). */
interface ScKernels {
  scRowQc: unknown;
  scNormalize: unknown;
  scGeneSums: unknown;
  scDense: unknown;
  scGram: unknown;
  scProject: unknown;
}
type ScKernel = keyof ScKernels;

function run(pool: WasmPool, kernel: ScKernel, n: number, part: number, strideBytes: number, args: number[]): Promise<void> {
  return pool.run(kernel as unknown as BlockKernel, n, part, strideBytes, args);
}

/** Freed regions of one session, in the order they were opened. */
class Regions {
  private readonly open = new Set<Promise<{ free: () => void }>>();
  constructor(readonly state: WasmEngineState) {}

  /** Allocate (queued as an exclusive call); the handle frees it once. */
  alloc<T>(fn: (rt: WasmRuntime) => T): { value: Promise<T>; free: () => void } {
    const r = this.state.region(() => fn(this.state.rt));
    r.catch(() => undefined); // reported by the first call that uses it
    this.open.add(r);
    let freed = false;
    const value = r.then((x) => x.value);
    value.catch(() => undefined);
    return {
      value,
      free: () => {
        if (freed) return;
        freed = true;
        this.open.delete(r);
        void r.then(
          (x) => x.free(),
          () => undefined,
        );
      },
    };
  }

  async freeAll(): Promise<void> {
    const all = [...this.open];
    this.open.clear();
    for (const r of all)
      await r.then(
        (x) => x.free(),
        () => undefined,
      );
  }
}

interface CsrBuffers {
  indptr: number;
  indices: number;
  values: number;
}

const TRANSFORMS = { identity: 0, expm1: 1, scale: 2 } as const;

export class WasmCsrOps implements ScOps {
  readonly backend = 'wasm' as const;
  readonly n: number;
  readonly d: number;
  readonly nnz: number;
  readonly entries: Float64Array;
  private buf: { value: Promise<CsrBuffers>; free: () => void } | null;
  private norm: { value: Promise<number>; free: () => void } | null = null;

  constructor(
    private readonly regions: Regions,
    csr: CsrMatrix,
  ) {
    this.n = csr.n;
    this.d = csr.d;
    const nnz = (this.nnz = csr.indptr[csr.n]);
    this.entries = entriesPerGene(csr.indices, nnz, csr.d);
    // Copied in once (the caller's arrays are only read).
    this.buf = regions.alloc((rt) => {
      const indptr = rt.arena.i32(csr.n + 1);
      const indices = rt.arena.i32(nnz);
      const values = rt.arena.f32(nnz);
      const ip = new Uint32Array(rt.memory.buffer, indptr, csr.n + 1);
      for (let i = 0; i <= csr.n; i++) ip[i] = csr.indptr[i];
      const ix = new Uint32Array(rt.memory.buffer, indices, nnz);
      if (csr.indices.length === nnz) ix.set(csr.indices);
      else for (let p = 0; p < nnz; p++) ix[p] = csr.indices[p];
      const v = f32View(rt, values, nnz);
      if (csr.values.length === nnz) v.set(csr.values);
      else for (let p = 0; p < nnz; p++) v[p] = csr.values[p];
      return { indptr, indices, values };
    });
  }

  private get state(): WasmEngineState {
    return this.regions.state;
  }

  private async csr(): Promise<CsrBuffers> {
    if (!this.buf) throw new Error('emgpu: this CSR matrix was released');
    return this.buf.value;
  }

  private async layer(which: Layer): Promise<{ c: CsrBuffers; values: number }> {
    const c = await this.csr();
    if (which === 'raw') return { c, values: c.values };
    if (!this.norm) throw new Error('normalize() must run before the norm layer is used');
    return { c, values: await this.norm.value };
  }

  async rowQc(mask: Uint8Array): Promise<RowQc> {
    const c = await this.csr();
    const { n, d } = this;
    return this.state.exclusive(async () => {
      const { rt, pool } = this.state;
      const mark = rt.arena.mark();
      try {
        const m = rt.arena.alloc(d);
        new Uint8Array(rt.memory.buffer, m, d).set(mask.subarray(0, d));
        const out = rt.arena.f64(3 * n);
        await run(pool, 'scRowQc', n, 0, 0, [c.indptr, c.indices, c.values, m, out, out + 8 * n, out + 16 * n]);
        const v = f64View(rt, out, 3 * n);
        return { total: v.slice(0, n), detected: v.slice(n, 2 * n), masked: v.slice(2 * n) };
      } finally {
        rt.arena.release(mark);
      }
    });
  }

  async normalize(targetSum: number, log1p: boolean): Promise<Float64Array> {
    const c = await this.csr();
    const { n, nnz } = this;
    this.norm?.free();
    this.norm = this.regions.alloc((rt) => rt.arena.f32(nnz));
    const out = await this.norm.value;
    return this.state.exclusive(async () => {
      const { rt, pool } = this.state;
      const mark = rt.arena.mark();
      try {
        const totals = rt.arena.f64(n);
        await run(pool, 'scNormalize', n, 0, 0, [c.indptr, c.values, targetSum, log1p ? 1 : 0, out, totals]);
        return f64View(rt, totals, n).slice();
      } finally {
        rt.arena.release(mark);
      }
    });
  }

  async geneSums(req: GeneSumsRequest): Promise<GeneSums> {
    const { c, values } = await this.layer(req.layer);
    const { n, d } = this;
    return this.state.exclusive(async () => {
      const { rt, pool } = this.state;
      const mark = rt.arena.mark();
      try {
        const opt = (a: Float64Array | null | undefined) => (a ? putF64(rt, a.subarray(0, d)) : 0);
        const shift = opt(req.shift);
        const clip = opt(req.clip);
        const scale = req.transform === 'scale';
        const centre = scale ? opt(req.centre) : 0;
        const divisor = scale ? opt(req.divisor) : 0;
        const width = 3 * d;
        const nBlocks = blockCount(n);
        const part = rt.arena.f64(width * nBlocks);
        const args = [c.indptr, c.indices, values, d, TRANSFORMS[req.transform], shift, clip, centre, divisor, req.maxValue ?? Infinity];
        await run(pool, 'scGeneSums', n, part, width * 8, args);
        const tot = reduceBlocks(rt, part, width, nBlocks, width);
        return { shift: req.shift ?? null, positive: tot.slice(0, d), s1: tot.slice(d, 2 * d), s2: tot.slice(2 * d) };
      } finally {
        rt.arena.release(mark);
      }
    });
  }

  async readNorm(): Promise<Float32Array> {
    const { values } = await this.layer('norm');
    return this.state.exclusive(() => f32View(this.state.rt, values, this.nnz).slice());
  }

  async dense(
    layer: Layer,
    cols: Uint32Array,
    centre: Float64Array,
    divisor: Float64Array,
    maxValue: number,
    mean: Float64Array,
  ): Promise<DenseOps> {
    const { c, values } = await this.layer(layer);
    const { n, d } = this;
    const G = cols.length;
    const clampV = (v: number) => Math.min(Math.max(v, -maxValue), maxValue);
    const base = Float32Array.from({ length: G }, (_, k) => clampV((0 - centre[k]) / divisor[k]) - mean[k]);
    const region = this.regions.alloc((rt) => rt.arena.f32(n * G));
    const x = await region.value;
    await this.state.exclusive(async () => {
      const { rt, pool } = this.state;
      const mark = rt.arena.mark();
      try {
        const colmap = rt.arena.i32(d);
        const cm = i32View(rt, colmap, d).fill(-1);
        cols.forEach((g, k) => (cm[g] = k));
        const b = rt.arena.f32(G);
        f32View(rt, b, G).set(base);
        const pc = putF64(rt, centre.subarray(0, G));
        const pd = putF64(rt, divisor.subarray(0, G));
        const pm = putF64(rt, mean.subarray(0, G));
        await run(pool, 'scDense', n, 0, 0, [c.indptr, c.indices, values, colmap, G, b, pc, pd, maxValue, pm, x]);
      } finally {
        rt.arena.release(mark);
      }
    });
    return new WasmDense(this.state, x, n, G, mean, region.free);
  }

  counters(): undefined {
    return undefined;
  }

  release(): void {
    this.norm?.free();
    this.norm = null;
    this.buf?.free();
    this.buf = null;
  }
}

/** Sum `width` f64 per block over blocks 0, 1, … in order. */
function reduceBlocks(rt: WasmRuntime, part: number, strideF64: number, nBlocks: number, width: number): Float64Array {
  const all = f64View(rt, part, nBlocks * strideF64);
  const out = new Float64Array(width);
  for (let b = 0; b < nBlocks; b++) {
    const o = b * strideF64;
    for (let t = 0; t < width; t++) out[t] += all[o + t];
  }
  return out;
}

/** The PCA operator over a centred f32 matrix at `x` (n × g) in wasm memory; products accumulate in f64. */
class WasmDense implements DenseOps {
  constructor(
    private readonly state: WasmEngineState,
    private readonly x: number,
    readonly n: number,
    readonly g: number,
    readonly mean: Float64Array,
    readonly free: () => void,
  ) {}

  gram(q: Float64Array, l: number): Promise<Float64Array> {
    const { n, g, x } = this;
    return this.state.exclusive(async () => {
      const { rt, pool } = this.state;
      const mark = rt.arena.mark();
      try {
        // Q in f32: the kernel's products are f32, as on the GPU (the sums over tiles are f64).
        const pq = putF32(rt, q.subarray(0, g * l));
        const width = g * l;
        // Z (f64), then the kernel's scratch: Y (8 × l f32) and the splatted row tile (g × 8 × 4 f32).
        const stride = width + 4 * l + 16 * g;
        const nBlocks = blockCount(n);
        const part = rt.arena.f64(stride * nBlocks);
        await run(pool, 'scGram', n, part, stride * 8, [x, g, pq, l]);
        return reduceBlocks(rt, part, stride, nBlocks, width);
      } finally {
        rt.arena.release(mark);
      }
    });
  }

  project(v: Float64Array, k: number): Promise<Float64Array> {
    const { n, g, x } = this;
    return this.state.exclusive(async () => {
      const { rt, pool } = this.state;
      const mark = rt.arena.mark();
      try {
        const pv = putF64(rt, v.subarray(0, g * k));
        const out = rt.arena.f64(n * k);
        // Per block: the kernel's splatted row tile (g × 8 × 2 f64).
        const tileBytes = g * 128;
        const scratch = rt.arena.alloc(tileBytes * blockCount(n));
        await run(pool, 'scProject', n, scratch, tileBytes, [x, g, pv, k, out]);
        return f64View(rt, out, n * k).slice();
      } finally {
        rt.arena.release(mark);
      }
    });
  }

  read(): Promise<Float32Array> {
    const { n, g, x, mean } = this;
    return this.state.exclusive(() => {
      const xc = f32View(this.state.rt, x, n * g);
      const out = new Float32Array(n * g);
      for (let i = 0; i < n; i++) for (let f = 0; f < g; f++) out[i * g + f] = xc[i * g + f] + mean[f];
      return out;
    });
  }

  counters(): undefined {
    return undefined;
  }
}

/** A dense matrix from the host: centred in f64, rounded to f32, copied in once. */
function hostDense(regions: Regions, input: DenseInput, mean: Float64Array): DenseOps {
  const { n, d, data } = input;
  const region = regions.alloc((rt) => {
    const x = rt.arena.f32(n * d);
    const v = f32View(rt, x, n * d);
    for (let i = 0; i < n; i++) for (let f = 0; f < d; f++) v[i * d + f] = data[i * d + f] - mean[f];
    return x;
  });
  // The session's calls are queued after the region's allocation, so the address is known by then.
  let x = -1;
  const ready = region.value.then((p) => (x = p));
  ready.catch(() => undefined);
  const lazy = (): Promise<WasmDense> => ready.then(() => new WasmDense(regions.state, x, n, d, mean, region.free));
  return {
    n,
    g: d,
    mean,
    gram: (q, l) => lazy().then((o) => o.gram(q, l)),
    project: (v, k) => lazy().then((o) => o.project(v, k)),
    read: () => lazy().then((o) => o.read()),
    counters: () => undefined,
  };
}

/** The 'wasm' backend's 'sc' implementation: a session's buffers are freed when `fn` settles. */
export const wasmSc: ScBackend = {
  async session(engine, fn) {
    const regions = new Regions(wasmState(engine));
    const session: ScSession = {
      backend: 'wasm',
      csr: (m) => new WasmCsrOps(regions, m),
      dense: (x, mean) => hostDense(regions, x, mean),
    };
    try {
      return await fn(session);
    } finally {
      await regions.freeAll();
    }
  },
};
