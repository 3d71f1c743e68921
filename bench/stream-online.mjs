#!/usr/bin/env node
// node bench/stream-online.mjs [--n 100000,1000000] [--d 50] [--k 20] [--std 2.5] [--batch 1024] [--seeds 0,1,2]
//                              [--backends cpu,reference] [--ref-max 200000] [--gn 100000] [--gd 20] [--gk 10] [--gstd 7]
//                              [--out bench/results]
//
// One-pass fits (issue 16), with peers measured in the same run on the same data:
// 1. miniBatchKMeans (emgpu, each backend named) against scikit-learn's MiniBatchKMeans (same
//    float32 blobs written to a temporary file, same k, batch_size, n_init 3, max_iter 100,
//    max_no_improvement 10), each over the same seeds: fit time, inertia over all rows, ARI to the
//    blobs' truth (median and worst over seeds); and a full k-means (emgpu kmeans, nInit 3). Inertia is
//    given relative to the lowest any fit of the run reached. The reference backend only up to --ref-max rows.
// 2. onlineGmm (one pass, diag) against full EM (gaussianMixture, nInit 1, same backend): time,
//    mean log-likelihood per row and ARI to the truth.
// Times are wall clock on a machine shared with other jobs: read them as rough.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createVite, root } from './cli.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const sizes = arg('n', '100000,1000000').split(',').map(Number);
const d = Number(arg('d', 50));
const k = Number(arg('k', 20));
const batch = Number(arg('batch', 1024));
const backends = arg('backends', 'cpu').split(',');
const gn = Number(arg('gn', 100000));
const gd = Number(arg('gd', 20));
const gk = Number(arg('gk', 10));
const outDir = arg('out', join(root, 'bench', 'results'));
const seeds = arg('seeds', '0,1,2').split(',').map(Number);
const std = Number(arg('std', 2.5));
const refMax = Number(arg('ref-max', 200000));
const gstd = Number(arg('gstd', 7));

