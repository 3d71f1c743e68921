/**
 * shaders/common/fixed64.wgsl, the exact order-independent sums of the NB mixture's one-pass
 * statistics, against exact integer arithmetic on the host (BigInt): float32 shares of both signs
 * and 60 binary orders of magnitude, ties, shares that round to 0, many threads adding into the same
 * three totals (every carry path), in two orders; then the totals back to float32. Then the edges:
 * shares near the largest magnitude the NB kernels allow (2^e·B ≤ 2^59), negative multiples of 2^32
 * (the lo == 0 branch of the negation, in fixed_words and fixed_to_f32), thousands of concurrent
 * low-word wraps of both signs, and totals that cancel to 0 (both words 0).
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { defineKernel } from '../../src/gpu/kernel.js';
import { bindBuffers } from '../../src/gpu/bind.js';
import { withGpu } from '../../src/gpu/session.js';
import { Rng } from '../../src/core/rng.js';

const SLOTS = 3;
const WG = 64;

// Thread i adds values[i]·2^e into total i mod 3 (skipping shares that round to 0, as the NB kernels do); a second entry point turns each total into float32.
const kernel = defineKernel({
  name: 'test/fixed64',
  modules: ['fixed64'],
  source: `
override WG: u32 = 64u;
@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<storage, read_write> acc: array<atomic<u32>>;
@group(0) @binding(2) var<uniform> shape: vec4i;
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= u32(shape.x)) { return; }
  let t = fixed_words(ldexp(values[i], shape.y));
  if (t.x == 0u && t.y == 0u) { return; } // as the NB kernels: a share that rounds to 0 costs no atomic
  let o = 2u * (i % ${SLOTS}u);
  let h = t.y + fixed_carry(atomicAdd(&acc[o], t.x), t.x);
  if (h != 0u) { atomicAdd(&acc[o + 1u], h); }
}`,
});
const convert = defineKernel({
  name: 'test/fixed64_to_f32',
  modules: ['fixed64'],
  source: `
@group(0) @binding(0) var<storage, read> acc: array<vec2u>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> shape: vec4i;
@compute @workgroup_size(1)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  out[gid.x] = fixed_to_f32(acc[gid.x], shape.y);
}`,
});

/** WGSL's round(): to nearest, ties to even. */
function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

async function gpuSum(engine: Engine, values: Float32Array, e: number): Promise<{ words: Uint32Array; floats: Float32Array }> {
  return withGpu(engine, async (runner) => {
    const device = runner.device;
    const vals = runner.storage('test values', values.byteLength);
    runner.write(vals, 0, values);
    const acc = runner.storage('test totals', SLOTS * 8);
    const out = runner.storage('test floats', SLOTS * 4);
    const shape = runner.uniform('test shape', new Int32Array([values.length, e, 0, 0]) as unknown as Uint32Array);
    const p = kernel.pipeline(device, { WG });
    runner.dispatch('test fixed64', p, bindBuffers(device, 'test fixed64', p, [vals, acc, shape]), Math.ceil(values.length / WG));
    const q = convert.pipeline(device);
    runner.dispatch('test fixed64 out', q, bindBuffers(device, 'test fixed64 out', q, [acc, out, shape]), SLOTS);
    const [w, f] = await runner.read([
      { buffer: acc, offset: 0, size: SLOTS * 8 },
      { buffer: out, offset: 0, size: SLOTS * 4 },
    ]);
    return { words: new Uint32Array(w), floats: new Float32Array(f) };
  });
}

const total = (w: Uint32Array, s: number): bigint => BigInt.asIntN(64, (BigInt(w[2 * s + 1]) << 32n) | BigInt(w[2 * s]));

let gpu: Engine;
beforeAll(async () => {
  gpu = await createEngine({ backend: 'webgpu' });
});

