/**
 * The negative-binomial M-step on the device (shaders/nbmm/mstep.wgsl, options.deviceMStep)
 * against the float64 host M-step (src/nbmm/mstep.ts): the kernel alone on statistics computed in
 * float64 by the reference E-step from hand-made counts (an all-zero gene, a gene of huge counts,
 * a component of tiny weight, an empty one), then whole fits against the CPU reference, the
 * readback counters (O(k·d) per iteration) and determinism. Tolerances: test/tolerance.ts.
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { createEngine, type Engine, type NegativeBinomialMixtureOptions } from '../../src/index.js';
import { negativeBinomialMixture } from '../../src/nbmm/api.js';
import { geneHistograms, sizeFactors, toCounts } from '../../src/nbmm/counts.js';
import { makeGrid } from '../../src/nbmm/grid.js';
import { mStep, qGene, qMean } from '../../src/nbmm/mstep.js';
import type { DispersionMode, NbContext, NbParams } from '../../src/nbmm/model.js';
import { referenceNbSession } from '../../src/backends/reference/nbmm.js';
import { deviceMStep } from '../../src/backends/webgpu/nbmm-mstep.js';
import { withGpu } from '../../src/gpu/session.js';
import { Rng } from '../../src/core/rng.js';
import { simulateNbMixture, toCsr } from '../nbmm-sim.js';
import {
  F32_OBJ_RTOL,
  F32_PARAM_ATOL,
  F32_PARAM_RTOL,
  NB_DEVICE_MSTEP_RTOL,
  NB_DEVICE_Q_RTOL,
  dataScale,
  expectParamsClose,
  expectRelClose,
  permutationBetween,
} from '../tolerance.js';

let gpu: Engine;
let cpu: Engine;
beforeAll(async () => {
  gpu = await createEngine({ backend: 'webgpu' });
  cpu = await createEngine({ backend: 'reference' });
});

/**
 * Counts n×d: gene 0 all zero, gene 1 huge (≈ 2e4·s, > SMALL_COUNT, nearly Poisson), gene 2
 * overdispersed into the thousands, the rest simulated NB with markers.
 */
function handMade(n: number, d: number, k: number, seed: number): Float64Array {
  const sim = simulateNbMixture(n, d, k, seed, { foldChange: 3, sizeSpread: 0.4 });
  const x = sim.counts;
  const rng = new Rng(seed, 9);
  for (let i = 0; i < n; i++) {
    x[i * d] = 0;
    x[i * d + 1] = Math.round(sim.s[i] * 2e4 * (1 + 0.3 * rng.uniform()));
    // Log-normal: counts into the thousands and φ ≈ 1.5 (r < 10: lrising3_f32's lgamma branch).
    const z = Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
    x[i * d + 2] = Math.round(sim.s[i] * Math.exp(3 + 1.2 * z));
  }
  return x;
}

/** The host and device M-steps from one set of float64 statistics at p. */
async function bothMSteps(
  x: Float64Array,
  n: number,
  d: number,
  p: NbParams,
  meanEstimator: 'mle' | 'weighted',
  mode: DispersionMode['kind'],
) {
  const c = toCounts({ data: x, n, d });
  const s = sizeFactors(c, undefined).s;
  const grid = makeGrid(s);
  const hist = geneHistograms(c);
  const ctx: NbContext = {
    n,
    d,
    k: p.k,
    grid,
    hist,
    dispersion: mode === 'fixed' ? { kind: 'fixed', phi: p.phi[0] } : { kind: mode },
    meanEstimator,
  };
  const st = await referenceNbSession(c, s, grid, null).estep(p);
  const host = mStep(ctx, p, st).params;
  const dev = await withGpu(gpu, async (runner) => {
    const rows = runner.storage('test rows', (st.rows.length + 1) * 4);
    runner.write(rows, 0, Float32Array.from([...st.rows, st.loglik]));
    const genes = runner.storage('test genes', st.genes.length * 4);
    runner.write(genes, 0, Float32Array.from(st.genes));
    return deviceMStep(runner, { rows, genes }, p.k, d, grid, { meanEstimator, dispersion: mode, hist }).run(p);
  });
  return { ctx, st, host, dev };
}

