/**
 * Typed operations over the kernels: each runs one kernel over all rows on the pool and reduces
 * the per-block partial statistics in block order on the calling thread (f64, sequential), so
 * the result does not depend on the thread count. Inputs are copied into wasm memory once
 * (putRows); parameters are rounded to f32 per call; results come back as fresh JS arrays.
 */
import { searchSorted, weightedPick } from '../../core/weights.js';
import { blockCount, type RunOptions, type WasmPool } from './pool.js';
import { f32View, f64View, i32View, putF32, putF64, type WasmRuntime } from './runtime.js';

/** Rows copied into wasm memory as f32 (optionally minus a per-column shift, subtracted in f64). */
export interface WasmRows {
  ptr: number;
  n: number;
  d: number;
  /** Address of f32 sample weights, or 0 for unweighted. */
  weights: number;
  /** The per-column shift subtracted before rounding (zeros when none). */
  shift: Float64Array;
}

export function putRows(
  rt: WasmRuntime,
  x: ArrayLike<number>,
  n: number,
  d: number,
  opts: { shift?: ArrayLike<number>; weights?: ArrayLike<number> } = {},
): WasmRows {
  const shift = opts.shift ? Float64Array.from(opts.shift) : new Float64Array(d);
  const ptr = putF32(rt, x.length === n * d ? x : Array.prototype.slice.call(x, 0, n * d), d, opts.shift ? shift : undefined);
  const weights = opts.weights ? putF32(rt, opts.weights) : 0;
  return { ptr, n, d, weights, shift };
}

/** Parameters k×d in data coordinates → f32 in the rows' shifted coordinates, at a fresh address. */
function putParams(rt: WasmRuntime, rows: WasmRows, p: ArrayLike<number>, k: number): number {
  return putF32(rt, p.length === k * rows.d ? p : Array.prototype.slice.call(p, 0, k * rows.d), rows.d, rows.shift);
}

/** Sum `width` f64 per block over blocks 0, 1, … in order. */
function reduceBlocks(rt: WasmRuntime, part: number, strideF64: number, nBlocks: number, width: number): Float64Array {
  const all = f64View(rt, part, nBlocks * strideF64);
  const out = new Float64Array(width);
  for (let b = 0; b < nBlocks; b++) {
    const o = b * strideF64;
    for (let t = 0; t < width; t++) out[t] += all[o + t];
  }
  return out;
}

/** Per-fit buffers of the hard k-means step: labels (i32, −1 at first) and distances (f32) per row. */
export interface KMeansBuffers {
  labels: number;
  dist: number;
}

export function kmeansBuffers(rt: WasmRuntime, n: number): KMeansBuffers {
  const labels = rt.arena.i32(n);
  i32View(rt, labels, n).fill(-1);
  return { labels, dist: rt.arena.f32(n) };
}

export interface AssignStats {
  /** Σ w·‖x − c_label‖² (f32 distances, f64 sum). */
  inertia: number;
  /** Rows whose label differs from the buffers' previous one. */
  changed: number;
  /** Σ w per cluster. */
  counts: Float64Array;
  /** Σ w·x per cluster, k×d, in data coordinates (the shift added back). */
  sums: Float64Array;
}

/** One fused k-means E-step + statistics: labels and distances land in `bufs`. */
export async function kmeansAssignStats(
  pool: WasmPool,
  rows: WasmRows,
  bufs: KMeansBuffers,
  centroids: ArrayLike<number>,
  k: number,
  run: RunOptions = {},
): Promise<AssignStats> {
  const { rt } = pool;
  const { n, d } = rows;
  const mark = rt.arena.mark();
  try {
    const c = putParams(rt, rows, centroids, k);
    const width = 2 + k + k * d;
    const stride = width + (width & 1);
    const nBlocks = blockCount(n);
    const part = rt.arena.f64(stride * nBlocks);
    await pool.run('kmeansAssign', n, part, stride * 8, [rows.ptr, d, rows.weights, c, k, bufs.labels, bufs.dist], run);
    const tot = reduceBlocks(rt, part, stride, nBlocks, width);
    const counts = tot.slice(2, 2 + k);
    const sums = tot.slice(2 + k);
    unshiftSums(sums, counts, rows.shift, k, d);
    return { inertia: tot[0], changed: tot[1], counts, sums };
  } finally {
    rt.arena.release(mark);
  }
}

/** Σ w·x about the shift → about the origin: add count·shift. */
function unshiftSums(sums: Float64Array, mass: Float64Array, shift: Float64Array, k: number, d: number): void {
  for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) if (shift[f] !== 0) sums[j * d + f] += mass[j] * shift[f];
}

