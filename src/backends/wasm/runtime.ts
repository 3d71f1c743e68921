/**
 * The WebAssembly kernels (wasm/assembly, built by scripts/build-wasm.mjs): loading the module in
 * Node and in browsers, one linear memory per runtime (shared when the platform allows, so the
 * worker pool can run blocks over it), and a bump arena for the arrays kernels read and write.
 * Caller data is copied in once; caller arrays are never written.
 */
import { importNodeBuiltin } from '../../core/node-builtin.js';
import { BufferLimitError } from '../../errors.js';
import sharedUrl from './kernels.wasm?url';
import singleUrl from './kernels-single.wasm?url';

/** The kernels' exports; every address is a byte offset into the runtime's memory. */
export interface KernelExports {
  heapBase(): number;
  kmeansAssign(
    r0: number,
    r1: number,
    part: number,
    x: number,
    d: number,
    w: number,
    c: number,
    k: number,
    labels: number,
    dist: number,
  ): void;
  diagEStep(
    r0: number,
    r1: number,
    part: number,
    x: number,
    d: number,
    w: number,
    means: number,
    k: number,
    prec: number,
    cst: number,
    beta: number,
    shift: number,
    resp: number,
    logp: number,
    minDist: number,
    stats: number,
  ): void;
  fullEStep(
    r0: number,
    r1: number,
    part: number,
    x: number,
    d: number,
    w: number,
    means: number,
    k: number,
    ut: number,
    uStride: number,
    cst: number,
    shift: number,
    resp: number,
    logp: number,
    stats: number,
  ): void;
  sqDistances(r0: number, r1: number, part: number, x: number, d: number, c: number, k: number, out: number, root: number): void;
  seedCandidate(r0: number, r1: number, part: number, x: number, d: number, y: number, closest: number, out: number): void;
}

/** Names of the kernels that take (r0, r1, part, …) and can run as blocks on the pool. */
export type BlockKernel = 'kmeansAssign' | 'diagEStep' | 'fullEStep' | 'sqDistances' | 'seedCandidate';

export interface WasmRuntime {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  exports: KernelExports;
  /** True when the memory is shared, so workers can run kernels over it. */
  shared: boolean;
  /** Why the memory is not shared (null when it is). */
  singleReason: string | null;
  arena: Arena;
  /** 16 bytes reserved below the arena's first allocation: the pool's block counter (i32). */
  control: number;
}

const WASM_PAGE = 65536;
/** Must equal the maximum the module declares (scripts/build-wasm.mjs). */
const MAX_PAGES = 65536;

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** Why shared memory cannot be had here, or null when it can. */
export function sharedMemoryUnavailable(): string | null {
  if (typeof SharedArrayBuffer === 'undefined')
    return 'SharedArrayBuffer is unavailable (the page is not cross-origin isolated: serve it with COOP: same-origin and COEP: require-corp)';
  if (typeof globalThis.crossOriginIsolated === 'boolean' && !globalThis.crossOriginIsolated && !isNode)
    return 'the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp), so memory cannot be shared with workers';
  return null;
}

