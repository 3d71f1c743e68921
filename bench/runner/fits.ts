/**
 * What every case family shares: timing a fit (one warm-up, then `repeats` timed fits), turning
 * the samples into an ImplResult (quartiles, rates, GPU counters), and running emgpu then the
 * float64 CPU reference on the same case and comparing the two.
 */
import type { Engine, GpuCounters } from '../../src/index.js';
import { stats } from '../stats.js';
import type { WorkModel } from '../work.js';
import type { Ctx, FitSample, GpuFigures, ImplId, ImplResult, RunnerEnv } from './types.js';

export const now = (): number => performance.now();
export const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
export const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

export const relDiff = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);
export const signedRel = (a: number, b: number): number => (a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);

/** What fromResult reads of an emgpu fit (k-means, soft k-means, GMM and NB results all have it). */
export interface EmFit {
  nIter: number;
  stopReason: string;
  history: { elapsedMs: number }[];
  timings: { totalMs: number; initMs: number; perIterMs: number };
  gpu?: GpuCounters;
}

function gpuFigures(samples: FitSample[]): GpuFigures | undefined {
  const g = samples[0]?.gpu;
  if (!g) return undefined;
  const it = Math.max(1, samples[0].nIter);
  return {
    dispatchesPerIter: g.dispatchesPerIter,
    submitsPerIter: g.submits / it,
    readbacksPerIter: g.readbacks / it,
    bytesReadPerIter: g.bytesReadPerIter,
    dataPassesPerIter: g.dataPassesPerIter,
    dataBytesPerIter: g.dataBytesPerIter,
    peakAllocatedBytes: g.peakAllocatedBytes,
    chunks: g.chunks,
    timing: g.timing,
    totals: { dispatches: g.dispatches, submits: g.submits, readbacks: g.readbacks, bytesRead: g.bytesRead, bytesWritten: g.bytesWritten },
    sameAcrossRepeats: samples.every(
      (s) => s.gpu && s.gpu.dispatches === g.dispatches && s.gpu.bytesRead === g.bytesRead && s.gpu.submits === g.submits,
    ),
  };
}

export function summarise(
  impl: ImplId,
  label: string,
  backend: string,
  samples: FitSample[],
  work: WorkModel | null,
  note?: string,
): ImplResult {
  const perIter = stats(samples.map((s) => s.perIterMs));
  const r: ImplResult = {
    impl,
    label,
    backend,
    status: 'ok',
    fits: samples.length,
    perIterMs: perIter,
    totalMs: stats(samples.map((s) => s.totalMs)),
    wallMs: stats(samples.map((s) => s.wallMs)),
    initMs: stats(samples.map((s) => s.initMs)),
    nIter: samples[0].nIter,
    nIterAll: samples.map((s) => s.nIter),
    stopReason: samples[0].stopReason,
    objective: samples[0].objective,
    gbPerS: work ? work.bytes / (perIter.median / 1e3) / 1e9 : null,
    gflopPerS: work ? work.flops / (perIter.median / 1e3) / 1e9 : null,
    samples,
  };
  if (note) r.note = note;
  const discarded = (samples as { discardedBusy?: number }).discardedBusy;
  if (discarded !== undefined) r.discardedBusy = discarded;
  const g = gpuFigures(samples);
  if (g) r.gpu = g;
  const gpuMs = samples.map((s) => s.gpu?.gpuMsPerIter);
  if (gpuMs.length && gpuMs.every((x) => typeof x === 'number' && Number.isFinite(x))) r.gpuMsPerIter = stats(gpuMs as number[]);
  return r;
}

export function skipped(impl: ImplId, label: string, backend: string, note: string): ImplResult {
  return { impl, label, backend, status: 'skipped', fits: 0, note };
}

export function failed(impl: ImplId, label: string, backend: string, e: unknown): ImplResult {
  const err = e as Error;
  return { impl, label, backend, status: 'error', fits: 0, note: `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}` };
}

/**
 * Other processes may use this share of one core during a timed fit (and at least 20 ms: /proc/stat
 * counts in 10-ms ticks, too coarse to judge a short fit by percent) before it is timed again.
 */
export const BUSY_LIMIT = 0.05;
const BUSY_FLOOR_MS = 20;

/**
 * One untimed warm-up, then `repeats` timed fits. Where the front end can tell (env.quiet), a fit
 * during which other processes used over BUSY_LIMIT of a core is timed again (at most 3 × repeats
 * attempts in all; the last ones are kept whatever the load); the count is returned with the samples.
 */
