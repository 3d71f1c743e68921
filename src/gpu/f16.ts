/**
 * Half-precision (IEEE binary16) storage of data rows: float32 values rounded to the nearest f16
 * (ties to even) and packed two per 32-bit word, low half first, as WGSL's unpack2x16float reads
 * them. Used by the opt-in f16 storage of x (gpu/dataset.ts); arithmetic stays float32.
 */
import { invalid } from '../errors.js';

/** The largest finite f16. */
export const F16_MAX = 65504;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The f16 bits nearest to a float32 value (ties to even); |v| beyond F16_MAX is refused by the caller. */
export function f16Bits(v: number): number {
  f32[0] = v;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  const e = exp - 127 + 15;
  if (exp === 0xff || e >= 31) return sign | 0x7c00; // ±Inf (NaN and overflow never reach here: refused)
  if (e <= 0) {
    // Subnormal f16 (or zero): the value in units of 2^-24, rounded to nearest even.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (q + (rem > half || (rem === half && (q & 1) === 1) ? 1 : 0));
  }
  const q = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // Rounding up may carry into the exponent (and to Inf at the top): the bit layout makes that right.
  return sign | (q + (rem > 0x1000 || (rem === 0x1000 && (q & 1) === 1) ? 1 : 0));
}

/** The value of f16 bits. */
export function f16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1024 + m) * 2 ** (e - 25);
}

/**
 * `values` rounded to f16 and packed two per word (value 2j in the low half of word j); their
 * rounded values are written back into `values` (the host then sees what the GPU reads).
 */
export function packF16(values: Float32Array): Uint32Array {
  const out = new Uint32Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Math.abs(v) <= F16_MAX)) {
      throw invalid(
        'OUT_OF_RANGE',
        `A centred data value (${v}) lies beyond half precision's range (±${F16_MAX}). Rescale the data, or keep float32 storage.`,
      );
    }
    const h = f16Bits(v);
    out[i >>> 1] |= (i & 1 ? h << 16 : h) >>> 0;
    values[i] = f16Value(h);
  }
  return out;
}
