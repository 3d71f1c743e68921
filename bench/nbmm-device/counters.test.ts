/**
 * GPU counters of the NB mixture with the float64 host M-step (deviceMStep: false) and the default device M-step, on the quick
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

test('nbmm-n5k-d2000-k10: host vs device M-step counters, per-gene and shared φ', async () => {
  const k = 10;
  const counts = generateCounts({ kind: 'counts', n: 5000, d: 2000, clusters: k, seed: 3, density: 0.1 });
  const rng = new Rng(INIT_SEED, 5);
  const init = counts.truth!.map((t) => (rng.uniform() < 0.3 ? rng.int(k) : t % k));
  const engine = await createEngine({ backend: 'webgpu' });
  const rows: string[] = [];
  const fit = async (deviceMStep: boolean | undefined, dispersion: 'per-gene' | 'shared') =>
    negativeBinomialMixture(counts, {
      k,
      init,
      nInit: 1,
      maxIter: 3,
      tol: 0,
      sizeFactors: 'library',
      dispersion,
      ...(deviceMStep === undefined ? {} : { deviceMStep }),
      engine,
    });
  // Host and default alternate, three runs each, per dispersion mode; the parameters of the last
  // pair are compared (the default reads back O(k·d), the host M-step the O(k·d·J) statistics).
  for (const dispersion of ['per-gene', 'shared'] as const) {
    let pair: Awaited<ReturnType<typeof fit>>[] = [];
    for (let rep = 0; rep < 3; rep++) {
      pair = [];
      for (const deviceMStep of [false, undefined]) {
        const t0 = performance.now();
        const r = await fit(deviceMStep, dispersion);
        pair.push(r);
        const g = r.gpu!;
        rows.push(
          `| ${dispersion} | ${deviceMStep === false ? 'host (float64), deviceMStep: false' : 'device (float32), default'} | ${rep + 1} | ${g.bytesReadPerIter} | ${g.dispatchesPerIter} | ${g.dataPassesPerIter.toFixed(3)} | ${g.dataBytesPerIter} | ${r.timings.perIterMs.toFixed(0)} | ${(performance.now() - t0).toFixed(0)} | ${r.logLikelihood} | ${r.warnings.length} |`,
        );
      }
    }
    const [h, dv] = pair;
    let dPhi = 0;
    let dMu = 0;
    h.dispersion.forEach((v, g) => {
      dPhi = Math.max(dPhi, Math.abs(dv.dispersion[g] - v) / v);
    });
    h.means.forEach((row, c) =>
      row.forEach((v, g) => {
        dMu = Math.max(dMu, Math.abs(dv.means[c][g] - v) / Math.max(v, 1e-3));
      }),
    );
    rows.push(
      `| ${dispersion} | device vs host after 3 iterations | | | | | | max rel Δφ ${dPhi.toExponential(2)}, max rel Δμ (μ > 1e-3) ${dMu.toExponential(2)} | | rel ΔLL ${(Math.abs(dv.logLikelihood - h.logLikelihood) / Math.abs(h.logLikelihood)).toExponential(2)} | |`,
    );
  }
  console.log(
    `adapter: ${engine.adapter}\n| dispersion | M-step | run | bytesReadPerIter | dispatchesPerIter | dataPassesPerIter | dataBytesPerIter | perIterMs | wall ms | logLikelihood | warnings |\n|---|---|---|---|---|---|---|---|---|---|---|\n${rows.join('\n')}`,
  );
}, 1_500_000);
