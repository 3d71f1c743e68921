/** k sweeps: selectK over a range of k on emgpu and the CPU reference, timed as whole sweeps. */
import { type Engine, type SelectKResult, selectK } from '../../src/index.js';
import type { SelectKCase } from '../cases.js';
import { compareWithEmgpu, emgpuAndReference, fmt, now, pause, relDiff, summarise } from './fits.js';
import type { CaseResult, Ctx, FitSample, ImplId, ImplResult, SweepSummary } from './types.js';

export async function runSelectK(ctx: Ctx, c: SelectKCase): Promise<Partial<CaseResult>> {
  const { env, data } = ctx;
  const X = data.dense!;
  const input = { data: X.data, n: X.n, d: X.d };
  // One start per k (the mixtures' default is 10 since issue 14): per-iteration time divides the
  // sweep's wall time by the iterations of the fits kept, so extra restarts would inflate it.
  const fit =
    c.selectModel === 'kmeans' ? { seed: 0, maxIter: c.maxIter } : { covariance: 'diag' as const, seed: 0, maxIter: c.maxIter, nInit: 1 };
  const sweep = async (e: Engine, maxIter: number) => {
    const t = now();
    const r = await selectK(input, { model: c.selectModel, ks: c.ks, fit: { ...fit, maxIter }, engine: e });
    return { r, wallMs: now() - t };
  };
  const impls: ImplResult[] = [];
  const sweeps = new Map<ImplId, SelectKResult>();
  const runEngine = async (e: Engine, impl: ImplId, label: string) => {
    await sweep(e, 1); // warm-up: compiles every k's pipelines
    await pause();
    const samples: FitSample[] = [];
    for (let rep = 0; rep < c.repeats; rep++) {
      const { r, wallMs } = await sweep(e, c.maxIter);
      sweeps.set(impl, r);
      const iters = r.rows.reduce((a, row) => a + row.nIter, 0);
      samples.push({
        wallMs,
        totalMs: wallMs,
        perIterMs: wallMs / Math.max(1, iters),
        initMs: 0,
        nIter: iters,
        stopReason: `${r.rows.filter((x) => x.converged).length}/${r.rows.length} converged`,
        objective: r.rows[r.rows.length - 1].objective,
      });
      env.log(
        `  ${label} sweep ${rep + 1}/${c.repeats}: ${fmt(wallMs)} ms for ${r.rows.length} fits (${iters} iterations), best k ${r.bestK} (${r.criterion}), elbow ${r.elbowK}`,
      );
      await pause();
    }
    return summarise(impl, label, e.backend, samples, null);
  };
  impls.push(...(await emgpuAndReference(ctx, runEngine)));
  compareWithEmgpu(impls);
  const summary = (r: SelectKResult): SweepSummary => ({
    ks: c.ks,
    rows: r.rows,
    bestK: r.bestK,
    elbowK: r.elbowK,
    criterion: r.criterion,
  });
  const mine = sweeps.get('emgpu')!;
  const ref = sweeps.get('cpu-reference') ?? null;
  let maxRel: number | null = null;
  if (ref) maxRel = Math.max(...mine.rows.map((row, i) => relDiff(row.objective, ref.rows[i].objective)));
  return {
    impls,
    init:
      c.selectModel === 'kmeans'
        ? `selectK defaults: k-means++ seeded (seed 0), nInit 1, tol 1e-4, maxIter ${c.maxIter} per k`
        : `selectK defaults but nInit 1: init 'kmeans' (seed 0), tol 1e-3, maxIter ${c.maxIter} per k`,
    objectiveName: c.selectModel === 'kmeans' ? 'inertia at each k' : 'mean log-likelihood at each k',
    objectiveSense: c.selectModel === 'kmeans' ? 'min' : 'max',
    sweep: {
      emgpu: summary(mine),
      reference: ref ? summary(ref) : null,
      maxObjectiveRelDiff: maxRel,
      trueK: c.data.kind === 'blobs' ? c.data.centres : NaN,
    },
  };
}
