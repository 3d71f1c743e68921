/**
 * The 'wasm' implementation of the negative-binomial mixture contract (nbmm/backend.ts), float64
 * throughout. Per session the counts are copied into wasm memory once: CSR (u32 indptr and
 * indices, f64 values), each cell's size factor, Σ log x! and grid weights ℓ_l(s_i) (the same
 * float64 values as the reference computes), sample weights, and — when the session fits (a grid
 * is given) — a CSC copy and a n×k buffer for the weighted responsibilities. Per E-step:
 *   host    the k×J zero table Z_k(s_l) = Σ_g r_g·log(r_g/(r_g + s_l·μ_kg)) and log Γ(r_g) (f64)
 *   pool    nbEStep over 4096-cell blocks: log p by log-sum-exp, responsibilities, and per-block
 *           partials [Σ w·log p, rows k×(J+2)], reduced in block order on the host
 *   pool    nbGeneStats over blocks of ⌈d/64⌉ genes of the CSC copy: genes d×k×(J+1), each gene's sums
 *           in increasing cell order (one thread writes each gene)
 * so the result does not depend on the thread count. The zero part of every cell is interpolated
 * on the size-factor grid (nbmm/grid.ts, ~1e-13 relative) where the reference sums it exactly.
 * The M-step is the model's (nbmm/mstep.ts).
 */
import type { NbBackend, NbEvaluation, NbSession } from '../../nbmm/backend.js';
import type { Counts } from '../../nbmm/counts.js';
import { cellWeights, makeGrid, type SizeGrid } from '../../nbmm/grid.js';
import type { NbParams, NbStats } from '../../nbmm/model.js';
import { lgamma } from '../../nbmm/special.js';
import { BLOCK_ROWS, blockCount, type RunOptions } from './pool.js';
import { f64View, i32View, type BlockKernel, type WasmRuntime } from './runtime.js';
import { wasmState, type WasmEngineState } from './state.js';

/** The NB kernels (wasm/assembly/nbmm.ts); named here so runtime.ts's list of block kernels stays as it is. */
const NB_ESTEP = 'nbEStep' as BlockKernel;
const NB_GENE_STATS = 'nbGeneStats' as BlockKernel;

interface NbBuffers {
  indptr: number;
  indices: number;
  values: number;
  s: number;
  lfact: number;
  ell: number;
  weights: number;
  /** CSC copy and the weighted responsibilities (0 when the session only scores). */
  colptr: number;
  rowidx: number;
  cvals: number;
  wr: number;
}

function putU32(rt: WasmRuntime, src: ArrayLike<number>): number {
  const ptr = rt.arena.i32(src.length);
  new Uint32Array(rt.memory.buffer, ptr, src.length).set(src);
  return ptr;
}

function putF64Array(rt: WasmRuntime, src: ArrayLike<number>): number {
  const ptr = rt.arena.f64(src.length);
  f64View(rt, ptr, src.length).set(src);
  return ptr;
}

function upload(
  rt: WasmRuntime,
  c: Counts,
  s: Float64Array,
  grid: SizeGrid,
  k: number,
  fit: boolean,
  weights: Float64Array | null,
): NbBuffers {
  const { n, d } = c;
  const J = grid.J;
  const nnz = c.indptr[n];
  const lfact = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (let p = c.indptr[i]; p < c.indptr[i + 1]; p++) t += lgamma(c.values[p] + 1);
    lfact[i] = t;
  }
  const b: NbBuffers = {
    indptr: putU32(rt, c.indptr.subarray(0, n + 1)),
    indices: putU32(rt, c.indices.subarray(0, nnz)),
    values: putF64Array(rt, c.values.subarray(0, nnz)),
    s: putF64Array(rt, s),
    lfact: putF64Array(rt, lfact),
    ell: rt.arena.f64(n * J),
    weights: weights ? putF64Array(rt, weights) : 0,
    colptr: 0,
    rowidx: 0,
    cvals: 0,
    wr: 0,
  };
  const ell = new Float64Array(J);
  for (let i = 0; i < n; i++) {
    cellWeights(grid, s[i], ell, 0);
    f64View(rt, b.ell + i * J * 8, J).set(ell);
  }
  if (fit) {
    // CSC by counting sort: cells stay in increasing order within each gene.
    const colptr = new Uint32Array(d + 1);
    for (let p = 0; p < nnz; p++) colptr[c.indices[p] + 1]++;
    for (let g = 0; g < d; g++) colptr[g + 1] += colptr[g];
    const fill = colptr.slice(0, d);
    const rowidx = new Uint32Array(nnz);
    const cvals = new Float64Array(nnz);
    for (let i = 0; i < n; i++) {
      for (let p = c.indptr[i]; p < c.indptr[i + 1]; p++) {
        const at = fill[c.indices[p]]++;
        rowidx[at] = i;
        cvals[at] = c.values[p];
      }
    }
    b.colptr = putU32(rt, colptr);
    b.rowidx = putU32(rt, rowidx);
    b.cvals = putF64Array(rt, cvals);
    b.wr = rt.arena.f64(n * k);
  }
  return b;
}

