#!/usr/bin/env node
// npm run bench:node [-- --preset ci|quick|full --backend auto|webgpu|cpu --repeats R ...]
//
// The benchmark cases in Node: emgpu on createEngine({ backend: 'auto' }) (Dawn through the
// `webgpu` package when a GPU adapter is present, else the CPU backend, which it says), the
// float64 CPU reference and the k-means peers. bench/node-entry.ts is loaded through Vite's SSR
// module loader so that the library's `.wgsl?raw` imports resolve as in the browser build.
import { BenchError, createVite, exitWith, parseCli, revision, writeResults } from './cli.mjs';

async function main() {
  const { config, backend, outDir } = parseCli(process.argv.slice(2), 'node');
  console.log(`emgpu bench:node: preset ${config.preset}, backend '${backend}'`);
  const rev = revision(); // before the run: others may commit while it goes on
  const server = await createVite();
  try {
    const { runNodeBench } = await server.ssrLoadModule('/bench/node-entry.ts');
    const result = await runNodeBench({ ...config, backend });
    result.revision = rev;
    await writeResults(server, result, outDir, config);
    if (result.engine.backend !== 'webgpu') {
      console.log(
        `\nNote: no GPU was used. emgpu ran on its CPU backend${result.engine.fallbackReason ? ` (${result.engine.fallbackReason})` : ''}; the figures above are CPU figures.`,
      );
    }
  } catch (e) {
    if (e?.name === 'WebGPUUnavailableError') throw new BenchError(e.message);
    throw e;
  } finally {
    await server.close();
  }
}

exitWith(main());
