/**
 * Half-precision storage for the Gaussian mixture (`precision: 'f16'` on WebGPU): the fused pass,
 * the E-step, the statistics of given responsibilities and the k-means start read the rows through
 * common/x_f16. For every covariance type, on data far from the origin (so the fit rescales by a
 * power of two and maps back): (1) the fit is within the float32 policy of the float64 reference
 * on the same data rounded to f16 as the GPU holds them (the rounding is the only difference);
 * (2) it is within test/tolerance.ts section 6's derived bounds of the float64 reference on the
 * data themselves; (3) it has the same bits over chunks of one segment, one chunk, and a repeat.
 * The data bytes per iteration are the packed rows', half the float32 values'. Refusals: a MAP
 * prior, values beyond f16 at the backend, and (test/node/gmm-f16.test.ts) other backends.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { createEngine, type CovarianceType, type Engine, type GaussianMixtureResult, gaussianMixture } from '../../src/index.js';
import { type GpuEngineState, withGpu } from '../../src/gpu/session.js';
import { gpuGmmBackend, webgpuGmm } from '../../src/backends/webgpu/gmm.js';
import { precisionsFrom } from '../../src/gmm/model.js';
import { restartRng } from '../../src/core/rng.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { scaleDataset } from '../../src/core/scale.js';
import { toDataset } from '../../src/data.js';
import { f16Bits, f16Value } from '../../src/gpu/f16.js';
import { f16Scale } from '../../src/core/precision.js';
import {
  F32_OBJ_RTOL,
  F32_PARAM_ATOL,
  F32_PARAM_RTOL,
  F64_RTOL,
  dataScale,
  expectParamsClose,
  expectRelClose,
  f16CovBound,
  f16FeatureBound,
  f16LoglikBound,
  permutationBetween,
} from '../tolerance.js';

let engine: Engine;
let cpu: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'webgpu' });
  cpu = await createEngine({ backend: 'reference' });
});
afterAll(() => {
  engine.destroy();
  cpu.destroy();
});

// d odd and 601 rows: rows straddle words, and the last 256-row chunk holds an odd number of values.
const N = 601;
const D = 3;
const K = 3;
const b = makeBlobs(N, D, K, 4, { std: 1, spread: 40, offset: 100 });
const X = { data: b.data, n: N, d: D };

/** The data as the GPU holds them under f16 storage, in the data's units: s·(f16(fl32(x/s − mean)) + mean). */
function roundedAsStored(): Float64Array {
  const s = f16Scale(b.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0));
  const ds = scaleDataset(toDataset(X), s);
  return ds.x.map((v, t) => s * (f16Value(f16Bits(Math.fround(v - ds.mean[t % D]))) + ds.mean[t % D]));
}

/** Component j's covariance and precision factor as d×d matrices, whatever the type. */
function matrices(r: GaussianMixtureResult, j: number): { cov: number[][]; U: number[][] } {
  const d = r.d;
  const eye = (v: (a: number) => number) => Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, c) => (a === c ? v(a) : 0)));
  const cov = r.covariances as unknown;
  const U = r.precisionsCholesky as unknown;
  if (r.covariance === 'full') return { cov: (cov as number[][][])[j], U: (U as number[][][])[j] };
  if (r.covariance === 'tied') return { cov: cov as number[][], U: U as number[][] };
  if (r.covariance === 'diag') return { cov: eye((a) => (cov as number[][])[j][a]), U: eye((a) => (U as number[][])[j][a]) };
  return { cov: eye(() => (cov as number[])[j]), U: eye(() => (U as number[])[j]) };
}

const types: CovarianceType[] = ['full', 'tied', 'diag', 'spherical'];

