/**
 * Candidate k-means criteria on the cached fits (cache.ts): each is a lower-is-better score of the
 * hard partition at k, read as a mixture model whose parameters are the partition's ML estimates.
 * Prints, per set, the k each chooses and the ARI of the k-means fit there.
 */
import { adjustedRandIndex } from '../../src/metrics.js';
import { cachedKmeans, cachedSet, makeEngine } from './cache.js';

const LOG2PI = Math.log(2 * Math.PI);

/** Per-cluster sizes, means and (diagonal) variances of labels on the first m columns of x. */
function moments(x: Float64Array, n: number, d: number, m: number, labels: Int32Array, k: number) {
  const size = new Float64Array(k);
  const mean = new Float64Array(k * m);
  const sq = new Float64Array(k * m);
  for (let i = 0; i < n; i++) {
    const j = labels[i];
    size[j]++;
    for (let t = 0; t < m; t++) {
      const v = x[i * d + t];
      mean[j * m + t] += v;
      sq[j * m + t] += v * v;
    }
  }
  for (let j = 0; j < k; j++)
    for (let t = 0; t < m; t++) {
      const a = size[j] > 0 ? mean[j * m + t] / size[j] : 0;
      mean[j * m + t] = a;
      sq[j * m + t] = size[j] > 0 ? Math.max(sq[j * m + t] / size[j] - a * a, 0) : 0;
    }
  return { size, mean, vari: sq };
}

export interface Scores {
  xmeans: number;
  diagCl: number;
  diagMixBic: number;
  diagIcl: number;
  tiedDiagCl: number;
}

export function scores(x: Float64Array, n: number, d: number, m: number, labels: Int32Array, k: number): Scores {
  const { size, mean, vari } = moments(x, n, d, m, labels, k);
  let pooled = 0;
  const pooledDim = new Float64Array(m);
  for (let j = 0; j < k; j++)
    for (let t = 0; t < m; t++) {
      pooled += size[j] * vari[j * m + t];
      pooledDim[t] += size[j] * vari[j * m + t];
    }
  pooled /= n * m;
  const floor = 1e-6 * pooled;
  const logn = Math.log(n);
  // X-means (spherical per cluster).
  let llx = 0;
  let llDiag = 0;
  let llTied = 0;
  for (let j = 0; j < k; j++) {
    const nj = size[j];
    if (nj <= 0) continue;
    let s = 0;
    let ld = 0;
    for (let t = 0; t < m; t++) {
      s += vari[j * m + t];
      ld += Math.log(Math.max(vari[j * m + t], floor));
    }
    const sph = Math.max(s / m, floor);
    llx += nj * Math.log(nj / n) - ((nj * m) / 2) * (Math.log(2 * Math.PI * sph) + 1);
    llDiag += nj * Math.log(nj / n) - (nj / 2) * (m * LOG2PI + ld + m);
    llTied += nj * Math.log(nj / n);
  }
  let ldT = 0;
  for (let t = 0; t < m; t++) ldT += Math.log(Math.max(pooledDim[t] / n, floor));
  llTied -= (n / 2) * (m * LOG2PI + ldT + m);
  // Mixture log-likelihood and MAP classification likelihood under the partition's diagonal Gaussians.
  const logw = new Float64Array(k);
  const cst = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    logw[j] = size[j] > 0 ? Math.log(size[j] / n) : -Infinity;
    let ld = 0;
    for (let t = 0; t < m; t++) ld += Math.log(Math.max(vari[j * m + t], floor));
    cst[j] = -0.5 * (m * LOG2PI + ld);
  }
  let llMix = 0;
  let cMap = 0;
  const lp = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let j = 0; j < k; j++) {
      if (size[j] <= 0) {
        lp[j] = -Infinity;
        continue;
      }
      let q = 0;
      for (let t = 0; t < m; t++) {
        const v = x[i * d + t] - mean[j * m + t];
        q += (v * v) / Math.max(vari[j * m + t], floor);
      }
      lp[j] = logw[j] + cst[j] - 0.5 * q;
      if (lp[j] > best) best = lp[j];
    }
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.exp(lp[j] - best);
    llMix += best + Math.log(s);
    cMap += best;
  }
  const pDiag = 2 * k * m + k - 1;
  return {
    xmeans: -2 * llx + (k * m + k + k - 1) * logn,
    diagCl: -2 * llDiag + pDiag * logn,
    diagMixBic: -2 * llMix + pDiag * logn,
    diagIcl: -2 * cMap + pDiag * logn,
    tiedDiagCl: -2 * llTied + (k * m + m + k - 1) * logn,
  };
}

export async function run(o: { dataDir: string; cacheDir: string; sets?: string[]; dims?: number[] }): Promise<void> {
  const engine = await makeEngine();
  const ks = Array.from({ length: 19 }, (_, i) => i + 2);
  const names = o.sets ?? ['pbmc3k', 'zeisel2015_subset_1464', 'cao2017_worm_neuron', 'han2018_mouse_bladder_2100'];
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const set = await cachedSet(o.dataDir, o.cacheDir, name, engine);
    const fits = await cachedKmeans(o.cacheDir, set, ks, engine, console.log);
    const ari: Record<number, number> = {};
    for (const k of ks) ari[k] = adjustedRandIndex(set.cellLabels, Array.from(fits.get(k)!));
    console.log(`${name} ARI by k: ${ks.map((k) => `${k}:${ari[k].toFixed(2)}`).join(' ')}`);
    const perDim: Record<string, unknown> = {};
    for (const m of o.dims ?? [50, 20, 10]) {
      const sc = ks.map((k) => scores(set.pcs.data, set.pcs.n, set.pcs.d, m, fits.get(k)!, k));
      const line: string[] = [];
      const chosen: Record<string, { k: number; ari: number }> = {};
      for (const key of Object.keys(sc[0]) as (keyof Scores)[]) {
        let b = 0;
        for (let i = 1; i < ks.length; i++) if (sc[i][key] < sc[b][key]) b = i;
        chosen[key] = { k: ks[b], ari: ari[ks[b]] };
        line.push(`${key} k=${ks[b]} ${ari[ks[b]].toFixed(3)}`);
      }
      console.log(`  ${m} PCs: ${line.join(', ')}`);
      perDim[m] = { chosen, scores: sc };
    }
    out[name] = { ari, perDim, trueK: set.trueK };
  }
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`${o.cacheDir}/kmeans-criteria.json`, JSON.stringify(out));
  engine.destroy();
}
