/**
 * UMAP's layout on WebGPU (SwiftShader in CI): the same bits for the same seed and for any
 * dispatch split, CPU–GPU parity over the first epochs (test/tolerance.ts §5), and a full layout
 * that separates two far-apart blobs. Small data: SwiftShader is slow.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, fuzzySimplicialSet, umap, type Engine } from '../../src/index.js';
import { knn } from '../../src/graph/knn.js';
import type { KnnResult } from '../../src/graph/types.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { UMAP_F32_ATOL, UMAP_PARITY_EPOCHS } from '../tolerance.js';

let gpu: Engine;
let split: Engine;
let kn: KnnResult;
let truth: number[];
beforeAll(async () => {
  gpu = await createEngine({ backend: 'webgpu' });
  // Two workgroups per dimension: the 3 workgroups of 150 vertices are split over x and y.
  split = await createEngine({ backend: 'webgpu', maxWorkgroupsPerDimension: 2 });
  const b = makeBlobs(150, 8, 2, 4, { std: 1 });
  const data = Float64Array.from(b.data);
  for (let i = 0; i < 150; i++) data[i * 8] += b.truth[i] === 0 ? -30 : 30;
  truth = b.truth;
  kn = await knn({ data, n: 150, d: 8 }, { k: 10, backend: 'reference' });
});

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length)).join(',');

describe('umap on WebGPU', () => {
  it('gives the same bits for the same seed, and for a dispatch split over x and y', async () => {
    const o = { seed: 3, nEpochs: 40 } as const;
    const a = await umap(kn, { ...o, engine: gpu });
    const b = await umap(kn, { ...o, engine: gpu });
    const s = await umap(kn, { ...o, engine: split });
    expect(a.backend).toBe('webgpu');
    expect(bits(b.embedding)).toBe(bits(a.embedding));
    expect(bits(s.embedding)).toBe(bits(a.embedding));
  });

  it(`matches the float64 CPU twin to ${UMAP_F32_ATOL} after ${UMAP_PARITY_EPOCHS} epochs (same samples, float32 arithmetic)`, async () => {
    const g = fuzzySimplicialSet(kn);
    // nEpochs sets α's decay and the schedule; stop early by giving the plan few epochs at full rate.
    const o = { seed: 9, nEpochs: UMAP_PARITY_EPOCHS } as const;
    const onGpu = await umap(g, { ...o, engine: gpu });
    const onCpu = await umap(g, { ...o, backend: 'reference' });
    let worst = 0;
    let moved = 0;
    const start = await umap(g, { ...o, nEpochs: 1, backend: 'reference' });
    for (let t = 0; t < onCpu.embedding.length; t++) {
      worst = Math.max(worst, Math.abs(onGpu.embedding[t] - onCpu.embedding[t]));
      moved = Math.max(moved, Math.abs(onCpu.embedding[t] - start.embedding[t]));
    }
    expect(worst).toBeLessThanOrEqual(UMAP_F32_ATOL);
    // Not a tautology: the epochs moved points by far more than the tolerance.
    expect(moved).toBeGreaterThan(100 * UMAP_F32_ATOL);
  });

  it('separates two far-apart blobs in a full layout: every point’s 10 layout neighbours share its blob', async () => {
    const r = await umap(kn, { seed: 1, nEpochs: 200, engine: gpu });
    let same = 0;
    const y = r.embedding;
    for (let i = 0; i < 150; i++) {
      const near = truth
        .map((_, j) => [j === i ? Infinity : Math.hypot(y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1]), j])
        .sort((p, q) => p[0] - q[0])
        .slice(0, 10);
      same += near.filter(([, j]) => truth[j] === truth[i]).length;
    }
    expect(same / 1500).toBe(1);
  });
});
