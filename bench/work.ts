/**
 * The work model: bytes moved and floating-point operations per EM iteration, from which the
 * benchmark derives *effective* GB/s and GFLOP/s (model count ÷ measured median ms/iteration).
 * They are counts of what the algorithm must do, written down once here, not hardware counters:
 * a kernel that re-reads data from cache does not count it twice, and small per-iteration
 * buffers (k·d centroids, partial sums, the readback) are left out. The same counts are applied
 * to every implementation (emgpu, the CPU reference, the peers), so their rates compare like for
 * like. A flop is one add, multiply or subtract (an fma is 2); exp and log count 1.
 *
 * Sizes: n rows, d features, k clusters/components; f32 = 4 bytes (what the GPU path stores).
 */
import type { BenchCase } from './cases.js';

export interface WorkModel {
  /** Bytes read + written per iteration. */
  bytes: number;
  flops: number;
  /** The formulas behind the two numbers, as printed in the results. */
  formula: string;
}

/**
 * Hard k-means (Lloyd), one iteration = one fused pass (shaders/kmeans/fused.wgsl): read x and
 *   the sample weights (4nd + 4n), read + write the label (8n), write the distance (4n);
 *   distances ‖x − c‖² for every row and centroid: sub + fma = 3 flops per (row, centroid,
 *   feature) → 3nkd; each row added into its cluster's d + 2 sums → n(d + 2).
 *   bytes = 4nd + 16n,  flops = 3nkd + n(d + 2).
 */
function kmeansWork(n: number, d: number, k: number): WorkModel {
  return {
    bytes: 4 * n * d + 16 * n,
    flops: 3 * n * k * d + n * (d + 2),
    formula:
      'bytes = 4nd + 16n (x and weights read once, labels read+written, distances written); flops = 3nkd (distances) + n(d+2) (sums into the owning cluster)',
  };
}

/**
 * Soft k-means, one iteration = one fused pass: read x and weights (4nd + 4n), write the
 *   least distance (4n); distances 3nkd; a = −β·dist, running max, exp, sum, log: ≈ 5 flops per
 *   (row, centroid) → 5nk; Σ r·x, Σ r, Σ r·score: 2 flops per (row, cluster, statistic) →
 *   2nk(d + 2). The responsibilities stay in workgroup memory.
 *   bytes = 4nd + 8n,  flops = 3nkd + 5nk + 2nk(d + 2).
 */
function softWork(n: number, d: number, k: number): WorkModel {
  return {
    bytes: 4 * n * d + 8 * n,
    flops: 3 * n * k * d + 5 * n * k + 2 * n * k * (d + 2),
    formula:
      'bytes = 4nd + 8n (x and weights read once, least distances written); flops = 3nkd (distances) + 5nk (logsumexp) + 2nk(d+2) (weighted sums)',
  };
}

/**
 * Gaussian mixture, one iteration = one fused pass (shaders/gmm/fused.wgsl), whose statistics
 * phase re-reads the segment's rows and responsibilities just written, from cache (not counted):
 *   E-step phase: read x and weights (4nd + 4n); per (row, component):
 *     diag: y_j = (x_j − μ_j)·u_j and ½Σy² → 4d flops;
 *     full: y = (x − μ)ᵀU with U the d×d upper-triangular precision Cholesky factor:
 *           d subtractions + d(d+1)/2 fma (2 flops) + ½Σy² (2d) → d² + 4d flops;
 *     then the logsumexp and responsibilities ≈ 5 flops → 5nk; write r (4nk) and the score (4n).
 *   Statistics phase: per (row, component): Σ r·x (2d), Σ r, Σ r·score (4), and the shifted second
 *     moments Σ r(x_a − s_a)(x_b − s_b) over M pairs at 4 flops each (diag M = d; full M = d(d+1)/2).
 *   bytes = 4nd + 4nk + 8n;
 *   flops diag = nk(4d + 5) + nk(2d + 4 + 4d)            = nk(10d + 9);
 *   flops full = nk(d² + 4d + 5) + nk(2d + 4 + 2d(d + 1)) = nk(3d² + 8d + 9).
 */
