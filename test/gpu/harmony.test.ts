/** WebGPU Harmony (shaders/harmony) against the float64 reference on seeded data with a known batch shift. */
import { beforeAll, describe, expect, test } from 'vitest';
import { createEngine, harmony, type Engine } from '../../src/index.js';
import { resolveHarmony } from '../../src/harmony/options.js';
import { groupMean, norm, shiftedBatches } from '../shared/harmony-data.js';
import { expectHarmonyParity, groupStarts, threeBatchCase, twoBatchSetup } from '../shared/harmony-parity.js';

let gpu: Engine;
beforeAll(async () => {
  gpu = await createEngine({ backend: 'webgpu' });
});

describe('WebGPU Harmony equals the CPU reference', () => {
  // 300 cells: two 256-row segments of the cell sums, 20 blocks of 15.
  const per = 50;
  const s = shiftedBatches(per, 6, 2);
  const { n, d } = s;
  const K = 6;
  const setup = twoBatchSetup(s, K);
  const centroids = groupStarts(s, K, per);

  test(`n=${n}, d=${d}, K=${K}, 2 outer iterations from the same centroids: objectives, corrected PCs and R`, async () => {
    const r = resolveHarmony({ nClusters: K, maxIter: 2, maxIterClustering: 6, seed: 4, returnR: true }, n);
    const { ref, run } = await expectHarmonyParity('webgpu', gpu, s.data, setup, centroids, r);
    expect(run.corrected).toBeInstanceOf(Float32Array);
    expect(run.clusteringIterations).toEqual(ref.clusteringIterations);
  });

  test('three batches tied to the cell types (so the diversity penalty matters), K=5, σ 0.5, blocks of 10%: objectives, corrected PCs and R', async () => {
    const t = threeBatchCase(s, centroids);
    await expectHarmonyParity('webgpu', gpu, s.data, t.setup, t.start, t.r);
  });

  test('harmony() on WebGPU: same seed, same bits; the known shift removed as on the reference', async () => {
    const X = { data: s.data, n, d };
    const a = await harmony(X, s.batch, { engine: gpu, seed: 1, maxIter: 3 });
    const b = await harmony(X, s.batch, { engine: gpu, seed: 1, maxIter: 3 });
    expect(a.backend).toBe('webgpu');
    expect(a.warnings).toEqual([]);
    expect(new Uint8Array(a.corrected.buffer)).toEqual(new Uint8Array(b.corrected.buffer));
    for (let t = 0; t < 3; t++) {
      const inType = (x: string) => (i: number) => s.type[i] === t && s.batch[i] === x;
      const ma = groupMean(a.corrected, n, d, inType('a'));
      const gap = groupMean(a.corrected, n, d, inType('b')).map((v, f) => v - ma[f]);
      expect(norm(gap)).toBeLessThan(0.15 * norm(s.shift));
    }
  });
});
