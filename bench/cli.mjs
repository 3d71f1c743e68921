// Shared by bench/run.mjs (npm run bench: headless Chromium) and bench/run-node.mjs (npm run
// bench:node): arguments, the Vite server that loads the TypeScript, writing the results.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '..');

export class BenchError extends Error {}

/** The commit the code was measured at, and whether `paths` (default src/, shaders/) had uncommitted changes. */
export function revision(paths = ['src', 'shaders']) {
  try {
    const quiet = { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] };
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], quiet).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', ...paths], quiet).trim().length > 0;
    return { commit, dirty };
  } catch {
    // No git (a lent machine gets the working tree without .git): the device kit's record of it.
    const kit = process.env.EMGPU_BENCH_REVISION?.split(' ');
    return kit?.length === 2 ? { commit: kit[0], dirty: kit[1] === 'dirty' } : null;
  }
}

const PRESETS = ['ci', 'quick', 'full', 'cpu'];
const DEFAULT_TIMEOUT_S = { ci: 300, quick: 1800, full: 6 * 3600, cpu: 1800 };

export function usage(frontEnd) {
  const cmd = frontEnd === 'node' ? 'npm run bench:node --' : 'npm run bench --';
  return [
    `Usage: ${cmd} [options]`,
    '  --preset P      ci (seconds) | quick (n ≤ 100k; minutes on SwiftShader; default) | full (the whole matrix, for real GPUs)',
    '                  | cpu (the CPU backend against scikit-learn: k-means 100k × 50, GMM 20k × 50, k 20)',
    "  --repeats R     timed fits per case and implementation (default: the preset's, 5 for quick/full)",
    "  --max-iter I    EM iterations per fit (default: the preset's)",
    '  --only A,B      only the cases whose id contains A or B (e.g. --only kmeans-n10k,gmm)',
    '  --ref-cap F     run the CPU reference and the peers only while the modelled flops per iteration ≤ F (default 3e9)',
    '  --out DIR       where results go (default bench/results)',
    ...(frontEnd === 'node'
      ? [
          "  --backend B     auto (default: a hardware GPU, else the CPU backend 'wasm', said so) | webgpu | wasm | reference | cpu (= wasm)",
        ]
      : ['  --timeout-s S   overall time limit (default: ci 300, quick 1800, full 21600)']),
    '  --help',
    ...(frontEnd === 'node' ? [] : ['Environment: CHROME_PATH=/path/to/chromium overrides the browser.']),
  ].join('\n');
}

function positive(name, v, { integer = true } = {}) {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0 || (integer && !Number.isInteger(x)))
    throw new BenchError(`--${name}=${v} is not a positive ${integer ? 'integer' : 'number'}.`);
  return x;
}

export function parseCli(argv, frontEnd) {
  const options = {
    preset: { type: 'string' },
    repeats: { type: 'string' },
    'max-iter': { type: 'string' },
    only: { type: 'string' },
    'ref-cap': { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
    ...(frontEnd === 'node' ? { backend: { type: 'string' } } : { 'timeout-s': { type: 'string' } }),
  };
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new BenchError(`${e.message}\n\n${usage(frontEnd)}`);
  }
  if (values.help) {
    console.log(usage(frontEnd));
    process.exit(0);
  }
  const preset = values.preset ?? 'quick';
  if (!PRESETS.includes(preset)) throw new BenchError(`--preset=${preset} is not one of ${PRESETS.join(', ')}.\n\n${usage(frontEnd)}`);
  const backend = values.backend ?? 'auto';
  if (!['auto', 'webgpu', 'wasm', 'reference', 'cpu'].includes(backend))
    throw new BenchError(`--backend=${backend} is not one of auto, webgpu, wasm, reference, cpu.`);
  const config = { preset };
  const repeats = positive('repeats', values.repeats);
  const maxIter = positive('max-iter', values['max-iter']);
  const refCap = positive('ref-cap', values['ref-cap'], { integer: false });
  if (repeats !== undefined) config.repeats = repeats;
  if (maxIter !== undefined) config.maxIter = maxIter;
  if (refCap !== undefined) config.refCapFlops = refCap;
  if (values.only)
    config.only = values.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return {
    config,
    backend,
    outDir: resolve(values.out ?? join(here, 'results')),
    timeoutS: positive('timeout-s', values['timeout-s']) ?? DEFAULT_TIMEOUT_S[preset],
  };
}