/**
 * An E-step's statistics from its block partials [Σw·lse, Σw·r (k), Σw·r·x (k×d), second moments],
 * reduced in block order; Σw·r·x back in data coordinates. Zeros when statistics were not asked for.
 */
function softStatsOf(
  rt: WasmRuntime,
  blocks: { part: number; stride: number; nBlocks: number; width: number } | null,
  rows: WasmRows,
  k: number,
  moments: boolean,
): SoftStats {
  const d = rows.d;
  const out: SoftStats = { sumLse: 0, nk: new Float64Array(k), sx: new Float64Array(k * d), s2: null };
  if (!blocks) return out;
  const tot = reduceBlocks(rt, blocks.part, blocks.stride, blocks.nBlocks, blocks.width);
  out.sumLse = tot[0];
  out.nk = tot.slice(1, 1 + k);
  out.sx = tot.slice(1 + k, 1 + k + k * d);
  unshiftSums(out.sx, out.nk, rows.shift, k, d);
  if (moments) out.s2 = tot.slice(1 + k + k * d, blocks.width);
  return out;
}

/** Nearest centroid and squared distance for every row (no statistics). */
export async function kmeansPredict(
  pool: WasmPool,
  rows: WasmRows,
  centroids: ArrayLike<number>,
  k: number,
  run: RunOptions = {},
): Promise<{ labels: Int32Array; dist: Float32Array }> {
  const { rt } = pool;
  const mark = rt.arena.mark();
  try {
    const bufs = kmeansBuffers(rt, rows.n);
    const c = putParams(rt, rows, centroids, k);
    await pool.run('kmeansAssign', rows.n, 0, 0, [rows.ptr, rows.d, 0, c, k, bufs.labels, bufs.dist], run);
    return { labels: i32View(rt, bufs.labels, rows.n).slice(), dist: f32View(rt, bufs.dist, rows.n).slice() };
  } finally {
    rt.arena.release(mark);
  }
}

/** Distances to every centroid, n×k row-major: squared, or Euclidean with `root` (transform). */
export async function distances(
  pool: WasmPool,
  rows: WasmRows,
  centroids: ArrayLike<number>,
  k: number,
  root: boolean,
  run: RunOptions = {},
): Promise<Float32Array> {
  const { rt } = pool;
  const mark = rt.arena.mark();
  try {
    const c = putParams(rt, rows, centroids, k);
    const out = rt.arena.f32(rows.n * k);
    await pool.run('sqDistances', rows.n, 0, 0, [rows.ptr, rows.d, c, k, out, root ? 1 : 0], run);
    return f32View(rt, out, rows.n * k).slice();
  } finally {
    rt.arena.release(mark);
  }
}

export interface SoftStats {
  /** Σ w·lse_i (soft k-means: Σ w·log Σ_j exp(−β‖x − c_j‖²); Gaussian: Σ w·log p(x_i)). */
  sumLse: number;
  /** Σ w·r per component. */
  nk: Float64Array;
  /** Σ w·r·x per component, k×d, data coordinates. */
  sx: Float64Array;
  /** Σ w·r·(x − s)² per component and feature, k×d (only when a shift was given). */
  s2: Float64Array | null;
  /** Responsibilities n×k (f32), when asked. */
  resp?: Float32Array;
  /** lse per row (f64), when asked. */
  logp?: Float64Array;
  /** Smallest squared distance per row (soft k-means), when asked. */
  minDist?: Float32Array;
}

export interface SoftOutputs extends RunOptions {
  resp?: boolean;
  logp?: boolean;
  minDist?: boolean;
  /** Accumulate statistics (default true). */
  stats?: boolean;
}

