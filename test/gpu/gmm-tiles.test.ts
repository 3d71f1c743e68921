/**
 * The fused GMM kernel's parameter tiles (shaders/gmm/fused.wgsl, planned by
 * src/backends/webgpu/gmm-plan.ts): with the workgroup-memory budget forced small, so that the
 * parameters go through several component tiles (and, for full and tied covariances, several
 * column blocks of the precision factor), and forced below one column, so that they are read
 * from storage, one E-step's statistics equal those of the device's own budget bit for bit; so do
 * they with 256 and with 32 threads per workgroup (hardware and software adapters' sizes).
 * Staging and workgroup size move where parameters are read from and who adds which rows, never
 * the arithmetic.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { createEngine, type CovarianceType, type Engine } from '../../src/index.js';
import { withGpu } from '../../src/gpu/session.js';
import { gpuGmmBackend } from '../../src/backends/webgpu/gmm.js';
import { gmmPlan, WG } from '../../src/backends/webgpu/gmm-kernels.js';
import { SOFTWARE_WG } from '../../src/gpu/software.js';
import { GMM_SLACK } from '../../src/backends/webgpu/gmm-plan.js';
import type { GmmParams, GmmStats } from '../../src/gmm/model.js';
import { makeBlobs } from '../../src/datasets/blobs.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'webgpu' });
});
afterAll(() => engine.destroy());

const N = 300;

/** Seeded parameters: means at spread rows, upper-triangular precision factors with a positive diagonal. */
function params(type: CovarianceType, x: Float64Array, d: number, k: number): GmmParams {
  const means = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) means[c * d + j] = x[Math.floor((c * N) / k) * d + j];
  const nf = type === 'full' ? k : type === 'tied' ? 1 : 0;
  const precChol = new Float64Array(type === 'full' ? k * d * d : type === 'tied' ? d * d : type === 'diag' ? k * d : k);
  const logDetPrecChol = new Float64Array(k);
  for (let f = 0; f < nf; f++) {
    for (let a = 0; a < d; a++) {
      precChol[f * d * d + a * d + a] = 0.4 + 0.03 * ((a + f) % 5);
      for (let b = a + 1; b < d; b++) precChol[f * d * d + a * d + b] = 0.02 * (((a * 7 + b * 3 + f) % 9) - 4);
    }
  }
  if (type === 'diag') for (let t = 0; t < k * d; t++) precChol[t] = 0.4 + 0.03 * (t % 7);
  if (type === 'spherical') for (let c = 0; c < k; c++) precChol[c] = 0.4 + 0.05 * (c % 3);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      s += type === 'full' ? Math.log(precChol[c * d * d + j * d + j]) : type === 'tied' ? Math.log(precChol[j * d + j]) : 0;
    }
    if (type === 'diag') for (let j = 0; j < d; j++) s += Math.log(precChol[c * d + j]);
    if (type === 'spherical') s = d * Math.log(precChol[c]);
    logDetPrecChol[c] = s;
  }
  const weights = new Float64Array(k).fill(1 / k);
  return {
    type,
    k,
    d,
    weights,
    means,
    cov: new Float64Array(precChol.length),
    precChol,
    logDetPrecChol,
    active: new Uint8Array(k).fill(1),
  };
}

async function estep(type: CovarianceType, d: number, k: number, x: Float64Array, budgetBytes?: number, wg?: number): Promise<GmmStats> {
  const mean = new Float64Array(d);
  for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / N;
  return withGpu(engine, async (runner) => {
    const s = gpuGmmBackend(runner, { n: N, d, x, mean }, k, type, {}, null, budgetBytes, wg);
    return s.estep(params(type, x, d, k));
  });
}

/** [covariance, d, k, words of the small budget, what the small plan must be]. */
const cases: [CovarianceType, number, number, number, { KT: number; JW: number }][] = [
  ['full', 17, 7, 17 + 1 + 17 * 5, { KT: 1, JW: 5 }],
  ['full', 3, 7, 2 * (3 + 1 + 9) + 1, { KT: 2, JW: 3 }],
  ['tied', 17, 7, 17 + 1 + 17 * 5, { KT: 1, JW: 5 }],
  ['diag', 17, 64, 100, { KT: 2, JW: 17 }],
  ['spherical', 3, 7, 12, { KT: 2, JW: 3 }],
];

describe('the fused GMM kernel gives the same bits with its parameters in small tiles or in storage, and at either workgroup size', () => {
  for (const [type, d, k, words, want] of cases) {
    test(`${type}, d = ${d}, k = ${k}: ${want.KT} component(s) × ${want.JW} column(s) per tile`, async () => {
      const b = makeBlobs(N, d, k, 31 + d + k, { std: 1, spread: 4 });
      const small = (words + GMM_SLACK) * 4;
      const none = (d + GMM_SLACK) * 4;
      const device = await withGpu(engine, async (r) => r.device);
      const whole = gmmPlan(device, d, k, type);
      expect(whole).toMatchObject({ STAGE: true, KT: k, JW: d });
      expect(gmmPlan(device, d, k, type, small)).toMatchObject({ STAGE: true, ...want });
      expect(gmmPlan(device, d, k, type, none).STAGE).toBe(false);
      const ref = await estep(type, d, k, b.data);
      // Not a vacuous comparison: every row's responsibilities sum to one.
      expect(Math.abs(ref.nk.reduce((a, v) => a + v, 0) - N)).toBeLessThan(1e-3 * N);
      expect(Number.isFinite(ref.loglik)).toBe(true);
      const runs: [number | undefined, number | undefined][] = [
        [small, undefined],
        [none, undefined],
        [undefined, WG],
        [small, SOFTWARE_WG],
        [undefined, SOFTWARE_WG],
      ];
      for (const [budget, wg] of runs) {
        const got = await estep(type, d, k, b.data, budget, wg);
        expect(got.nk).toEqual(ref.nk);
        expect(got.sx).toEqual(ref.sx);
        expect(got.s2).toEqual(ref.s2);
        expect(got.loglik).toBe(ref.loglik);
      }
    }, 60_000);
  }
});