function gmmWork(n: number, d: number, k: number, cov: 'diag' | 'full'): WorkModel {
  const bytes = 4 * n * d + 4 * n * k + 8 * n;
  if (cov === 'diag') {
    return {
      bytes,
      flops: n * k * (10 * d + 9),
      formula:
        'bytes = 4nd + 4nk + 8n (x and weights read once, responsibilities and scores written); flops = nk(4d + 5) E-step (scaled differences, ½Σy², logsumexp) + nk(6d + 4) statistics (Σr·x, Σr, Σr·score, d shifted squares) = nk(10d + 9)',
    };
  }
  return {
    bytes,
    flops: n * k * (3 * d * d + 8 * d + 9),
    formula:
      'bytes = 4nd + 4nk + 8n (x and weights read once, responsibilities and scores written); flops = nk(d² + 4d + 5) E-step (triangular (x−μ)ᵀU, ½‖y‖², logsumexp) + nk(2d(d+1) + 2d + 4) statistics (Σr·x, Σr, Σr·score, d(d+1)/2 shifted products) = nk(3d² + 8d + 9)',
  };
}

/**
 * Negative-binomial mixture on a CSR matrix with nnz non-zeros, one iteration: the
 * log-likelihood of cell i under component c splits into a part over the cell's non-zero genes
 * (lgamma/log terms: ≈ 8 flops per (non-zero, component)) and a zero-count part Σ_g r_g log(r_g /
 * (r_g + s_i μ_cg)) over all genes, which the E-step needs for every (cell, component) unless the
 * implementation factors it (≈ 4 flops per (cell, component, gene) when it does not). The M-step
 * adds responsibility-weighted counts (2 flops per (non-zero, component)) and per-gene
 * dispersion updates (ignored here).
 *   bytes = 8·nnz (CSR indices + values, f32/u32) + 4(n+1) (indptr) + 8nk (responsibilities written and read);
 *   flops = 10·nnz·k + 4nkd.
 * This is an upper-bound model (the dense zero term): an implementation that factors the zero term
 * does less work, and its GFLOP/s figure then understates nothing but overstates work.
 */
function nbmmWork(n: number, d: number, k: number, nnz: number): WorkModel {
  return {
    bytes: 8 * nnz + 4 * (n + 1) + 8 * n * k,
    flops: 10 * nnz * k + 4 * n * k * d,
    formula:
      'bytes = 8·nnz + 4(n+1) + 8nk (CSR read, responsibilities); flops = 10·nnz·k (non-zero terms, E and M) + 4nkd (zero-count term per cell, component and gene, unfactored: an upper bound)',
  };
}

/** Work per iteration of a case on data of n × d (nnz for sparse counts). Null for k sweeps (many sizes). */
export function workPerIteration(c: BenchCase, n: number, d: number, nnz?: number): WorkModel | null {
  switch (c.model) {
    case 'kmeans':
      return kmeansWork(n, d, c.k);
    case 'soft-kmeans':
      return softWork(n, d, c.k);
    case 'gmm':
      return gmmWork(n, d, c.k, c.covariance);
    case 'nbmm':
      return nbmmWork(n, d, c.k, nnz ?? n * d);
    case 'select-k':
      return null;
  }
}

/**
 * Work that decides whether the CPU reference and the peers run (see DEFAULT_REF_CAP_FLOPS):
 * per iteration for a fit; for a k sweep, one iteration of its largest k (each fit of a sweep runs
 * up to maxIter iterations, so a sweep costs far more than one fit).
 */
export function capWork(c: BenchCase, n: number, d: number, nnz?: number): number {
  if (c.model === 'select-k') {
    const kmax = Math.max(...c.ks);
    return c.selectModel === 'kmeans' ? kmeansWork(n, d, kmax).flops : gmmWork(n, d, kmax, 'diag').flops;
  }
  return workPerIteration(c, n, d, nnz)!.flops;
}
