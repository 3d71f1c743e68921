#!/usr/bin/env node
// node bench/wasm-micro.mjs [--n 100000] [--d 50] [--k 20] [--iters 10] [--threads 1,2]
//
// A micro-benchmark of the WebAssembly k-means step (fused assignment + statistics, plus the
// host's means), not a test: ms per iteration at each thread count, next to the float64
// reference's loop (the same arithmetic as src/kmeans/reference.ts: assign + statistics) and,
// when /usr/bin/python3 has scikit-learn, KMeans on the same float32 data from the same start
// (tol 0, max_iter = iters, algorithm 'lloyd', threads limited to the largest count here).
// Medians over iterations (scikit-learn: fit time / n_iter_, median over repeats).
// --scaling times the k-means kernel alone (fused assignment + statistics at fixed centroids) on
// every thread count in interleaved rounds (--rounds R, default 9; 3 warm-up calls, then 20 timed
// calls per round and count), keeping only rounds in which no other process used the CPU (Linux:
// /proc/stat); it prints each round's ratio to one thread and their median.
// --gmm adds the Gaussian mixture E-step + statistics (diag and full, 20k × 50, k 20 by default:
// --gn, --gk) beside scikit-learn's GaussianMixture from the same start (per iteration: E + M).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

function startRow(j, rows) {
  return Math.floor((((j + 1) * 0.6180339887498949) % 1) * rows);
}

/** Empty clusters onto the farthest rows, each taken out of its old cluster (the reference's and scikit-learn's rule). */
function relocateEmpty(x, sums, counts, labels, dist) {
  const empty = [];
  for (let j = 0; j < k; j++) if (counts[j] === 0) empty.push(j);
  if (!empty.length) return;
  const order = Array.from(dist.keys()).sort((a, b) => dist[b] - dist[a] || a - b);
  empty.forEach((j, t) => {
    const i = order[t];
    const old = labels[i];
    for (let f = 0; f < d; f++) {
      sums[old * d + f] -= x[i * d + f];
      sums[j * d + f] = x[i * d + f];
    }
    counts[old] -= 1;
    counts[j] = 1;
  });
}

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
  relocateEmpty(x, sums, counts, labels, dist);
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

