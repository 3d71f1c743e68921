#!/usr/bin/env node
/**
 * `npm run bench:knn`: exact kNN (emgpu's knn, k = 15) against pynndescent (approximate, Debian's
 * python3-pynndescent through /usr/bin/python3) in the same run on the same float32 data, with
 * pynndescent's recall measured against our exact result, and emgpu's backends checked against
 * each other (the float64 reference at the small sizes: same bits). Data: PCA-like rows (30
 * Gaussian clusters, column scales falling as 1/√(1 + f/5)), seeded.
 *
 *   npm run bench:knn -- [--sizes 10000,100000] [--d 50] [--k 15] [--ref-max 10000]
 *                        [--gpu-sizes 10000,100000,1000000] [--wasm-max 100000] [--peer-max 1000000] [--out DIR]
 *
 * WebGPU runs where Node has a hardware adapter (the `webgpu` package, as bench/gpu.mjs): then
 * --gpu-sizes are measured too (1M × 50 is meant for a GPU machine; the CPU backends' exact search
 * is O(n²) and stops at --wasm-max). Writes bench/results/<date>-knn-<machine>.{json,md}.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createVite, here, revision } from './cli.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const list = (s) => (s ? s.split(',').filter(Boolean).map(Number) : []);
const sizes = list(opt('sizes', '10000,100000'));
const gpuSizes = list(opt('gpu-sizes', '10000,100000,1000000'));
const d = Number(opt('d', '50'));
const k = Number(opt('k', '15'));
const refMax = Number(opt('ref-max', '10000'));
const wasmMax = Number(opt('wasm-max', '100000'));
const peerMax = Number(opt('peer-max', '1000000'));
const outDir = opt('out', join(here, 'results'));

/** Seeded PCA-like rows as float32. */
function makeData(n) {
  let s = 0x2545f491;
  const u = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x297a2d39) >>> 0;
    s = (s ^ (s >>> 12)) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  const g = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const scale = Array.from({ length: d }, (_, f) => 1 / Math.sqrt(1 + f / 5));
  const centres = Array.from({ length: 30 }, () => scale.map((sc) => 4 * sc * g()));
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(u() * 30)];
    for (let f = 0; f < d; f++) x[i * d + f] = c[f] + scale[f] * g();
  }
  return x;
}

const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

function recall(approx, exact, n) {
  let hit = 0;
  for (let i = 0; i < n; i++) {
    const want = new Set(exact.subarray(i * k, i * k + k));
    for (let t = 0; t < k; t++) if (want.has(approx[i * k + t])) hit++;
  }
  return hit / (n * k);
}

async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1e3 };
}

