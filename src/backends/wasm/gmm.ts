/**
 * The 'wasm' implementation of the Gaussian mixture contract (gmm/backend.ts), all four
 * covariance types: rows copied into wasm memory once per session (f32, column means subtracted
 * in f64), E-steps by ops.ts gmmDiagEStep (diag, spherical) and gmmFullEStep (full, tied) over
 * fixed row blocks on the engine's pool, second moments about the current means (GmmStats.shift),
 * parameters and statistics in data coordinates. The M-step, priors and driver are the model's.
 */
import type { Dataset } from '../../data.js';
import type { Evaluation, GmmBackend, GmmSession, GmmSetup } from '../../gmm/backend.js';
import type { GmmParams, GmmStats } from '../../gmm/model.js';
import { momentPairs, momentWidth } from '../../gmm/moments.js';
import type { CovarianceType } from '../../types.js';
import { gmmDiagEStep, gmmFullEStep, kmeansPlusPlus, putRows, type SoftOutputs, type WasmRows } from './ops.js';
import { f32View } from './runtime.js';
import type { WasmEngineState } from './state.js';
import { wasmState } from './state.js';

function eStep(st: WasmEngineState, rows: WasmRows, p: GmmParams, shift: Float64Array | null, want: SoftOutputs) {
  const g = {
    k: p.k,
    weights: p.weights,
    means: p.means,
    precChol: p.precChol,
    logDetPrecChol: p.logDetPrecChol,
    active: p.active,
  };
  return p.type === 'full' || p.type === 'tied'
    ? gmmFullEStep(st.pool, rows, { ...g, type: p.type }, shift, want)
    : gmmDiagEStep(st.pool, rows, g, shift, want);
}

/**
 * Statistics of given responsibilities, for initialisation only. No kernel takes responsibilities
 * as input yet, so this runs on the host in float64 over the session's f32 rows (the data the
 * E-steps see), in two passes like the reference: means, then moments about them.
 */
function hostStatsFromResp(
  rt: WasmEngineState['rt'],
  rows: WasmRows,
  k: number,
  type: CovarianceType,
  resp: Float64Array,
  weights: Float64Array | null,
  total: number,
): GmmStats {
  const { n, d, shift: colShift } = rows;
  const x = f32View(rt, rows.ptr, n * d);
  const nk = new Float64Array(k);
  const sxc = new Float64Array(k * d);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < k; c++) {
      const r = (weights ? weights[i] : 1) * resp[i * k + c];
      if (r === 0) continue;
      nk[c] += r;
      for (let j = 0; j < d; j++) sxc[c * d + j] += r * x[i * d + j];
    }
  // Means in the rows' (column-mean shifted) coordinates.
  const mc = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) mc[c * d + j] = nk[c] > 0 ? sxc[c * d + j] / nk[c] : 0;
  const m = momentWidth(type, d);
  const pairs = momentPairs(type, d);
  const s2 = new Float64Array(k * m);
  const diff = new Float64Array(d);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < k; c++) {
      const r = (weights ? weights[i] : 1) * resp[i * k + c];
      if (r === 0) continue;
      for (let j = 0; j < d; j++) diff[j] = x[i * d + j] - mc[c * d + j];
      for (let t = 0; t < m; t++) s2[c * m + t] += r * diff[pairs[2 * t]] * diff[pairs[2 * t + 1]];
    }
  // Back to data coordinates: Σ r x = Σ r (x − s) + N·s, and the moments' shift is the mean.
  const sx = new Float64Array(k * d);
  const shift = new Float64Array(k * d);
  for (let c = 0; c < k; c++)
    for (let j = 0; j < d; j++) {
      sx[c * d + j] = sxc[c * d + j] + nk[c] * colShift[j];
      shift[c * d + j] = mc[c * d + j] + colShift[j];
    }
  return { n: total, nk, sx, s2, shift, loglik: 0 };
}

function argmax(resp: Float32Array, n: number, k: number): Int32Array {
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let c = 0; c < k; c++)
      if (resp[i * k + c] > best) {
        best = resp[i * k + c];
        labels[i] = c;
      }
  }
  return labels;
}

function session(st: WasmEngineState, ds: Pick<Dataset, 'n' | 'd' | 'x'>, setup: GmmSetup, rows: WasmRows): GmmSession {
  const { n, d, x } = ds;
  const weights = setup.weights;
  const total = weights ? weights.reduce((a, b) => a + b, 0) : n;
  return {
    async statsFromResp(k, type, fill) {
      const resp = new Float64Array(n * k);
      fill(resp, 0, n);
      return st.exclusive(() => hostStatsFromResp(st.rt, rows, k, type, resp, weights, total));
    },
    estep: (p) =>
      st.exclusive(async () => {
        // Moments about the current means (exact in f64 on the host side of the shift).
        const shift = p.means.slice();
        const s = await eStep(st, rows, p, shift, {});
        return { n: total, nk: s.nk, sx: s.sx, s2: s.s2!, shift, loglik: s.sumLse };
      }),
    evaluate: (p, what) =>
      st.exclusive(async (): Promise<Evaluation> => {
        const s = await eStep(st, rows, p, null, { stats: false, resp: true, logp: true });
        const resp = s.resp!;
        return { logProb: s.logp!, labels: argmax(resp, n, p.k), ...(what.resp ? { resp } : {}) };
      }),
    seeds: (k, rng) =>
      st.exclusive(async () => {
        const idx = await kmeansPlusPlus(st.pool, rows, k, rng, {}, weights);
        const out = new Float64Array(k * d);
        idx.forEach((r, j) => out.set(x.subarray(r * d, r * d + d), j * d));
        return out;
      }),
  };
}

export const wasmGmm: GmmBackend = {
  async session(engine, ds, setup, fn) {
    const st = wasmState(engine);
    const held = await st.region(() =>
      putRows(st.rt, ds.x, ds.n, ds.d, { shift: ds.mean, ...(setup.weights ? { weights: setup.weights } : {}) }),
    );
    try {
      return await fn(session(st, ds, setup, held.value));
    } finally {
      held.free();
    }
  },
};