function sklearnGmm(x32, gn, gk, type, means, variance, threads) {
  const dir = mkdtempSync(join(os.tmpdir(), 'emgpu-wasm-micro-'));
  try {
    writeFileSync(join(dir, 'x.f32'), Buffer.from(x32.buffer, x32.byteOffset, x32.byteLength));
    writeFileSync(join(dir, 'm.f64'), Buffer.from(Float64Array.from(means).buffer));
    writeFileSync(join(dir, 'v.f64'), Buffer.from(Float64Array.from(variance).buffer));
    const py = `
import json, time, numpy as np
from threadpoolctl import threadpool_limits
from sklearn.mixture import GaussianMixture
x = np.fromfile('${dir}/x.f32', dtype=np.float32).reshape(${gn}, ${d})
m = np.fromfile('${dir}/m.f64').reshape(${gk}, ${d})
v = np.fromfile('${dir}/v.f64')
prec = np.tile(1 / v, (${gk}, 1)) if '${type}' == 'diag' else np.tile(np.diag(1 / v), (${gk}, 1, 1))
def run(data):
  per = []
  with threadpool_limits(${threads}):
    for r in range(3):
      g = GaussianMixture(${gk}, covariance_type='${type}', tol=0, max_iter=${iters}, init_params='random_from_data',
                          weights_init=np.full(${gk}, 1 / ${gk}), means_init=m, precisions_init=prec, random_state=0)
      t = time.perf_counter(); g.fit(data); per.append((time.perf_counter() - t) * 1000 / g.n_iter_)
  return {'perIter': sorted(per)[1], 'lowerBound': float(g.lower_bound_)}
try:
  out = run(x); out['dtype'] = 'float32'
except ValueError:
  # scikit-learn's one-pass float32 variances can cancel below zero ("ill-defined covariance").
  out = run(x.astype(np.float64)); out['dtype'] = 'float64 (float32 failed: ill-defined covariance)'
print(json.dumps(out))
`;
    const out = execFileSync('/usr/bin/python3', ['-W', 'ignore', '-c', py], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out.trim().split('\n').pop());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Gaussian mixture E-step + statistics on the wasm kernels, at fixed parameters, ms per call (median). */
async function gmmSection(server, threadCounts) {
  const gn = Number(arg('gn', 20_000));
  const gk = Number(arg('gk', 20));
  const { makeBlobs } = await server.ssrLoadModule('/src/datasets/blobs.ts');
  const { loadWasmRuntime } = await server.ssrLoadModule('/src/backends/wasm/runtime.ts');
  const { createPool } = await server.ssrLoadModule('/src/backends/wasm/pool.ts');
  const { putRows, gmmDiagEStep, gmmFullEStep } = await server.ssrLoadModule('/src/backends/wasm/ops.ts');
  const x = makeBlobs(gn, d, gk, 2).data;
  const x32 = Float32Array.from(x);
  const means = new Float64Array(gk * d);
  for (let j = 0; j < gk; j++) for (let f = 0; f < d; f++) means[j * d + f] = x32[startRow(j, gn) * d + f];
  const mean = new Float64Array(d);
  const variance = new Float64Array(d);
  for (let i = 0; i < gn; i++) for (let f = 0; f < d; f++) mean[f] += x32[i * d + f] / gn;
  for (let i = 0; i < gn; i++) for (let f = 0; f < d; f++) variance[f] += (x32[i * d + f] - mean[f]) ** 2 / gn;
  console.log(
    `\nGaussian mixture E-step + statistics, ${gn} × ${d}, k ${gk} (wasm: E-step and statistics only; scikit-learn: whole EM iteration)`,
  );
  console.log('| what | ms/iter (median) | × scikit-learn |');
  console.log('|---|---|---|');
  for (const type of ['diag', 'full']) {
    const prec1 = variance.map((v) => 1 / Math.sqrt(v));
    const logDet = Array.from({ length: gk }, () => prec1.reduce((a, p) => a + Math.log(p), 0));
    const weights = new Float64Array(gk).fill(1 / gk);
    let precChol;
    if (type === 'diag') precChol = Float64Array.from({ length: gk * d }, (_, t) => prec1[t % d]);
    else {
      precChol = new Float64Array(gk * d * d);
      for (let j = 0; j < gk; j++) for (let f = 0; f < d; f++) precChol[j * d * d + f * d + f] = prec1[f];
    }
    if (process.argv.includes('--scaling')) {
      await scalingSection(server, x32, init);
      return;
    }

    const rows = [];
    for (const threads of threadCounts) {
      const rt = await loadWasmRuntime();
      const pool = await createPool(rt, { threads });
      const data = putRows(rt, x32, gn, d, { shift: mean });
      const times = [];
      for (let it = 0; it < iters; it++) {
        const t0 = performance.now();
        if (type === 'diag') await gmmDiagEStep(pool, data, { k: gk, weights, means, precChol, logDetPrecChol: logDet }, means);
        else await gmmFullEStep(pool, data, { k: gk, type: 'full', weights, means, precChol, logDetPrecChol: logDet }, means);
        times.push(performance.now() - t0);
      }
      pool.close();
      rows.push({ name: `wasm ${type}, ${pool.threads} thread${pool.threads > 1 ? 's' : ''}`, ms: median(times) });
    }
    let sk = null;
    let note = null;
    try {
      sk = sklearnGmm(x32, gn, gk, type, means, variance, Math.max(...threadCounts));
    } catch (e) {
      note = `scikit-learn ${type}: skipped: ${String(e.stderr || e.message || e)
        .split('\n')
        .filter(Boolean)
        .pop()}`;
    }
    if (sk) rows.push({ name: `scikit-learn ${type} ${sk.dtype}, ${Math.max(...threadCounts)} threads`, ms: sk.perIter });
    for (const r of rows) console.log(`| ${r.name} | ${r.ms.toFixed(2)} | ${sk ? (r.ms / sk.perIter).toFixed(2) : '–'} |`);
    if (note) console.log(note);
  }
}

/** CPU time (ms) the whole machine spent busy, from /proc/stat (Linux), or null elsewhere. */
function machineBusyMs() {
  if (!existsSync('/proc/stat')) return null;
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (f.slice(0, 8).reduce((a, b) => a + b, 0) - f[3] - f[4]) * 10; // USER_HZ = 100; guest time is inside user
}

/**
 * The k-means kernel alone at fixed centroids, thread counts interleaved per round: ms per call
 * and speed-up. On Linux each measurement also checks that nothing else ran: the machine's busy
 * CPU time (/proc/stat) minus this process's own (process.cpuUsage, workers included) must stay
 * under 5 % of the wall time (and 20 ms: 10-ms ticks), else the round is done again (up to 4× --rounds attempts), so a
 * shared VM's other work does not pass for poor scaling.
 */
async function scalingSection(server, x32, init) {
  const rounds = Number(arg('rounds', 9));
  const { loadWasmRuntime } = await server.ssrLoadModule('/src/backends/wasm/runtime.ts');
  const { createPool } = await server.ssrLoadModule('/src/backends/wasm/pool.ts');
  const { putRows, kmeansBuffers, kmeansAssignStats } = await server.ssrLoadModule('/src/backends/wasm/ops.ts');
  const setups = [];
  for (const threads of threadCounts) {
    const rt = await loadWasmRuntime();
    const pool = await createPool(rt, { threads });
    setups.push({ threads: pool.threads, pool, data: putRows(rt, x32, n, d), bufs: kmeansBuffers(rt, n), perRound: [], inertia: 0 });
  }
  const measure = async (s) => {
    for (let w = 0; w < 3; w++) await kmeansAssignStats(s.pool, s.data, s.bufs, init, k);
    const busy0 = machineBusyMs();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const times = [];
    for (let t = 0; t < 20; t++) {
      const t1 = performance.now();
      const st = await kmeansAssignStats(s.pool, s.data, s.bufs, init, k);
      times.push(performance.now() - t1);
      s.inertia = st.inertia;
    }
    const wall = performance.now() - t0;
    const own = process.cpuUsage(cpu0);
    const foreign = busy0 === null ? 0 : machineBusyMs() - busy0 - (own.user + own.system) / 1e3;
    return { ms: median(times), clean: foreign < Math.max(0.05 * wall, 20), foreign, wall };
  };
  let attempts = 0;
  let discarded = 0;
  while (setups[0].perRound.length < rounds && attempts < 4 * rounds) {
    attempts++;
    const got = [];
    for (const s of setups) got.push(await measure(s));
    if (got.every((g) => g.clean)) got.forEach((g, i) => setups[i].perRound.push(g.ms));
    else discarded++;
  }
  for (const s of setups) s.pool.close();
  const base = setups[0];
  console.log(
    `\nk-means kernel alone (assignment + statistics at fixed centroids), ${base.perRound.length} interleaved rounds × 20 calls` +
      (existsSync('/proc/stat') ? `; ${discarded} round(s) discarded because other processes used over 5 % of a core meanwhile` : ''),
  );
  if (!base.perRound.length) {
    console.log('No quiet round: the machine was busy throughout. Run it again on a quiet machine.');
    return;
  }
  console.log('| threads | ms/call (median of rounds) | speed-up vs first (median of per-round ratios) | per-round ratios | inertia |');
  console.log('|---|---|---|---|---|');
  for (const s of setups) {
    const ratios = s.perRound.map((m, r) => base.perRound[r] / m);
    console.log(
      `| ${s.threads} | ${median(s.perRound).toFixed(2)} | ${median(ratios).toFixed(2)}× | ${ratios.map((x) => x.toFixed(2)).join(' ')} | ${s.inertia.toPrecision(10)} |`,
    );
  }
}

async function main() {
  const server = await createVite();
  try {
    const { makeBlobs } = await server.ssrLoadModule('/src/datasets/blobs.ts');
    const { loadWasmRuntime } = await server.ssrLoadModule('/src/backends/wasm/runtime.ts');
    const { createPool } = await server.ssrLoadModule('/src/backends/wasm/pool.ts');
    const { putRows, kmeansBuffers, kmeansAssignStats } = await server.ssrLoadModule('/src/backends/wasm/ops.ts');

    const x = makeBlobs(n, d, k, 1).data;
    const x32 = Float32Array.from(x);
    // The same start for everyone: k rows of the float32 data, spread by the golden ratio (evenly
    // spaced rows would all lie in one blob: makeBlobs deals rows to blobs round-robin).
    const init = new Float64Array(k * d);
    for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) init[j * d + f] = x32[startRow(j, n) * d + f];
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    console.log(
      `wasm-micro: k-means ${n} × ${d}, k ${k}, ${iters} iterations; ${cores} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`,
    );

    if (process.argv.includes('--scaling')) {
      await scalingSection(server, x32, init);
      return;
    }

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
        if (st.counts.includes(0))
          relocateEmpty(
            x32,
            st.sums,
            st.counts,
            new Int32Array(rt.memory.buffer, bufs.labels, n),
            new Float32Array(rt.memory.buffer, bufs.dist, n),
          );
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
    console.log(
      `\n(inertia: wasm is at the last E-step of its loop; scikit-learn reports it after its final assignment; the float64 loop runs ${Math.min(iters, 5)} iterations.)`,
    );
    if (process.argv.includes('--gmm')) await gmmSection(server, threadCounts);
  } finally {
    await server.close();
  }
}

await main();
