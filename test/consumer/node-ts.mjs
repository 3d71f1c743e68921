/**
 * The Node and TypeScript consumers of an installed tarball: an ES module and a CommonJS script
 * (require() of an ES module, Node ≥ 20.19) that run k-means, the installed `emgpu` command, and a strict TypeScript compile
 * (no skipLibCheck) of code using the types, with Bundler and NodeNext module resolution.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './pack.mjs';

const ESM = `import { createEngine, kmeans, makeBlobs } from 'emgpu';
import { find10xFiles } from 'emgpu/node';
const engine = await createEngine();
const b = makeBlobs(300, 3, 3, 1, { std: 0.5 });
const r = await kmeans({ data: b.data, n: b.n, d: b.d }, { k: 3, seed: 1, engine });
let error = null;
try { await kmeans([[0, 0], [1, 1]], { k: 5 }); } catch (e) { error = { name: e.name, code: e.code }; }
engine.destroy();
console.log(JSON.stringify({ backend: r.backend, k: r.k, fallbackReason: engine.fallbackReason, error, node: typeof find10xFiles }));
`;

const CJS = `const emgpu = require('emgpu');
const b = emgpu.makeBlobs(300, 3, 3, 1, { std: 0.5 });
emgpu.kmeans({ data: b.data, n: b.n, d: b.d }, { k: 3, seed: 1, backend: 'reference' }).then((r) => {
  console.log(JSON.stringify({ backend: r.backend, k: r.k, names: Object.keys(emgpu).length }));
});
`;

/** Strict code against the public types: results, options, errors, the engine and WebGPU's own types. */
const TS = `import { createEngine, EmgpuError, gaussianMixture, kmeans, type Engine, type GaussianMixtureResult, type KMeansResult } from 'emgpu';
import type { SingleCellData } from 'emgpu';

export async function fit(rows: number[][], device?: GPUDevice): Promise<number> {
  const engine: Engine = await createEngine(device ? { backend: 'webgpu', device } : {});
  try {
    const km: KMeansResult = await kmeans(rows, { k: 2, seed: 1, engine });
    const gm: GaussianMixtureResult = await gaussianMixture(rows, { k: 2, covariance: 'diag', engine });
    return km.inertia + gm.lowerBound;
  } catch (e) {
    if (e instanceof EmgpuError) return e.code.length;
    throw e;
  } finally {
    engine.destroy();
  }
}
export type Cells = SingleCellData['n'];
`;

const TS_NODE = `import { read10xDir } from 'emgpu/node';
export const load = (dir: string) => read10xDir(dir);
`;

function tsconfig(resolution, types, files) {
  const module = resolution === 'bundler' ? 'esnext' : 'nodenext';
  return {
    compilerOptions: {
      target: 'es2022',
      module,
      moduleResolution: resolution,
      lib: ['es2022', 'dom'],
      types,
      strict: true,
      skipLibCheck: false,
      noEmit: true,
    },
    files,
  };
}

const node = (app, file) => spawnSync(process.execPath, ['--no-warnings', file], { cwd: app, encoding: 'utf8', timeout: 120_000 });

/** Runs the Node consumers; returns their parsed output (or the failure). */
export function runNode(app) {
  writeFileSync(join(app, 'esm.mjs'), ESM);
  writeFileSync(join(app, 'cjs.cjs'), CJS);
  const out = {};
  for (const [name, file] of [
    ['esm', 'esm.mjs'],
    ['cjs', 'cjs.cjs'],
  ]) {
    const r = node(app, file);
    out[name] = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').pop()) : { failed: `${r.stdout}\n${r.stderr}` };
  }
  // The installed command on its default data set (shipped in the tarball).
  const cli = spawnSync(process.execPath, ['node_modules/emgpu/bin/emgpu.js', 'kmeans', '--backend', 'reference'], {
    cwd: app,
    encoding: 'utf8',
    timeout: 120_000,
  });
  out.cli = { status: cli.status, firstLine: cli.stdout.split('\n')[0], stderr: cli.stderr };
  return out;
}

/** Strict tsc over the consumer code: browser code with no @types at all (Bundler), Node code with @types/node (NodeNext). */
export function runTsc(app) {
  writeFileSync(join(app, 'fit.ts'), TS);
  writeFileSync(join(app, 'load.ts'), TS_NODE);
  writeFileSync(join(app, 'tsconfig.bundler.json'), JSON.stringify(tsconfig('bundler', [], ['fit.ts'])));
  writeFileSync(join(app, 'tsconfig.nodenext.json'), JSON.stringify(tsconfig('nodenext', ['node'], ['fit.ts', 'load.ts'])));
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const out = {};
  for (const c of ['bundler', 'nodenext']) {
    const r = spawnSync(process.execPath, [tsc, '-p', `tsconfig.${c}.json`], { cwd: app, encoding: 'utf8', timeout: 120_000 });
    out[c] = r.status === 0 ? 'ok' : r.stdout + r.stderr;
  }
  return out;
}
