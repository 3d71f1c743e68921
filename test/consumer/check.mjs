/**
 * The consumer check (issue 15): pack the package, install the tarball into throwaway apps, and
 * use it as people do: Node ES module and CommonJS, a strict TypeScript compile, and production
 * browser builds with each bundler (with and without the optional `webgpu` package installed),
 * each opened in headless Chromium running k-means on WebGPU (SwiftShader) and on the CPU fallback.
 * test/node/consumer.test.ts asserts on what runConsumerCheck returns; `npm run test:consumer`
 * prints it (bundle sizes for the README).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { chromiumArgs, chromiumExecutable } from '../../scripts/chromium.js';
import { BUNDLERS, gzipBytes, jsFiles, mkdirFresh, writeSources } from './apps.mjs';
import { runPage, serve } from './browser.mjs';
import { makeApp, pack, ROOT } from './pack.mjs';
import { runNode, runTsc } from './node-ts.mjs';

/** The opening words of each WGSL file of a model other than k-means: text only that model's kernels carry. */
export function foreignWgslMarkers() {
  const files = [
    ...['gmm', 'nbmm', 'sc'].flatMap((m) => readdirSync(join(ROOT, 'shaders', m)).map((f) => `shaders/${m}/${f}`)),
    'shaders/common/lgamma.wgsl',
    'shaders/common/gmm_quad.wgsl',
    'shaders/common/gmm_stats.wgsl',
  ];
  return files.map((f) => ({ file: f, text: firstWords(readFileSync(join(ROOT, f), 'utf8')) }));
}

/** The k-means kernel's opening words (the positive control of the search). */
export const kmeansMarker = () => firstWords(readFileSync(join(ROOT, 'shaders/kmeans/fused.wgsl'), 'utf8'));

