/**
 * The float32 special functions of shaders/common/lgamma.wgsl against the float64 reference
 * (src/nbmm/special.ts, itself checked against known values in test/node/nbmm-special.test.ts),
 * evaluated by a tiny GPU kernel (shaders/nbmm/special_eval.wgsl) at points rounded to float32 first,
 * so only the function's own error is measured, not the rounding of its argument.
 *
 * Stated bounds (float32 ulp = 2^(⌊log2|y|⌋ − 23), ε₃₂ = 2^-24):
 *   lgamma, 4000 log-spaced x in [1e-3, 1e6]: |error| ≤ 1e-6 where |lgamma(x)| < 1 (around its zeros
 *     at 1 and 2), ≤ 8 ulps of the result elsewhere. Measured on SwiftShader: 1.3e-7 and 2.1 ulps.
 *   ln over [1e-30, 1e30] and near 1, log1p over ±[1e-17, 0.75]: relative ≤ 1e-6 (measured ≤ 2.8e-7).
 *   lrising(x, r) = log Γ(x + r) − log Γ(r) − x log r: error ≤ 2e-6 × (|value| + x·|log r| + x), the size of
 *     the terms it stands for (measured 8.6e-7, at x = 1e4 where float32 rounding of the ~1e5 terms dominates).
 *   lrising3(x, r) (common/polygamma.wgsl: D and its r-derivatives, x > 64): error ≤ 2e-6 × the size of the
 *     terms each stands for (measured 1.6e-7, 7.2e-8, 4.6e-8).
 * The bounds leave room for GPUs whose division and fma round differently from SwiftShader.
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { evalSpecialGpu, type SpecialFunction } from '../../src/backends/webgpu/nbmm-kernels.js';
import { withGpu } from '../../src/gpu/session.js';
import { lgamma, logRising } from '../../src/nbmm/special.js';

let gpu: Engine;
beforeAll(async () => {
  gpu = await createEngine({ backend: 'webgpu' });
});

async function onGpu(fn: SpecialFunction, a: Float32Array, b?: Float32Array): Promise<Float32Array> {
  return withGpu(gpu, (runner) => evalSpecialGpu(runner, fn, a, b));
}

function logSpaced(lo: number, hi: number, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.fround(Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (count - 1)));
  return out;
}

function maxRelError(got: Float32Array, ref: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]) / Math.abs(ref[i]));
  return worst;
}

describe('WGSL special functions (float32) against the float64 reference', () => {
  test('lgamma over [1e-3, 1e6]: ≤ 1e-6 absolute near its zeros, ≤ 8 ulps elsewhere', async () => {
    const x = logSpaced(1e-3, 1e6, 4000);
    const got = await onGpu('lgamma', x);
    let absNearZeros = 0;
    let ulps = 0;
    let ulpsAt = 0;
    let rel = 0;
    for (let i = 0; i < x.length; i++) {
      const ref = lgamma(x[i]);
      const e = Math.abs(got[i] - ref);
      if (Math.abs(ref) < 1) absNearZeros = Math.max(absNearZeros, e);
      else {
        const u = e / 2 ** (Math.floor(Math.log2(Math.abs(ref))) - 23);
        rel = Math.max(rel, e / Math.abs(ref));
        if (u > ulps) {
          ulps = u;
          ulpsAt = x[i];
        }
      }
    }
    console.log(
      `lgamma (WGSL, float32) over [1e-3, 1e6]: max |error| ${absNearZeros.toExponential(2)} where |lgamma| < 1; ` +
        `elsewhere max ${ulps.toFixed(2)} ulps (at x = ${ulpsAt.toPrecision(4)}), max relative ${rel.toExponential(2)}`,
    );
    expect(absNearZeros).toBeLessThanOrEqual(1e-6);
    expect(ulps).toBeLessThanOrEqual(8);
    // The zeros themselves.
    const z = await onGpu('lgamma', Float32Array.of(1, 2));
    expect(Math.abs(z[0])).toBeLessThanOrEqual(1e-7);
    expect(Math.abs(z[1])).toBeLessThanOrEqual(1e-7);
  });

  test('ln and log1p keep their relative accuracy near 1 and for tiny arguments', async () => {
    const wide = logSpaced(1e-30, 1e30, 4000).filter((v) => v !== 1);
    const near1 = Float32Array.from({ length: 2001 }, (_, i) => Math.fround(1 + (i - 1000) * 1e-4)).filter((v) => v !== 1);
    const small = Float32Array.from({ length: 4000 }, (_, i) => Math.fround((i % 2 ? -1 : 1) * Math.exp(-40 + (39.7 * i) / 3999)));
    const eWide = maxRelError(await onGpu('ln', wide), Array.from(wide, Math.log));
    const eNear = maxRelError(await onGpu('ln', near1), Array.from(near1, Math.log));
    const eSmall = maxRelError(await onGpu('log1p', small), Array.from(small, Math.log1p));
    console.log(
      `ln relative error: ${eWide.toExponential(2)} over [1e-30, 1e30], ${eNear.toExponential(2)} within 0.1 of 1; log1p: ${eSmall.toExponential(2)}`,
    );
    expect(Math.max(eWide, eNear, eSmall)).toBeLessThanOrEqual(1e-6);
  });

  test('lrising from r = 1e-4 to the Poisson limit r = 1e8', async () => {
    const xs: number[] = [];
    const rs: number[] = [];
    for (const r of [1e-4, 0.01, 0.3, 1, 2.5, 7.9, 8, 20, 1e3, 1e5, 1e8])
      for (const x of [1, 2, 3, 7, 30, 100, 1e3, 1e4]) {
        xs.push(x);
        rs.push(r);
      }
    const a = Float32Array.from(xs);
    const b = Float32Array.from(rs, Math.fround);
    const got = await onGpu('lrising', a, b);
    const t = new Float64Array(3);
    let worst = 0;
    got.forEach((v, i) => {
      logRising(a[i], b[i], t);
      const scale = Math.abs(t[0]) + a[i] * Math.abs(Math.log(b[i])) + a[i];
      worst = Math.max(worst, Math.abs(v - t[0]) / scale);
    });
    console.log(`lrising: max error / (|value| + x·|log r| + x) = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(2e-6);
  });

  test('lrising3 (the device M-step D, D′, D″ for counts above SMALL_COUNT) from r = 1e-4 to the Poisson limit', async () => {
    const xs: number[] = [];
    const rs: number[] = [];
    for (const r of [1e-4, 0.01, 0.3, 1, 2.5, 9.9, 10, 20, 1e3, 1e5, 1e8])
      for (const x of [65, 100, 1e3, 1e4, 1e5]) {
        xs.push(x);
        rs.push(r);
      }
    const a = Float32Array.from(xs);
    const b = Float32Array.from(rs, Math.fround);
    const t = new Float64Array(3);
    const worst = [0, 0, 0];
    const fns = ['lrising3', 'lrising3D1', 'lrising3D2'] as const;
    for (let m = 0; m < 3; m++) {
      const got = await onGpu(fns[m], a, b);
      got.forEach((v, i) => {
        logRising(a[i], b[i], t);
        const x = a[i];
        const r = b[i];
        // The size of the terms each stands for: log Γ's and x·log r; ψ's and x/r; ψ₁'s and x/r².
        const scale = [
          Math.abs(t[0]) + x * Math.abs(Math.log(r)) + x,
          Math.abs(t[1]) + 1 / r + x / r,
          Math.abs(t[2]) + 1 / (r * r) + x / (r * r),
        ][m];
        worst[m] = Math.max(worst[m], Math.abs(v - t[m]) / scale);
      });
    }
    console.log(
      `lrising3: max error / scale: D ${worst[0].toExponential(2)}, D′ ${worst[1].toExponential(2)}, D″ ${worst[2].toExponential(2)}`,
    );
    expect(Math.max(...worst)).toBeLessThanOrEqual(2e-6);
  });
});