/**
 * A Vite dev server on the repository (no config file, no watching: others edit src/ meanwhile).
 * On a machine without node_modules (a lent GPU machine, scripts/device-kit.mjs), EMGPU_BENCH_BUNDLE
 * names the bundle of bench/gpu-kit-entry.ts, and this returns a stand-in whose ssrLoadModule gives
 * that bundle for every path (it exports what bench:gpu loads).
 */
export async function createVite({ listen = false, port } = {}) {
  const bundle = process.env.EMGPU_BENCH_BUNDLE;
  if (bundle && !listen) {
    const mod = await import(pathToFileURL(resolve(bundle)).href);
    return { ssrLoadModule: async () => mod, close: async () => {} };
  }
  const { createServer } = await import('vite');
  const server = await createServer({
    configFile: false,
    root,
    logLevel: 'warn',
    clearScreen: false,
    appType: listen ? 'spa' : 'custom',
    server: listen
      ? { host: '127.0.0.1', port, strictPort: true, hmr: false, watch: null }
      : { middlewareMode: true, hmr: false, watch: null },
    // The peers are CommonJS (skmeans) or have CommonJS dependencies: pre-bundle them for the page.
    optimizeDeps: { noDiscovery: true, include: ['skmeans', 'ml-kmeans'] },
  });
  if (listen) await server.listen();
  return server;
}

/** Validate, print and write the results: <date>-<slug>-<preset>[-custom].json and .md; latest(-node).md for plain quick and full runs. */
export async function writeResults(server, result, outDir, config = {}) {
  const { renderMarkdown } = await server.ssrLoadModule('/bench/report.ts');
  const { validateBenchResult } = await server.ssrLoadModule('/bench/schema.ts');
  mkdirSync(outDir, { recursive: true });
  // A run with --only, --repeats or --max-iter is not the preset: its files say so, and latest*.md is left alone.
  const custom = !!(config.only || config.repeats || config.maxIter || config.refCapFlops);
  const base = `${result.date}-${result.adapterSlug}-${result.preset}${custom ? '-custom' : ''}`;
  const jsonPath = join(outDir, `${base}.json`);
  // The raw figures first: a rendering problem must not lose a long run.
  result.revision ??= revision();
  writeFileSync(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  const md = renderMarkdown(result);
  console.log(`\n${md}`);
  writeFileSync(join(outDir, `${base}.md`), `${md}\nRaw figures: [${base}.json](./${base}.json)\n`);
  console.log(`Wrote ${relative(process.cwd(), jsonPath)} and ${base}.md`);
  if (result.preset !== 'ci' && !custom) {
    const latest = join(outDir, result.frontEnd === 'node' ? 'latest-node.md' : 'latest.md');
    writeFileSync(latest, `${md}\nRaw figures: [${base}.json](./${base}.json)\n`);
    console.log(`Wrote ${relative(process.cwd(), latest)}`);
  }
  const problems = validateBenchResult(result);
  if (problems.length) throw new BenchError(`The results do not match the schema (written anyway):\n  ${problems.join('\n  ')}`);
  const failed = result.cases.filter((c) => c.status === 'error');
  if (failed.length)
    throw new BenchError(
      `${failed.length} case(s) failed: ${failed.map((c) => `${c.id} (${c.error ?? c.impls.find((i) => i.status === 'error')?.note})`).join('; ')}`,
    );
  return { jsonPath, base };
}

export function exitWith(promise) {
  promise.then(
    () => process.exit(0),
    (e) => {
      if (e instanceof BenchError) console.error(`\nbench: ${e.message}`);
      else console.error('\nbench failed:', e);
      process.exit(1);
    },
  );
}
