#!/usr/bin/env node
// npm run bench [-- --preset ci|quick|full --repeats R --max-iter I --only A,B --ref-cap F --out DIR --timeout-s S]
//
// Serves bench/index.html with Vite, opens it in headless Chromium (puppeteer-core; CHROME_PATH
// or the system Chromium), runs the preset's cases on WebGPU, the float64 CPU reference and the
// k-means peers inside the page (bench/runner/, shared with `npm run bench:node`), then writes
// bench/results/<date>-<adapter>-<preset>.json and .md, and latest.md for quick and full runs.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { chromiumArgs } from '../scripts/chromium.js';
import { BenchError, createVite, exitWith, parseCli, revision, writeResults } from './cli.mjs';

function chromiumPath() {
  if (process.env.CHROME_PATH) {
    if (!existsSync(process.env.CHROME_PATH)) {
      throw new BenchError(`CHROME_PATH=${process.env.CHROME_PATH} does not exist. Point it at a Chromium or Chrome binary.`);
    }
    return process.env.CHROME_PATH;
  }
  const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
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

/** Real data sets the preset needs, read and prepared in Node, encoded for page.evaluate. */
async function prepareRealData(server, config) {
  const { presetCases } = await server.ssrLoadModule('/bench/cases.ts');
  const wanted = new Set(
    presetCases(config.preset, { only: config.only })
      .filter((c) => c.data.kind === 'real')
      .map((c) => c.data.name),
  );
  const out = {};
  if (!wanted.size) return out;
  const { loadPbmc68kReduced } = await server.ssrLoadModule('/bench/realdata-node.ts');
  const { encodeReal } = await server.ssrLoadModule('/bench/data.ts');
  for (const name of wanted) {
    const r = name === 'pbmc68k_reduced' ? loadPbmc68kReduced() : { missing: `unknown real data set ${name}` };
    out[name] = 'missing' in r ? r : encodeReal(r);
    console.log(`Real data ${name}: ${'missing' in r ? r.missing : `${r.n} × ${r.d}, ${r.nnz} non-zeros, from ${r.source}`}`);
  }
  return out;
}

async function runInBrowser(_server, url, config, realData, timeoutS) {
  const executablePath = chromiumPath();
  const userDataDir = mkdtempSync(join(os.tmpdir(), 'emgpu-bench-'));
  let browser = null;
  let timer = null;
  const deadline = Date.now() + timeoutS * 1000;
  const left = () => Math.max(1000, deadline - Date.now());
  try {
    const work = (async () => {
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
      await page
        .waitForFunction(() => window.emgpuBench?.state === 'ready', { timeout: Math.min(left(), 120_000), polling: 200 })
        .catch(() => {
          throw new BenchError(`The benchmark page did not load${pageErrors.length ? `: ${pageErrors.join('; ')}` : ''}.`);
        });
      await page.evaluate((c, r) => window.emgpuBench.start(c, r), config, realData);
      await page
        .waitForFunction(() => window.emgpuBench.state === 'done' || window.emgpuBench.state === 'error', {
          timeout: left(),
          polling: 1000,
        })
        .catch((e) => {
          throw e?.name === 'TimeoutError' ? new BenchError(`Timed out after ${timeoutS} s (--timeout-s) before the page finished.`) : e;
        });
      const { state, result, error } = await page.evaluate(() => ({
        state: window.emgpuBench.state,
        result: window.emgpuBench.result,
        error: window.emgpuBench.error,
      }));
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
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

async function main() {
  const { config, outDir, timeoutS } = parseCli(process.argv.slice(2), 'browser');
  console.log(
    `emgpu bench (headless Chromium): preset ${config.preset}${config.repeats ? `, repeats ${config.repeats}` : ''}${config.only ? `, only ${config.only.join(',')}` : ''}; timeout ${timeoutS} s`,
  );
  chromiumPath(); // fail early, before starting anything
  const rev = revision(); // before the run: others may commit while it goes on
  const port = await freePort();
  const server = await createVite({ listen: true, port });
  try {
    const realData = await prepareRealData(server, config);
    const page = await runInBrowser(server, `http://127.0.0.1:${port}/bench/index.html`, config, realData, timeoutS);
    const { assembleResult } = await server.ssrLoadModule('/bench/report.ts');
    const cpu = os.cpus()[0]?.model?.trim();
    const result = assembleResult({
      ...page,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpu ? `${os.cpus().length} × ${cpu}` : null,
    });
    result.revision = rev;
    await writeResults(server, result, outDir, config);
  } finally {
    await server.close().catch((e) => console.error(`closing Vite: ${e.message}`));
  }
}

exitWith(main());
