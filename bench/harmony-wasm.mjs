#!/usr/bin/env node
// node bench/harmony-wasm.mjs [--per 274] [--types 10] [--d 50] [--seed 0] [--threads 1,2] [--backends reference,wasm] [--out bench/results]
//
// Harmony's iterations on the float64 reference and on the 'wasm' (= 'cpu') backend, same data and
// seed in the same run: synthetic two-batch data (`types` Gaussian cell types × 2 batches of `per`
// cells each, batch 'b' shifted), K = min(100, n/30) as harmony()'s default. Each backend runs
// runHarmony (src/harmony/fit.ts) from the same k-means start, with every session pass timed, so the
// table shows where the time goes. Wall clock on a shared machine: read the figures as rough.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createVite, exitWith, revision, root } from './cli.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const per = Number(arg('per', 274));
const types = Number(arg('types', 10));
const d = Number(arg('d', 50));
const seed = Number(arg('seed', 0));
const threadCounts = arg('threads', '1,2').split(',').map(Number);
const backends = arg('backends', 'reference,wasm').split(',');
const outDir = arg('out', join(root, 'bench', 'results'));
const PASSES = ['centroidSums', 'distances', 'softAssign', 'updateR', 'objective', 'moeSums', 'correct', 'read'];

/** A backend whose session methods add their wall time to `times`. */
function timed(impl, times) {
  return {
    open: (engine, z, setup, fn) =>
      impl.open(engine, z, setup, (s) => {
        const w = {};
        for (const p of PASSES) {
          w[p] = async (...a) => {
            const t = performance.now();
            try {
              return await s[p](...a);
            } finally {
              times[p] = (times[p] ?? 0) + performance.now() - t;
            }
          };
        }
        return fn(w);
      }),
  };
}

async function main() {
  const server = await createVite();
  try {
    const api = await server.ssrLoadModule('/src/index.ts');
    const { Rng } = await server.ssrLoadModule('/src/core/rng.ts');
    const { implementationFor } = await server.ssrLoadModule('/src/core/registry.ts');
    const { runHarmony, normaliseRows } = await server.ssrLoadModule('/src/harmony/fit.ts');
    const { resolveHarmony, encodeBatch } = await server.ssrLoadModule('/src/harmony/options.ts');
    // Data: type t centred at 10 on axis t, sd 1; batch 'b' moved by 3 spread over the even axes.
    const rng = new Rng(seed, 3);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
    const n = per * types * 2;
    const z = new Float64Array(n * d);
    const batch = [];
    for (let b = 0, i = 0; b < 2; b++)
      for (let t = 0; t < types; t++)
        for (let c = 0; c < per; c++, i++) {
          batch.push(b ? 'b' : 'a');
          for (let f = 0; f < d; f++)
            z[i * d + f] = (f === t ? 10 : 0) + gauss() + (b && f % 2 === 0 ? 3 / Math.sqrt(Math.ceil(d / 2)) : 0);
        }
    const r = resolveHarmony({ seed }, n);
    const enc = encodeBatch(batch, n);
    const setup = {
      n,
      d,
      K: r.K,
      B: 2,
      batch: enc.index,
      sigma: new Float64Array(r.K).fill(r.sigma),
      theta: new Float64Array(2).fill(r.theta),
      prB: enc.counts.map((c) => c / n),
    };
    const ref = await api.createEngine({ backend: 'reference' });
    const init = await api.kmeans({ data: normaliseRows(z, n, d), n, d }, { k: r.K, nInit: 10, maxIter: 25, seed, engine: ref });
    const centroids = new Float64Array(r.K * d);
    init.centroids.forEach((row, k) => centroids.set(row, k * d));
    const rows = [];
    let base = null;
    const plan = backends.flatMap((backend) =>
      backend === 'reference' ? [{ backend }] : threadCounts.map((threads) => ({ backend, threads })),
    );
    for (const { backend, threads } of plan) {
      const engine = backend === 'reference' ? ref : await api.createEngine({ backend, threads });
      const times = {};
      const t0 = performance.now();
      const run = await runHarmony(timed(implementationFor('harmony', backend), times), engine, z, setup, centroids, r, {});
      const seconds = (performance.now() - t0) / 1000;
      let diff = 0;
      if (base) for (let t = 0; t < n * d; t++) diff = Math.max(diff, Math.abs(run.corrected[t] - base.corrected[t]));
      base ??= run;
      rows.push({
        backend: backend === 'reference' ? 'reference' : `${backend} (${threads} thread${threads === 1 ? '' : 's'})`,
        seconds,
        run,
        times,
        diff,
      });
      console.log(backend, seconds.toFixed(2), 's', JSON.stringify(times));
      if (engine !== ref) engine.destroy?.();
    }
    const machine = `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length} (shared dev VM, 2 cores shared with other jobs; Node ${process.version}, no GPU)`;
    const date = new Date().toISOString().slice(0, 10);
    const rev = revision(['src', 'wasm']);
    const s = (ms) => (ms / 1000).toFixed(2);
    const lines = [
      `# Harmony on the reference vs the 'wasm' CPU backend (${date})`,
      '',
      `Machine: ${machine}. Revision ${rev ? `${rev.commit.slice(0, 10)}${rev.dirty ? ' (uncommitted changes)' : ''}` : 'unknown'}.`,
      `Data: ${n} cells × ${d} PCs, ${types} Gaussian types × 2 batches (batch b shifted), seed ${seed}; K = ${r.K}, θ ${r.theta}, σ ${r.sigma},`,
      `blocks of ${r.blockSize}, maxIter ${r.maxIter}. Both runs start from the same k-means centroids (reference k-means, nInit 10) and`,
      `run src/harmony/fit.ts's loop; \`node bench/harmony-wasm.mjs${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}\`. One run each; wall clock.`,
      '',
      `| backend | total s | outer iterations | clustering iterations | ${PASSES.join(' s | ')} s | max abs diff of corrected vs reference |`,
      `|---|---|---|---|${PASSES.map(() => '---|').join('')}---|`,
      ...rows.map(
        (x) =>
          `| ${x.backend} | ${x.seconds.toFixed(2)} | ${x.run.iterations} | ${x.run.clusteringIterations.join(', ')} | ${PASSES.map((p) => s(x.times[p] ?? 0)).join(' | ')} | ${x === rows[0] ? '—' : x.diff.toExponential(2)} |`,
      ),
      '',
    ];
    for (const x of rows.slice(1))
      lines.push(`Speed-up of ${x.backend} over ${rows[0].backend}: ${(rows[0].seconds / x.seconds).toFixed(1)}×.`);
    lines.push('');
    const out = join(outDir, `${date}-harmony-wasm.md`);
    if (arg('out', '') !== 'none') writeFileSync(out, lines.join('\n'));
    console.log(lines.join('\n'));
  } finally {
    await server.close();
  }
}

exitWith(main());