describe('the device M-step kernel equals the float64 host M-step on the same statistics', () => {
  const n = 300;
  const d = 12;
  const k = 4;
  const x = handMade(n, d, k, 5);
  // Parameters off the optimum (so every update has work to do); component 2 of weight 1e-9 gets
  // a total responsibility below one cell, component 3 of weight 1e-18 falls under EMPTY_MASS.
  const rng = new Rng(17, 1);
  const means = new Float64Array(k * d);
  for (let t = 0; t < k * d; t++) means[t] = (t % d === 1 ? 2e4 : 1 + 10 * rng.uniform()) * (0.7 + 0.6 * rng.uniform());
  means[0] = 1e-3;
  const phi = Float64Array.from({ length: d }, (_, g) => [1e-3, 0.05, 0.3, 2][g % 4]);
  const p: NbParams = { k, d, weights: Float64Array.from([0.6, 0.4 - 1e-9, 1e-9, 1e-18]), means, phi };

  for (const [estimator, mode] of [
    ['mle', 'per-gene'],
    ['weighted', 'per-gene'],
    ['mle', 'fixed'],
    ['mle', 'shared'],
  ] as const) {
    test(`meanEstimator '${estimator}', ${mode} φ: means within NB_DEVICE_MSTEP_RTOL, φ within its policy (test/tolerance.ts), Q no lower than the host's beyond round-off`, async () => {
      // A shared φ starts from one value, three decades from its optimum.
      const start = mode === 'shared' ? { ...p, phi: new Float64Array(d).fill(1e-3) } : p;
      const { ctx, st, host, dev } = await bothMSteps(x, n, d, start, estimator, mode);
      const N = (c: number) => st.rows[c * (ctx.grid.J + 2) + ctx.grid.J];
      // The per-gene starting φ give components 2 and 3 their tiny and empty masses.
      if (mode !== 'shared') {
        expect(N(2)).toBeLessThan(1);
        expect(N(2)).toBeGreaterThan(1e-6);
        expect(N(3)).toBeLessThan(1e-6);
      }
      let worstMu = 0;
      let worstPhi = 0;
      for (let c = 0; c < k; c++) {
        for (let g = 0; g < d; g++) {
          const t = c * d + g;
          worstMu = Math.max(worstMu, Math.abs(dev.means[t] - host.means[t]) / host.means[t]);
          // The gain in Q of the device's μ is the host's, up to float32 round-off of Q's terms.
          const r = 1 / start.phi[g];
          const q0 = qMean(ctx, st, c, g, p.means[t], r);
          const gainHost = qMean(ctx, st, c, g, host.means[t], r) - q0;
          const gainDev = qMean(ctx, st, c, g, dev.means[t], r) - q0;
          expect(gainDev, `ΔQ of μ[${c}][${g}]`).toBeGreaterThanOrEqual(gainHost - NB_DEVICE_Q_RTOL * (Math.abs(q0) + 1));
        }
      }
      // An empty component keeps its means exactly (as float32); the all-zero gene sits at the floor.
      if (mode !== 'shared') for (let g = 0; g < d; g++) expect(dev.means[3 * d + g]).toBe(Math.fround(p.means[3 * d + g]));
      for (let c = 0; c < 3; c++) expect(dev.means[c * d]).toBeCloseTo(1e-8, 12);
      const q = new Float64Array(3);
      if (mode === 'shared') {
        // One φ; relative, since a shared φ is away from the Poisson limit's flat Q.
        expect(new Set(dev.phi).size).toBe(1);
        worstPhi = Math.abs(dev.phi[0] - host.phi[0]) / host.phi[0];
        expect(worstPhi).toBeLessThanOrEqual(NB_DEVICE_MSTEP_RTOL);
        const total = (phi: number) => {
          let t = 0;
          for (let g = 0; g < d; g++) {
            qGene(ctx, st, host.means, g, 1 / phi, q);
            t += q[0];
          }
          return t;
        };
        const qHost = total(host.phi[0]);
        expect(total(dev.phi[0]), 'Σ_g Q_g of the shared φ').toBeGreaterThanOrEqual(qHost - NB_DEVICE_Q_RTOL * (Math.abs(qHost) + 1));
      }
      for (let g = 0; g < d && mode === 'per-gene'; g++) {
        // Near the Poisson limit (φ ≲ 1e-4) Q_g is flat and φ is compared in absolute terms.
        const dPhi = Math.abs(dev.phi[g] - host.phi[g]);
        expect(dPhi, `φ[${g}]`).toBeLessThanOrEqual(F32_PARAM_ATOL + F32_PARAM_RTOL * host.phi[g]);
        if (host.phi[g] > 1e-4) worstPhi = Math.max(worstPhi, dPhi / host.phi[g]);
        qGene(ctx, st, host.means, g, 1 / host.phi[g], q);
        const qHost = q[0];
        qGene(ctx, st, host.means, g, 1 / dev.phi[g], q);
        expect(q[0], `Q_g of φ[${g}]`).toBeGreaterThanOrEqual(qHost - NB_DEVICE_Q_RTOL * (Math.abs(qHost) + 1));
      }
      // A fixed φ is the caller's float64 value, not its float32 rounding.
      if (mode === 'fixed') expect(Array.from(dev.phi)).toEqual(Array.from(p.phi));
      if (mode === 'per-gene') expect(host.phi[2]).toBeGreaterThan(0.1);
      console.log(
        `device M-step (${estimator}, ${mode}): max relative |Δμ| ${worstMu.toExponential(2)}, |Δφ| (φ > 1e-4) ${worstPhi.toExponential(2)}`,
      );
      expect(worstMu).toBeLessThanOrEqual(NB_DEVICE_MSTEP_RTOL);
    });
  }
});

