/** NB on zeisel2015_subset_1464 at k = 3 with the former default, nInit 10 (restarts from k-means on log1p(x/s), likelihood kept). */
import { negativeBinomialMixture } from '../../src/index.js';
import { adjustedRandIndex } from '../../src/metrics.js';
import { cachedSet, makeEngine } from './cache.js';

export async function run(o: { dataDir: string; cacheDir: string; seeds?: number[] }): Promise<void> {
  const engine = await makeEngine();
  const set = await cachedSet(o.dataDir, o.cacheDir, 'zeisel2015_subset_1464', engine);
  for (const seed of o.seeds ?? [0]) {
    const t0 = performance.now();
    const f = await negativeBinomialMixture(set.hvg, { k: 3, seed, nInit: 10, engine });
    console.log(
      `seed ${seed} nInit 10: ARI ${adjustedRandIndex(set.cellLabels, f.labels).toFixed(3)} ll ${(f.logLikelihood / f.n).toFixed(2)} kept restart ${f.restartSpread.bestRestart} objectives ${f.restartSpread.objectives.map((v) => (v / f.n).toFixed(2)).join(' ')} ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  engine.destroy();
}
