/**
 * The size-factor grid: how sums over every (cell, gene) zero are done without visiting them.
 *
 * A zero count of gene g in cell i under component k has log-probability
 * z_kg(s_i) = −r_g·log(1 + s_i·μ_kg/r_g), so a cell's zero part Z_k(s_i) = Σ_g z_kg(s_i) depends on
 * the cell only through its size factor. Likewise every M-step sum over cells of a function of
 * (s_i, μ_kg, r_g) weighted by responsibilities. These functions are analytic in t = log s (their
 * singularities lie at Im t = ±π), so they are interpolated in t on J Chebyshev–Lobatto nodes
 * spanning [min s, max s]: f(s_i) ≈ Σ_l ℓ_l(s_i)·f(s_l), with ℓ_l the Lagrange basis evaluated by
 * the (stable) barycentric formula. Then
 *   - E-step: Z_k(s_i) = Σ_l ℓ_l(s_i)·Z_k(s_l): a k×J table (O(k·d·J) work) and O(n·k·J) per cell;
 *   - M-step: Σ_i w_i·f(s_i) = Σ_l W_l·f(s_l) with node weights W_l = Σ_i w_i·ℓ_l(s_i).
 * Interpolation error: with half-width h of [log s_min, log s_max], f extends analytically inside
 * the Bernstein ellipse ρ = b + √(b² + 1), b = π/h, and the error decays like ρ^−J. J is chosen so
 * that ρ^−(J−1) ≤ 1e-13 (between 2 and 64 nodes); test/node/nbmm-grid.test.ts measures the error
 * against the exact sums. Equal size factors (e.g. sizeFactors: 'none') need one node: exact.
 */

export interface SizeGrid {
  /** Nodes (J ≥ 1). */
  J: number;
  /** Node size factors s_l. */
  nodes: Float64Array;
  /** log s_min and the width of [log s_min, log s_max]. */
  logMin: number;
  logWidth: number;
  /** Barycentric weights of the nodes. */
  bary: Float64Array;
  /** Node coordinates u_l = cos(πl/(J−1)) ∈ [−1, 1] (u = −1 ↔ s_min). */
  u: Float64Array;
}

/** Largest number of nodes (a range of s wider than ~e^18 could need more for 1e-13; it then gets ~1e-10). */
export const MAX_NODES = 64;
const TARGET_LOG_ERR = 13 * Math.LN10;

export function nodesFor(logWidth: number): number {
  if (!(logWidth > 1e-12)) return 1;
  const h = logWidth / 2;
  const b = Math.PI / h;
  const rho = b + Math.sqrt(b * b + 1);
  return Math.max(2, Math.min(MAX_NODES, Math.ceil(TARGET_LOG_ERR / Math.log(rho)) + 1));
}

export function makeGrid(s: ArrayLike<number>, forceJ?: number): SizeGrid {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < s.length; i++) {
    const v = Math.log(s[i]);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const width = hi - lo;
  const J = forceJ ?? nodesFor(width);
  const nodes = new Float64Array(J);
  const bary = new Float64Array(J);
  const us = new Float64Array(J);
  if (J === 1 || !(width > 1e-12)) {
    // One node at the common value: exact.
    const c = Math.exp((lo + hi) / 2);
    return { J: 1, nodes: Float64Array.of(c), logMin: lo, logWidth: 0, bary: Float64Array.of(1), u: Float64Array.of(0) };
  }
  for (let l = 0; l < J; l++) {
    const u = Math.cos((Math.PI * l) / (J - 1));
    us[l] = u;
    nodes[l] = Math.exp(lo + ((u + 1) / 2) * width);
    bary[l] = (l % 2 === 0 ? 1 : -1) * (l === 0 || l === J - 1 ? 0.5 : 1);
  }
  return { J, nodes, logMin: lo, logWidth: width, bary, u: us };
}

/** ℓ_l(s) for l = 0..J−1 into out[offset..offset+J). */
export function cellWeights(grid: SizeGrid, s: number, out: Float64Array | Float32Array, offset: number): void {
  const J = grid.J;
  if (J === 1) {
    out[offset] = 1;
    return;
  }
  let u = (2 * (Math.log(s) - grid.logMin)) / grid.logWidth - 1;
  if (u < -1) u = -1;
  if (u > 1) u = 1;
  let denom = 0;
  let hit = -1;
  for (let l = 0; l < J; l++) {
    const diff = u - grid.u[l];
    if (Math.abs(diff) < 1e-15) {
      hit = l;
      break;
    }
    denom += grid.bary[l] / diff;
  }
  if (hit >= 0) {
    for (let l = 0; l < J; l++) out[offset + l] = l === hit ? 1 : 0;
    return;
  }
  for (let l = 0; l < J; l++) out[offset + l] = grid.bary[l] / (u - grid.u[l]) / denom;
}