describe('the device M-step kernel at d and k below, at and above its workgroup sizes (64 genes per workgroup; 256 for a shared φ)', () => {
  const shapes: [n: number, d: number, k: number, mode: DispersionMode['kind']][] = [
    [200, 1, 1, 'per-gene'],
    [300, 3, 7, 'per-gene'],
    [400, 64, 7, 'per-gene'],
    [400, 65, 3, 'shared'],
    [600, 130, 64, 'per-gene'],
    [400, 17, 200, 'per-gene'],
    [500, 300, 3, 'shared'],
  ];
  for (const [n, d, k, mode] of shapes) {
    test(`n=${n}, d=${d}, k=${k}, ${mode} φ: means within NB_DEVICE_MSTEP_RTOL, φ within its policy, no Q below the host's beyond round-off`, async () => {
      const sim = simulateNbMixture(n, d, Math.min(k, d), n + d + k, { sizeSpread: 0.4 });
      // Parameters off the optimum: means scattered around the simulated ones, uneven weights
      // (with k = 200 most components hold a few cells or less), φ spread over two decades.
      const rng = new Rng(d + k, 2);
      const means = new Float64Array(k * d);
      const kSim = Math.min(k, d);
      for (let c = 0; c < k; c++) for (let g = 0; g < d; g++) means[c * d + g] = sim.means[(c % kSim) * d + g] * (0.5 + rng.uniform());
      const weights = Float64Array.from({ length: k }, () => 0.1 + rng.uniform());
      const wsum = weights.reduce((a, b) => a + b, 0);
      for (let c = 0; c < k; c++) weights[c] /= wsum;
      const phi = mode === 'shared' ? new Float64Array(d).fill(0.02) : Float64Array.from({ length: d }, () => 0.01 * 100 ** rng.uniform());
      const p: NbParams = { k, d, weights, means, phi };
      const { ctx, st, host, dev } = await bothMSteps(sim.counts, n, d, p, 'mle', mode);
      const q = new Float64Array(3);
      for (let c = 0; c < k; c++) {
        for (let g = 0; g < d; g++) {
          const t = c * d + g;
          const r = 1 / p.phi[g];
          const q0 = qMean(ctx, st, c, g, p.means[t], r);
          const gainHost = qMean(ctx, st, c, g, host.means[t], r) - q0;
          const gainDev = qMean(ctx, st, c, g, dev.means[t], r) - q0;
          expect(gainDev, `ΔQ of μ[${c}][${g}]`).toBeGreaterThanOrEqual(gainHost - NB_DEVICE_Q_RTOL * (Math.abs(q0) + 1));
          expect(Math.abs(dev.means[t] - host.means[t]), `μ[${c}][${g}]`).toBeLessThanOrEqual(NB_DEVICE_MSTEP_RTOL * host.means[t]);
        }
      }
      for (let g = 0; g < d; g++) {
        const bound = mode === 'shared' ? NB_DEVICE_MSTEP_RTOL * host.phi[g] : F32_PARAM_ATOL + F32_PARAM_RTOL * host.phi[g];
        expect(Math.abs(dev.phi[g] - host.phi[g]), `φ[${g}]`).toBeLessThanOrEqual(bound);
        qGene(ctx, st, host.means, g, 1 / host.phi[g], q);
        const qHost = q[0];
        qGene(ctx, st, host.means, g, 1 / dev.phi[g], q);
        if (mode === 'per-gene') expect(q[0], `Q_g of φ[${g}]`).toBeGreaterThanOrEqual(qHost - NB_DEVICE_Q_RTOL * (Math.abs(qHost) + 1));
      }
      if (mode === 'shared') expect(new Set(dev.phi).size).toBe(1);
    });
  }
});

