/**
 * scikit-learn as a peer of k-means and Gaussian-mixture cases: the same float32 data and the same
 * initial parameters, tol 0, threads limited to emgpu's. The front end supplies the runner
 * (bench/node-entry.ts: Debian's /usr/bin/python3 running bench/peers/sklearn_peer.py); without
 * one the row says "skipped: …" and why.
 */
import { failed, skipped, summarise } from './fits.js';
import type { Ctx, FitSample, ImplResult, SklearnJob } from './types.js';

/** The thread count emgpu ran with (the 'wasm' backend's adapter says it), else null (every core). */
export function threadsOf(adapter: string): number | null {
  const m = /(\d+) threads?/.exec(adapter);
  return m ? Number(m[1]) : null;
}

/**
 * Runs scikit-learn on the case: an ImplResult (ms/iter = fit wall time ÷ n_iter_, which includes
 * scikit-learn's per-fit input checks) and the final parameters of the last fit (k × d rows).
 */
export async function runSklearn(
  ctx: Ctx,
  job: Omit<SklearnJob, 'repeats' | 'threads' | 'n' | 'd'>,
  note: string,
): Promise<{ impl: ImplResult; params: number[][] | null }> {
  const { env, data, c, work } = ctx;
  const peer = env.peers.sklearn;
  const threads = threadsOf(env.engine.adapter);
  const label = `scikit-learn (float32, ${threads === null ? 'every core' : `${threads} thread${threads === 1 ? '' : 's'}`})`;
  if (!peer) return { impl: skipped('scikit-learn', 'scikit-learn', 'cpu', 'this front end cannot run Python'), params: null };
  if ('missing' in peer) return { impl: skipped('scikit-learn', 'scikit-learn', 'cpu', peer.missing), params: null };
  const X = data.dense!;
  env.log(`  ${label}`);
  try {
    const run = await peer.run(Float32Array.from(X.data), { ...job, n: X.n, d: X.d, repeats: c.repeats, threads });
    const samples: FitSample[] = run.fits.map((f) => ({
      wallMs: f.wallMs,
      totalMs: f.wallMs,
      perIterMs: f.wallMs / Math.max(1, f.nIter),
      initMs: 0,
      nIter: f.nIter,
      stopReason: f.nIter < job.maxIter ? 'converged' : 'maxIter',
      objective: f.objective,
      ...(f.foreignCpuPct !== undefined ? { foreignCpuPct: f.foreignCpuPct } : {}),
    }));
    for (const [r, s] of samples.entries())
      env.log(`  ${label} ${r + 1}/${samples.length}: ${s.perIterMs.toFixed(2)} ms/iter × ${s.nIter}, objective ${s.objective}`);
    const last = run.fits[run.fits.length - 1].params;
    const params = Array.from({ length: job.k }, (_, j) => last.slice(j * X.d, (j + 1) * X.d));
    const impl = summarise('scikit-learn', label.replace('scikit-learn', `scikit-learn ${run.version}`), 'cpu', samples, work, note);
    if (run.discardedBusy !== undefined) impl.discardedBusy = run.discardedBusy;
    return { impl, params };
  } catch (e) {
    return { impl: failed('scikit-learn', label, 'cpu', e), params: null };
  }
}
