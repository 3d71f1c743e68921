/**
 * The benchmark page: bench/run.mjs serves it with Vite, opens it in headless Chromium and calls
 * `window.emgpuBench.start(config, realData)`, then waits for `state` to be 'done' or 'error'.
 * The cases and their runner are shared with Node (bench/cases.ts, bench/runner/).
 */
import { kmeans as mlKmeans } from 'ml-kmeans';
import skmeans from 'skmeans';
import { createEngine, type Engine } from '../src/index.js';
import { decodeReal, type RealDataset } from './data.js';
import type { EngineInfo, RunParts } from './report.js';
import { runPreset } from './runner/run.js';
import type { BenchConfig, Peers } from './runner/types.js';

/** What the page hands back: everything but the host's fields (Node version, date), which run.mjs adds. */
export type PageResult = Omit<RunParts, 'node' | 'platform' | 'cpus'>;

type State = 'ready' | 'running' | 'done' | 'error';

interface BenchHandle {
  state: State;
  result: PageResult | null;
  error: string | null;
  /** realData: name → encodeReal() JSON, or { missing } with the reason. */
  start(config: BenchConfig, realData: Record<string, string | { missing: string }>): void;
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

async function timestampQuery(): Promise<boolean | null> {
  const adapter = await navigator.gpu?.requestAdapter();
  return adapter ? adapter.features.has('timestamp-query') : null;
}

async function run(cfg: BenchConfig, realData: Record<string, string | { missing: string }>): Promise<PageResult> {
  let engine: Engine | null = null;
  let cpu: Engine | null = null;
  try {
    engine = await createEngine({ backend: 'webgpu', timestamps: true });
    cpu = await createEngine({ backend: 'cpu' });
    const software = SOFTWARE_ADAPTER.test(engine.adapter);
    const ts = await timestampQuery();
    log(
      `adapter: ${engine.adapter}${software ? ' (software: figures are about correctness and traffic, not GPU speed)' : ''}; timestamp-query: ${ts}`,
    );
    const real: Record<string, RealDataset | { missing: string }> = {};
    for (const [name, v] of Object.entries(realData)) real[name] = typeof v === 'string' ? decodeReal(v) : v;
    const peers: Peers = { mlKmeans, skmeans };
    const out = await runPreset(cfg, { engine, cpu, peers, real, log });
    const info: EngineInfo = {
      requested: 'webgpu',
      backend: engine.backend,
      adapter: engine.adapter,
      software,
      fallbackReason: engine.fallbackReason,
    };
    return {
      preset: cfg.preset,
      frontEnd: 'browser',
      engine: info,
      userAgent: navigator.userAgent,
      timestampQuery: ts,
      refCapFlops: out.refCapFlops,
      repeatsOverride: cfg.repeats ?? null,
      notes: out.notes,
      durationMs: out.durationMs,
      cases: out.cases,
    };
  } finally {
    engine?.destroy();
    cpu?.destroy();
  }
}

window.emgpuBench = {
  state: 'ready',
  result: null,
  error: null,
  start(config, realData) {
    if (this.state === 'running') throw new Error('the benchmark is already running');
    this.state = 'running';
    run(config, realData).then(
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
