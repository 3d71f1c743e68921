/** More candidate k-means criteria on the cached fits: Calinski–Harabasz, Davies–Bouldin, the jump method, prediction strength. */
import { kmeans } from '../../src/index.js';
import { adjustedRandIndex } from '../../src/metrics.js';
import { restartRng } from '../../src/core/rng.js';
import { cachedKmeans, cachedSet, makeEngine } from './cache.js';

function centers(x: Float64Array, n: number, d: number, labels: ArrayLike<number>, k: number) {
  const c = new Float64Array(k * d);
  const sz = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    sz[labels[i]]++;
    for (let t = 0; t < d; t++) c[labels[i] * d + t] += x[i * d + t];
  }
  for (let j = 0; j < k; j++) for (let t = 0; t < d; t++) c[j * d + t] /= Math.max(sz[j], 1);
  return { c, sz };
}

export async function run(o: { dataDir: string; cacheDir: string; sets?: string[] }): Promise<void> {
  const engine = await makeEngine();
  const ks = Array.from({ length: 19 }, (_, i) => i + 2);
  for (const name of o.sets ?? ['pbmc3k', 'zeisel2015_subset_1464', 'cao2017_worm_neuron', 'han2018_mouse_bladder_2100']) {
    const set = await cachedSet(o.dataDir, o.cacheDir, name, engine);
    const fits = await cachedKmeans(o.cacheDir, set, ks, engine, () => {});
    const { data: x, n, d } = set.pcs;
    const ari: Record<number, number> = {};
    for (const k of ks) ari[k] = adjustedRandIndex(set.cellLabels, Array.from(fits.get(k)!));
    const gm = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) gm[t] += x[i * d + t] / n;
    const vars = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) vars[t] += (x[i * d + t] - gm[t]) ** 2 / n;
    const sv = vars.reduce((a, b) => a + b, 0);
    const pEff = sv ** 2 / vars.reduce((a, b) => a + b * b, 0);
    const ch: number[] = [];
    const db: number[] = [];
    const dist: number[] = [];
    for (const k of ks) {
      const lab = fits.get(k)!;
      const { c, sz } = centers(x, n, d, lab, k);
      let W = 0;
      const sj = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += (x[i * d + t] - c[lab[i] * d + t]) ** 2;
        W += s;
        sj[lab[i]] += Math.sqrt(s);
      }
      let B = 0;
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += (c[j * d + t] - gm[t]) ** 2;
        B += sz[j] * s;
      }
      ch.push(B / (k - 1) / (W / (n - k)));
      let dbs = 0;
      for (let a = 0; a < k; a++) {
        let worst = 0;
        for (let b = 0; b < k; b++) {
          if (a === b) continue;
          let m = 0;
          for (let t = 0; t < d; t++) m += (c[a * d + t] - c[b * d + t]) ** 2;
          worst = Math.max(worst, (sj[a] / Math.max(sz[a], 1) + sj[b] / Math.max(sz[b], 1)) / Math.sqrt(m));
        }
        dbs += worst / k;
      }
      db.push(dbs);
      dist.push(W / (n * pEff));
    }
    // Jump (Sugar & James 2003): J_k = d_k^-Y − d_{k−1}^-Y, d_1 from the total variance, Y = p_eff / 2.
    const Y = pEff / 2;
    const d1 = sv / pEff;
    const jump = ks.map((_, i) => dist[i] ** -Y - (i === 0 ? d1 ** -Y : dist[i - 1] ** -Y));
    // Prediction strength (Tibshirani & Walther 2005), 2-fold, 3 splits: largest k with mean PS ≥ 0.8.
    const ps: number[] = [];
    for (const k of ks) {
      let tot = 0;
      for (let rep = 0; rep < 3; rep++) {
        const rng = restartRng(rep, 7);
        const perm = Array.from({ length: n }, (_, i) => i);
        for (let i = n - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [perm[i], perm[j]] = [perm[j], perm[i]];
        }
        const A = perm.slice(0, n >> 1);
        const B = perm.slice(n >> 1);
        const sub = (idx: number[]) => {
          const out = new Float64Array(idx.length * d);
          idx.forEach((i, r) => out.set(x.subarray(i * d, (i + 1) * d), r * d));
          return { data: out, n: idx.length, d };
        };
        const fa = await kmeans(sub(A), { k, nInit: 3, seed: rep, engine });
        const fb = await kmeans(sub(B), { k, nInit: 3, seed: rep, engine });
        // B's points assigned to A's centroids.
        const ca = fa.centroids;
        const pred = B.map((i) => {
          let best = 0;
          let bd = Infinity;
          for (let j = 0; j < k; j++) {
            let s = 0;
            for (let t = 0; t < d; t++) s += (x[i * d + t] - ca[j][t]) ** 2;
            if (s < bd) {
              bd = s;
              best = j;
            }
          }
          return best;
        });
        let minPs = 1;
        for (let j = 0; j < k; j++) {
          const mem = fb.labels.map((l, r) => (l === j ? r : -1)).filter((r) => r >= 0);
          if (mem.length < 2) continue;
          const cnt = new Map<number, number>();
          for (const r of mem) cnt.set(pred[r], (cnt.get(pred[r]) ?? 0) + 1);
          let same = 0;
          for (const v of cnt.values()) same += v * (v - 1);
          minPs = Math.min(minPs, same / (mem.length * (mem.length - 1)));
        }
        tot += minPs / 3;
      }
      ps.push(tot);
    }
    const argmax = (v: number[]) => v.reduce((b, x, i) => (x > v[b] ? i : b), 0);
    const argmin = (v: number[]) => v.reduce((b, x, i) => (x < v[b] ? i : b), 0);
    const psK = ks.filter((_, i) => ps[i] >= 0.8).at(-1) ?? ks[0];
    const pick = { ch: ks[argmax(ch)], db: ks[argmin(db)], jump: ks[argmax(jump)], ps: psK };
    console.log(
      `${name} pEff ${pEff.toFixed(1)}: ${Object.entries(pick)
        .map(([c, k]) => `${c} k=${k} ${ari[k].toFixed(3)}`)
        .join(', ')}`,
    );
    console.log(`  ps ${ps.map((v) => v.toFixed(2)).join(' ')}`);
    console.log(`  jump ${jump.map((v) => v.toExponential(1)).join(' ')}`);
  }
  engine.destroy();
}
