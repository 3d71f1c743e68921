/**
 * The size-factor grid (src/nbmm/grid.ts): the zero part Z_k(s) = −Σ_g r_g·log1p(s·μ_kg/r_g) and
 * responsibility-weighted sums over cells are interpolated on Chebyshev nodes in log s instead of
 * visiting every (cell, gene) zero. Here the interpolation is compared with the exact sums, for
 * parameters spanning what fits produce (μ from 1e-8 to 1e4, φ from 1e-8 to 1e4) and for size-factor
 * ranges from typical to extreme. The error must be far below float32 round-off (~1e-7 relative),
 * since the GPU E-step adds it to float32 sums.
 */
import { describe, test, expect } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { makeGrid, cellWeights, nodesFor, MAX_NODES } from '../../src/nbmm/grid.js';

function params(d: number, k: number, seed: number) {
  const rng = new Rng(seed, 5);
  const mu = Float64Array.from({ length: k * d }, () => Math.exp(-3 + 9 * rng.uniform())); // 0.05 … 400
  const r = Float64Array.from({ length: d }, () => Math.exp(-4 + 12 * rng.uniform())); // φ from 6e-6 to 55
  // Extremes a fit can reach: the floors and bounds.
  mu[0] = 1e-8;
  mu[1] = 1e4;
  r[0] = 1e8;
  r[1] = 1e-4;
  return { mu, r };
}

function zeroPart(s: number, mu: Float64Array, r: Float64Array, k: number, d: number): number {
  let z = 0;
  for (let g = 0; g < d; g++) z -= r[g] * Math.log1p((s * mu[k * d + g]) / r[g]);
  return z;
}

describe('Chebyshev interpolation of the zero part in log s', () => {
  const d = 400;
  const K = 3;
  const { mu, r } = params(d, K, 1);
  const ranges: [string, number, number, number][] = [
    ['typical (0.3 … 3)', 0.3, 3, 1e-12],
    ['Zeisel library sizes (0.103 … 3.85)', 0.103, 3.85, 1e-12],
    ['wide (0.01 … 100)', 0.01, 100, 1e-11],
    ['extreme (1e-3 … 1e3)', 1e-3, 1e3, 1e-9],
  ];
  for (const [label, lo, hi, bound] of ranges) {
    test(`${label}: interpolated Z_k(s) within ${bound} relative of the exact sum`, () => {
      const grid = makeGrid([lo, hi]);
      const table = Float64Array.from({ length: K * grid.J }, (_, t) => zeroPart(grid.nodes[t % grid.J], mu, r, Math.floor(t / grid.J), d));
      const ell = new Float64Array(grid.J);
      let worst = 0;
      for (let t = 0; t <= 2000; t++) {
        const s = Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * t) / 2000);
        cellWeights(grid, s, ell, 0);
        for (let k = 0; k < K; k++) {
          let z = 0;
          for (let l = 0; l < grid.J; l++) z += ell[l] * table[k * grid.J + l];
          const exact = zeroPart(s, mu, r, k, d);
          worst = Math.max(worst, Math.abs(z - exact) / Math.abs(exact));
        }
      }
      console.log(`zero-part interpolation, ${label}: J = ${grid.J} nodes, max relative error ${worst.toExponential(2)}`);
      expect(worst).toBeLessThanOrEqual(bound);
    });
  }

  test('node weights give responsibility-weighted sums over cells exactly (up to the same error)', () => {
    // Σ_i w_i·f(s_i) = Σ_l W_l·f(s_l), W_l = Σ_i w_i·ℓ_l(s_i), for the functions the M-step needs:
    // log1p(s·μ/r) and s·μ/(r + s·μ), at several (μ, r).
    const rng = new Rng(2, 1);
    const n = 3000;
    const s = Float64Array.from({ length: n }, () => Math.exp(-1.5 + 3 * rng.uniform()));
    const w = Float64Array.from({ length: n }, () => rng.uniform());
    const grid = makeGrid(s);
    const W = new Float64Array(grid.J);
    const ell = new Float64Array(grid.J);
    for (let i = 0; i < n; i++) {
      cellWeights(grid, s[i], ell, 0);
      for (let l = 0; l < grid.J; l++) W[l] += w[i] * ell[l];
    }
    let worst = 0;
    for (const [m, rr] of [
      [1e-8, 1],
      [0.3, 1e-4],
      [5, 2],
      [300, 0.5],
      [1e4, 1e8],
    ]) {
      for (const f of [(x: number) => Math.log1p((x * m) / rr), (x: number) => (x * m) / (rr + x * m)]) {
        let exact = 0;
        let size = 0;
        for (let i = 0; i < n; i++) {
          exact += w[i] * f(s[i]);
          size += w[i] * Math.abs(f(s[i]));
        }
        let quad = 0;
        for (let l = 0; l < grid.J; l++) quad += W[l] * f(grid.nodes[l]);
        worst = Math.max(worst, Math.abs(quad - exact) / size);
      }
    }
    console.log(`node-weight quadrature over ${n} cells (s in e^±1.5, J = ${grid.J}): max relative error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-12);
  });

  test('equal size factors need one node, and the node count grows with the range up to the cap', () => {
    expect(makeGrid([1, 1, 1]).J).toBe(1);
    expect(makeGrid([2.5, 2.5]).nodes[0]).toBeCloseTo(2.5, 14);
    const ell = new Float64Array(1);
    cellWeights(makeGrid([1, 1]), 1, ell, 0);
    expect(ell[0]).toBe(1);
    const js = [0.5, 2, 5, 10, 40].map((w) => nodesFor(w));
    for (let t = 1; t < js.length; t++) expect(js[t]).toBeGreaterThanOrEqual(js[t - 1]);
    expect(nodesFor(1e3)).toBe(MAX_NODES);
    // Barycentric weights are a partition of unity and exact at the nodes.
    const grid = makeGrid([0.2, 7]);
    const l2 = new Float64Array(grid.J);
    cellWeights(grid, grid.nodes[3], l2, 0);
    expect(l2[3]).toBeCloseTo(1, 12);
    cellWeights(grid, 1.234, l2, 0);
    expect(l2.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 13);
  });
});
