/**
 * preprocessStream on WebGPU (headless Chromium): each PCA tile goes through the GPU's 'sc'
 * session (upload, normalise, dense scaled block, tiled products). Against the in-memory
 * reference pipeline on the same seeded counts: the same cells, genes and HVGs (those are host
 * float64 in both), and the PCA within the PCA tolerances (float32 products against float64).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { preprocess } from '../../src/sc/preprocess.js';
import { preprocessStream } from '../../src/sc/stream/preprocess.js';
import { sampleNbMixture } from '../../src/sc/synthetic.js';
import { csrSource } from '../../src/stream/memory.js';
import { PCA_ANGLE_RAD, PCA_EV_RTOL, maxPrincipalAngle } from '../fixtures/sc-pre/reference.js';

let gpu: Engine;
let cpu: Engine;
beforeAll(async () => {
  gpu = await createEngine({ backend: 'webgpu' });
  cpu = await createEngine({ backend: 'reference' });
  expect(gpu.backend).toBe('webgpu');
});

/** Three cell types over 80 genes, each type raising its own block of 10 genes: two clear PCs. */
function counts() {
  const d = 80;
  const means = [0, 1, 2].map((k) => Array.from({ length: d }, (_, g) => (Math.floor(g / 10) === k ? 12 : 0.6 + (g % 7) * 0.2)));
  return sampleNbMixture({ weights: [0.4, 0.35, 0.25], means, dispersion: new Array(d).fill(0.2) }, { n: 700, seed: 5 });
}

describe('preprocessStream on WebGPU', () => {
  test('per-tile GPU products agree with the in-memory reference PCA; filters and HVGs are the same', async () => {
    const x = counts();
    const opts = { cells: { minGenes: 5 }, hvg: { nTopGenes: 40 }, pca: { nComps: 2, seed: 2 } } as const;
    const a = await preprocess(x, { ...opts, engine: cpu });
    const b = await preprocessStream(csrSource(x), { ...opts, tileRows: 200, chunkRows: 150, engine: gpu });
    expect(b.pca.backend).toBe('webgpu');
    expect(Array.from(b.cells)).toEqual(Array.from(a.cells));
    expect(Array.from(b.hvgGenes)).toEqual(Array.from(a.hvgGenes));
    for (let j = 0; j < 2; j++)
      expect(Math.abs(b.pca.explainedVarianceRatio[j] / a.pca.explainedVarianceRatio[j] - 1)).toBeLessThan(PCA_EV_RTOL);
    expect(maxPrincipalAngle(a.pca.loadings, b.pca.loadings, b.pca.d, 2)).toBeLessThan(PCA_ANGLE_RAD);
    expect(b.passes.filter((p) => p.pass.startsWith('pca-')).length).toBe(b.pca.nIter + 2);
  }, 120_000);
});
