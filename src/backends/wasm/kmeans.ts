/**
 * The 'wasm' implementation of the k-means contract (kmeans/backend.ts), hard and soft: the rows
 * are copied into wasm memory once per session as f32 after subtracting the column means (in
 * f64), and every E-step is one kernel run over fixed row blocks on the engine's pool
 * (ops.ts: kmeansAssignStats, softKMeansEStep), reduced in block order, so the thread count
 * never changes a bit. Statistics come back in data coordinates (origin null); the M-step and
 * the driver are the model's.
 */
import type { KMeansBackend, KMeansSession, KMeansSetup } from '../../kmeans/backend.js';
import type { Dataset } from '../../data.js';
import {
  distances,
  kmeansAssignStats,
  kmeansBuffers,
  kmeansPlusPlus,
  kmeansPredict,
  putRows,
  softKMeansEStep,
  type KMeansBuffers,
  type WasmRows,
} from './ops.js';
import { f32View, i32View } from './runtime.js';
import { wasmState, type WasmEngineState } from './state.js';

/** Indices of the m largest values, largest first, ties to the lower index (as the reference). */
export function topIndices(values: ArrayLike<number>, m: number): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => values[b] - values[a] || a - b);
  return order.slice(0, m);
}

/** Σ w_i·v_i in row order, in f64 (the host's share of an objective: independent of threads). */
function weightedSum(v: ArrayLike<number>, weights: Float64Array | null): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (weights ? weights[i] : 1) * v[i];
  return s;
}

function copyRows(x: Float64Array, d: number, idx: number[]): Float64Array {
  const out = new Float64Array(idx.length * d);
  idx.forEach((r, j) => out.set(x.subarray(r * d, r * d + d), j * d));
  return out;
}

function session(st: WasmEngineState, ds: Dataset, setup: KMeansSetup, rows: WasmRows, bufs: KMeansBuffers): KMeansSession {
  const { pool, rt } = st;
  const { n, d, x } = ds;
  const { k, weights } = setup;
  const beta = setup.soft?.beta ?? 0;
  let centres: Float64Array = new Float64Array(k * d);
  // Soft sessions: each row's distance to its nearest centre in the last E-step (relocation's 'farthest').
  let minDist: Float32Array | null = null;
  return {
    origin: null,
    row: (i) => x.subarray(i * d, i * d + d),
    plusPlus: (rng, signal) =>
      st.exclusive(async () => copyRows(x, d, await kmeansPlusPlus(pool, rows, k, rng, signal ? { signal } : {}, weights))),
    setCentres(c) {
      centres = c;
    },
    step: () =>
      st.exclusive(async () => {
        if (setup.soft) {
          const s = await softKMeansEStep(pool, rows, centres, k, beta, { minDist: true });
          minDist = s.minDist!;
          return { sums: s.sx, counts: s.nk, objective: (-1 / beta) * s.sumLse };
        }
        const s = await kmeansAssignStats(pool, rows, bufs, centres, k);
        return { sums: s.sums, counts: s.counts, objective: s.inertia, changed: s.changed };
      }),
    farthest: (m) => st.exclusive(() => topIndices(setup.soft ? (minDist ?? new Float32Array(n)) : f32View(rt, bufs.dist, n).slice(), m)),
    labelsOf: (idx) =>
      st.exclusive(() => {
        const labels = i32View(rt, bufs.labels, n);
        return idx.map((i) => labels[i]);
      }),
    final: (fresh, wantResp) =>
      st.exclusive(async () => {
        if (setup.soft) {
          // Objective (and responsibilities) at the final centres; hard labels and inertia at the nearest centre.
          const s = await softKMeansEStep(pool, rows, centres, k, beta, { resp: wantResp });
          const near = await kmeansPredict(pool, rows, centres, k);
          return {
            labels: near.labels,
            inertia: weightedSum(near.dist, weights),
            objective: (-1 / beta) * s.sumLse,
            ...(s.resp ? { resp: s.resp } : {}),
          };
        }
        // Labels consistent with the final centroids (a fresh assignment unless the last one already is).
        if (fresh) await kmeansAssignStats(pool, rows, bufs, centres, k);
        // Copies: the next restart reuses the session's buffers.
        return { labels: i32View(rt, bufs.labels, n).slice(), inertia: weightedSum(f32View(rt, bufs.dist, n), weights) };
      }),
  };
}

/** Column means in f64: the shift subtracted before rounding rows to f32 (as the fits' Dataset.mean). */
function columnMeans(x: Float64Array, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  return mean;
}

export const wasmKMeans: KMeansBackend = {
  async session(engine, ds, setup, fn) {
    const st = wasmState(engine);
    const held = await st.region(() => {
      const rows = putRows(st.rt, ds.x, ds.n, ds.d, { shift: ds.mean, ...(setup.weights ? { weights: setup.weights } : {}) });
      return { rows, bufs: kmeansBuffers(st.rt, ds.n) };
    });
    try {
      return await fn(session(st, ds, setup, held.value.rows, held.value.bufs));
    } finally {
      held.free();
    }
  },
  async apply(engine, x, c, k, what) {
    const st = wasmState(engine);
    return st.exclusive(async () => {
      const mark = st.rt.arena.mark();
      try {
        const rows = putRows(st.rt, x.x, x.n, x.d, { shift: columnMeans(x.x, x.n, x.d) });
        if (what === 'transform') return distances(st.pool, rows, c, k, true);
        return (await kmeansPredict(st.pool, rows, c, k)).labels;
      } finally {
        st.rt.arena.release(mark);
      }
    });
  },
};