function decodeDataUrl(url: string): Uint8Array {
  const comma = url.indexOf(',');
  const body = url.slice(comma + 1);
  if (!url.slice(0, comma).endsWith(';base64')) return new TextEncoder().encode(decodeURIComponent(body));
  const bin = atob(body);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function wasmBytes(shared: boolean): Promise<Uint8Array> {
  const url = shared ? sharedUrl : singleUrl;
  // A library build inlines the binary as a data: URL; decode it without a fetch.
  if (url.startsWith('data:')) return decodeDataUrl(url);
  if (isNode) {
    // Running from source (tests, scripts): the binary sits beside this file.
    const fs = await importNodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
    return new Uint8Array(await fs.readFile(new URL(shared ? './kernels.wasm' : './kernels-single.wasm', import.meta.url)));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`emgpu: could not load the WebAssembly kernels from ${url} (HTTP ${res.status}).`);
  return new Uint8Array(await res.arrayBuffer());
}

const modules = new Map<boolean, Promise<WebAssembly.Module>>();

/** The compiled module of one flavour, compiled once per process or page. */
export function kernelModule(shared: boolean): Promise<WebAssembly.Module> {
  let m = modules.get(shared);
  if (!m) {
    m = wasmBytes(shared).then((b) => WebAssembly.compile(b as BufferSource));
    modules.set(shared, m);
  }
  return m;
}

/** A fresh runtime: its own memory and arena. `shared: false` forces the single-thread flavour. */
export async function loadWasmRuntime(opts: { shared?: boolean } = {}): Promise<WasmRuntime> {
  const unavailable = sharedMemoryUnavailable();
  const shared = opts.shared !== false && unavailable === null;
  const singleReason = shared ? null : opts.shared === false ? 'single-threaded by request' : unavailable;
  const module = await kernelModule(shared);
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as unknown as KernelExports;
  const arena = new Arena(memory, exports.heapBase());
  const control = arena.alloc(16);
  return { module, memory, exports, shared, singleReason, arena, control };
}

/**
 * Bump allocation in the runtime's memory: 16-byte aligned blocks, freed together by release(mark).
 * Memory grows as needed (never shrinks); views must be taken after the last allocation.
 */
export class Arena {
  private top: number;
  constructor(
    readonly memory: WebAssembly.Memory,
    readonly base: number,
  ) {
    this.top = Math.ceil(base / 16) * 16;
  }

  alloc(bytes: number): number {
    const ptr = this.top;
    const end = ptr + Math.ceil(bytes / 16) * 16;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / WASM_PAGE);
      if (have / WASM_PAGE + pages > MAX_PAGES)
        throw new BufferLimitError(
          `The WebAssembly backend needs ${(end / 2 ** 30).toFixed(2)} GiB of memory, more than the 4 GiB a 32-bit WebAssembly memory can address. ` +
            'Pass fewer rows or features at a time, or use the WebGPU backend.',
        );
      this.memory.grow(pages);
    }
    this.top = end;
    return ptr;
  }

  f32(n: number): number {
    return this.alloc(4 * n);
  }
  f64(n: number): number {
    return this.alloc(8 * n);
  }
  i32(n: number): number {
    return this.alloc(4 * n);
  }

  /** The current top, to release back to. */
  mark(): number {
    return this.top;
  }
  release(mark: number): void {
    this.top = mark;
  }
  /** Bytes in use above the module's static data. */
  get used(): number {
    return this.top - this.base;
  }
}

export function f32View(rt: WasmRuntime, ptr: number, n: number): Float32Array {
  return new Float32Array(rt.memory.buffer, ptr, n);
}
export function f64View(rt: WasmRuntime, ptr: number, n: number): Float64Array {
  return new Float64Array(rt.memory.buffer, ptr, n);
}
export function i32View(rt: WasmRuntime, ptr: number, n: number): Int32Array {
  return new Int32Array(rt.memory.buffer, ptr, n);
}

/** Copy numbers into a fresh f32 array in wasm memory (optionally minus a per-column shift); returns its address. */
export function putF32(rt: WasmRuntime, src: ArrayLike<number>, cols = 0, shift?: ArrayLike<number>): number {
  const ptr = rt.arena.f32(src.length);
  const dst = f32View(rt, ptr, src.length);
  if (!shift || cols <= 0) {
    dst.set(src);
    return ptr;
  }
  // Subtract in float64, then round once (as the WebGPU upload does).
  for (let o = 0; o < src.length; o += cols) for (let f = 0; f < cols; f++) dst[o + f] = src[o + f] - shift[f];
  return ptr;
}

/** Copy numbers into a fresh f64 array in wasm memory; returns its address. */
export function putF64(rt: WasmRuntime, src: ArrayLike<number>): number {
  const ptr = rt.arena.f64(src.length);
  f64View(rt, ptr, src.length).set(src);
  return ptr;
}
