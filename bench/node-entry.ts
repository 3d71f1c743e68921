/**
 * `npm run bench:node`: the benchmark cases in Node, through the `webgpu` package (Dawn) when a
 * GPU adapter is there. bench/run-node.mjs loads this file through Vite's SSR module loader (so
 * the library's `.wgsl?raw` imports resolve) and writes the results.
 *
 * The engine is createEngine({ backend: 'auto' }) unless --backend says otherwise: a hardware
 * adapter, else the CPU backend with the reason in `engine.fallbackReason` (printed and recorded).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { kmeans as mlKmeans } from 'ml-kmeans';
import skmeans from 'skmeans';
import { createEngine, type BackendChoice } from '../src/index.js';
import { getGpu, describeAdapter } from '../src/gpu/device.js';
import { presetCases } from './cases.js';
import { loadPbmc68kReduced } from './realdata-node.js';
import { assembleResult, type BenchResult } from './report.js';
import { runPreset } from './runner/run.js';
import type { BenchConfig, Peers, QuietProbe, SklearnJob, SklearnRun } from './runner/types.js';

export interface NodeBenchOptions extends BenchConfig {
  backend?: BackendChoice;
  log?: (msg: string) => void;
}

async function timestampQuery(): Promise<boolean | null> {
  const gpu = await getGpu();
  const adapter = await gpu?.requestAdapter();
  return adapter ? adapter.features.has('timestamp-query') : null;
}

const PYTHON = '/usr/bin/python3';
const SKLEARN_PEER = new URL('./peers/sklearn_peer.py', import.meta.url).pathname;

/** scikit-learn through Debian's python3-sklearn, or why it cannot run. */
function sklearnPeer(): Peers['sklearn'] {
  const probe = spawnSync(PYTHON, ['-c', 'import sklearn, threadpoolctl; print(sklearn.__version__)'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    return { missing: `skipped: ${PYTHON} with scikit-learn and threadpoolctl is not available (apt install python3-sklearn)` };
  return {
    run: (x: Float32Array, job: SklearnJob) =>
      new Promise<SklearnRun>((resolve, reject) => {
        const dir = mkdtempSync(join(os.tmpdir(), 'emgpu-sklearn-'));
        const file = join(dir, 'x.f32');
        writeFileSync(file, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
        const child = spawn(PYTHON, [SKLEARN_PEER], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (b) => (out += b));
        child.stderr.on('data', (b) => (err += b));
        child.on('error', reject);
        child.on('close', (code) => {
          rmSync(dir, { recursive: true, force: true });
          if (code === 0) resolve(JSON.parse(out) as SklearnRun);
          else reject(new Error(`scikit-learn peer exited with ${code}: ${err.trim().split('\n').slice(-3).join(' ')}`));
        });
        child.stdin.end(JSON.stringify({ ...job, x: file }));
      }),
  };
}

/** Linux: the machine's busy CPU time (/proc/stat) and this process's, to retime disturbed fits. */
function quietProbe(): QuietProbe | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  return {
    machineBusyMs() {
      const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      // user nice system idle iowait irq softirq steal (guest time is inside user): busy = all but idle and iowait.
      return (f.slice(0, 8).reduce((a, b) => a + b, 0) - f[3] - f[4]) * 10; // USER_HZ = 100
    },
    ownCpuMs() {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e3;
    },
  };
}

export async function runNodeBench(o: NodeBenchOptions): Promise<BenchResult> {
  const log = o.log ?? ((m: string) => console.log(`[bench] ${m}`));
  const requested = o.backend ?? 'auto';
  const engine = await createEngine({ backend: requested, timestamps: true });
  const cpu = await createEngine({ backend: 'reference' });
  try {
    let software = false;
    let ts: boolean | null = null;
    if (engine.backend === 'webgpu') {
      ts = await timestampQuery();
      const gpu = await getGpu();
      const a = await gpu?.requestAdapter();
      software = a ? describeAdapter(a).software : false;
    }
    const engineInfo = { requested, backend: engine.backend, adapter: engine.adapter, software, fallbackReason: engine.fallbackReason };
    if (engine.backend !== 'webgpu') {
      log(
        `NO GPU: emgpu runs on its CPU backend, ${engine.adapter}${engine.fallbackReason ? `, because ${engine.fallbackReason}` : ` (--backend ${requested})`}. These are CPU figures, not GPU figures.`,
      );
    } else {
      log(`adapter: ${engine.adapter}${software ? ' (software)' : ''}; timestamp-query: ${ts}`);
    }
    const wantsReal = presetCases(o.preset, { only: o.only }).some((c) => c.data.kind === 'real');
    const real = wantsReal ? { pbmc68k_reduced: loadPbmc68kReduced() } : {};
    const peers: Peers = { mlKmeans, skmeans, sklearn: sklearnPeer() };
    const quiet = quietProbe();
    const run = await runPreset(o, { engine, cpu, peers, real, log, ...(quiet ? { quiet } : {}) });
    const notes = [...run.notes];
    if (engine.backend !== 'webgpu')
      notes.unshift(
        `No GPU: emgpu ran on its CPU backend, ${engine.adapter}${engine.fallbackReason ? `, because ${engine.fallbackReason}` : ''}.`,
      );
    const cpuModel = os.cpus()[0]?.model?.trim();
    return assembleResult({
      preset: o.preset,
      frontEnd: 'node',
      engine: engineInfo,
      userAgent: null,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpuModel ? `${os.cpus().length} × ${cpuModel}` : null,
      timestampQuery: ts,
      refCapFlops: run.refCapFlops,
      repeatsOverride: o.repeats ?? null,
      notes,
      durationMs: run.durationMs,
      cases: run.cases,
    });
  } finally {
    engine.destroy();
    cpu.destroy();
  }
}