/** The first ASCII-only line of a file's opening paragraph that is 40+ characters (no quotes, backquotes or backslashes either: bundlers may escape those). */
export function firstWords(wgsl) {
  const line = wgsl.split('\n').find((l) => l.length >= 40 && /^[\x20-\x7e]*$/.test(l) && !/[`'"\\$]/.test(l)) ?? '';
  return line.slice(0, 100).replace(/\s+$/, '');
}

/** Runs every consumer; returns { pack, publint, attw, node, tsc, bundles } for the test to assert on. */
export async function runConsumerCheck({ log = () => {}, browser: openPages = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'emgpu-consumer-'));
  const t0 = performance.now();
  const step = (what) => log(`[consumer ${((performance.now() - t0) / 1000).toFixed(1)} s] ${what}`);
  try {
    step('npm pack (prepack builds dist/ from nothing)');
    const packed = pack(dir);
    const withGpu = makeApp(mkdirFresh(join(dir, 'app')), packed.tarball, { webgpu: true });
    const noGpu = makeApp(mkdirFresh(join(dir, 'app-no-webgpu')), packed.tarball, { webgpu: false });

    step('publint and attw');
    const { publint } = await import('publint');
    const { messages } = await publint({ pkgDir: join(withGpu, 'node_modules/emgpu'), pack: false, strict: true });
    const attw = attwCheck(packed.tarball);

    step('Node ES module and CommonJS');
    const node = { withWebgpu: runNode(withGpu), withoutWebgpu: runNode(noGpu) };
    step('strict TypeScript');
    const tsc = runTsc(withGpu);

    const bundles = {};
    for (const app of [withGpu, noGpu]) writeSources(app);
    for (const [name, build] of Object.entries(BUNDLERS)) {
      step(`${name}: production builds with and without the webgpu package`);
      const outs = [];
      for (const app of [withGpu, noGpu]) {
        const out = join(app, `out-${name.replace(/\W/g, '')}`);
        try {
          await build(app, out);
          outs.push(out);
        } catch (e) {
          outs.push({ failed: String(e?.message ?? e).slice(0, 2000) });
        }
      }
      bundles[name] = { outDirs: outs };
    }

    for (const b of Object.values(bundles)) {
      const [out, outNoGpu] = b.outDirs;
      if (typeof out === 'string' && typeof outNoGpu === 'string') b.sameWithoutWebgpu = sameJs(out, outNoGpu);
    }
    if (!openPages) return { pack: packed, publint: messages, attw, node, tsc, bundles };
    step('headless Chromium: WebGPU, then no navigator.gpu');
    const browser = await puppeteer.launch({
      executablePath: chromiumExecutable(),
      args: chromiumArgs,
      headless: true,
      userDataDir: mkdtempSync(join(dir, 'chromium-')),
    });
    try {
      for (const [name, b] of Object.entries(bundles)) {
        const [out, outNoGpu] = b.outDirs;
        if (typeof out !== 'string' || typeof outNoGpu !== 'string') continue;
        const server = await serve(out);
        try {
          b.webgpu = await runPage(browser, `${server.url}/?backend=webgpu`);
          b.fallback = await runPage(browser, `${server.url}/?backend=auto`, { noGpu: true });
        } finally {
          await server.close();
        }
        b.sizes = sizes(out, b.webgpu.loaded);
        step(`${name}: ${(b.sizes.loadedGzip / 1024).toFixed(1)} kB gzip loaded for k-means`);
      }
    } finally {
      await browser.close();
    }
    return { pack: packed, publint: messages, attw, node, tsc, bundles };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** attw on the tarball, ESM-only profile (the package has no CommonJS build; Node ≥ 20.19 require()s it). */
function attwCheck(tarball) {
  const cli = join(ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js');
  try {
    execFileSync(process.execPath, [cli, tarball, '--profile', 'esm-only', '--no-definitely-typed', '--format', 'ascii', '--no-color'], {
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: 120_000,
    });
    return 'ok';
  } catch (e) {
    return `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
}

/** Whether the two builds emitted the same JavaScript (the optional package changes nothing in a browser bundle). */
function sameJs(a, b) {
  const text = (dir) =>
    jsFiles(dir)
      .map((f) => readFileSync(f.path, 'utf8'))
      .sort()
      .join('\n');
  return text(a) === text(b);
}

/** All JS emitted, the JS the k-means page loaded (raw and gzip), and the loaded text for the WGSL markers. */
function sizes(out, loadedPaths) {
  const all = jsFiles(out);
  const loaded = all.filter((f) => loadedPaths.includes(f.rel));
  return {
    emittedBytes: all.reduce((t, f) => t + f.bytes, 0),
    emittedWithoutH5wasm: all.filter((f) => f.bytes < 1_000_000).reduce((t, f) => t + f.bytes, 0),
    loadedBytes: loaded.reduce((t, f) => t + f.bytes, 0),
    loadedGzip: gzipBytes(loaded.map((f) => f.path)),
    loadedFiles: loaded.length,
    loadedText: loaded.map((f) => readFileSync(f.path, 'utf8')).join('\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runConsumerCheck({ log: console.log });
  console.log(`tarball: ${(r.pack.bytes / 1024).toFixed(1)} kB, ${r.pack.files.length} files`);
  console.log('| bundler | JS loaded for k-means | gzip | all JS emitted (h5wasm chunk aside) |');
  console.log('|---|---|---|---|');
  for (const [name, b] of Object.entries(r.bundles)) {
    if (!b.sizes) {
      console.log(`| ${name} | build failed | | |`, b.outDirs);
      continue;
    }
    const kB = (n) => `${(n / 1024).toFixed(1)} kB`;
    console.log(`| ${name} | ${kB(b.sizes.loadedBytes)} | ${kB(b.sizes.loadedGzip)} | ${kB(b.sizes.emittedWithoutH5wasm)} |`);
  }
  const brief = JSON.parse(JSON.stringify(r, (k, v) => (k === 'loadedText' || k === 'files' ? undefined : v)));
  console.log(JSON.stringify(brief, null, 1));
}
