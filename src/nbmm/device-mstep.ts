/**
 * EM iterations with the M-step on the device (the WebGPU default; options.deviceMStep): the backend runs
 * the E-step and a float32 M-step (shaders/nbmm/mstep.wgsl) from the statistics where they lie and
 * reads back O(k·d): the row statistics, the new means and φ. The host forms the weights as
 * mstep.ts does.
 *
 * The guarantee kept: the float64 host M-step never lowers the log-likelihood (a generalised EM
 * step); the float32 one decides its halvings on float32 gains, which near the optimum round
 * either way. So each iteration's log-likelihood (read back anyway) is compared with the previous
 * one; if it fell by more than DEVICE_MSTEP_SLACK relative, the step that produced it is redone on
 * the host in float64 from the previous parameters (one more E-step reading the full O(k·d·J)
 * statistics, that iteration only), and the fit goes on from there. Hence the log-likelihood path
 * is non-decreasing up to that slack, as measured by the E-step's own float32 sum. A NaN
 * log-likelihood counts as a fall; a device result that is not positive and finite (float32 out of
 * range) is replaced by the host's float64 M-step of the same iteration.
 */
import { invalid } from '../errors.js';
import type { NbDeviceStepPlan, NbSession } from './backend.js';
import { EMPTY_MASS, type NbContext, type NbParams } from './model.js';
import { mStep } from './mstep.js';

/**
 * Largest relative fall of the log-likelihood from one iteration to the next that is taken as
 * float32 round-off of the E-step's sum (its error is about 1e-7 relative) rather than a bad step.
 */
export const DEVICE_MSTEP_SLACK = 1e-6;

/**
 * Whether to run the M-step on the device: by default wherever the backend is 'webgpu' (the
 * readback is then O(k·d) per iteration); false runs it on the host in float64 from the full
 * statistics; true off WebGPU is refused.
 */
export function resolveDeviceMStep(v: unknown, backend: string): boolean {
  if (v === undefined) return backend === 'webgpu';
  if (v === false) return false;
  if (v !== true) throw invalid('BAD_OPTION', `deviceMStep=${String(v)} is not a boolean. Pass true or false.`);
  if (backend !== 'webgpu') {
    throw invalid(
      'BAD_OPTION',
      `deviceMStep needs the webgpu backend, and this engine's is '${backend}'. Pass backend: 'webgpu', or leave deviceMStep out.`,
    );
  }
  return true;
}

/** Per restart: the parameters of the previous iteration and their log-likelihood. */
export interface DeviceGuard {
  prev: NbParams | null;
  prevLoglik: number;
}

export function newGuard(): DeviceGuard {
  return { prev: null, prevLoglik: Number.NEGATIVE_INFINITY };
}

export interface DeviceStepOutcome {
  /** Log-likelihood at the parameters the iteration started from (after any redo). */
  loglik: number;
  shift: number;
  /** Components treated as empty. */
  empty: number[];
  /** Whether the previous step (or this one, if its float32 result left the finite range) was redone on the host. */
  redone: boolean;
}

function positiveFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!(a[i] > 0 && a[i] < Number.POSITIVE_INFINITY)) return false;
  return true;
}

/** One EM iteration from `state.params` with the device M-step; updates state.params and the guard. */
export async function deviceStep(
  session: NbSession,
  ctx: NbContext,
  state: { params: NbParams; guard: DeviceGuard },
): Promise<DeviceStepOutcome> {
  const plan: NbDeviceStepPlan = { meanEstimator: ctx.meanEstimator, dispersion: ctx.dispersion.kind, hist: ctx.hist };
  const g = state.guard;
  let start = state.params;
  let out = await session.estepMStep!(start, plan);
  let redone = false;
  // Written so that a NaN log-likelihood counts as a fall.
  if (g.prev && !(out.loglik >= g.prevLoglik - DEVICE_MSTEP_SLACK * Math.abs(g.prevLoglik))) {
    // The float32 step from g.prev lowered the log-likelihood: redo it in float64 on the host.
    start = mStep(ctx, g.prev, await session.estep(g.prev, true)).params;
    out = await session.estepMStep!(start, plan, true);
    redone = true;
  }
  const { k, d, grid } = ctx;
  const J = grid.J;
  const empty: number[] = [];
  const weights = new Float64Array(k);
  let wsum = 0;
  for (let c = 0; c < k; c++) {
    const N = out.rows[c * (J + 2) + J];
    if (!(N >= EMPTY_MASS)) empty.push(c);
    weights[c] = Math.max(N, EMPTY_MASS);
    wsum += weights[c];
  }
  for (let c = 0; c < k; c++) weights[c] /= wsum;
  let { means, phi } = out;
  if (!positiveFinite(means) || !positiveFinite(phi)) {
    // float32 ran out of range (a mean past ~3e38): this iteration's M-step in float64 on the host.
    ({ means, phi } = mStep(ctx, start, await session.estep(start, true)).params);
    redone = true;
  }
  const next: NbParams = { k, d, weights, means, phi };
  let shift = 0;
  for (let t = 0; t < k * d; t++) shift += Math.log(next.means[t] / start.means[t]) ** 2;
  for (let j = 0; j < d; j++) shift += Math.log(next.phi[j] / start.phi[j]) ** 2;
  g.prev = start;
  g.prevLoglik = out.loglik;
  state.params = next;
  return { loglik: out.loglik, shift, empty, redone };
}