describe('Gaussian mixtures on f16 storage', () => {
  const xr = roundedAsStored();
  const delta = f16FeatureBound(b.data, N, D);
  const scale = dataScale(b.data, N, D);
  // regCovar 0: each fit's parameters are its partition's sample moments (tolerance.ts section 6).
  const opts = { k: K, nInit: 1, seed: 2, maxIter: 6, tol: 0, regCovar: 0 };

  for (const covariance of types) {
    test(`${covariance}: float64 on the f16-rounded data within the float32 policy, float64 on the data within the derived f16 bound, the same bits over chunkings`, async () => {
      const state = engine.instance as GpuEngineState;
      const device = state.ctx.device;
      device.pushErrorScope('validation');
      state.maxChunkRows = 256;
      const g = await gaussianMixture(X, { ...opts, covariance, engine, precision: 'f16' });
      state.maxChunkRows = undefined;
      const whole = await gaussianMixture(X, { ...opts, covariance, engine, precision: 'f16' });
      const again = await gaussianMixture(X, { ...opts, covariance, engine, precision: 'f16' });
      expect(await device.popErrorScope()).toBeNull();
      const rr = await gaussianMixture({ data: xr, n: N, d: D }, { ...opts, covariance, engine: cpu });
      const ru = await gaussianMixture(X, { ...opts, covariance, engine: cpu });

      // The bounds' premise: responsibilities 0 or 1 (components far apart), on both references.
      for (const r of [rr, ru]) {
        const p = await r.predictProba(r === rr ? { data: xr, n: N, d: D } : X);
        expect(Math.max(...p.map((row) => Math.min(...row.map((v) => Math.min(v, 1 - v)))))).toBeLessThan(1e-12);
      }

      // (3) Chunks of one segment (3 chunks), one chunk, and a repeat: the same bits.
      expect(g.gpu!.chunks).toBe(3);
      expect(whole.gpu!.chunks).toBe(1);
      for (const h of [whole, again]) {
        expect(h.means).toEqual(g.means);
        expect(h.covariances).toEqual(g.covariances);
        expect(h.weights).toEqual(g.weights);
        expect(h.logLikelihood).toBe(g.logLikelihood);
        expect(h.labels).toEqual(g.labels);
      }

      // (1) Against float64 on the rounded data: the float32 policy, every iteration.
      const perm = permutationBetween(g.labels, rr.labels, K);
      expect(permutationBetween(g.labels, ru.labels, K)).toEqual(perm);
      g.history.forEach((h, i) => expectRelClose(h.objective, rr.history[i].objective, F32_OBJ_RTOL, `lower bound ${i + 1}`));
      expectRelClose(g.logLikelihood, rr.logLikelihood, F32_OBJ_RTOL, 'log-likelihood');
      expectParamsClose(g.means, rr.means, scale, perm);
      expectParamsClose([g.weights], [perm.map((j) => rr.weights[j])], 1);
      for (let j = 0; j < K; j++) expectParamsClose(matrices(g, j).cov, matrices(rr, perm[j]).cov, scale * scale);

      // (2) Against float64 on the data themselves: section 6's bounds, exactly for float64 on the
      // rounded data, plus the float32 policy for the f16 fit.
      const f32 = (ref: number, s: number) => F32_PARAM_ATOL * s + F32_PARAM_RTOL * Math.abs(ref);
      const f64 = (ref: number, s: number) => F64_RTOL * (s + Math.abs(ref));
      const llBound = Math.max(
        ...[ru, rr].map((r) => {
          const fac = Array.from({ length: K }, (_, j) => matrices(r, j).U);
          return f16LoglikBound(b.data, N, D, r.labels, r.means, fac, delta);
        }),
      );
      let moved = 0;
      for (const [fit, slack, p] of [
        [rr, f64, permutationBetween(rr.labels, ru.labels, K)],
        [g, f32, perm],
      ] as const) {
        fit.means.forEach((row, j) =>
          row.forEach((v, a) => {
            const ref = ru.means[p[j]][a];
            expect(Math.abs(v - ref), `${fit.backend} mean ${j}, ${a}`).toBeLessThanOrEqual(delta[a] + slack(ref, scale));
          }),
        );
        expectParamsClose([fit.weights], [p.map((j) => ru.weights[j])], 1);
        for (let j = 0; j < K; j++) {
          const cf = matrices(fit, j).cov;
          const cu = matrices(ru, p[j]).cov;
          for (let a = 0; a < D; a++)
            for (let c = 0; c < D; c++) {
              const bound = f16CovBound(covariance === 'spherical', delta, cu, a, c) + slack(cu[a][c], scale * scale);
              expect(Math.abs(cf[a][c] - cu[a][c]), `${fit.backend} covariance ${j}, ${a}, ${c}`).toBeLessThanOrEqual(bound);
              if (fit === rr) moved = Math.max(moved, Math.abs(cf[a][c] - cu[a][c]));
            }
        }
        const llSlack = (fit === rr ? F64_RTOL : F32_OBJ_RTOL) * Math.abs(ru.logLikelihood);
        expect(Math.abs(fit.logLikelihood - ru.logLikelihood), `${fit.backend} log-likelihood`).toBeLessThanOrEqual(llBound + llSlack);
      }
      // Not vacuous: the rounding moved the float64 covariances beyond float32's resolution of the
      // data's spread, and the fit read the packed rows (3 chunks of ⌈rows·d/2⌉ words, then the weights).
      expect(moved).toBeGreaterThan(2 ** -24 * scale * scale);
      expect(g.gpu!.dataBytesPerIter).toBe((384 + 256 + 384 + 256 + Math.ceil((89 * D) / 2) + 89) * 4);
    }, 120_000);
  }

  test('the kernels on f16 storage give the bits of float32 storage of the rounded rows, every covariance type', async () => {
    // Odd d, 301 rows in chunks of 256 and 45 (odd values: a half-filled last word), sample weights.
    const n = 301;
    const bb = makeBlobs(n, D, K, 9, { std: 2, spread: 6 });
    const rounded = Float64Array.from(bb.data, (v) => f16Value(f16Bits(Math.fround(v))));
    const w = Float64Array.from({ length: n }, (_, i) => 0.5 + (i % 7) / 4);
    const zero = new Float64Array(D);
    const means = Float64Array.from(bb.data.subarray(0, K * D));
    await withGpu(engine, async (runner, chunking) => {
      for (const type of types) {
        const len = type === 'full' ? K * D * D : type === 'tied' ? D * D : type === 'diag' ? K * D : K;
        const cov = new Float64Array(len);
        if (type === 'full' || type === 'tied')
          for (let t = 0; t < len; t++) cov[t] = (t % (D * D)) % (D + 1) === 0 ? 3 + (t % 5) / 2 : 0.4;
        else cov.fill(2.5);
        const p = precisionsFrom(type, K, D, new Float64Array(K).fill(1 / K), means, cov, new Uint8Array(K).fill(1), 0);
        const runs = [];
        for (const [x, f16] of [
          [bb.data, true],
          [rounded, false],
          [bb.data, false],
        ] as const) {
          const s = gpuGmmBackend(runner, { n, d: D, x, mean: zero }, K, type, { ...chunking, maxChunkRows: 256, f16 }, w);
          const estep = await s.estep(p);
          const ev = await s.evaluate(p, { resp: true });
          const init = await s.statsFromResp(K, type, (resp, off, rows) => {
            resp.fill(0);
            for (let i = 0; i < rows; i++) resp[i * K + ((off + i) % K)] = 1;
          });
          const seeds = await s.seeds(K, restartRng(7, 0));
          runs.push({ estep, ev, init, seeds, bytes: s.counters!().dataBytesPerIter });
        }
        const [half, full, plain] = runs;
        expect(half.estep, `${type}: E-step statistics`).toEqual(full.estep);
        expect(half.ev, `${type}: labels, log p, responsibilities`).toEqual(full.ev);
        expect(half.init, `${type}: statistics of given responsibilities`).toEqual(full.init);
        expect(half.seeds, `${type}: k-means++ seeds`).toEqual(full.seeds);
        expect(half.bytes).toBe((384 + 256 + Math.ceil((45 * D) / 2) + 45) * 4);
        expect(full.bytes).toBe(n * (D + 1) * 4);
        // Not vacuous: every weight is in the statistics, and the rounding changed the log-likelihood.
        expect(Math.abs(half.estep.n - w.reduce((a, v) => a + v, 0))).toBeLessThan(1e-9);
        expect(Math.abs(half.init.nk.reduce((a, v) => a + v, 0) / half.estep.n - 1)).toBeLessThan(1e-6);
        expect(half.estep.loglik).not.toBe(plain.estep.loglik);
      }
    });
  }, 120_000);

  test('a fit reads the packed rows (half the bytes of the float32 values per iteration, plus the weights), at any scale', async () => {
    const o = { ...opts, covariance: 'diag' as const, maxIter: 2 };
    const half = await gaussianMixture(X, { ...o, engine, precision: 'f16' });
    const full = await gaussianMixture(X, { ...o, engine });
    expect(half.gpu!.chunks).toBe(1);
    expect(full.gpu!.dataBytesPerIter).toBe(N * (D + 1) * 4);
    expect(half.gpu!.dataBytesPerIter).toBe((Math.ceil((N * D) / 2) + N) * 4);
    expect(half.gpu!.dataPassesPerIter).toBe(1);
    expect(half.gpu!.dispatchesPerIter).toBe(2);
    // The same partition as float32 storage, and predict (float32 on new data, as k-means' predict) agrees with it.
    expect(permutationBetween(half.labels, full.labels, K)).toHaveLength(K);
    expect(await half.predict(X)).toEqual(half.labels);
    // Data 2⁴⁰ times larger (beyond f16) or smaller (below its subnormals) are brought into range by
    // a power of two: the same scaled fit, so the same bits once mapped back, and the log-likelihood
    // shifted by −n·d·log 2^e.
    for (const e of [-40, 40]) {
      const h = await gaussianMixture({ data: b.data.map((v) => v * 2 ** e), n: N, d: D }, { ...o, engine, precision: 'f16' });
      expect(h.means).toEqual(half.means.map((row) => row.map((v) => v * 2 ** e)));
      expect(h.covariances).toEqual((half.covariances as number[][]).map((row) => row.map((v) => v * 2 ** (2 * e))));
      expectRelClose(h.logLikelihood, half.logLikelihood - N * D * e * Math.LN2, F64_RTOL, `log-likelihood at 2^${e}`);
    }
  }, 120_000);

  test('a MAP prior is refused with precision f16, and values beyond f16 at the backend', async () => {
    await expect(gaussianMixture(X, { ...opts, engine, precision: 'f16', prior: { normal: true } })).rejects.toMatchObject({
      code: 'BAD_OPTION',
    });
    // The api rescales into f16's range first, so only a caller of the backend can pass such values.
    const x = Float64Array.of(0, 70000, 1, 2);
    await expect(
      webgpuGmm.session(
        engine,
        { n: 4, d: 1, x, mean: new Float64Array(1) },
        { k: 1, type: 'diag', weights: null, f16: true },
        async () => 0,
      ),
    ).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
  });
});
