/**
 * The consumer apps' sources, and their production browser builds with each bundler (Vite, the
 * current and the previous major; esbuild; webpack 5), minified as each bundler ships by default.
 * Every page runs the same k-means-only program and leaves its outcome on window.__emgpu.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from './pack.mjs';

/** k-means on three separated blobs with the backend the URL names, plus a typed error for its name. */
const MAIN = `import { adjustedRandIndex, createEngine, kmeans, makeBlobs } from 'emgpu';

async function run() {
  const out = {};
  try {
    const backend = new URLSearchParams(location.search).get('backend') || 'auto';
    const engine = await createEngine({ backend });
    out.fallbackReason = engine.fallbackReason;
    const b = makeBlobs(600, 4, 3, 7, { std: 0.5 });
    const r = await kmeans({ data: b.data, n: b.n, d: b.d }, { k: 3, seed: 1, engine });
    out.backend = r.backend;
    out.ari = adjustedRandIndex(r.labels, b.truth);
    try {
      await kmeans({ data: b.data.subarray(0, 8), n: 2, d: 4 }, { k: 5, engine });
    } catch (e) {
      out.error = { name: e.name, code: e.code, message: e.message };
    }
    engine.destroy();
  } catch (e) {
    out.fatal = String((e && e.stack) || e);
  }
  window.__emgpu = out;
}
run();
`;

const HTML = (script) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>emgpu consumer</title></head><body><script type="module" src="${script}"></script></body></html>\n`;

export function writeSources(app) {
  writeFileSync(join(app, 'main.js'), MAIN);
  writeFileSync(join(app, 'index.html'), HTML('/main.js'));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
}

const quiet = { logLevel: 'silent' };

async function viteBuild(vitePath, app, outDir) {
  const { build } = await import(vitePath);
  await build({ root: app, configFile: false, ...quiet, build: { outDir, emptyOutDir: true } });
}

async function esbuildBuild(app, outDir) {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(app, 'main.js')],
    absWorkingDir: app,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    outdir: join(outDir, 'assets'),
    logLevel: 'silent',
  });
  writeFileSync(join(outDir, 'index.html'), HTML('/assets/main.js'));
}

async function webpackBuild(app, outDir) {
  const { default: webpack } = await import('webpack');
  // Terser on h5wasm's 4.8 MB lazy chunk takes minutes on two cores: minify everything else (emgpu's code) with
  // webpack's own minimizer and terser, as its defaults do.
  const Minimizer = createRequire(join(ROOT, 'node_modules/webpack/package.json'))('minimizer-webpack-plugin');
  const stats = await new Promise((resolve, reject) =>
    webpack(
      {
        mode: 'production',
        target: 'web',
        context: app,
        entry: './main.js',
        output: { path: join(outDir, 'assets'), filename: 'main.js', chunkFilename: '[name].[contenthash].js', publicPath: '/assets/' },
        resolve: { modules: [join(app, 'node_modules'), 'node_modules'] },
        performance: { hints: false },
        optimization: {
          chunkIds: 'named',
          minimizer: [new Minimizer({ test: /\.js$/, exclude: /h5wasm/, minify: Minimizer.terserMinify })],
        },
        infrastructureLogging: { level: 'error' },
      },
      (err, s) => (err ? reject(err) : resolve(s)),
    ),
  );
  if (stats.hasErrors()) throw new Error(stats.toString({ all: false, errors: true }));
  writeFileSync(join(outDir, 'index.html'), HTML('/assets/main.js'));
}

/** The bundlers, each a function (app, outDir) → Promise. Vite 7 is installed under test/consumer/vite7. */
export const BUNDLERS = {
  'vite 8': (app, out) => viteBuild('vite', app, out),
  'vite 7': (app, out) => viteBuild(join(ROOT, 'test/consumer/vite7/node_modules/vite/dist/node/index.js'), app, out),
  esbuild: esbuildBuild,
  'webpack 5': webpackBuild,
};

/** Every .js file a build emitted, with its size. */
export function jsFiles(outDir) {
  const found = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) found.push({ path: p, rel: p.slice(outDir.length), bytes: statSync(p).size });
    }
  };
  walk(outDir);
  return found;
}

export function gzipBytes(paths) {
  return paths.reduce((t, p) => t + gzipSync(readFileSync(p)).length, 0);
}

export function mkdirFresh(p) {
  mkdirSync(p, { recursive: true });
  return p;
}
