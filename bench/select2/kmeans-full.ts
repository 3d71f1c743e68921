/** Classification BIC of the k-means partition under per-cluster full-covariance Gaussians on the first m PCs (mclust's VVV read off the partition). */
import { adjustedRandIndex } from '../../src/metrics.js';
import { cachedKmeans, cachedSet, makeEngine } from './cache.js';

function logDetChol(a: Float64Array, m: number): number {
  let ld = 0;
  for (let j = 0; j < m; j++) {
    let s = a[j * m + j];
    for (let p = 0; p < j; p++) s -= a[j * m + p] ** 2;
    if (!(s > 0)) return -Infinity;
    const l = Math.sqrt(s);
    a[j * m + j] = l;
    ld += 2 * Math.log(l);
    for (let i = j + 1; i < m; i++) {
      let t = a[i * m + j];
      for (let p = 0; p < j; p++) t -= a[i * m + p] * a[j * m + p];
      a[i * m + j] = t / l;
    }
  }
  return ld;
}

export function fullCl(x: Float64Array, n: number, d: number, m: number, lab: Int32Array, k: number, reg = 1e-6): number {
  const sz = new Float64Array(k);
  const mu = new Float64Array(k * m);
  for (let i = 0; i < n; i++) {
    sz[lab[i]]++;
    for (let t = 0; t < m; t++) mu[lab[i] * m + t] += x[i * d + t];
  }
  for (let j = 0; j < k; j++) for (let t = 0; t < m; t++) mu[j * m + t] /= Math.max(sz[j], 1);
  const cov = Array.from({ length: k }, () => new Float64Array(m * m));
  for (let i = 0; i < n; i++) {
    const j = lab[i];
    const C = cov[j];
    for (let a = 0; a < m; a++) {
      const va = x[i * d + a] - mu[j * m + a];
      for (let b = 0; b <= a; b++) C[a * m + b] += va * (x[i * d + b] - mu[j * m + b]);
    }
  }
  let ll = 0;
  for (let j = 0; j < k; j++) {
    if (sz[j] <= 0) continue;
    const C = cov[j];
    for (let a = 0; a < m; a++) {
      for (let b = 0; b <= a; b++) C[a * m + b] /= sz[j];
      C[a * m + a] += reg;
    }
    const ld = logDetChol(C, m);
    ll += sz[j] * Math.log(sz[j] / n) - (sz[j] / 2) * (m * Math.log(2 * Math.PI) + ld + m);
  }
  const p = k * m + (k * m * (m + 1)) / 2 + k - 1;
  return -2 * ll + p * Math.log(n);
}

export async function run(o: { dataDir: string; cacheDir: string }): Promise<void> {
  const engine = await makeEngine();
  const ks = Array.from({ length: 19 }, (_, i) => i + 2);
  for (const name of ['pbmc3k', 'zeisel2015_subset_1464', 'cao2017_worm_neuron', 'han2018_mouse_bladder_2100']) {
    const set = await cachedSet(o.dataDir, o.cacheDir, name, engine);
    const fits = await cachedKmeans(o.cacheDir, set, ks, engine, () => {});
    const ari = (k: number) => adjustedRandIndex(set.cellLabels, Array.from(fits.get(k)!));
    const line: string[] = [];
    for (const m of [5, 10, 20, 50]) {
      const v = ks.map((k) => fullCl(set.pcs.data, set.pcs.n, set.pcs.d, m, fits.get(k)!, k));
      const b = v.reduce((bi, x, i) => (x < v[bi] ? i : bi), 0);
      line.push(`m=${m} k=${ks[b]} ${ari(ks[b]).toFixed(3)}`);
    }
    console.log(`${name}: ${line.join(', ')}`);
  }
  engine.destroy();
}
