/**
 * snnGraph(knn, { pruneSnn }): a hand-solved graph, then Seurat's own SNN matrix
 * (FindNeighbors(compute.SNN = TRUE), k.param = 20, prune.SNN = 1/15; test/fixtures/snn, made by
 * make_seurat_snn.R) reproduced entry by entry from our exact kNN with k = 19.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { knn, snnGraph, type KnnResult, type WeightedGraph } from '../../src/index.js';
import { F64_RTOL } from '../tolerance.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/snn/seurat_snn.json', import.meta.url), 'utf8')) as {
  n: number;
  d: number;
  kParam: number;
  pruneSnn: number;
  x: number[];
  i: number[];
  j: number[];
  w: number[];
};

/** The graph's entries as "i,j" → weight. */
function entries(g: WeightedGraph): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < g.n; i++) for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) out.set(`${i},${g.indices[p]}`, g.values[p]);
  return out;
}

describe('snnGraph', () => {
  // Points 0, 1, 2, 10 with k = 1: neighbourhoods {0,1}, {1,0}, {2,1}, {3,2} (row 1's tie goes to row 0).
  test('gives the hand-solved Jaccard weights, symmetric, without self-loops', async () => {
    const g = snnGraph(await knn([[0], [1], [2], [10]], { k: 1, backend: 'reference' }));
    expect(g).toMatchObject({ n: 4, d: 4, nnz: 8 });
    expect([...entries(g)]).toEqual([
      ['0,1', 1],
      ['0,2', 1 / 3],
      ['1,0', 1],
      ['1,2', 1 / 3],
      ['2,0', 1 / 3],
      ['2,1', 1 / 3],
      ['2,3', 1 / 3],
      ['3,2', 1 / 3],
    ]);
    const pruned = snnGraph(await knn([[0], [1], [2], [10]], { k: 1, backend: 'reference' }), { pruneSnn: 0.5 });
    expect([...entries(pruned)]).toEqual([
      ['0,1', 1],
      ['1,0', 1],
    ]);
  });

  test.each(['reference', 'wasm'] as const)("equals Seurat's FindNeighbors SNN matrix on 300 cells × 10 PCs (%s kNN)", async (backend) => {
    const { n, d, x } = fixture;
    const g = snnGraph(await knn({ data: x, n, d }, { k: fixture.kParam - 1, backend }), { pruneSnn: fixture.pruneSnn });
    const got = entries(g);
    const want = new Map<string, number>();
    fixture.i.forEach((i, t) => {
      want.set(`${i},${fixture.j[t]}`, fixture.w[t]);
      want.set(`${fixture.j[t]},${i}`, fixture.w[t]);
    });
    expect(want.size).toBeGreaterThan(10 * n);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, w] of want) expect(Math.abs(got.get(key)! - w)).toBeLessThanOrEqual(F64_RTOL * w);
  });

  test('refuses a malformed kNN result, a bad prune and unknown options', async () => {
    const r = await knn([[0], [1], [2]], { k: 1, backend: 'reference' });
    expect(() => snnGraph({ ...r, indices: new Int32Array([0, 0, 1]) })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => snnGraph({ ...r, k: 2 } as KnnResult)).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => snnGraph(r, { pruneSnn: 2 })).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
    expect(() => snnGraph(r, { prune: 0.1 } as never)).toThrow(expect.objectContaining({ code: 'UNKNOWN_OPTION' }));
  });

  test('refuses a duplicate neighbour, unsorted or infinite distances and pruneSnn: null (N7, D13)', async () => {
    const r = await knn([[0], [1], [2], [4]], { k: 2, backend: 'reference' });
    const dup = Int32Array.from(r.indices);
    dup[1] = dup[0];
    expect(() => snnGraph({ ...r, indices: dup })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    const unsorted = Float32Array.from(r.distances);
    unsorted[0] = 3;
    expect(() => snnGraph({ ...r, distances: unsorted })).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
    const inf = Float32Array.from(r.distances);
    inf[1] = Number.POSITIVE_INFINITY;
    expect(() => snnGraph({ ...r, distances: inf })).toThrow(expect.objectContaining({ code: 'NON_FINITE' }));
    expect(() => snnGraph(r, { pruneSnn: null as never })).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
  });
});
