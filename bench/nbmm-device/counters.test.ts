/**
 * GPU counters of the NB mixture with the float64 host M-step and with deviceMStep, on the quick
 * preset's case nbmm-n5k-d2000-k10 (bench/cases.ts: same generator, seed, init labels rule).
 * Not part of npm test (about 2 minutes on SwiftShader): the gpu project only collects test/gpu/, so
 * run it from there, e.g.
 *   sed "s#'\.\./cases#'../../bench/cases#; s#'\.\./data#'../../bench/data#" bench/nbmm-device/counters.test.ts > test/gpu/tmp-nb-counters.test.ts
 *   npx vitest run --project gpu test/gpu/tmp-nb-counters.test.ts; rm test/gpu/tmp-nb-counters.test.ts
 * Figures: bench/results/2026-12-07-swiftshader-nbmm-device-mstep.md; after the one-pass kernel
 * (before vs after): bench/results/2026-12-07-swiftshader-nbmm-onepass.md.
 */
import { test } from 'vitest';
import { createEngine, negativeBinomialMixture } from '../../src/index.js';
import { Rng } from '../../src/core/rng.js';
import { INIT_SEED } from '../cases.js';
import { generateCounts } from '../data.js';

test('nbmm-n5k-d2000-k10: host vs device M-step counters', async () => {
  const k = 10;
  const counts = generateCounts({ kind: 'counts', n: 5000, d: 2000, clusters: k, seed: 3, density: 0.1 });
  const rng = new Rng(INIT_SEED, 5);
  const init = counts.truth!.map((t) => (rng.uniform() < 0.3 ? rng.int(k) : t % k));
  const engine = await createEngine({ backend: 'webgpu' });
  const rows: string[] = [];
  for (const deviceMStep of [false, true]) {
    const t0 = performance.now();
    const r = await negativeBinomialMixture(counts, {
      k,
      init,
      nInit: 1,
      maxIter: 3,
      tol: 0,
      sizeFactors: 'library',
      dispersion: 'per-gene',
      deviceMStep,
      engine,
    });
    const g = r.gpu!;
    rows.push(
      `| ${deviceMStep ? 'device (float32)' : 'host (float64)'} | ${g.bytesReadPerIter} | ${g.dispatchesPerIter} | ${g.dataPassesPerIter.toFixed(3)} | ${g.dataBytesPerIter} | ${r.timings.perIterMs.toFixed(0)} | ${(performance.now() - t0).toFixed(0)} | ${r.logLikelihood} | ${r.warnings.length} |`,
    );
  }
  console.log(
    `adapter: ${engine.adapter}\n| M-step | bytesReadPerIter | dispatchesPerIter | dataPassesPerIter | dataBytesPerIter | perIterMs | wall ms | logLikelihood | warnings |\n|---|---|---|---|---|---|---|---|---|\n${rows.join('\n')}`,
  );
});