async function diagRun(
  pool: WasmPool,
  rows: WasmRows,
  k: number,
  means: ArrayLike<number>,
  prec: ArrayLike<number> | null,
  cst: ArrayLike<number> | null,
  beta: number,
  shift: ArrayLike<number> | null,
  want: SoftOutputs,
): Promise<SoftStats> {
  const { rt } = pool;
  const { n, d } = rows;
  const mark = rt.arena.mark();
  try {
    const m = putParams(rt, rows, means, k);
    const p = prec ? putF32(rt, prec) : 0;
    const c = cst ? putF64(rt, cst) : 0;
    // The moments' shift, in the rows' coordinates: (x − rows.shift) − (s − rows.shift) = x − s.
    let s = 0;
    if (shift) {
      s = rt.arena.f64(k * d);
      const v = f64View(rt, s, k * d);
      for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) v[j * d + f] = shift[j * d + f] - rows.shift[f];
    }
    const stats = want.stats !== false;
    const width = 1 + k + k * d + (shift ? k * d : 0);
    const stride = width + k + ((width + k) & 1);
    const nBlocks = blockCount(n);
    // Always allocated: besides the partials, each block keeps its k log-joints there.
    const part = rt.arena.f64(stride * nBlocks);
    const resp = want.resp ? rt.arena.f32(n * k) : 0;
    const logp = want.logp ? rt.arena.f64(n) : 0;
    const minDist = want.minDist && !prec ? rt.arena.f32(n) : 0;
    const args = [rows.ptr, d, rows.weights, m, k, p, c, beta, s, resp, logp, minDist, stats ? 1 : 0];
    await pool.run('diagEStep', n, part, stride * 8, args, want);
    const out = softStatsOf(rt, stats ? { part, stride, nBlocks, width } : null, rows, k, !!shift);
    if (resp) out.resp = f32View(rt, resp, n * k).slice();
    if (logp) out.logp = f64View(rt, logp, n).slice();
    if (minDist) out.minDist = f32View(rt, minDist, n).slice();
    return out;
  } finally {
    rt.arena.release(mark);
  }
}

/** Soft k-means E-step and statistics at centres c with inverse temperature β. */
export function softKMeansEStep(
  pool: WasmPool,
  rows: WasmRows,
  centres: ArrayLike<number>,
  k: number,
  beta: number,
  want: SoftOutputs = {},
) {
  return diagRun(pool, rows, k, centres, null, null, beta, null, want);
}

/** What the diagonal/spherical Gaussian E-step needs, in float64 (as GmmParams holds it). */
export interface DiagGaussian {
  k: number;
  weights: ArrayLike<number>;
  means: ArrayLike<number>;
  /** 1/σ per component and feature (k×d), or per component (k) for spherical. */
  precChol: ArrayLike<number>;
  /** Σ_j log(1/σ_j) per component. */
  logDetPrecChol: ArrayLike<number>;
  /** 0 for dropped components (optional: all active). */
  active?: ArrayLike<number>;
}

/**
 * Gaussian mixture (diagonal or spherical) E-step: responsibilities by log-sum-exp and the
 * statistics N_k, Σ r x and, about `shift` (k×d, e.g. the current means), Σ r (x − s)².
 */
export function gmmDiagEStep(pool: WasmPool, rows: WasmRows, g: DiagGaussian, shift: ArrayLike<number> | null, want: SoftOutputs = {}) {
  const { k } = g;
  const d = rows.d;
  const spherical = g.precChol.length === k && k * d !== k;
  const prec = new Float64Array(k * d);
  for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) prec[j * d + f] = spherical ? g.precChol[j] : g.precChol[j * d + f];
  const cst = new Float64Array(k);
  const half = 0.5 * d * Math.log(2 * Math.PI);
  for (let j = 0; j < k; j++) cst[j] = g.active && !g.active[j] ? -Infinity : Math.log(g.weights[j]) + g.logDetPrecChol[j] - half;
  return diagRun(pool, rows, k, g.means, prec, cst, 0, shift, want);
}

/** The random draws k-means++ needs (the library's Rng satisfies it). */
export interface SeedingRng {
  int(n: number): number;
  uniform(): number;
}

/**
 * Greedy k-means++ (scikit-learn's variant, as the float64 reference: 2 + ⌊ln k⌋ trials, first
 * index whose cumulative potential reaches the draw). Distances are the kernels' f32 ones summed
 * in f64, so near-equal candidates may be ranked differently from the reference; the draws are
 * the same sequence. With `weights`, as scikit-learn and the reference: the first centre ∝ w,
 * candidates ∝ w·D², potentials Σ w·D² (summed on the host in row order, so still independent
 * of the thread count). Returns row indices of the chosen centres; the caller copies the rows.
 */