function randomLabels(n: number, k: number, seed: number): number[] {
  const rng = new Rng(seed, 3);
  return Array.from({ length: n }, () => rng.int(k));
}

type Fit = Awaited<ReturnType<typeof negativeBinomialMixture>>;

/** The device-M-step fit equals the reference within the policy: labels, log-likelihood path, parameters. */
function expectDeviceParity(g: Fit, c: Fit, counts: Float64Array): void {
  const perm = permutationBetween(g.labels, c.labels, c.k);
  expect(g.labels).toEqual(c.labels);
  expectRelClose(g.logLikelihood, c.logLikelihood, F32_OBJ_RTOL, 'log-likelihood');
  expect(g.history.length).toBe(c.history.length);
  g.history.forEach((h, i) => expectRelClose(h.objective, c.history[i].objective, F32_OBJ_RTOL, `log-likelihood of iteration ${i + 1}`));
  // Non-decreasing up to the float32 policy's slack.
  for (let t = 1; t < g.history.length; t++) {
    expect(g.history[t].objective).toBeGreaterThanOrEqual(g.history[t - 1].objective - F32_OBJ_RTOL * Math.abs(g.history[t - 1].objective));
  }
  expectParamsClose(g.means, c.means, dataScale(counts, c.n, c.d), perm, undefined, NB_DEVICE_MSTEP_RTOL);
  expectParamsClose([g.dispersion], [c.dispersion], 1, undefined, undefined, NB_DEVICE_MSTEP_RTOL);
}

const fits: [n: number, d: number, k: number, opts: Partial<NegativeBinomialMixtureOptions>, note: string][] = [
  [1000, 40, 3, {}, "library size factors, per-gene φ, 'mle'"],
  [800, 30, 3, { meanEstimator: 'weighted' }, "'weighted' means"],
  [600, 30, 3, { dispersion: 0.2 }, 'fixed φ'],
  // Exact in float32; zero weights too: the histograms and statistics both carry them.
  [700, 30, 3, { sampleWeight: Array.from({ length: 700 }, (_, i) => (i % 7 === 3 ? 0 : 0.5 * (1 + (i % 3)))) }, 'sample weights'],
];

