/**
 * The benchmark page: bench/run.mjs serves it with Vite, opens it in headless Chromium and calls
 * `window.emgpuBench.start(config)`, then waits for `state` to be 'done' or 'error'.
 *
 * All timings are wall-clock (performance.now inside the library, around the EM loop); GPU
 * timestamp queries are not used yet.
 */
import { createEngine, Rng, type Engine, type KMeansResult, type SoftKMeansResult } from '../src/index.js';
import { makeBlobs } from '../test/helpers/blobs.js';

export interface BenchConfig {
  n: number;
  d: number;
  k: number;
  maxIter: number;
  repeats: number;
  /** Seed of makeBlobs. */
  dataSeed: number;
  std: number;
  spread: number;
  /** Seed of the row sample used as initial centroids (the same for every fit and backend). */
  initSeed: number;
  /** Iterations of the untimed warm-up fits (pipeline compilation). */
  warmupIter: number;
  softBeta: number;
  softMaxIter: number;
  /** Skip the CPU reference (for quick looks at the GPU side only). */
  cpu: boolean;
}

export interface FitSample {
  perIterMs: number;
  initMs: number;
  totalMs: number;
  nIter: number;
  stopReason: string;
  objective: number;
  /** history[i].elapsedMs: wall time since the start of the restart after each iteration. */
  elapsedMs: number[];
  gpu?: KMeansResult['gpu'];
}

export interface BenchPageResult {
  adapter: string;
  backend: string;
  software: boolean;
  userAgent: string;
  dataMs: number;
  initRows: number[];
  warmupMs: number;
  kmeans: { gpu: FitSample[]; cpu: FitSample | null; cpuAdapter: string | null };
  soft: { gpu: FitSample[] };
}

type State = 'ready' | 'running' | 'done' | 'error';

interface BenchHandle {
  state: State;
  result: BenchPageResult | null;
  error: string | null;
  start(config: BenchConfig): void;
}

declare global {
  interface Window {
    emgpuBench: BenchHandle;
  }
}

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|warp|software/i;

const logEl = document.getElementById('log');
function log(msg: string): void {
  console.log(`[bench] ${msg}`);
  if (logEl) logEl.textContent += `${msg}\n`;
}

function sample(r: KMeansResult | SoftKMeansResult, objective: number): FitSample {
  const s: FitSample = {
    perIterMs: r.timings.perIterMs,
    initMs: r.timings.initMs,
    totalMs: r.timings.totalMs,
    nIter: r.nIter,
    stopReason: r.stopReason,
    objective,
    elapsedMs: r.history.map((h) => h.elapsedMs),
  };
  if (r.gpu) s.gpu = r.gpu;
  return s;
}

const fmt = (x: number) => x.toFixed(1);

async function run(cfg: BenchConfig): Promise<BenchPageResult> {
  const { n, d, k } = cfg;
  let gpu: Engine | null = null;
  let cpu: Engine | null = null;
  try {
    gpu = await createEngine({ backend: 'webgpu' });
    const software = SOFTWARE_ADAPTER.test(gpu.adapter);
    log(`adapter: ${gpu.adapter}${software ? ' (software)' : ''}`);

    let t = performance.now();
    const blobs = makeBlobs(n, d, k, cfg.dataSeed, { std: cfg.std, spread: cfg.spread });
    const dataMs = performance.now() - t;
    const X = { data: blobs.data, n, d };
    log(`data: makeBlobs(${n}, ${d}, ${k}, seed ${cfg.dataSeed}, std ${cfg.std}, spread ${cfg.spread}) in ${fmt(dataMs)} ms`);

    // The same k rows as initial centroids for every fit, so both backends do the same iterations.
    const initRows = new Rng(cfg.initSeed).sample(n, k);
    const init = initRows.map((i) => Array.from(blobs.data.subarray(i * d, (i + 1) * d)));
    const common = { k, init, nInit: 1, tol: 0 };

    // Warm-up: compile the pipelines (hard and soft) before anything is timed.
    t = performance.now();
    await gpu.kmeans(X, { ...common, maxIter: cfg.warmupIter });
    await gpu.softKMeans(X, { ...common, beta: cfg.softBeta, maxIter: 1 });
    const warmupMs = performance.now() - t;
    log(`warm-up (untimed): ${fmt(warmupMs)} ms`);

    const kmGpu: FitSample[] = [];
    for (let r = 0; r < cfg.repeats; r++) {
      const res = await gpu.kmeans(X, { ...common, maxIter: cfg.maxIter });
      kmGpu.push(sample(res, res.inertia));
      log(`k-means GPU ${r + 1}/${cfg.repeats}: ${fmt(res.timings.perIterMs)} ms/iter over ${res.nIter} iterations (${res.stopReason}), inertia ${res.inertia}`);
    }

    let kmCpu: FitSample | null = null;
    let cpuAdapter: string | null = null;
    if (cfg.cpu) {
      cpu = await createEngine({ backend: 'cpu' });
      cpuAdapter = cpu.adapter;
      log('k-means CPU reference: 1 fit (the page is busy until it ends)');
      const res = await cpu.kmeans(X, { ...common, maxIter: cfg.maxIter });
      kmCpu = sample(res, res.inertia);
      log(`k-means CPU: ${fmt(res.timings.perIterMs)} ms/iter over ${res.nIter} iterations (${res.stopReason}), inertia ${res.inertia}`);
    }

    const softGpu: FitSample[] = [];
    for (let r = 0; r < cfg.repeats; r++) {
      const res = await gpu.softKMeans(X, { ...common, beta: cfg.softBeta, maxIter: cfg.softMaxIter });
      softGpu.push(sample(res, res.objective));
      log(`soft k-means GPU ${r + 1}/${cfg.repeats}: ${fmt(res.timings.perIterMs)} ms/iter over ${res.nIter} iterations, objective ${res.objective}`);
    }

    return {
      adapter: gpu.adapter,
      backend: gpu.backend,
      software,
      userAgent: navigator.userAgent,
      dataMs,
      initRows,
      warmupMs,
      kmeans: { gpu: kmGpu, cpu: kmCpu, cpuAdapter },
      soft: { gpu: softGpu },
    };
  } finally {
    gpu?.destroy();
    cpu?.destroy();
  }
}

window.emgpuBench = {
  state: 'ready',
  result: null,
  error: null,
  start(config: BenchConfig) {
    if (this.state === 'running') throw new Error('the benchmark is already running');
    this.state = 'running';
    run(config).then(
      (result) => {
        this.result = result;
        this.state = 'done';
      },
      (e: unknown) => {
        const err = e as Error;
        this.error = `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}${err?.stack ? `\n${err.stack}` : ''}`;
        this.state = 'error';
      },
    );
  },
};