export async function kmeansPlusPlus(
  pool: WasmPool,
  rows: WasmRows,
  k: number,
  rng: SeedingRng,
  run: RunOptions = {},
  weights: Float64Array | null = null,
): Promise<number[]> {
  const { rt } = pool;
  const { n, d } = rows;
  const trials = 2 + Math.floor(Math.log(k));
  const nBlocks = blockCount(n);
  const mark = rt.arena.mark();
  try {
    const part = rt.arena.f64(2 * nBlocks);
    let closest = rt.arena.f64(n);
    let cand = rt.arena.f64(n);
    let best = rt.arena.f64(n);
    const cumsum = new Float64Array(n);
    const rowAt = (i: number) => rows.ptr + i * d * 4;
    const potential = async (y: number, prev: number, out: number) => {
      await pool.run('seedCandidate', n, part, 16, [rows.ptr, d, rowAt(y), prev, out], run);
      let s = 0;
      if (weights) {
        const dist = f64View(rt, out, n);
        for (let i = 0; i < n; i++) s += weights[i] * dist[i];
        return s;
      }
      const p = f64View(rt, part, 2 * nBlocks);
      for (let b = 0; b < nBlocks; b++) s += p[2 * b];
      return s;
    };
    const chosen = [weights ? weightedPick(weights, rng.uniform()) : rng.int(n)];
    await potential(chosen[0], 0, closest);
    for (let c = 1; c < k; c++) {
      const dist = f64View(rt, closest, n);
      let acc = 0;
      if (weights) for (let i = 0; i < n; i++) cumsum[i] = acc += weights[i] * dist[i];
      else for (let i = 0; i < n; i++) cumsum[i] = acc += dist[i];
      let bestPot = Infinity;
      let bestIdx = -1;
      for (let t = 0; t < trials; t++) {
        const lo = searchSorted(cumsum, rng.uniform() * acc);
        const pot = await potential(lo, closest, cand);
        if (pot < bestPot) {
          bestPot = pot;
          bestIdx = lo;
          [best, cand] = [cand, best];
        }
      }
      chosen.push(bestIdx);
      [closest, best] = [best, closest];
    }
    return chosen;
  } finally {
    rt.arena.release(mark);
  }
}

/** What the full/tied Gaussian E-step needs, in float64 (as GmmParams holds it). */
export interface FullGaussian {
  k: number;
  type: 'full' | 'tied';
  weights: ArrayLike<number>;
  means: ArrayLike<number>;
  /** U with Σ⁻¹ = U Uᵀ, upper triangular, row-major d×d: k blocks (full) or 1 (tied). */
  precChol: ArrayLike<number>;
  /** Σ_j log U_jj per component. */
  logDetPrecChol: ArrayLike<number>;
  active?: ArrayLike<number>;
}

/**
 * Gaussian mixture (full or tied) E-step: responsibilities by log-sum-exp and the statistics
 * N_k, Σ r x and, about `shift`, the packed second moments Σ r (x − s)(x − s)ᵀ (k × d(d+1)/2,
 * the reference's momentPairs order).
 */
export async function gmmFullEStep(
  pool: WasmPool,
  rows: WasmRows,
  g: FullGaussian,
  shift: ArrayLike<number> | null,
  want: SoftOutputs = {},
): Promise<SoftStats> {
  const { rt } = pool;
  const { n, d } = rows;
  const { k } = g;
  const blocks = g.type === 'full' ? k : 1;
  const m = (d * (d + 1)) / 2;
  const mark = rt.arena.mark();
  try {
    const means = putParams(rt, rows, g.means, k);
    // Uᵀ per block (lower triangular, zeros above the diagonal) in f32.
    const ut = rt.arena.f32(blocks * d * d);
    const utv = f32View(rt, ut, blocks * d * d);
    for (let b = 0; b < blocks; b++)
      for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) utv[b * d * d + r * d + c] = c <= r ? g.precChol[b * d * d + c * d + r] : 0;
    const half = 0.5 * d * Math.log(2 * Math.PI);
    const cst = Float64Array.from({ length: k }, (_, j) =>
      g.active && !g.active[j] ? -Infinity : Math.log(g.weights[j]) + g.logDetPrecChol[j] - half,
    );
    const c = putF64(rt, cst);
    let s = 0;
    if (shift) {
      s = rt.arena.f64(k * d);
      const v = f64View(rt, s, k * d);
      for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) v[j * d + f] = shift[j * d + f] - rows.shift[f];
    }
    const stats = want.stats !== false;
    const width = 1 + k + k * d + (shift ? k * m : 0);
    const scratch = k + d + Math.ceil(d / 2);
    const stride = width + scratch + ((width + scratch) & 1);
    const nBlocks = blockCount(n);
    const part = rt.arena.f64(stride * nBlocks);
    const resp = want.resp ? rt.arena.f32(n * k) : 0;
    const logp = want.logp ? rt.arena.f64(n) : 0;
    const uStride = g.type === 'full' ? d * d * 4 : 0;
    const args = [rows.ptr, d, rows.weights, means, k, ut, uStride, c, s, resp, logp, stats ? 1 : 0];
    await pool.run('fullEStep', n, part, stride * 8, args, want);
    const out = softStatsOf(rt, stats ? { part, stride, nBlocks, width } : null, rows, k, !!shift);
    if (resp) out.resp = f32View(rt, resp, n * k).slice();
    if (logp) out.logp = f64View(rt, logp, n).slice();
    return out;
  } finally {
    rt.arena.release(mark);
  }
}
