/**
 * Half-precision storage (src/gpu/f16.ts, src/core/precision.ts): every f16 value round-trips,
 * float32 values round to the nearest f16 with ties to even, packing puts value 2j in the low half
 * of word j, values beyond ±65504 are refused, and the `precision` option is refused off WebGPU and
 * for unknown values. The GPU side (test/gpu/f16-storage.test.ts) checks the kernels and the fits.
 */
import { describe, expect, test } from 'vitest';
import { f16Bits, f16Value, packF16 } from '../../src/gpu/f16.js';
import { f16Scale } from '../../src/core/precision.js';
import { kmeans, softKMeans } from '../../src/index.js';
import { F16_STORAGE_RTOL } from '../tolerance.js';

describe('f16 packing', () => {
  test('every finite f16 maps back to its own bits, and every midpoint rounds to the even neighbour', () => {
    // Counted, then asserted once: an expect per value would take seconds.
    let checked = 0;
    const wrong: string[] = [];
    for (let h = 0; h < 0x7c00; h++) {
      const v = f16Value(h);
      if (f16Bits(v) !== h || f16Bits(-v) !== (h | 0x8000)) wrong.push(`value of ${h}`);
      if (h < 0x7bff) {
        const mid = (v + f16Value(h + 1)) / 2;
        if (f16Bits(mid) !== (h & 1 ? h + 1 : h)) wrong.push(`midpoint after ${h}`);
        checked++;
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(checked).toBe(0x7bff);
    // Hand-checked values: 1 = 0x3c00, −2 = 0xc000, 65504 = 0x7bff, 2⁻²⁴ = 0x0001, 2⁻²⁵ ties to 0.
    expect([f16Bits(1), f16Bits(-2), f16Bits(65504), f16Bits(2 ** -24), f16Bits(2 ** -25), f16Bits(1.5 * 2 ** -25)]).toEqual([
      0x3c00, 0xc000, 0x7bff, 0x0001, 0x0000, 0x0001,
    ]);
  });

  test('float32 values round within 2⁻¹¹ relative, are packed low half first, and the host copy takes the rounded values', () => {
    const vals = new Float32Array([1, -2, 0.1, 2.71, -1234.567]);
    const orig = Float32Array.from(vals);
    const packed = packF16(vals);
    expect(packed.length).toBe(3);
    expect(packed[0] >>> 0).toBe(0xc0003c00);
    for (let i = 0; i < orig.length; i++) {
      const h = i & 1 ? packed[i >> 1] >>> 16 : packed[i >> 1] & 0xffff;
      expect(vals[i]).toBe(f16Value(h));
      expect(Math.abs(vals[i] - orig[i])).toBeLessThanOrEqual(F16_STORAGE_RTOL * Math.abs(orig[i]));
    }
    expect(vals[2]).toBe(0.0999755859375); // the f16 nearest 0.1
  });

  test('values beyond ±65504 are refused with OUT_OF_RANGE', () => {
    expect(() => packF16(new Float32Array([65504]))).not.toThrow();
    expect(() => packF16(new Float32Array([1, 65505]))).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
    expect(() => packF16(new Float32Array([Number.NaN]))).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
  });

  test('the fit scale brings the largest value to [2¹³, 2¹⁴]', () => {
    for (const m of [1e-30, 3e-7, 1, 8192, 8193, 16384, 1e6, 3e30]) {
      const t = m / f16Scale(m);
      expect(t, `m = ${m}`).toBeGreaterThan(2 ** 13);
      expect(t, `m = ${m}`).toBeLessThanOrEqual(2 ** 14);
    }
    expect(f16Scale(0)).toBe(1);
  });
});

describe('the precision option', () => {
  const x = [
    [0, 0],
    [1, 1],
    [5, 5],
    [6, 6],
  ];
  test("'f16' is refused off WebGPU, naming the backend", async () => {
    for (const backend of ['reference', 'cpu'] as const) {
      await expect(kmeans(x, { k: 2, precision: 'f16', backend })).rejects.toMatchObject({ code: 'BAD_OPTION' });
      await expect(softKMeans(x, { k: 2, precision: 'f16', backend })).rejects.toThrow(/backend is '(reference|wasm)'/);
    }
  });

  test("an unknown precision is refused, and 'f32' is the default's bits", async () => {
    await expect(kmeans(x, { k: 2, precision: 'f8' as 'f16', backend: 'reference' })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    const a = await kmeans(x, { k: 2, precision: 'f32', backend: 'reference' });
    const b = await kmeans(x, { k: 2, backend: 'reference' });
    expect(a.centroids).toEqual(b.centroids);
    expect(a.inertia).toBe(b.inertia);
  });
});
