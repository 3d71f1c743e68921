/**
 * `emgpu sc --stream`'s NB mixture: the shard streamed fit (nbStream) over the kept cells × HVG
 * counts source, one pass per EM iteration, never reading the counts whole; then one pass at the
 * final parameters for the labels and each cell's largest posterior (nbPosteriorStream). Reduced
 * to the commands' FitOutcome like the in-memory fit (fit.ts).
 */
import type { Engine } from '../engine/engine.js';
import { nbStream } from '../shard/stream.js';
import { nbPosteriorStream } from '../shard/stream-posterior.js';
import type { CsrSource } from '../stream/types.js';
import type { FitHooks, FitOutcome, FitSettings } from './fit.js';
import { nbBic } from './fit.js';

/** What the streamed NB fit did besides its FitOutcome (tests check it never read the counts whole). */
export interface NbStreamFacts {
  /** Passes over the counts source, the posterior pass included. */
  passes: number;
}

/** The NB mixture of `source` by the streamed fit, with the CLI's k, seed, maxIter and tol. */
export async function fitNbStreamed(
  source: CsrSource,
  s: FitSettings,
  engine: Engine,
  hooks: Pick<FitHooks, 'onIteration'> = {},
): Promise<FitOutcome & { stream: NbStreamFacts }> {
  const seed = s.seed ?? 0;
  const r = await nbStream(source, {
    k: s.k,
    seed,
    engine,
    returnLabels: false,
    ...(s.maxIter !== undefined ? { maxIter: s.maxIter } : {}),
    ...(s.tol !== undefined ? { tol: s.tol } : {}),
    ...(s.dispersion !== undefined ? { dispersion: s.dispersion } : {}),
    ...(s.sizeFactors !== undefined ? { sizeFactors: s.sizeFactors } : {}),
    ...(hooks.onIteration ? { onIteration: hooks.onIteration } : {}),
  });
  const post = await nbPosteriorStream(source, r.params, { engine });
  const labels = Array.from(post.labels);
  const clusterSizes = new Array<number>(r.k).fill(0);
  for (const l of labels) clusterSizes[l]++;
  const ll = post.logLikelihood;
  const dispersion = typeof s.dispersion === 'number' ? 'fixed' : (s.dispersion ?? 'per-gene');
  const warnings = [...r.warnings];
  if (typeof s.nInit === 'number' && s.nInit > 1)
    warnings.push(
      `--n-init ${s.nInit}: the streamed NB mixture runs one start (seeded on a sample of cells), not ${s.nInit}. Run without --stream for restarts.`,
    );
  return {
    model: 'nb',
    k: r.k,
    labels,
    maxPosterior: post.maxPosterior,
    clusterSizes,
    objective: { name: 'log-likelihood', value: ll },
    nIter: r.nIter,
    converged: r.converged,
    stopReason: r.stopReason,
    restarts: [{ restart: 0, objective: ll, nIter: r.nIter, converged: r.converged }],
    backend: engine.backend,
    adapter: engine.adapter,
    seed,
    timings: r.timings,
    warnings,
    extra: {
      lowerBound: ll / r.n,
      dispersion,
      sizeFactors: r.params.globals.sizeFactorMode,
      bic: nbBic(ll, r.k, r.d, r.n, dispersion),
    },
    stream: { passes: r.passes + 1 },
  };
}
