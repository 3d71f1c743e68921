#!/usr/bin/env node
// npm run bench [-- --quick | --n N --d D --k K --max-iter I --repeats R --out DIR --timeout-s S]
//
// Serves bench/index.html with Vite, opens it in headless Chromium (puppeteer-core), runs the
// k-means case on the WebGPU path and on the float64 CPU reference inside the page, prints a
// table and writes bench/results/<date>-<adapter-slug>.json and bench/results/latest.md.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromiumArgs } from '../test/browser-launch.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

const SCHEMA = 'emgpu-bench/1';
const DEFAULTS = { n: 100_000, d: 50, k: 20, maxIter: 10, repeats: 3 };
const QUICK_N = 10_000;
const SWIFTSHADER_NOTE =
  'SwiftShader is a CPU software rasteriser: these figures measure correctness and GPU traffic (dispatches, bytes), not GPU speed.';

class BenchError extends Error {}

// ---------------------------------------------------------------------------------------------
// Arguments

function usage() {
  return [
    'Usage: npm run bench -- [options]',
    '  --n N           rows (default 100000)',
    '  --d D           features (default 50)',
    '  --k K           clusters (default 20)',
    '  --max-iter I    EM iterations per fit, all of them done (tol 0) (default 10)',
    '  --repeats R     timed GPU fits per case (default 3)',
    '  --quick         smoke run: n = 10000 (results file gets a -quick suffix; latest.md is left alone)',
    '  --no-cpu        skip the CPU reference fit',
    '  --out DIR       where results go (default bench/results)',
    '  --timeout-s S   overall time limit in seconds (default 900)',
    'Environment: CHROME_PATH=/path/to/chromium overrides the browser.',
  ].join('\n');
}

function positiveInt(name, v, fallback) {
  if (v === undefined) return fallback;
  const x = Number(v);
  if (!Number.isInteger(x) || x < 1) throw new BenchError(`--${name}=${v} is not a positive integer.\n\n${usage()}`);
  return x;
}

function parseCli(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        n: { type: 'string' },
        d: { type: 'string' },
        k: { type: 'string' },
        'max-iter': { type: 'string' },
        repeats: { type: 'string' },
        quick: { type: 'boolean', default: false },
        'no-cpu': { type: 'boolean', default: false },
        out: { type: 'string' },
        'timeout-s': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new BenchError(`${e.message}\n\n${usage()}`);
  }
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  const n = positiveInt('n', values.n, values.quick ? QUICK_N : DEFAULTS.n);
  const d = positiveInt('d', values.d, DEFAULTS.d);
  const k = positiveInt('k', values.k, DEFAULTS.k);
  const maxIter = positiveInt('max-iter', values['max-iter'], DEFAULTS.maxIter);
  const repeats = positiveInt('repeats', values.repeats, DEFAULTS.repeats);
  const timeoutS = positiveInt('timeout-s', values['timeout-s'], 900);
  if (k > n) throw new BenchError(`--k=${k} is larger than --n=${n}.`);
  const isDefault = n === DEFAULTS.n && d === DEFAULTS.d && k === DEFAULTS.k && maxIter === DEFAULTS.maxIter && !values['no-cpu'];
  const tag = isDefault ? null : values.quick && values.n === undefined && d === DEFAULTS.d && k === DEFAULTS.k ? 'quick' : `custom-n${n}-d${d}-k${k}-it${maxIter}`;
  return {
    config: {
      n, d, k, maxIter, repeats,
      dataSeed: 1, std: 1, spread: 3,
      initSeed: 2,
      warmupIter: 2,
      softBeta: 0.1,
      softMaxIter: 5,
      cpu: !values['no-cpu'],
    },
    outDir: resolve(values.out ?? join(here, 'results')),
    timeoutS,
    tag,
  };
}

// ---------------------------------------------------------------------------------------------
// Browser and server

function chromiumPath() {
  if (process.env.CHROME_PATH) {
    if (!existsSync(process.env.CHROME_PATH)) {
      throw new BenchError(`CHROME_PATH=${process.env.CHROME_PATH} does not exist. Point it at a Chromium or Chrome binary.`);
    }
    return process.env.CHROME_PATH;
  }
  const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new BenchError(
      `No Chromium found (looked at ${candidates.join(', ')}). Install one (Debian: apt-get install chromium) or set CHROME_PATH=/path/to/chrome.`,
    );
  }
  return found;
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createNetServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

