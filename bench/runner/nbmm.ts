/** Negative-binomial mixture cases: emgpu and the CPU reference from the same fixed initial labels. */
import { type Engine, negativeBinomialMixture } from '../../src/index.js';
import { Rng } from '../../src/core/rng.js';
import { INIT_SEED, type NbmmCase } from '../cases.js';
import type { Csr } from '../data.js';
import { compareWithEmgpu, emgpuAndReference, failed, fromResult, now, repeatFits, summarise } from './fits.js';
import type { CaseResult, Ctx, ImplId, ImplResult } from './types.js';

/** Fixed initial labels for the NB mixture: the reference labels with 30% of cells reassigned at random (Rng(INIT_SEED)). */
function nbInitLabels(truth: number[], k: number): number[] {
  const rng = new Rng(INIT_SEED, 5);
  return truth.map((t) => (rng.uniform() < 0.3 ? rng.int(k) : t % k));
}

export async function runNbmm(ctx: Ctx, c: NbmmCase): Promise<Partial<CaseResult>> {
  const { env, data, work } = ctx;
  const counts = data.counts!;
  const truth = counts.truth ?? data.reference?.labels ?? [];
  const init = nbInitLabels(truth, c.k);
  const input: Csr = { indptr: counts.indptr, indices: counts.indices, values: counts.values, n: counts.n, d: counts.d };
  const impls: ImplResult[] = [];
  const runEngine = async (e: Engine, impl: ImplId, label: string) => {
    const fitOn = async (maxIter: number) => {
      const t = now();
      const r = await negativeBinomialMixture(input, {
        k: c.k,
        sizeFactors: 'library',
        dispersion: 'per-gene',
        init,
        nInit: 1,
        maxIter,
        tol: 0,
        seed: 0,
        engine: e,
      });
      return { r, wallMs: now() - t };
    };
    try {
      const samples = await repeatFits(
        c.repeats,
        () => fitOn(1),
        async () => {
          const { r, wallMs } = await fitOn(c.maxIter);
          return fromResult(r, wallMs, r.logLikelihood);
        },
        env,
        label,
      );
      return summarise(impl, label, e.backend, samples, work);
    } catch (err) {
      return failed(impl, label, e.backend, err);
    }
  };
  impls.push(...(await emgpuAndReference(ctx, runEngine)));
  compareWithEmgpu(impls);
  return {
    impls,
    init: `fixed initial labels: the ${counts.truth ? 'generating cell types' : `${data.reference?.name ?? 'reference'} labels`} with 30% of cells reassigned at random (Rng(${INIT_SEED}, 5)); sizeFactors 'library', dispersion 'per-gene', nInit 1, tol 0`,
    objectiveName: 'log-likelihood Σ log p(x)',
    objectiveSense: 'max',
  };
}