export async function repeatFits(
  repeats: number,
  warmup: () => Promise<unknown>,
  fit: () => Promise<FitSample>,
  env: Pick<RunnerEnv, 'log' | 'quiet'>,
  what: string,
): Promise<FitSample[] & { discardedBusy?: number }> {
  await warmup();
  await pause();
  const out: FitSample[] & { discardedBusy?: number } = [];
  const q = env.quiet;
  const maxAttempts = 3 * repeats;
  let attempts = 0;
  let discarded = 0;
  while (out.length < repeats) {
    attempts++;
    const busy0 = q?.machineBusyMs() ?? 0;
    const own0 = q?.ownCpuMs() ?? 0;
    const t0 = now();
    const s = await fit();
    if (q) {
      const wall = now() - t0;
      const foreign = q.machineBusyMs() - busy0 - (q.ownCpuMs() - own0);
      s.foreignCpuPct = (100 * Math.max(0, foreign)) / wall;
      const mustKeep = maxAttempts - attempts < repeats - out.length;
      if (foreign > Math.max(BUSY_LIMIT * wall, BUSY_FLOOR_MS) && !mustKeep) {
        discarded++;
        env.log(`  ${what}: timed again (other processes used ${s.foreignCpuPct.toFixed(0)} % of a core meanwhile)`);
        await pause();
        continue;
      }
    }
    out.push(s);
    env.log(
      `  ${what} ${out.length}/${repeats}: ${fmt(s.perIterMs)} ms/iter × ${s.nIter} (${s.stopReason}), total ${fmt(s.wallMs)} ms, objective ${s.objective}`,
    );
    await pause();
  }
  if (q) out.discardedBusy = discarded;
  return out;
}

export function fromResult(r: EmFit, wallMs: number, objective: number): FitSample {
  const s: FitSample = {
    wallMs,
    totalMs: r.timings.totalMs,
    perIterMs: r.timings.perIterMs,
    initMs: r.timings.initMs,
    nIter: r.nIter,
    stopReason: r.stopReason,
    objective,
    elapsedMs: r.history.map((h) => h.elapsedMs),
  };
  if (r.gpu) s.gpu = r.gpu;
  return s;
}

function engineLabel(e: Engine): string {
  if (e.backend === 'reference') return 'emgpu (reference backend, float64)';
  if (e.backend === 'wasm') return `emgpu (wasm, float32, ${/\d+ threads?/.exec(e.adapter)?.[0] ?? 'threads unknown'})`;
  return `emgpu (${e.backend}, float32)`;
}

/**
 * Each implementation against emgpu (impls[0]): ms/iteration and wall ratios, and the signed
 * relative difference of `score` (by default the implementation's own objective).
 */
export function compareWithEmgpu(impls: ImplResult[], score: (r: ImplResult) => number = (r) => r.objective!): void {
  const base = impls[0];
  for (const r of impls.slice(1)) {
    if (r.status !== 'ok' || base.status !== 'ok') continue;
    r.vsEmgpu = {
      perIterRatio: r.perIterMs!.median / base.perIterMs!.median,
      wallRatio: r.wallMs!.median / base.wallMs!.median,
      objectiveRel: signedRel(score(r), score(base)),
    };
  }
}

/**
 * emgpu on the run's engine, then the CPU reference on the same case: skipped when emgpu itself
 * ran on the CPU backend (it is the reference) or when the case is above the reference's cap.
 */
export async function emgpuAndReference(
  ctx: Ctx,
  runEngine: (e: Engine, impl: ImplId, label: string) => Promise<ImplResult>,
): Promise<ImplResult[]> {
  const env = ctx.env;
  env.log(`  emgpu on ${env.engine.adapter}`);
  const out = [await runEngine(env.engine, 'emgpu', engineLabel(env.engine))];
  if (env.engine.backend === 'reference') {
    out.push(
      skipped('cpu-reference', 'CPU reference (float64)', 'cpu', 'emgpu itself ran on the float64 reference backend: no separate run'),
    );
  } else if (!ctx.refAllowed) {
    out.push(skipped('cpu-reference', 'CPU reference (float64)', 'cpu', ctx.refNote));
  } else {
    env.log('  CPU reference (float64)');
    out.push(await runEngine(env.cpu, 'cpu-reference', 'CPU reference (float64)'));
  }
  return out;
}
