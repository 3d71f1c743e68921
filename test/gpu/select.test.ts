import { test, expect } from 'vitest';
import { createEngine, selectK } from '../../src/index.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { expectRelClose, F32_OBJ_RTOL } from '../tolerance.js';

test('selectK on WebGPU chooses the same k as the CPU reference, with matching BIC rows', async () => {
  const gpu = await createEngine({ backend: 'webgpu' });
  const cpu = await createEngine({ backend: 'reference' });
  const b = makeBlobs(900, 4, 3, 21, { std: 0.8, spread: 6 });
  const X = { data: b.data, n: b.n, d: b.d };
  const opts = {
    model: 'gmm' as const,
    ks: [2, 3, 4, 5],
    fit: { covariance: 'diag' as const, seed: 2, init: 'random' as const, maxIter: 30, tol: 0 },
  };
  const g = await selectK(X, { ...opts, engine: gpu });
  const c = await selectK(X, { ...opts, engine: cpu });
  expect(g.bestK).toBe(3);
  expect(c.bestK).toBe(3);
  g.rows.forEach((row, i) => expectRelClose(row.bic, c.rows[i].bic, F32_OBJ_RTOL, `BIC at k=${row.k}`));
  // ICL adds −2 Σ log z_MAP from the engine's own posterior (predictProba on the GPU).
  g.rows.forEach((row, i) => expectRelClose(row.icl!, c.rows[i].icl!, F32_OBJ_RTOL, `ICL at k=${row.k}`));
  expect(g.best.k).toBe(3);
  expect(g.best.backend).toBe('webgpu');
});
