import { test } from 'vitest';
import { harmony, lisi } from '../../src/index.js';
import { shiftedBatches, groupMean, norm } from '../shared/harmony-data.js';
test('smoke', async () => {
  const s = shiftedBatches(100, 10, 1);
  const t0 = performance.now();
  const r = await harmony({ data: s.data, n: s.n, d: s.d }, s.batch, { backend: 'reference' });
  console.log(performance.now() - t0, r.objectives, r.iterations, r.converged, r.clusteringIterations, r.warnings);
  for (let t = 0; t < 3; t++) {
    const a0 = groupMean(s.data, s.n, s.d, (i) => s.type[i] === t && s.batch[i] === 'a');
    const b0 = groupMean(s.data, s.n, s.d, (i) => s.type[i] === t && s.batch[i] === 'b');
    const a = groupMean(r.corrected, s.n, s.d, (i) => s.type[i] === t && s.batch[i] === 'a');
    const b = groupMean(r.corrected, s.n, s.d, (i) => s.type[i] === t && s.batch[i] === 'b');
    console.log(t, norm(a0.map((v, f) => v - b0[f])), norm(a.map((v, f) => v - b[f])));
  }
  const l0 = lisi({ data: s.data, n: s.n, d: s.d }, s.batch);
  const l1 = lisi({ data: r.corrected, n: s.n, d: s.d }, s.batch);
  const c1 = lisi({ data: r.corrected, n: s.n, d: s.d }, Array.from(s.type));
  const mean = (x: Float64Array) => x.reduce((a, b) => a + b, 0) / x.length;
  console.log('ilisi', mean(l0), mean(l1), 'clisi', mean(c1));
});
