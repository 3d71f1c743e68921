/**
 * Runs benchmark cases on a given engine, the float64 CPU reference and the k-means peers, and
 * summarises them. Shared by the browser page (bench/page.ts) and Node (bench/node-entry.ts), so
 * both front ends measure exactly the same thing. Each case family runs in its own file beside
 * this one (kmeans, gmm, nbmm, selectk); fits.ts holds the timing and summaries they share.
 *
 * Protocol of one case:
 *  1. Generate the data from its seed (or take the prepared real data set); time it (not part
 *     of any figure).
 *  2. Pick the initial parameters every fit of every implementation starts from: k data rows
 *     drawn by Rng(INIT_SEED) (k-means, soft k-means: as centroids; GMM: as means, with weights
 *     1/k and the data's per-feature variances as covariances; NB mixture: fixed initial labels).
 *  3. For each implementation: one untimed warm-up fit (pipeline compilation on the GPU, JIT on
 *     the CPU), then `repeats` timed fits, each timed with performance.now() around the call.
 *     tol = 0: every fit runs until maxIter, or (k-means) until no label changes, so every
 *     implementation does the same iterations from the same start.
 *  4. Summarise: median, min, max, quartiles of ms per iteration and of the fit's total time,
 *     iterations, objective, effective GB/s and GFLOP/s (bench/work.ts), GPU counters.
 *
 * Timing is wall clock, and also GPU timestamps where the adapter has them: the front ends
 * create the engine with `timestamps: true`, and where a fit's counters say timing 'timestamp'
 * the summary carries `gpuMsPerIter` (sum of compute-pass durations per EM iteration) beside the
 * wall-clock ms/iter.
 */
import { DEFAULT_REF_CAP_FLOPS, presetCases, type BenchCase } from '../cases.js';
import { capWork, workPerIteration } from '../work.js';
import { loadData, forgetData } from './data.js';
import { fmt, now, pause, relDiff } from './fits.js';
import { runGmm } from './gmm.js';
import { runKMeansFamily } from './kmeans.js';
import { runNbmm } from './nbmm.js';
import { runSelectK } from './selectk.js';
import type { BenchConfig, CaseResult, Ctx, RunnerEnv } from './types.js';

function caseParams(c: BenchCase): Record<string, unknown> {
  const { id: _id, title: _title, note: _note, ...rest } = c as BenchCase & { note?: string };
  return rest as Record<string, unknown>;
}

export async function runCase(c: BenchCase, env: RunnerEnv): Promise<CaseResult> {
  const base: CaseResult = {
    id: c.id,
    title: c.title,
    model: c.model,
    status: 'ok',
    params: caseParams(c),
    data: { description: '', n: 0, d: 0, generateMs: 0 },
    init: '',
    objectiveName: '',
    objectiveSense: 'min',
    work: null,
    repeats: c.repeats,
    maxIter: c.maxIter,
    notes: c.note ? [c.note] : [],
    impls: [],
    referenceRelDiff: null,
    sameIterationsAsReference: null,
  };
  const got = loadData(c.data, env);
  if ('missing' in got) {
    base.status = 'skipped';
    base.skipReason = got.missing;
    env.log(`${c.id}: skipped (${got.missing})`);
    return base;
  }
  base.data = {
    description: got.description,
    n: got.n,
    d: got.d,
    ...(got.nnz !== undefined ? { nnz: got.nnz } : {}),
    generateMs: got.generateMs,
  };
  const work = workPerIteration(c, got.n, got.d, got.nnz);
  base.work = work;
  const cap = capWork(c, got.n, got.d, got.nnz);
  const refAllowed = cap <= env.refCapFlops;
  const refNote = `skipped (too slow): ${cap.toExponential(2)} modelled flops per iteration > the cap ${env.refCapFlops.toExponential(2)} (--ref-cap)`;
  if (!refAllowed) env.log(`  CPU reference and peers: ${refNote}`);
  env.log(`${c.id}: ${c.title}; data ${fmt(got.generateMs)} ms; ${c.repeats} timed fits, maxIter ${c.maxIter}`);
  const ctx: Ctx = { c, data: got, env, work, refAllowed, refNote, notes: base.notes };
  try {
    const part =
      c.model === 'kmeans' || c.model === 'soft-kmeans'
        ? await runKMeansFamily(ctx, c)
        : c.model === 'gmm'
          ? await runGmm(ctx, c)
          : c.model === 'nbmm'
            ? await runNbmm(ctx, c)
            : await runSelectK(ctx, c);
    Object.assign(base, part);
  } catch (e) {
    const err = e as Error;
    base.status = 'error';
    base.error = `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
    env.log(`${c.id}: ERROR ${base.error}`);
    return base;
  }
  const me = base.impls[0];
  const ref = base.impls.find((r) => r.impl === 'cpu-reference');
  if (me?.status === 'ok' && ref?.status === 'ok') {
    base.referenceRelDiff = base.sweep ? base.sweep.maxObjectiveRelDiff : relDiff(me.objective!, ref.objective!);
    base.sameIterationsAsReference = me.nIter === ref.nIter;
  } else if (me?.status === 'ok' && env.engine.backend === 'reference') {
    base.referenceRelDiff = 0; // emgpu is the reference here
    base.sameIterationsAsReference = true;
  }
  if (me?.status === 'error') base.status = 'error';
  return base;
}

export async function runCases(cases: BenchCase[], env: RunnerEnv): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  for (const [i, c] of cases.entries()) {
    env.log(`[${i + 1}/${cases.length}] ${c.id}`);
    const t = now();
    out.push(await runCase(c, env));
    env.log(`[${i + 1}/${cases.length}] ${c.id} done in ${(Math.round(now() - t) / 1000).toFixed(1)} s`);
    await pause();
  }
  forgetData();
  return out;
}

/** The cases of cfg.preset, run on env; the run-level notes go to `notes`. */
export async function runPreset(
  cfg: BenchConfig,
  env: Omit<RunnerEnv, 'refCapFlops'>,
): Promise<{ cases: CaseResult[]; durationMs: number; notes: string[]; refCapFlops: number }> {
  const refCapFlops = cfg.refCapFlops ?? DEFAULT_REF_CAP_FLOPS;
  const cases = presetCases(cfg.preset, { repeats: cfg.repeats, maxIter: cfg.maxIter, only: cfg.only });
  if (cases.length === 0) throw new Error(`No case of preset '${cfg.preset}' matches --only ${cfg.only?.join(',')}`);
  const notes: string[] = [];
  if (cfg.repeats !== undefined) notes.push(`--repeats ${cfg.repeats} overrides every case's repeats.`);
  if (cfg.maxIter !== undefined) notes.push(`--max-iter ${cfg.maxIter} overrides every fit's maxIter (k sweeps keep theirs).`);
  if (cfg.only?.length) notes.push(`--only ${cfg.only.join(',')}: a subset of the preset.`);
  const t = now();
  const results = await runCases(cases, { ...env, refCapFlops });
  return { cases: results, durationMs: now() - t, notes, refCapFlops };
}