async function main() {
  const server = await createVite();
  const tmp = mkdtempSync(join(os.tmpdir(), 'emgpu-knn-'));
  const rows = [];
  const notes = [];
  try {
    const lib = await server.ssrLoadModule('/src/index.ts');
    const wasm = await lib.createEngine({ backend: 'wasm' });
    let gpu = null;
    try {
      const auto = await lib.createEngine({ backend: 'auto' });
      if (auto.backend === 'webgpu') gpu = auto;
      else {
        notes.push(`No hardware WebGPU adapter in Node (${auto.fallbackReason ?? auto.backend}): WebGPU not measured.`);
        auto.destroy();
      }
    } catch (e) {
      notes.push(`WebGPU unavailable: ${e.message}`);
    }
    // Warm-up: compile and spin the workers once, outside every timing.
    await lib.knn({ data: makeData(2000), n: 2000, d }, { k, engine: wasm });
    if (gpu) await lib.knn({ data: makeData(2000), n: 2000, d }, { k, engine: gpu });
    const all = [...new Set([...sizes, ...(gpu ? gpuSizes : [])])].sort((a, b) => a - b);
    for (const n of all) {
      console.log(`[knn] n = ${n} × ${d}, k = ${k}`);
      const x = makeData(n);
      const row = { n, d, k, seconds: {}, checks: [] };
      let exact = null;
      if (n <= wasmMax && sizes.includes(n)) {
        const r = await timed(() => lib.knn({ data: x, n, d }, { k, engine: wasm }));
        row.seconds.wasm = r.seconds;
        exact = r.value.indices;
        const snn = await timed(() => lib.snnGraph(r.value));
        row.seconds.snnGraph = snn.seconds;
        console.log(`  wasm ${r.seconds.toFixed(2)} s (${wasm.adapter}); snnGraph ${snn.seconds.toFixed(2)} s`);
      }
      if (n <= refMax && sizes.includes(n)) {
        const r = await timed(() => lib.knn({ data: x, n, d }, { k, backend: 'reference' }));
        row.seconds.reference = r.seconds;
        if (exact) row.checks.push(`wasm = reference: ${same(exact, r.value.indices)}`);
        exact ??= r.value.indices;
        console.log(`  reference ${r.seconds.toFixed(2)} s`);
      }
      if (gpu && gpuSizes.includes(n)) {
        const r = await timed(() => lib.knn({ data: x, n, d }, { k, engine: gpu }));
        row.seconds.webgpu = r.seconds;
        if (exact) row.checks.push(`webgpu = wasm: ${same(exact, r.value.indices)}`);
        exact ??= r.value.indices;
        console.log(`  webgpu ${r.seconds.toFixed(2)} s (${gpu.adapter})`);
      }
      if (n <= peerMax) {
        const file = join(tmp, 'x.f32');
        const out = join(tmp, 'idx.i32');
        writeFileSync(file, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
        const peerPath = join(here, 'peers', 'pynndescent_peer.py');
        const res = JSON.parse(
          execFileSync('/usr/bin/python3', [peerPath, file, String(n), String(d), String(k), out], { encoding: 'utf8' }).trim(),
        );
        const approx = new Int32Array(readFileSync(out).buffer.slice(0));
        row.seconds.pynndescent = res.seconds;
        row.pynndescent = { version: res.version, warmupSeconds: res.warmupSeconds, recall: exact ? recall(approx, exact, n) : null };
        console.log(`  pynndescent ${res.seconds.toFixed(2)} s, recall ${row.pynndescent.recall?.toFixed(4) ?? 'n/a'}`);
      }
      rows.push(row);
    }
    wasm.destroy();
    gpu?.destroy();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await server.close();
  }
  const cpu = `${os.cpus().length} × ${os.cpus()[0]?.model?.trim()}`;
  const result = {
    date: new Date().toISOString(),
    revision: revision(),
    machine: { cpus: cpu, loadAverageAtEnd: os.loadavg(), node: process.version, platform: `${process.platform}-${process.arch}` },
    notes,
    rows,
  };
  const fmt = (v) => (v === undefined ? '—' : v.toFixed(2));
  const md = [
    `# kNN: emgpu (exact) against pynndescent (approximate), ${result.date.slice(0, 10)}`,
    '',
    `Machine: ${cpu}; Node ${process.version}; load average at the end ${os
      .loadavg()
      .map((v) => v.toFixed(1))
      .join(', ')} (a shared machine: times are noisy). Revision ${result.revision?.commit ?? result.revision}.`,
    `Data: PCA-like float32 rows (30 Gaussian clusters, falling column scales), d = ${d}, k = ${k}. Seconds of wall time.`,
    ...notes.map((s) => `- ${s}`),
    '',
    '| n | emgpu wasm | emgpu reference | emgpu webgpu | pynndescent | pynndescent recall | snnGraph | checks |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.n} | ${fmt(r.seconds.wasm)} | ${fmt(r.seconds.reference)} | ${fmt(r.seconds.webgpu)} | ${fmt(r.seconds.pynndescent)} | ${r.pynndescent?.recall?.toFixed(4) ?? '—'} | ${fmt(r.seconds.snnGraph)} | ${r.checks.join('; ') || '—'} |`,
    ),
    '',
    'emgpu is exact (recall 1.0 by construction: candidates certified against float64, src/graph/knn-exact.ts); pynndescent is approximate and its numba compilation (a warm-up on 2,000 rows) is excluded.',
    '',
  ].join('\n');
  const slug = cpu
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `${result.date.slice(0, 10)}-knn-${slug}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${base}.md`, md);
  console.log(`\n${md}\nWrote ${base}.json and .md`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
