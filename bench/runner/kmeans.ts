/**
 * The k-means family's cases: hard and soft k-means on emgpu and the CPU reference, and for hard
 * k-means the peers (ml-kmeans, skmeans) from the same initial centroids. Every hard fit is
 * scored by the same float64 inertia at its final centroids, so the figures compare.
 */
import { adjustedRandIndex, type Engine, type KMeansResult, kmeans, type SoftKMeansResult, softKMeans } from '../../src/index.js';
import { INIT_SEED, type KMeansCase, type SoftKMeansCase } from '../cases.js';
import { inertiaOf, initialRows, labelsOf, toRows } from '../data.js';
import { compareWithEmgpu, emgpuAndReference, failed, fromResult, now, repeatFits, skipped, summarise } from './fits.js';
import { runSklearn } from './sklearn.js';
import type { CaseResult, Ctx, ImplId, ImplResult, Peers } from './types.js';

export async function runKMeansFamily(ctx: Ctx, c: KMeansCase | SoftKMeansCase): Promise<Partial<CaseResult>> {
  const { env, data, work } = ctx;
  const X = data.dense!;
  const input = { data: X.data, n: X.n, d: X.d };
  const { rows, centroids } = initialRows(X, c.k, INIT_SEED);
  const soft = c.model === 'soft-kmeans';
  const opts = { k: c.k, init: centroids, nInit: 1, tol: 0, maxIter: c.maxIter };
  const fitOn = async (e: Engine, maxIter: number): Promise<{ r: KMeansResult | SoftKMeansResult; wallMs: number }> => {
    const t = now();
    const r = soft
      ? await softKMeans(input, { ...opts, maxIter, beta: (c as SoftKMeansCase).beta, engine: e })
      : await kmeans(input, { ...opts, maxIter, engine: e });
    return { r, wallMs: now() - t };
  };
  const objectiveOf = (r: KMeansResult | SoftKMeansResult) => (soft ? (r as SoftKMeansResult).objective : r.inertia);
  const impls: ImplResult[] = [];
  const finals = new Map<ImplId, { centroids: number[][]; labels?: number[] }>();

  const runEngine = async (e: Engine, impl: ImplId, label: string) => {
    let last: KMeansResult | SoftKMeansResult | null = null;
    const samples = await repeatFits(
      c.repeats,
      () => fitOn(e, Math.min(2, c.maxIter)),
      async () => {
        const { r, wallMs } = await fitOn(e, c.maxIter);
        last = r;
        return fromResult(r, wallMs, objectiveOf(r));
      },
      env,
      label,
    );
    finals.set(impl, { centroids: last!.centroids, labels: last!.labels });
    return summarise(impl, label, e.backend, samples, work);
  };

  impls.push(...(await emgpuAndReference(ctx, runEngine)));

  if (!soft && (c as KMeansCase).peers) {
    const peerList: [ImplId, string, Peers[keyof Peers]][] = [
      ['ml-kmeans', 'ml-kmeans 7 (float64)', env.peers.mlKmeans],
      ['skmeans', 'skmeans 0.11 (float64)', env.peers.skmeans],
    ];
    let rowsArr: number[][] | null = null;
    for (const [id, label, fn] of peerList) {
      if (!fn) {
        impls.push(skipped(id, label, 'cpu', `${id} is not installed (npm install --save-dev ${id})`));
        continue;
      }
      if (!ctx.refAllowed) {
        impls.push(skipped(id, label, 'cpu', ctx.refNote));
        continue;
      }
      rowsArr ??= toRows(X);
      const data = rowsArr;
      env.log(`  ${label}`);
      // Copies: skmeans writes its centroids into the array it was given.
      const init = () => centroids.map((r) => r.slice());
      const call = (maxIter: number): { centroids: number[][]; nIter: number; converged: boolean } => {
        if (id === 'ml-kmeans') {
          const r = env.peers.mlKmeans!(data, c.k, { initialization: init(), maxIterations: maxIter, tolerance: 0 });
          return { centroids: r.centroids, nIter: r.iterations, converged: r.converged };
        }
        const r = env.peers.skmeans!(data, c.k, init(), maxIter);
        return { centroids: r.centroids, nIter: r.it, converged: r.it < maxIter };
      };
      try {
        let last: number[][] = [];
        const samples = await repeatFits(
          c.repeats,
          async () => call(Math.min(2, c.maxIter)),
          async () => {
            const t = now();
            const r = call(c.maxIter);
            const wallMs = now() - t;
            last = r.centroids;
            const it = Math.max(1, r.nIter);
            return {
              wallMs,
              totalMs: wallMs,
              perIterMs: wallMs / it,
              initMs: 0,
              nIter: r.nIter,
              stopReason: r.converged ? 'converged' : 'maxIter',
              objective: inertiaOf(X, r.centroids),
            };
          },
          env,
          label,
        );
        finals.set(id, { centroids: last });
        impls.push(
          summarise(
            id,
            label,
            'cpu',
            samples,
            work,
            id === 'ml-kmeans'
              ? 'initialization = the same k rows, maxIterations = maxIter, tolerance 0 (stops when no centroid moves, i.e. no label changed); an empty cluster keeps its previous centroid'
              : "initial = the same k rows, maxit = maxIter; stops when no centroid coordinate changes; an empty cluster's centroid becomes 0 (NaN || 0); `it` does not count the final, converged pass",
          ),
        );
      } catch (e) {
        impls.push(failed(id, label, 'cpu', e));
      }
    }
  }

  if (!soft && (c as KMeansCase).peers) {
    const sk = await runSklearn(
      ctx,
      { model: 'kmeans', k: c.k, init: centroids.flat(), maxIter: c.maxIter },
      "KMeans(init = the same k rows, n_init 1, tol 0, algorithm 'lloyd') on the float32 data; ms/iter = fit time ÷ n_iter_ (includes its per-fit input checks)",
    );
    impls.push(sk.impl);
    if (sk.params) finals.set('scikit-learn', { centroids: sk.params });
  }

  // Score every k-means fit the same way (float64 inertia at its final centroids), then compare with emgpu.
  if (!soft) {
    for (const r of impls) {
      const f = finals.get(r.impl);
      if (r.status === 'ok' && f) r.inertia64 = inertiaOf(X, f.centroids);
    }
  }
  compareWithEmgpu(impls, soft ? undefined : (r) => r.inertia64!);
  if (data.reference) {
    for (const r of impls) {
      const f = finals.get(r.impl);
      if (r.status === 'ok' && f) {
        const labels = f.labels ?? labelsOf(X, f.centroids);
        r.ari = adjustedRandIndex(labels, data.reference.labels);
      }
    }
  }
  return {
    impls,
    init: `${c.k} data rows, new Rng(${INIT_SEED}).sample(n, k) = [${rows.slice(0, 8).join(', ')}${rows.length > 8 ? ', …' : ''}], as the initial centroids of every fit (nInit 1, tol 0)`,
    objectiveName: soft ? 'soft objective −(1/β) Σ log Σ exp(−β‖x − c‖²)' : 'inertia Σ‖x − c‖²',
    objectiveSense: 'min',
  };
}
