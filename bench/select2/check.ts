/** The classification BIC (src/select/partition.ts) on the cached k-means fits of each set, on the first `dims` PCs: the k it picks and the ARI there. */
import { information } from '../../src/select/criteria.js';
import { classificationInformation } from '../../src/select/partition.js';
import { adjustedRandIndex } from '../../src/metrics.js';
import { cachedKmeans, cachedSet, makeEngine } from './cache.js';

export async function run(o: { dataDir: string; cacheDir: string; dims?: number[] }): Promise<void> {
  const engine = await makeEngine();
  const ks = Array.from({ length: 19 }, (_, i) => i + 2);
  for (const name of ['pbmc3k', 'zeisel2015_subset_1464', 'cao2017_worm_neuron', 'han2018_mouse_bladder_2100']) {
    const set = await cachedSet(o.dataDir, o.cacheDir, name, engine);
    const fits = await cachedKmeans(o.cacheDir, set, ks, engine, () => {});
    const { data, n, d } = set.pcs;
    const line: string[] = [];
    for (const m of o.dims ?? [10, 15, 20, 30]) {
      const first = new Float64Array(n * m);
      for (let i = 0; i < n; i++) for (let t = 0; t < m; t++) first[i * m + t] = data[i * d + t];
      const v = ks.map((k) => {
        const c = classificationInformation(first, n, m, fits.get(k)!, k);
        return information(c.logLikelihood, c.p, n).bic;
      });
      const b = v.reduce((bi, x, i) => (x < v[bi] ? i : bi), 0);
      line.push(`m=${m} k=${ks[b]} ${adjustedRandIndex(set.cellLabels, Array.from(fits.get(ks[b])!)).toFixed(3)}`);
    }
    console.log(`${name}: ${line.join(', ')}`);
  }
  engine.destroy();
}
