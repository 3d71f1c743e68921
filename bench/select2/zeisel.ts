/** NB on zeisel2015_subset_1464 at k = 3: the PCA start against the explicit-nInit start, seeds 0–2 (ARI of the start and of the fit, per-cell log-likelihood). */
import { negativeBinomialMixture } from '../../src/index.js';
import { adjustedRandIndex } from '../../src/metrics.js';
import { sizeFactors, toCounts } from '../../src/nbmm/counts.js';
import { initialLabels, pcaStartLabels } from '../../src/nbmm/init.js';
import { resolve } from '../../src/nbmm/options.js';
import { cachedSet, makeEngine } from './cache.js';

export async function run(o: { dataDir: string; cacheDir: string; set?: string; k?: number; seeds?: number[] }): Promise<void> {
  const engine = await makeEngine();
  const set = await cachedSet(o.dataDir, o.cacheDir, o.set ?? 'zeisel2015_subset_1464', engine);
  const k = o.k ?? 3;
  const c = toCounts(set.hvg);
  const s = sizeFactors(c, undefined).s;
  const ari = (l: ArrayLike<number>) => adjustedRandIndex(set.cellLabels, Array.from(l)).toFixed(3);
  for (const seed of o.seeds ?? [0, 1, 2]) {
    const res = resolve(c, { k, seed });
    const a = await pcaStartLabels(engine, c, s, res, undefined, null);
    const b = await initialLabels(engine, c, s, { ...res, pcaStart: false }, 0, undefined, null);
    const fa = await negativeBinomialMixture(set.hvg, { k, init: a, engine });
    const fb = await negativeBinomialMixture(set.hvg, { k, init: b, engine });
    console.log(
      `seed ${seed}: pca start ${ari(a)} → ${ari(fa.labels)} ll ${(fa.logLikelihood / c.n).toFixed(2)} | log1p start ${ari(b)} → ${ari(fb.labels)} ll ${(fb.logLikelihood / c.n).toFixed(2)}`,
    );
  }
  engine.destroy();
}