const server = await createVite();
const api = await server.ssrLoadModule('/src/index.ts');
const lines = [];
const say = (s) => {
  console.log(s);
  lines.push(s);
};
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
say(`# One-pass fits: minibatch k-means and stepwise EM (${new Date().toISOString().slice(0, 10)})`);
say('');
say(
  `Machine: ${cpu}, ${os.cpus().length} cores (shared with other jobs), Node ${process.version}. Command: node bench/stream-online.mjs ${process.argv.slice(2).join(' ')}`,
);
say('');
say(`## Mini-batch k-means: blobs, d = ${d}, k = ${k}, batch ${batch}, nInit 3, maxIter 100, maxNoImprovement 10`);
say('');
say(`Blobs: makeBlobs(n, ${d}, ${k}, 7, { std: ${std} }) as float32; seeds ${seeds.join(', ')} for every one-pass implementation.`);
say('');
say('| n | implementation | fit s (median) | steps (median) | inertia / best of the run: median (worst) | ARI to truth: median (worst) |');
say('|---|---|---|---|---|---|');
const tmp = mkdtempSync(join(os.tmpdir(), 'emgpu-online-'));
try {
  for (const n of sizes) {
    const blobs = api.makeBlobs(n, d, k, 7, { std });
    const x32 = Float32Array.from(blobs.data);
    const data = { data: x32, n, d };
    const file = join(tmp, `blobs-${n}.f32`);
    writeFileSync(file, Buffer.from(x32.buffer));
    writeFileSync(join(tmp, `truth-${n}.i32`), Buffer.from(Int32Array.from(blobs.truth).buffer));
    const full = await api.kmeans(data, { k, nInit: 3, seed: 0, backend: backends[0] });
    const rows = [];
    for (const backend of backends) {
      if (backend === 'reference' && n > refMax) continue;
      const runs = [];
      for (const seed of seeds) {
        const t0 = performance.now();
        const r = await api.miniBatchKMeans(data, { k, batchSize: batch, seed, backend });
        runs.push({
          s: (performance.now() - t0) / 1000,
          steps: r.nSteps,
          inertia: r.inertia,
          ari: api.adjustedRandIndex(r.labels, blobs.truth),
        });
      }
      rows.push([`emgpu miniBatchKMeans (${backend})`, runs]);
    }
    const py = `
import sys, time, json, numpy as np
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import adjusted_rand_score
X = np.fromfile(sys.argv[1], dtype=np.float32).reshape(-1, ${d}).astype(np.float64)
truth = np.fromfile(sys.argv[2], dtype=np.int32)
out = []
for seed in [${seeds.join(', ')}]:
    t0 = time.perf_counter()
    m = MiniBatchKMeans(n_clusters=${k}, batch_size=${batch}, n_init=3, max_iter=100, max_no_improvement=10, random_state=seed).fit(X)
    t = time.perf_counter() - t0
    out.append({"s": t, "steps": int(m.n_steps_), "inertia": float(m.inertia_), "ari": float(adjusted_rand_score(truth, m.labels_))})
print(json.dumps(out))
`;
    try {
      const out = JSON.parse(
        execFileSync('/usr/bin/python3', ['-W', 'ignore', '-c', py, file, join(tmp, `truth-${n}.i32`)], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          maxBuffer: 1 << 20,
        }),
      );
      rows.push(['scikit-learn 1.2 MiniBatchKMeans (float64)', out]);
    } catch (e) {
      rows.push([`scikit-learn: skipped (${String(e.message).split('\n')[0]})`, []]);
    }
    const fullRun = {
      s: full.timings.totalMs / 1000,
      steps: full.nIter,
      inertia: full.inertia,
      ari: api.adjustedRandIndex(full.labels, blobs.truth),
    };
    rows.push([`emgpu kmeans, full Lloyd (${backends[0]}, nInit 3, seed 0)`, [fullRun]]);
    // The baseline: the lowest inertia any fit of this run reached (a full Lloyd run can stop in a local optimum too).
    const best = Math.min(...rows.flatMap(([, runs]) => runs.map((r) => r.inertia)));
    const med = (a) => {
      const t = [...a].sort((x, y) => x - y);
      return t.length % 2 ? t[(t.length - 1) / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
    };
    for (const [name, runs] of rows) {
      if (runs.length === 0) {
        say(`| ${n.toLocaleString('en-US')} | ${name} | | | | |`);
        continue;
      }
      const ratio = runs.map((r) => r.inertia / best);
      const ari = runs.map((r) => r.ari);
      say(
        `| ${n.toLocaleString('en-US')} | ${name} | ${med(runs.map((r) => r.s)).toFixed(2)} | ${med(runs.map((r) => r.steps))} | ${med(ratio).toFixed(4)} (${Math.max(...ratio).toFixed(4)}) | ${med(ari).toFixed(4)} (${Math.min(...ari).toFixed(4)}) |`,
      );
    }
  }
  say('');
  say(
    `## Stepwise EM: Gaussian mixture (diag), overlapping blobs ${gn.toLocaleString('en-US')} × ${gd} (std ${gstd}), k = ${gk}, batch ${batch}`,
  );
  say('');
  say('Both start from k-means (onlineGmm: on its initialisation sample of 3·batch rows; gaussianMixture: on all rows), nInit 1, seed 0.');
  say('');
  say('| implementation | backend | fit s | mean log-likelihood | Δ to full EM | ARI to truth |');
  say('|---|---|---|---|---|---|');
  const g = api.makeBlobs(gn, gd, gk, 3, { std: gstd });
  const gdata = { data: g.data, n: gn, d: gd };
  for (const backend of backends) {
    let t0 = performance.now();
    const full = await api.gaussianMixture(gdata, { k: gk, covariance: 'diag', nInit: 1, seed: 0, backend });
    const fs = (performance.now() - t0) / 1000;
    const res = [];
    for (const passes of [1, 2]) {
      t0 = performance.now();
      const on = await api.onlineGmm(gdata, { k: gk, covariance: 'diag', batchSize: batch, maxIter: passes, seed: 0, backend });
      res.push([`onlineGmm, ${passes} pass${passes > 1 ? 'es' : ''}`, (performance.now() - t0) / 1000, on.lowerBound, on.labels]);
    }
    res.push([`gaussianMixture, full EM (${full.nIter} iterations)`, fs, full.lowerBound, full.labels]);
    for (const [name, s, ll, labels] of res)
      say(
        `| ${name} | ${backend} | ${s.toFixed(2)} | ${ll.toFixed(5)} | ${(ll - full.lowerBound).toFixed(5)} | ${api.adjustedRandIndex(labels, g.truth).toFixed(4)} |`,
      );
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
  await server.close();
}
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `${new Date().toISOString().slice(0, 10)}-stream-online.md`);
writeFileSync(file, `${lines.join('\n')}\n`);
console.log(`\nwritten: ${file}`);
process.exit(0);
