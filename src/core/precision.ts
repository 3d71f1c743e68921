/**
 * The `precision` option of k-means, soft k-means and the Gaussian mixture: 'f16' stores the data
 * rows on the GPU in half precision (gpu/f16.ts, shaders/common/x_f16.wgsl). Half precision holds ±65504 with 11
 * significant bits and goes subnormal below 2⁻¹⁴, so the fit runs on the data divided by a power
 * of two s (exact; the api maps results back as for any scale) that brings its largest value to
 * [2¹³, 2¹⁴]: centred values stay below 2¹⁵, and every value keeps a relative error ≤ 2⁻¹¹ except
 * those under 2⁻²⁸ of the largest, which keep an absolute one of at most 2⁻²⁵·s.
 */
import { invalid } from '../errors.js';

/** Whether the fit stores its data in half precision; refuses unknown values and backends other than 'webgpu'. */
export function wantsF16(precision: unknown, backend: string): boolean {
  if (precision === undefined || precision === 'f32') return false;
  if (precision !== 'f16')
    throw invalid('BAD_OPTION', `precision=${JSON.stringify(precision)} is not a storage precision. Pass 'f32' (the default) or 'f16'.`);
  if (backend !== 'webgpu')
    throw invalid(
      'BAD_OPTION',
      `precision 'f16' stores the data in half precision on the GPU, but this engine's backend is '${backend}'. Use backend: 'webgpu', or leave precision out.`,
    );
  return true;
}

/** The power of two s that brings max |x| = m to [2¹³, 2¹⁴] (1 for m = 0). */
export function f16Scale(m: number): number {
  if (!(m > 0) || !Number.isFinite(m)) return 1;
  return 2 ** Math.max(-1074, Math.min(1023, Math.ceil(Math.log2(m)) - 14));
}
