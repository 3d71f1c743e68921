#!/usr/bin/env node
// node bench/wasm-micro.mjs [--n 100000] [--d 50] [--k 20] [--iters 10] [--threads 1,2]
//
// A micro-benchmark of the WebAssembly k-means step (fused assignment + statistics, plus the
// host's means), not a test: ms per iteration at each thread count, next to the float64
// reference's loop (the same arithmetic as src/kmeans/reference.ts: assign + statistics) and,
// when /usr/bin/python3 has scikit-learn, KMeans on the same float32 data from the same start
// (tol 0, max_iter = iters, algorithm 'lloyd', threads limited to the largest count here).
// Medians over iterations (scikit-learn: fit time / n_iter_, median over repeats).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createVite } from './cli.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const n = Number(arg('n', 100_000));
const d = Number(arg('d', 50));
const k = Number(arg('k', 20));
const iters = Number(arg('iters', 10));
const threadCounts = arg('threads', '1,2').split(',').map(Number);

const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The float64 reference's Lloyd step: nearest centroid by direct differences, then sums and counts. */
function referenceStep(x, c, labels, dist) {
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    let arg = 0;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let f = 0; f < d; f++) {
        const t = x[i * d + f] - c[j * d + f];
        s += t * t;
      }
      if (s < best) {
        best = s;
        arg = j;
      }
    }
    labels[i] = arg;
    dist[i] = best;
    inertia += best;
  }
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const j = labels[i];
    counts[j] += 1;
    for (let f = 0; f < d; f++) sums[j * d + f] += x[i * d + f];
  }
  for (let j = 0; j < k; j++) if (counts[j] > 0) for (let f = 0; f < d; f++) c[j * d + f] = sums[j * d + f] / counts[j];
  return inertia;
}

function sklearn(x32, init, threads) {
  const dir = mkdtempSync(join(os.tmpdir(), 'emgpu-wasm-micro-'));
  try {
    writeFileSync(join(dir, 'x.f32'), Buffer.from(x32.buffer, x32.byteOffset, x32.byteLength));
    writeFileSync(join(dir, 'c.f32'), Buffer.from(Float32Array.from(init).buffer));
    const py = `
import json, sys, time, numpy as np
from threadpoolctl import threadpool_limits
from sklearn.cluster import KMeans
import sklearn
x = np.fromfile('${dir}/x.f32', dtype=np.float32).reshape(${n}, ${d})
c = np.fromfile('${dir}/c.f32', dtype=np.float32).reshape(${k}, ${d})
per = []
with threadpool_limits(${threads}):
  for r in range(5):
    km = KMeans(n_clusters=${k}, init=c, n_init=1, tol=0, max_iter=${iters}, algorithm='lloyd')
    t = time.perf_counter(); km.fit(x); per.append((time.perf_counter() - t) * 1000 / km.n_iter_)
print(json.dumps({'version': sklearn.__version__, 'perIter': sorted(per)[2], 'inertia': float(km.inertia_), 'nIter': int(km.n_iter_)}))
`;
    const out = execFileSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out.trim().split('\n').pop());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const server = await createVite();
  try {
    const { makeBlobs } = await server.ssrLoadModule('/test/helpers/blobs.ts');
    const { loadWasmRuntime } = await server.ssrLoadModule('/src/backends/wasm/runtime.ts');
    const { createPool } = await server.ssrLoadModule('/src/backends/wasm/pool.ts');
    const { putRows, kmeansBuffers, kmeansAssignStats } = await server.ssrLoadModule('/src/backends/wasm/ops.ts');

    const x = makeBlobs(n, d, k, 1).data;
    const x32 = Float32Array.from(x);
    // The same start for everyone: k evenly spaced rows of the float32 data.
    const init = new Float64Array(k * d);
    for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) init[j * d + f] = x32[Math.floor((j * n) / k) * d + f];
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    console.log(
      `wasm-micro: k-means ${n} × ${d}, k ${k}, ${iters} iterations; ${cores} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`,
    );

    const rows = [];
    for (const threads of threadCounts) {
      const rt = await loadWasmRuntime();
      const pool = await createPool(rt, { threads });
      const data = putRows(rt, x32, n, d);
      const bufs = kmeansBuffers(rt, n);
      const c = init.slice();
      const times = [];
      let inertia = 0;
      for (let it = 0; it < iters; it++) {
        const t0 = performance.now();
        const st = await kmeansAssignStats(pool, data, bufs, c, k);
        for (let j = 0; j < k; j++) if (st.counts[j] > 0) for (let f = 0; f < d; f++) c[j * d + f] = st.sums[j * d + f] / st.counts[j];
        times.push(performance.now() - t0);
        inertia = st.inertia;
      }
      pool.close();
      rows.push({ name: `wasm, ${pool.threads} thread${pool.threads > 1 ? 's' : ''}`, ms: median(times), inertia });
    }

    {
      const c = init.slice();
      const labels = new Int32Array(n);
      const dist = new Float64Array(n);
      const times = [];
      let inertia = 0;
      for (let it = 0; it < Math.min(iters, 5); it++) {
        const t0 = performance.now();
        inertia = referenceStep(x32, c, labels, dist);
        times.push(performance.now() - t0);
      }
      rows.push({ name: 'float64 reference loop, 1 thread', ms: median(times), inertia });
    }

    let skNote = null;
    try {
      const sk = sklearn(x32, init, Math.max(...threadCounts));
      rows.push({
        name: `scikit-learn ${sk.version} float32, ${Math.max(...threadCounts)} threads`,
        ms: sk.perIter,
        inertia: sk.inertia,
        sk: true,
      });
    } catch (e) {
      const msg = String(e.stderr || e.message || e);
      skNote = `scikit-learn: skipped: ${/No module named/.test(msg) ? 'no scikit-learn in /usr/bin/python3 (apt-get install python3-sklearn)' : msg.split('\n').filter(Boolean).pop()}`;
    }

    const sk = rows.find((r) => r.sk);
    const one = rows[0];
    console.log('\n| what | ms/iter (median) | × wasm 1 thread | × scikit-learn | last inertia |');
    console.log('|---|---|---|---|---|');
    for (const r of rows)
      console.log(
        `| ${r.name} | ${r.ms.toFixed(2)} | ${(r.ms / one.ms).toFixed(2)} | ${sk ? (r.ms / sk.ms).toFixed(2) : '–'} | ${r.inertia.toPrecision(8)} |`,
      );
    if (skNote) console.log(`\n${skNote}`);
    console.log('\n(inertia: wasm is at the last E-step of its loop; scikit-learn reports it after its final assignment.)');
  } finally {
    await server.close();
  }
}

await main();