describe('64-bit fixed-point sums with u32 atomics (common/fixed64.wgsl)', () => {
  test('4 000 float32 shares of both signs, magnitudes 2^-30..2^30, ties and sub-unit shares: every total equals the exact BigInt sum in either order, and converts to float32 within 2^-23 relative', async () => {
    const rng = new Rng(5, 1);
    const n = 4000;
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const mag = 2 ** (rng.uniform() * 60 - 30) * (1 + rng.uniform());
      values[i] = (rng.uniform() < 0.5 ? -1 : 1) * mag;
    }
    values[0] = 2.5 * 2 ** -20; // a tie at the scale below: rounds to even
    values[3] = -3.5 * 2 ** -20;
    values[6] = 2 ** -40; // below half a unit: adds 0
    let bound = 0;
    for (const v of values) bound += Math.abs(v);
    // Within the NB kernels' rule (nbmm-upload.ts fixedExponents: 2^e·bound ≤ 2^59), and the scale of the ties above.
    const e = 20;
    expect(2 ** e * bound).toBeLessThanOrEqual(2 ** 59);
    expect(2 ** e * bound).toBeGreaterThan(2 ** 57);
    const exact = new Array<bigint>(SLOTS).fill(0n);
    values.forEach((v, i) => {
      exact[i % SLOTS] += BigInt(roundEven(v * 2 ** e));
    });
    const a = await gpuSum(gpu, values, e);
    // The same shares into the same totals, in reverse order of threads.
    const perm = new Float32Array(n);
    const order = Array.from({ length: n }, (_, i) => n - 1 - i);
    // Keep each value on a thread of the same total (i mod 3): reverse within each residue class.
    const byClass: number[][] = [[], [], []];
    order.forEach((i) => byClass[i % SLOTS].push(i));
    for (let i = 0; i < n; i++) perm[i] = values[byClass[i % SLOTS][Math.floor(i / SLOTS)]];
    const b = await gpuSum(gpu, perm, e);
    for (let s = 0; s < SLOTS; s++) {
      const got = total(a.words, s);
      expect(got, `total ${s}`).toBe(exact[s]);
      const want = Number(exact[s]) * 2 ** -e;
      expect(Math.abs(a.floats[s] - want)).toBeLessThanOrEqual(2 ** -23 * Math.abs(want));
    }
    expect(Array.from(b.words)).toEqual(Array.from(a.words));
    expect(Array.from(b.floats)).toEqual(Array.from(a.floats));
  });
});

describe('64-bit fixed-point sums at their edges', () => {
  test('shares up to 2^59 of both signs, negative multiples of 2^32 and 3 000 low-word wraps per total: exact BigInt totals in two orders, floats within 2^-22 relative', async () => {
    const rng = new Rng(17, 1);
    const n = 9000;
    const values = new Float32Array(n);
    const big = 2 ** 59 - 2 ** 35; // 0xffffff·2^35: the largest float32 below 2^59
    const mul32 = 2 ** 56 + 2 ** 33; // a multiple of 2^32: lo == 0 after negation
    const wrap = 2 ** 32 - 256; // 0xffffff00: wraps the low word almost every add
    for (let i = 0; i < n; i++) {
      const sign = rng.uniform() < 0.5 ? -1 : 1;
      const u = rng.uniform();
      const mag = i < 12 ? big : i < 60 ? mul32 : u < 0.8 ? wrap : [0.5, 1.5, 2.5, 0.49999997, 8388607.5][Math.floor(rng.uniform() * 5)];
      values[i] = sign * mag;
    }
    // Σ|share| of each total within the fixed-point range (4 shares near 2^59, 16 near 2^56 per total).
    const bound = [0, 0, 0];
    values.forEach((v, i) => {
      bound[i % SLOTS] += Math.abs(v);
    });
    for (const b of bound) expect(b).toBeLessThan(2 ** 62);
    const exact = new Array<bigint>(SLOTS).fill(0n);
    values.forEach((v, i) => {
      const a = Math.abs(v);
      const fl = Math.floor(a);
      const r = a - fl > 0.5 || (a - fl === 0.5 && fl % 2 === 1) ? fl + 1 : fl;
      exact[i % SLOTS] += BigInt(Math.sign(v) * r);
    });
    const a = await gpuSum(gpu, values, 0);
    const perm = new Float32Array(n);
    const byClass: number[][] = [[], [], []];
    for (let i = n - 1; i >= 0; i--) byClass[i % SLOTS].push(i);
    for (let i = 0; i < n; i++) perm[i] = values[byClass[i % SLOTS][Math.floor(i / SLOTS)]];
    const b = await gpuSum(gpu, perm, 0);
    for (let s = 0; s < SLOTS; s++) {
      expect(total(a.words, s), `total ${s}`).toBe(exact[s]);
      const want = Number(exact[s]);
      expect(Math.abs(a.floats[s] - want)).toBeLessThanOrEqual(2 ** -22 * Math.abs(want));
    }
    expect(Array.from(b.words)).toEqual(Array.from(a.words));
  });

  test('equal and opposite shares that wrap the low word (±0xffffff00, ±(2^56 + 2^33)) cancel to both words 0', async () => {
    const n = 6000;
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const mag = i % 7 === 0 ? 2 ** 56 + 2 ** 33 : 2 ** 32 - 256;
      // Thread i and thread i + 3 (same total) carry opposite signs.
      values[i] = Math.floor(i / 3) % 2 === 0 ? mag : -values[i - 3];
    }
    const a = await gpuSum(gpu, values, 0);
    expect(Array.from(a.words)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(a.floats)).toEqual([0, 0, 0]);
  });
});
