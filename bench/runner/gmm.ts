/** Gaussian-mixture cases: emgpu and the CPU reference from the same weights, means and covariances. */
import { adjustedRandIndex, type Engine, gaussianMixture } from '../../src/index.js';
import { type GmmCase, INIT_SEED } from '../cases.js';
import { featureVariance, initialRows } from '../data.js';
import { compareWithEmgpu, emgpuAndReference, fromResult, now, repeatFits, summarise } from './fits.js';
import { runSklearn } from './sklearn.js';
import type { CaseResult, Ctx, ImplId, ImplResult } from './types.js';

export async function runGmm(ctx: Ctx, c: GmmCase): Promise<Partial<CaseResult>> {
  const { env, data, work } = ctx;
  const X = data.dense!;
  const input = { data: X.data, n: X.n, d: X.d };
  const { rows, centroids } = initialRows(X, c.k, INIT_SEED);
  const v = featureVariance(X);
  const covariances =
    c.covariance === 'diag' ? centroids.map(() => v.slice()) : centroids.map(() => v.map((vi, a) => v.map((_, b) => (a === b ? vi : 0))));
  const init = { weights: centroids.map(() => 1 / c.k), means: centroids, covariances };
  const fitOn = async (e: Engine, maxIter: number) => {
    const t = now();
    const r = await gaussianMixture(input, { k: c.k, covariance: c.covariance, init, nInit: 1, tol: 0, maxIter, engine: e });
    return { r, wallMs: now() - t };
  };
  const impls: ImplResult[] = [];
  const labels = new Map<ImplId, number[]>();
  const runEngine = async (e: Engine, impl: ImplId, label: string) => {
    const samples = await repeatFits(
      c.repeats,
      () => fitOn(e, 1),
      async () => {
        const { r, wallMs } = await fitOn(e, c.maxIter);
        labels.set(impl, r.labels);
        return fromResult(r, wallMs, r.logLikelihood);
      },
      env,
      label,
    );
    return summarise(impl, label, e.backend, samples, work);
  };
  impls.push(...(await emgpuAndReference(ctx, runEngine)));
  const sk = await runSklearn(
    ctx,
    {
      model: 'gmm',
      k: c.k,
      init: centroids.flat(),
      covariance: c.covariance,
      covariances: covariances.flat(2) as number[],
      weights: init.weights,
      maxIter: c.maxIter,
    },
    'GaussianMixture(weights_init, means_init, precisions_init = the same start, n_init 1, tol 0) on the float32 data; objective = score(X) × n at the final parameters; ms/iter = fit time ÷ n_iter_',
  );
  impls.push(sk.impl);
  compareWithEmgpu(impls);
  if (data.reference) for (const r of impls) if (labels.has(r.impl)) r.ari = adjustedRandIndex(labels.get(r.impl)!, data.reference.labels);
  return {
    impls,
    init: `weights 1/k, means = ${c.k} data rows (new Rng(${INIT_SEED}).sample(n, k) = [${rows.slice(0, 8).join(', ')}${rows.length > 8 ? ', …' : ''}]), covariances = the data's per-feature variances${c.covariance === 'full' ? ' on the diagonal' : ''}; nInit 1, tol 0`,
    objectiveName: 'log-likelihood Σ log p(x)',
    objectiveSense: 'max',
  };
}