async function startVite() {
  const { createServer } = await import('vite');
  const port = await freePort();
  const server = await createServer({
    configFile: false,
    root,
    logLevel: 'warn',
    clearScreen: false,
    // Other people edit src/ while a benchmark runs: no file watching, no reloads mid-run.
    server: { host: '127.0.0.1', port, strictPort: true, hmr: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  await server.listen();
  return { server, url: `http://127.0.0.1:${port}/bench/index.html` };
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), samples: xs });

const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const int = (x) => Math.round(x).toLocaleString('en-US');
const num = (x) => (Number.isInteger(x) ? int(x) : x.toFixed(2));
function bytes(x) {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = x;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${int(x)} B` : `${int(x)} B (${v.toFixed(1)} ${units[u]})`;
}

function slugOf(adapter) {
  if (/swiftshader/i.test(adapter)) return 'swiftshader';
  for (const name of ['llvmpipe', 'lavapipe', 'warp']) if (new RegExp(name, 'i').test(adapter)) return name;
  // "vendor / architecture / device / description": the last part names the device best.
  const parts = adapter.split(' / ').map((s) => s.trim()).filter(Boolean);
  const slug = (parts[parts.length - 1] ?? adapter).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return slug || 'unknown-adapter';
}

function softwareNote(adapter) {
  return /swiftshader/i.test(adapter)
    ? SWIFTSHADER_NOTE
    : `${adapter} is a CPU software rasteriser: these figures measure correctness and GPU traffic (dispatches, bytes), not GPU speed.`;
}

function table(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(3, ...all.map((r) => String(r[c]).length)));
  const line = (r) => `| ${r.map((cell, c) => String(cell).padEnd(widths[c])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Summaries

function gpuSummary(fits) {
  const first = fits[0];
  const g = first.gpu;
  const iters = first.nIter;
  return {
    fits: fits.length,
    nIter: iters,
    stopReason: first.stopReason,
    perIterMs: spread(fits.map((f) => f.perIterMs)),
    initMs: spread(fits.map((f) => f.initMs)),
    totalMs: spread(fits.map((f) => f.totalMs)),
    dispatchesPerIter: g.dispatchesPerIter,
    bytesReadPerIter: g.bytesReadPerIter,
    // Totals of the whole fit (upload, initial centroids, EM loop, final labels) over its iterations.
    submitsPerIter: g.submits / iters,
    readbacksPerIter: g.readbacks / iters,
    totals: { dispatches: g.dispatches, submits: g.submits, readbacks: g.readbacks, bytesRead: g.bytesRead, bytesWritten: g.bytesWritten },
    peakAllocatedBytes: g.peakAllocatedBytes,
    chunks: g.chunks,
    objective: first.objective,
    // Deterministic fits: every repeat should give the same objective and counters.
    sameAcrossRepeats: fits.every((f) => f.objective === first.objective && f.nIter === iters && f.gpu.dispatches === g.dispatches && f.gpu.bytesRead === g.bytesRead),
    raw: fits,
  };
}

function summarise(cfg, page, tag) {
  const km = gpuSummary(page.kmeans.gpu);
  const cpu = page.kmeans.cpu;
  const soft = gpuSummary(page.soft.gpu);
  const params = {
    n: cfg.n, d: cfg.d, k: cfg.k,
    data: `makeBlobs(${cfg.n}, ${cfg.d}, ${cfg.k}, seed ${cfg.dataSeed}, { std: ${cfg.std}, spread: ${cfg.spread} })`,
    init: `${cfg.k} data rows sampled by Rng(${cfg.initSeed}).sample(n, k), the same for every fit and backend`,
    initRows: page.initRows,
    nInit: 1,
    tol: 0,
    repeats: cfg.repeats,
    warmup: `untimed: k-means maxIter ${cfg.warmupIter}, soft k-means maxIter 1`,
  };
  const cases = [
    {
      id: 'kmeans',
      title: `k-means, n=${cfg.n}, d=${cfg.d}, k=${cfg.k}, maxIter=${cfg.maxIter}, tol=0`,
      params: { ...params, maxIter: cfg.maxIter },
      gpu: { adapter: page.adapter, ...km, inertia: km.objective },
      cpu: cpu
        ? { adapter: page.kmeans.cpuAdapter, fits: 1, nIter: cpu.nIter, stopReason: cpu.stopReason, perIterMs: cpu.perIterMs, initMs: cpu.initMs, totalMs: cpu.totalMs, inertia: cpu.objective, raw: cpu }
        : null,
      cpuOverGpuPerIter: cpu ? cpu.perIterMs / km.perIterMs.median : null,
      inertiaRelDiff: cpu ? Math.abs(km.objective - cpu.objective) / Math.abs(cpu.objective) : null,
      sameIterations: cpu ? cpu.nIter === km.nIter : null,
    },
    {
      id: 'soft-kmeans',
      title: `soft k-means (GPU only), beta=${cfg.softBeta}, n=${cfg.n}, d=${cfg.d}, k=${cfg.k}, maxIter=${cfg.softMaxIter}, tol=0`,
      params: { ...params, beta: cfg.softBeta, maxIter: cfg.softMaxIter },
      gpu: { adapter: page.adapter, ...soft },
    },
  ];
  const date = new Date().toISOString().slice(0, 10);
  return {
    schema: SCHEMA,
    date,
    createdAt: new Date().toISOString(),
    adapter: page.adapter,
    adapterSlug: slugOf(page.adapter),
    software: page.software,
    userAgent: page.userAgent,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    timing: 'wall',
    timingNote: 'performance.now() in the page around the fits (the library times its own EM loop the same way); GPU timestamp queries are not used yet.',
    run: tag ?? 'default',
    setupMs: { data: page.dataMs, warmup: page.warmupMs },
    cases,
  };
}

function render(res) {
  const [km, soft] = res.cases;
  const g = km.gpu;
  const c = km.cpu;
  const dash = '—';
  const out = [];
  out.push(`# emgpu benchmark, ${res.date}`);
  out.push('');
  out.push(`- Adapter: \`${res.adapter}\`${res.software ? ' (software)' : ''}`);
  out.push(`- Browser: ${res.userAgent}`);
  out.push(`- Node ${res.node}, ${res.platform}; timing: wall clock (performance.now in the page), no GPU timestamp queries`);
  out.push(`- Data: ${km.params.data}; init: ${km.params.k} fixed data rows (same for both backends); tol 0, so every fit does all its iterations`);
  if (res.software) {
    out.push('');
    out.push(`> **${softwareNote(res.adapter)}**`);
  }
  out.push('');
  out.push(`## ${km.title}`);
  out.push('');
  const rng = (s) => `${ms(s.min)} – ${ms(s.max)}`;
  const rows = [
    [`ms / iteration (median of ${g.fits} GPU fits)`, ms(g.perIterMs.median), c ? ms(c.perIterMs) : dash],
    ['ms / iteration, min – max', rng(g.perIterMs), dash],
    ['iterations per fit (stop reason)', `${g.nIter} (${g.stopReason})`, c ? `${c.nIter} (${c.stopReason})` : dash],
    ['init ms (given centroids)', ms(g.initMs.median), c ? ms(c.initMs) : dash],
    ['total ms per fit (incl. upload, final labels)', ms(g.totalMs.median), c ? ms(c.totalMs) : dash],
    ['dispatches / iteration', num(g.dispatchesPerIter), dash],
    ['submits / iteration (fit total ÷ iterations)', num(g.submitsPerIter), dash],
    ['readbacks / iteration (fit total ÷ iterations)', num(g.readbacksPerIter), dash],
    ['bytes read back / iteration', bytes(g.bytesReadPerIter), dash],
    ['peak GPU bytes allocated', bytes(g.peakAllocatedBytes), dash],
    ['chunks', int(g.chunks), dash],
    ['final inertia', g.inertia.toPrecision(10), c ? c.inertia.toPrecision(10) : dash],
  ];
  out.push(table(['figure', 'GPU (WebGPU, float32)', 'CPU reference (float64)'], rows));
  out.push('');
  if (c) {
    out.push(`- CPU / GPU ms per iteration: **${km.cpuOverGpuPerIter.toFixed(2)}×**`);
    out.push(`- Relative inertia difference |GPU − CPU| / CPU: **${km.inertiaRelDiff.toExponential(2)}**${km.sameIterations ? '' : ' (the backends did different numbers of iterations)'}`);
  }
  if (!g.sameAcrossRepeats) out.push('- Note: the GPU repeats did not all give identical objectives/counters.');
  out.push('');
  out.push(`## ${soft.title}`);
  out.push('');
  const s = soft.gpu;
  out.push(
    table(['figure', 'GPU (WebGPU, float32)'], [
      [`ms / iteration (median of ${s.fits} fits)`, ms(s.perIterMs.median)],
      ['ms / iteration, min – max', rng(s.perIterMs)],
      ['iterations per fit', `${s.nIter} (${s.stopReason})`],
      ['dispatches / iteration', num(s.dispatchesPerIter)],
      ['submits / iteration (fit total ÷ iterations)', num(s.submitsPerIter)],
      ['readbacks / iteration (fit total ÷ iterations)', num(s.readbacksPerIter)],
      ['bytes read back / iteration', bytes(s.bytesReadPerIter)],
      ['peak GPU bytes allocated', bytes(s.peakAllocatedBytes)],
      ['final objective', s.objective.toPrecision(10)],
    ]),
  );
  if (res.software) {
    out.push('');
    out.push(`> **${softwareNote(res.adapter)}**`);
  }
  out.push('');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

async function runInBrowser(cfg, timeoutS) {
  const deadline = Date.now() + timeoutS * 1000;
  const left = () => Math.max(1000, deadline - Date.now());
  const executablePath = chromiumPath();
  let server = null;
  let browser = null;
  const userDataDir = mkdtempSync(join(tmpdir(), 'emgpu-bench-'));
  let timer = null;
  try {
    const work = (async () => {
      const vite = await startVite();
      server = vite.server;
      const url = vite.url;
      const puppeteer = (await import('puppeteer-core')).default;
      browser = await puppeteer.launch({
        executablePath,
        headless: true,
        args: chromiumArgs,
        userDataDir,
        protocolTimeout: timeoutS * 1000 + 60_000,
      });
      const page = await browser.newPage();
      const pageErrors = [];
      page.on('console', (msg) => {
        const text = msg.text();
        const type = msg.type();
        if (type === 'debug' && text.startsWith('[vite]')) return; // the dev client's connection chatter
        if (type === 'error') console.error(`[page] ${text}`);
        else if (type === 'warn' || type === 'warning') console.warn(`[page] ${text}`);
        else console.log(text.startsWith('[bench]') ? text : `[page] ${text}`);
      });
      page.on('pageerror', (err) => {
        pageErrors.push(err.message);
        console.error(`[page error] ${err.message}`);
      });
      page.on('requestfailed', (req) => console.error(`[page] request failed: ${req.url()} (${req.failure()?.errorText})`));
      console.log(`Serving ${url}; Chromium: ${executablePath}`);
      await page.goto(url, { waitUntil: 'load', timeout: left() });
      await page.waitForFunction(() => window.emgpuBench?.state === 'ready', { timeout: Math.min(left(), 120_000), polling: 200 }).catch(() => {
        throw new BenchError(`The benchmark page did not load${pageErrors.length ? `: ${pageErrors.join('; ')}` : ''}.`);
      });
      await page.evaluate((c) => window.emgpuBench.start(c), cfg);
      await page
        .waitForFunction(() => window.emgpuBench.state === 'done' || window.emgpuBench.state === 'error', { timeout: left(), polling: 1000 })
        .catch((e) => {
          throw e?.name === 'TimeoutError' ? new BenchError(`Timed out after ${timeoutS} s (--timeout-s) before the page finished.`) : e;
        });
      const { state, result, error } = await page.evaluate(() => ({ state: window.emgpuBench.state, result: window.emgpuBench.result, error: window.emgpuBench.error }));
      if (state === 'error') throw new BenchError(`The benchmark page reported an error:\n${error}`);
      if (pageErrors.length) throw new BenchError(`Uncaught errors in the page: ${pageErrors.join('; ')}`);
      return result;
    })();
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new BenchError(`Timed out after ${timeoutS} s (--timeout-s).`)), timeoutS * 1000);
    });
    work.catch(() => {}); // a late failure after a timeout is not interesting
    return await Promise.race([work, timeout]);
  } finally {
    if (timer) clearTimeout(timer);
    if (browser) await browser.close().catch((e) => console.error(`closing Chromium: ${e.message}`));
    if (server) await server.close().catch((e) => console.error(`closing Vite: ${e.message}`));
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

async function main() {
  const { config, outDir, timeoutS, tag } = parseCli(process.argv.slice(2));
  console.log(
    `emgpu bench: n=${config.n} d=${config.d} k=${config.k} maxIter=${config.maxIter} repeats=${config.repeats}` +
      `${config.cpu ? '' : ' (no CPU reference)'}${tag === 'quick' ? ' (quick)' : ''}; timeout ${timeoutS} s`,
  );
  const page = await runInBrowser(config, timeoutS);
  const res = summarise(config, page, tag);
  const md = render(res);
  console.log(`\n${md}`);
  mkdirSync(outDir, { recursive: true });
  const base = `${res.date}-${res.adapterSlug}${tag ? `-${tag}` : ''}`;
  const jsonPath = join(outDir, `${base}.json`);
  writeFileSync(jsonPath, `${JSON.stringify(res, null, 2)}\n`);
  console.log(`Wrote ${relative(process.cwd(), jsonPath)}`);
  if (!tag) {
    const mdPath = join(outDir, 'latest.md');
    writeFileSync(mdPath, `${md}\nRaw figures: [${base}.json](./${base}.json)\n`);
    console.log(`Wrote ${relative(process.cwd(), mdPath)}`);
  } else {
    console.log(`Not a default-size run: ${join(relative(process.cwd(), outDir), 'latest.md')} left as it was.`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    if (e instanceof BenchError) console.error(`\nbench: ${e.message}`);
    else console.error('\nbench failed:', e);
    process.exit(1);
  },
);
