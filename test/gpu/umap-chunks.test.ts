/**
 * UMAP's layout on WebGPU cut into chunks (src/backends/webgpu/umap-chunks.ts): with the engine's
 * maxChunkRows forcing 4 position chunks and 12 vertex chunks on a 150-point graph, the layout
 * has the same bits as in one chunk. Small data: SwiftShader is slow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, fuzzySimplicialSet, umap, type Engine } from '../../src/index.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { knn } from '../../src/graph/knn.js';
import type { WeightedGraph } from '../../src/graph/types.js';
import { findAbParams } from '../../src/umap/ab.js';
import { layoutPlan } from '../../src/umap/plan.js';
import { layoutChunks } from '../../src/backends/webgpu/umap-chunks.js';

let whole: Engine;
let tiny: Engine;
let graph: WeightedGraph;
beforeAll(async () => {
  whole = await createEngine({ backend: 'webgpu' });
  tiny = await createEngine({ backend: 'webgpu', maxChunkRows: 16 });
  const b = makeBlobs(150, 8, 3, 2, { std: 1 });
  graph = fuzzySimplicialSet(await knn({ data: Float64Array.from(b.data), n: 150, d: 8 }, { k: 10, backend: 'reference' }));
});
afterAll(() => {
  whole.destroy();
  tiny.destroy();
});

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length)).join(',');

describe('umap on WebGPU in chunks', () => {
  it('gives the same bits with 4 position chunks and 12 vertex chunks (maxChunkRows 16) as in one chunk, in 2 and 3 dimensions', async () => {
    for (const dim of [2, 3]) {
      const { a, b } = findAbParams(1, 0.1);
      const plan = layoutPlan(graph, { nComponents: dim, nEpochs: 30, a, b, negativeSampleRate: 5, learningRate: 1, seed: 3 });
      const cut = layoutChunks(plan.indptr, 150, dim, 1 << 27, 16);
      expect([cut.posRows, cut.posChunks, cut.vertexChunks.length]).toEqual([38, 4, 12]);
      const o = { seed: 3, nEpochs: 30, nComponents: dim } as const;
      const one = await umap(graph, { ...o, engine: whole });
      const cutUp = await umap(graph, { ...o, engine: tiny });
      expect(cutUp.backend).toBe('webgpu');
      expect(bits(cutUp.embedding)).toBe(bits(one.embedding));
      // The layout moved from its start (epochs ran, in every chunk).
      const start = await umap(graph, { ...o, nEpochs: 1, engine: whole });
      let still = 0;
      for (let i = 0; i < 150; i++) if (one.embedding[i * dim] === start.embedding[i * dim]) still++;
      expect(still).toBe(0);
    }
  });
});