describe('whole fits with deviceMStep equal the CPU reference within the float32 policy', () => {
  for (const [n, d, k, opts, note] of fits) {
    test(`n=${n}, d=${d}, k=${k} (${note}): same labels, log-likelihood path, means and φ`, async () => {
      const sim = simulateNbMixture(n, d, k, n + d + k, { foldChange: 2.5, sizeSpread: 0.3 });
      const X = { data: sim.counts, n, d };
      const o = { k, init: randomLabels(n, k, n), tol: 0, maxIter: 10, nInit: 1, ...opts };
      const g = await negativeBinomialMixture(X, { ...o, deviceMStep: true, engine: gpu });
      const c = await negativeBinomialMixture(X, { ...o, engine: cpu });
      expectDeviceParity(g, c, sim.counts);
      expect(g.warnings.filter((w) => w.includes('device M-step'))).toEqual([]);
    });
  }
});

describe('readback and determinism with deviceMStep', () => {
  const n = 1200;
  const d = 30;
  const k = 4;
  const sim = simulateNbMixture(n, d, k, 3, { foldChange: 2.5 });
  const X = { data: sim.counts, n, d };
  const o = { k, init: randomLabels(n, k, 8), nInit: 1, maxIter: 5, tol: 0, deviceMStep: true };

  test('by default each iteration reads the counts once, reads back K·(J+2)+1 + K·D floats and φ (D per gene, 1 shared, none fixed): O(k·d); 2 dispatches per chunk + 3 (+1 for a shared φ)', async () => {
    const chunked = await createEngine({ backend: 'webgpu', maxChunkRows: 300 });
    const { deviceMStep: _, ...byDefault } = o;
    for (const engine of [gpu, chunked]) {
      for (const [dispersion, phiWords, extra] of [
        ['per-gene', d, 0],
        ['shared', 1, 1],
        [0.2, 0, 0],
      ] as const) {
        const r = await negativeBinomialMixture(X, { ...byDefault, dispersion, engine });
        const J = makeGrid(r.sizeFactors).J;
        expect(r.gpu!.bytesReadPerIter, `${dispersion}`).toBe((k * (J + 2) + 1 + k * d + phiWords) * 4);
        expect(r.gpu!.dispatchesPerIter).toBe(2 * r.gpu!.chunks + 3 + extra);
        expect(r.gpu!.dataPassesPerIter).toBe(1);
      }
    }
    chunked.destroy();
  });

  test('repeated runs, split dispatches (at most 12 workgroups per dimension; up to 76 needed) and 150-row chunks give the same bits', async () => {
    const split = await createEngine({ backend: 'webgpu', maxWorkgroupsPerDimension: 12 });
    const tiny = await createEngine({ backend: 'webgpu', maxChunkRows: 150 });
    const a = await negativeBinomialMixture(X, { ...o, engine: gpu });
    const b = await negativeBinomialMixture(X, { ...o, engine: gpu });
    const sp = await negativeBinomialMixture(toCsr(sim.counts, n, d), { ...o, engine: split });
    for (const r of [b, sp]) {
      expect(r.labels).toEqual(a.labels);
      expect(r.means).toEqual(a.means);
      expect(r.dispersion).toEqual(a.dispersion);
      expect(r.logLikelihood).toBe(a.logLikelihood);
    }
    const t = await negativeBinomialMixture(X, { ...o, engine: tiny });
    expect(t.gpu!.chunks).toBe(Math.ceil(n / 150));
    expect(t.labels).toEqual(a.labels);
    expect(t.means).toEqual(a.means);
    expect(t.dispersion).toEqual(a.dispersion);
    expect(t.logLikelihood).toBe(a.logLikelihood);
    // A shared φ: one workgroup's fixed-order tree, so the same bits too.
    const sh = { ...o, dispersion: 'shared' as const };
    const s1 = await negativeBinomialMixture(X, { ...sh, engine: gpu });
    const s2 = await negativeBinomialMixture(X, { ...sh, engine: tiny });
    expect(s2.dispersion).toEqual(s1.dispersion);
    expect(s2.means).toEqual(s1.means);
    expect(s2.logLikelihood).toBe(s1.logLikelihood);
    split.destroy();
    tiny.destroy();
  });
});
