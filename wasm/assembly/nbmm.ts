// The negative-binomial mixture on CSR counts (src/nbmm/model.ts), all in f64. Each cell's
// log-probability under component j is
//   log π_j + Σ_l ℓ_l(s_i)·Z_j(s_l) − log x! + Σ_{g: x>0} [log Γ(x + r_g) − log Γ(r_g) + x·log(m/(r_g + m))],
// m = s_i·μ_jg: the zero part of every gene interpolated on the size-factor grid (nbmm/grid.ts;
// the host computes the k×J node table Z and the cells' grid weights ℓ), then the observed genes.
// Two block kernels: nbEStep over cells (responsibilities, labels, log p, and per-block row
// statistics) and nbGeneStats over genes (the gene statistics from a CSC copy, each gene's sums
// in increasing cell order, written by one thread). Neither depends on the thread count.

import { logSumExp } from './common';

const LANCZOS_G: f64 = 7;
const HALF_LOG_2PI: f64 = 0.9189385332046728;

/** log Γ(x), x > 0: the Lanczos formula of src/nbmm/special.ts (g = 7, n = 9). */
export function lgamma(x: f64): f64 {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const z = x - 1;
  let a: f64 = 0.99999999999980993;
  a += 676.5203681218851 / (z + 1);
  a += -1259.1392167224028 / (z + 2);
  a += 771.32342877765313 / (z + 3);
  a += -176.61502916214059 / (z + 4);
  a += 12.507343278686905 / (z + 5);
  a += -0.13857109526572012 / (z + 6);
  a += 9.9843695780195716e-6 / (z + 7);
  a += 1.5056327351493116e-7 / (z + 8);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * E-step over cells [r0, r1). CSR: indptr (u32, n + 1), indices (u32), values (f64). Per cell:
 * s (f64), lfact = Σ log x! (f64), ell (f64 n×J grid weights), weights (f64, 0 for all ones).
 * Parameters: mu (f64 k×d), r = 1/φ (f64 d), lgr = log Γ(r) (f64 d), logpi (f64 k), ztab (f64 k×J).
 * Outputs (0 to skip): resp (f64 n×k; w_i·r_ij when `stats`, else r_ij), logp (f64 n), labels (i32 n).
 * Block partials at `part` (never 0): [Σ w·lse, rows k×(J+2) when `stats`], then k f64 of scratch.
 */
export function nbEStep(
  r0: i32,
  r1: i32,
  part: usize,
  indptr: usize,
  indices: usize,
  values: usize,
  d: i32,
  s: usize,
  lfact: usize,
  ell: usize,
  J: i32,
  weights: usize,
  mu: usize,
  r: usize,
  lgr: usize,
  logpi: usize,
  ztab: usize,
  k: i32,
  resp: usize,
  logp: usize,
  labels: usize,
  stats: i32,
): void {
  const rw = J + 2;
  const rows = part + 8;
  const a = stats ? rows + ((<usize>k * <usize>rw) << 3) : rows;
  if (stats) memory.fill(part, 0, (1 + <usize>k * <usize>rw) << 3);
  let total: f64 = 0;
  for (let i = r0; i < r1; i++) {
    const si = load<f64>(s + (<usize>i << 3));
    const li = ell + ((<usize>i * <usize>J) << 3);
    const lf = load<f64>(lfact + (<usize>i << 3));
    for (let j = 0; j < k; j++) {
      const zj = ztab + ((<usize>j * <usize>J) << 3);
      let z: f64 = 0;
      for (let l = 0; l < J; l++) z += load<f64>(li + (<usize>l << 3)) * load<f64>(zj + (<usize>l << 3));
      store<f64>(a + (<usize>j << 3), load<f64>(logpi + (<usize>j << 3)) + z - lf);
    }
    const q0 = load<u32>(indptr + (<usize>i << 2));
    const q1 = load<u32>(indptr + (<usize>(i + 1) << 2));
    for (let q = q0; q < q1; q++) {
      const g = load<u32>(indices + (<usize>q << 2));
      const x = load<f64>(values + (<usize>q << 3));
      const rg = load<f64>(r + (<usize>g << 3));
      const common = lgamma(x + rg) - load<f64>(lgr + (<usize>g << 3));
      for (let j = 0; j < k; j++) {
        const m = si * load<f64>(mu + ((<usize>j * <usize>d + <usize>g) << 3));
        const aj = a + (<usize>j << 3);
        store<f64>(aj, load<f64>(aj) + (common + x * Math.log(m / (rg + m))));
      }
    }
    let max: f64 = -Infinity;
    let arg: i32 = 0;
    for (let j = 0; j < k; j++) {
      const v = load<f64>(a + (<usize>j << 3));
      if (v > max) {
        max = v;
        arg = j;
      }
    }
    const lse = logSumExp(a, k, max);
    const wi: f64 = weights ? load<f64>(weights + (<usize>i << 3)) : 1.0;
    total += wi * lse;
    if (logp) store<f64>(logp + (<usize>i << 3), lse);
    if (labels) store<i32>(labels + (<usize>i << 2), arg);
    for (let j = 0; j < k; j++) {
      let w = Math.exp(load<f64>(a + (<usize>j << 3)) - lse);
      if (stats) w *= wi;
      if (resp) store<f64>(resp + ((<usize>i * <usize>k + <usize>j) << 3), w);
      if (!stats) continue;
      const base = rows + ((<usize>j * <usize>rw) << 3);
      for (let l = 0; l < J; l++) {
        const o = base + (<usize>l << 3);
        store<f64>(o, load<f64>(o) + w * load<f64>(li + (<usize>l << 3)));
      }
      const oN = base + (<usize>J << 3);
      store<f64>(oN, load<f64>(oN) + w);
      store<f64>(oN + 8, load<f64>(oN + 8) + w * si);
    }
  }
  store<f64>(part, total);
}

/**
 * Gene statistics for the genes of block r0 / 4096 from the CSC copy (colptr u32 d + 1, rowidx u32, cvals f64;
 * rows increasing within a gene), the weighted responsibilities wr (f64 n×k) and grid weights ell
 * (f64 n×J): out[(g·k + j)·(J+1) + l] = Σ_i wr_ij·x_ig·ℓ_l(s_i) (l < J), and Σ_i wr_ij·x_ig at l = J.
 */
export function nbGeneStats(
  r0: i32,
  r1: i32,
  part: usize,
  d: i32,
  genesPerBlock: i32,
  colptr: usize,
  rowidx: usize,
  cvals: usize,
  ell: usize,
  J: i32,
  wr: usize,
  k: i32,
  out: usize,
): void {
  const w1 = J + 1;
  // The pool's row blocks are 4096 rows; each block stands for `genesPerBlock` genes, so few genes
  // still spread over the threads (each gene is summed by one block, whatever its size).
  const g0 = (r0 >> 12) * genesPerBlock;
  const g1 = min(d, g0 + genesPerBlock);
  for (let g = g0; g < g1; g++) {
    const og = out + ((<usize>g * <usize>k * <usize>w1) << 3);
    memory.fill(og, 0, (<usize>k * <usize>w1) << 3);
    const q0 = load<u32>(colptr + (<usize>g << 2));
    const q1 = load<u32>(colptr + (<usize>(g + 1) << 2));
    for (let q = q0; q < q1; q++) {
      const i = load<u32>(rowidx + (<usize>q << 2));
      const x = load<f64>(cvals + (<usize>q << 3));
      const li = ell + ((<usize>i * <usize>J) << 3);
      const ri = wr + ((<usize>i * <usize>k) << 3);
      for (let j = 0; j < k; j++) {
        const wx = load<f64>(ri + (<usize>j << 3)) * x;
        const base = og + ((<usize>j * <usize>w1) << 3);
        // Two nodes at a time (f64x2 mul then add: the same rounding as the scalar tail).
        const wv = f64x2.splat(wx);
        const J2 = J & ~1;
        for (let l = 0; l < J2; l += 2) {
          const o = base + (<usize>l << 3);
          v128.store(o, f64x2.add(v128.load(o), f64x2.mul(wv, v128.load(li + (<usize>l << 3)))));
        }
        for (let l = J2; l < J; l++) {
          const o = base + (<usize>l << 3);
          store<f64>(o, load<f64>(o) + wx * load<f64>(li + (<usize>l << 3)));
        }
        const oX = base + (<usize>J << 3);
        store<f64>(oX, load<f64>(oX) + wx);
      }
    }
  }
}