interface Pass {
  loglik: number;
  rows: Float64Array | null;
  genes: Float64Array | null;
  labels: Int32Array | null;
  logProb: Float64Array | null;
  resp: Float64Array | null;
}

/** One E-step pass at p: statistics (fit sessions) or labels and the asked per-cell outputs. */
async function pass(
  st: WasmEngineState,
  c: Counts,
  grid: SizeGrid,
  b: NbBuffers,
  p: NbParams,
  want: { stats: boolean; resp: boolean; logProb: boolean },
  run: RunOptions = {},
): Promise<Pass> {
  const { rt, pool } = st;
  const { n, d } = c;
  const k = p.k;
  const J = grid.J;
  const r = new Float64Array(d);
  const lgr = new Float64Array(d);
  for (let g = 0; g < d; g++) {
    r[g] = 1 / p.phi[g];
    lgr[g] = lgamma(r[g]);
  }
  // Zero part at the grid's nodes, in the reference's arithmetic.
  const ztab = new Float64Array(k * J);
  for (let j = 0; j < k; j++) {
    for (let l = 0; l < J; l++) {
      const sl = grid.nodes[l];
      let z = 0;
      for (let g = 0; g < d; g++) z += r[g] * Math.log(r[g] / (r[g] + sl * p.means[j * d + g]));
      ztab[j * J + l] = z;
    }
  }
  const logpi = p.weights.map((w) => Math.log(w));
  const mark = rt.arena.mark();
  try {
    const mu = putF64Array(rt, p.means);
    const rp = putF64Array(rt, r);
    const lgrp = putF64Array(rt, lgr);
    const lp = putF64Array(rt, logpi);
    const zt = putF64Array(rt, ztab);
    const width = 1 + (want.stats ? k * (J + 2) : 0);
    const stride = width + k + ((width + k) & 1);
    const nBlocks = blockCount(n);
    const part = rt.arena.f64(stride * nBlocks);
    const resp = want.stats ? b.wr : want.resp ? rt.arena.f64(n * k) : 0;
    const logp = want.logProb ? rt.arena.f64(n) : 0;
    const labels = want.stats ? 0 : rt.arena.i32(n);
    const genes = want.stats ? rt.arena.f64(d * k * (J + 1)) : 0;
    const args = [b.indptr, b.indices, b.values, d, b.s, b.lfact, b.ell, J, b.weights, mu, rp, lgrp, lp, zt, k, resp, logp, labels];
    await pool.run(NB_ESTEP, n, part, stride * 8, [...args, want.stats ? 1 : 0], run);
    if (want.stats) {
      // Blocks of genesPerBlock genes (one pool block of BLOCK_ROWS "rows" each): up to 64 blocks.
      const per = Math.max(1, Math.ceil(d / 64));
      const rows = Math.ceil(d / per) * BLOCK_ROWS;
      await pool.run(NB_GENE_STATS, rows, 0, 0, [d, per, b.colptr, b.rowidx, b.cvals, b.ell, J, b.wr, k, genes], run);
    }
    // Block partials in block order.
    const all = f64View(rt, part, stride * nBlocks);
    const tot = new Float64Array(width);
    for (let q = 0; q < nBlocks; q++) for (let t = 0; t < width; t++) tot[t] += all[q * stride + t];
    return {
      loglik: tot[0],
      rows: want.stats ? tot.slice(1) : null,
      genes: want.stats ? f64View(rt, genes, d * k * (J + 1)).slice() : null,
      labels: labels ? i32View(rt, labels, n).slice() : null,
      logProb: logp ? f64View(rt, logp, n).slice() : null,
      resp: want.resp && !want.stats ? f64View(rt, resp, n * k).slice() : null,
    };
  } finally {
    rt.arena.release(mark);
  }
}

function session(st: WasmEngineState, c: Counts, grid: SizeGrid, b: NbBuffers): NbSession {
  return {
    estep: (p) =>
      st.exclusive(async (): Promise<NbStats> => {
        const o = await pass(st, c, grid, b, p, { stats: true, resp: false, logProb: false });
        return { loglik: o.loglik, rows: o.rows!, genes: o.genes! };
      }),
    evaluate: (p, what) =>
      st.exclusive(async (): Promise<NbEvaluation> => {
        const o = await pass(st, c, grid, b, p, { stats: false, resp: !!what.resp, logProb: !!what.logProb });
        const ev: NbEvaluation = { labels: o.labels!, loglik: o.loglik };
        if (o.logProb) ev.logProb = o.logProb;
        if (o.resp) ev.resp = o.resp;
        return ev;
      }),
  };
}

export const wasmNbmm: NbBackend = {
  async open(engine, c, s, grid, setup, fn) {
    const st = wasmState(engine);
    // Scoring sessions interpolate the zero part on a grid of their own, as the WebGPU backend does.
    const g = grid ?? makeGrid(s);
    const held = await st.region(() => upload(st.rt, c, s, g, setup.k, grid !== null, setup.weights));
    try {
      return await fn(session(st, c, g, held.value));
    } finally {
      held.free();
    }
  },
};
