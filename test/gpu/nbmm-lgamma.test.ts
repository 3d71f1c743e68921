/**
 * The float32 special functions of shaders/common/lgamma.wgsl against the float64 reference
 * (src/nbmm/special.ts, itself checked against known values in test/node/nbmm-special.test.ts),
 * evaluated by a tiny GPU kernel at points rounded to float32 first (so only the function's own
 * error is measured, not the rounding of its argument).
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { evalSpecialGpu, type SpecialFunction } from '../../src/nbmm/kernels.js';
import { lgamma, logRising } from '../../src/nbmm/special.js';

let gpu: Engine;
beforeAll(async () => {
  gpu = await createEngine({ backend: 'webgpu' });
});

async function onGpu(fn: SpecialFunction, a: Float32Array, b?: Float32Array): Promise<Float32Array> {
  return gpu.run(
    async () => { throw new Error('needs WebGPU'); },
    (runner) => evalSpecialGpu(runner, fn, a, b),
  );
}

function logSpaced(lo: number, hi: number, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.fround(Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (count - 1)));
  return out;
}

/** Largest error in units of the stated bound atol + rtol·|ref|, with where it happened. */
function worst(got: Float32Array, ref: Float64Array, x: Float32Array, atol: number, rtol: number) {
  let ratio = 0;
  let at = 0;
  let maxAbs = 0;
  let maxRel = 0;
  for (let i = 0; i < got.length; i++) {
    const e = Math.abs(got[i] - ref[i]);
    maxAbs = Math.max(maxAbs, e);
    if (Math.abs(ref[i]) > 1e-3) maxRel = Math.max(maxRel, e / Math.abs(ref[i]));
    const q = e / (atol + rtol * Math.abs(ref[i]));
    if (q > ratio) { ratio = q; at = i; }
  }
  return { ratio, x: x[at], got: got[at], ref: ref[at], maxAbs, maxRel };
}

describe('WGSL special functions (float32) against the float64 reference', () => {
  test('lgamma over [1e-3, 1e6]', async () => {
    const x = logSpaced(1e-3, 1e6, 4000);
    const got = await onGpu('lgamma', x);
    const ref = Float64Array.from(x, (v) => lgamma(v));
    const w = worst(got, ref, x, 1e-6, 1e-6);
    let absSmall = 0;
    let ulps = 0;
    let ulpAt = 0;
    for (let i = 0; i < x.length; i++) {
      const e = Math.abs(got[i] - ref[i]);
      if (Math.abs(ref[i]) < 1) absSmall = Math.max(absSmall, e);
      else {
        const u = e / 2 ** (Math.floor(Math.log2(Math.abs(ref[i]))) - 23);
        if (u > ulps) { ulps = u; ulpAt = x[i]; }
      }
    }
    console.log('lgamma', w, { absSmall, ulps, ulpAt });
    expect(w.ratio).toBeLessThanOrEqual(1);
  });

  test('ln and log1p', async () => {
    const x = logSpaced(1e-30, 1e30, 4000);
    const w = worst(await onGpu('ln', x), Float64Array.from(x, Math.log), x, 0, 3e-7);
    console.log('ln', w);
    const near1 = Float32Array.from({ length: 2001 }, (_, i) => Math.fround(1 + (i - 1000) * 1e-4));
    const w1 = worst(await onGpu('ln', near1), Float64Array.from(near1, Math.log), near1, 0, 3e-7);
    console.log('ln near 1', w1);
    const small = Float32Array.from({ length: 4000 }, (_, i) => Math.fround((i % 2 ? -1 : 1) * Math.exp(-40 + (39.7 * i) / 3999)));
    const w2 = worst(await onGpu('log1p', small), Float64Array.from(small, Math.log1p), small, 0, 3e-7);
    console.log('log1p', w2);
  });

  test('lrising', async () => {
    const xs: number[] = [];
    const rs: number[] = [];
    for (const r of [1e-4, 0.01, 0.3, 1, 2.5, 7.9, 8, 20, 1e3, 1e5, 1e8]) for (const x of [1, 2, 3, 7, 30, 100, 1e3, 1e4]) { xs.push(x); rs.push(r); }
    const a = Float32Array.from(xs);
    const b = Float32Array.from(rs, Math.fround);
    const got = await onGpu('lrising', a, b);
    const t = new Float64Array(3);
    const ref = Float64Array.from(a, (x, i) => { logRising(x, b[i], t); return t[0]; });
    const scale = Float64Array.from(a, (x, i) => Math.abs(ref[i]) + x * Math.abs(Math.log(b[i])) + x);
    let ratio = 0;
    got.forEach((v, i) => { ratio = Math.max(ratio, Math.abs(v - ref[i]) / scale[i]); });
    console.log('lrising worst error / (|ref| + x|log r| + x):', ratio);
  });
});
