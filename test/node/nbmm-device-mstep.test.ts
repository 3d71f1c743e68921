/**
 * The host side of the NB device M-step (src/nbmm/device-mstep.ts), without a GPU: the option's
 * refusals, and the guard that redoes in float64 a step whose result lowered the log-likelihood,
 * driven by a session whose "device" M-step is the host one with one step spoiled on purpose.
 */
import { describe, test, expect } from 'vitest';
import { createEngine, negativeBinomialMixture } from '../../src/index.js';
import { geneHistograms, sizeFactors, toCounts } from '../../src/nbmm/counts.js';
import { makeGrid } from '../../src/nbmm/grid.js';
import { mStep } from '../../src/nbmm/mstep.js';
import { paramsFromLabels, type NbContext, type NbParams } from '../../src/nbmm/model.js';
import type { NbDeviceStep, NbSession } from '../../src/nbmm/backend.js';
import { deviceStep, newGuard, resolveDeviceMStep } from '../../src/nbmm/device-mstep.js';
import { referenceNbSession } from '../../src/backends/reference/nbmm.js';
import { simulateNbMixture } from '../nbmm-sim.js';

describe('deviceMStep option', () => {
  test('defaults to the device on webgpu only, and is refused off it and when not a boolean', async () => {
    const sim = simulateNbMixture(60, 5, 2, 1);
    await expect(
      negativeBinomialMixture(
        { data: sim.counts, n: 60, d: 5 },
        { k: 2, nInit: 1, deviceMStep: true, engine: await createEngine({ backend: 'reference' }) },
      ),
    ).rejects.toMatchObject({ code: 'BAD_OPTION', message: expect.stringContaining('webgpu') });
    expect(() => resolveDeviceMStep('yes', 'webgpu')).toThrow(/not a boolean/);
    // The default: on the device wherever the backend is WebGPU, on the host elsewhere.
    expect(resolveDeviceMStep(undefined, 'webgpu')).toBe(true);
    expect(resolveDeviceMStep(undefined, 'reference')).toBe(false);
    expect(resolveDeviceMStep(undefined, 'wasm')).toBe(false);
    expect(resolveDeviceMStep(false, 'webgpu')).toBe(false);
    expect(resolveDeviceMStep(true, 'webgpu')).toBe(true);
  });
});

/** Simulated counts (fold change 3) and what a step needs: the context and a float64 reference session. */
function guardSetup(n: number, d: number, k: number, seed: number) {
  const sim = simulateNbMixture(n, d, k, seed, { foldChange: 3 });
  const c = toCounts({ data: sim.counts, n, d });
  const s = sizeFactors(c, undefined).s;
  const grid = makeGrid(s);
  const ctx: NbContext = { n, d, k, grid, hist: geneHistograms(c), dispersion: { kind: 'per-gene' }, meanEstimator: 'mle' };
  return { sim, c, s, ctx, ref: referenceNbSession(c, s, grid, null) };
}

/** A session whose "device" M-step is the host's, with `spoil(call, out)` free to damage the n-th result. */
function hostAsDevice(ctx: NbContext, ref: NbSession, spoil: (call: number, out: NbDeviceStep) => void): NbSession {
  let call = 0;
  return {
    estep: (p) => ref.estep(p),
    evaluate: ref.evaluate,
    async estepMStep(p) {
      const st = await ref.estep(p);
      const next = mStep(ctx, p, st).params;
      const out = { loglik: st.loglik, rows: st.rows, means: next.means, phi: next.phi };
      spoil(++call, out);
      return out;
    },
  };
}

describe('the log-likelihood guard of the device M-step', () => {
  test('a step that lowers the log-likelihood is redone on the host from the previous parameters; good steps pass untouched', async () => {
    const { sim, c, s, ctx, ref } = guardSetup(400, 12, 2, 7);
    const { k, d } = ctx;
    let deviceCalls = 0;
    let hostCalls = 0;
    const session: NbSession = {
      estep: async (p) => {
        hostCalls++;
        return ref.estep(p);
      },
      evaluate: ref.evaluate,
      // The host M-step, but the 2nd call's result is spoiled (means ×4): the 3rd call's log-likelihood falls.
      async estepMStep(p) {
        const st = await ref.estep(p);
        const next = mStep(ctx, p, st).params;
        if (++deviceCalls === 2) for (let t = 0; t < k * d; t++) next.means[t] *= 4;
        return { loglik: st.loglik, rows: st.rows, means: next.means, phi: next.phi };
      },
    };
    const labels = sim.truth.map((t, i) => (i % 5 === 0 ? 1 - t : t));
    const state = { params: paramsFromLabels(c, s, labels, k, ctx.dispersion), guard: newGuard() };
    const objectives: number[] = [];
    const redone: boolean[] = [];
    let p2: NbParams | null = null;
    for (let it = 0; it < 4; it++) {
      if (it === 2) p2 = state.params;
      const out = await deviceStep(session, ctx, state);
      objectives.push(out.loglik);
      redone.push(out.redone);
    }
    expect(redone).toEqual([false, false, true, false]);
    // One extra E-step (the redo) and one extra device call for it.
    expect(hostCalls).toBe(1);
    expect(deviceCalls).toBe(5);
    for (let t = 1; t < objectives.length; t++) expect(objectives[t]).toBeGreaterThanOrEqual(objectives[t - 1]);
    // Without the guard the third objective would be the spoiled parameters' log-likelihood.
    const spoiled = (await ref.estep(p2!)).loglik;
    expect(spoiled).toBeLessThan(objectives[1] - 1);
  });

  test('a device result out of float32 range (an infinite mean, a NaN φ) is replaced by the float64 host M-step of the same iteration', async () => {
    const { sim, c, s, ctx, ref } = guardSetup(300, 8, 2, 3);
    const { k } = ctx;
    const session = hostAsDevice(ctx, ref, (call, out) => {
      if (call === 1) out.means[3] = Number.POSITIVE_INFINITY;
      if (call === 2) out.phi[5] = Number.NaN;
    });
    const labels = sim.truth.map((t, i) => (i % 4 === 0 ? 1 - t : t));
    const start = paramsFromLabels(c, s, labels, k, ctx.dispersion);
    const state = { params: start, guard: newGuard() };
    const a = await deviceStep(session, ctx, state);
    expect(a.redone).toBe(true);
    // Exactly the host's M-step from the same parameters.
    const host = mStep(ctx, start, await ref.estep(start)).params;
    expect(Array.from(state.params.means)).toEqual(Array.from(host.means));
    expect(Array.from(state.params.phi)).toEqual(Array.from(host.phi));
    const b = await deviceStep(session, ctx, state);
    expect(b.redone).toBe(true);
    for (const v of [...state.params.means, ...state.params.phi]) expect(Number.isFinite(v) && v > 0).toBe(true);
    expect(b.loglik).toBeGreaterThanOrEqual(a.loglik);
  });

  test('a NaN log-likelihood counts as a fall: the step that led to it is redone', async () => {
    const { sim, c, s, ctx, ref } = guardSetup(200, 6, 2, 5);
    const { k } = ctx;
    // The 2nd call reports a NaN log-likelihood, as a broken E-step would.
    const session = hostAsDevice(ctx, ref, (call, out) => {
      if (call === 2) out.loglik = Number.NaN;
    });
    const state = { params: paramsFromLabels(c, s, sim.truth, k, ctx.dispersion), guard: newGuard() };
    await deviceStep(session, ctx, state);
    const b = await deviceStep(session, ctx, state);
    expect(b.redone).toBe(true);
    expect(Number.isFinite(b.loglik)).toBe(true);
  });
});
