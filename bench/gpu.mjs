#!/usr/bin/env node
// npm run bench:gpu [-- --bandwidth-gbs B --preset full|quick|ci ...the bench:node flags]
//
// The one command for a Linux GPU machine (Node + Dawn through the `webgpu` package; bench/README.md,
// "Running on a GPU machine"): the full preset on backend 'webgpu' (it fails rather than fall back to
// the CPU), then a roofline table of every case (effective GB/s against the adapter's memory
// bandwidth: --bandwidth-gbs, else known for common adapters, bench/roofline.ts). Writes the usual
// results (bench/results/<date>-<adapter>-<preset>.json and .md) and <same name>-roofline.md.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError, createVite, exitWith, parseCli, revision, writeResults } from './cli.mjs';

/** Take --bandwidth-gbs out of argv; default the preset to full and the backend to webgpu. */
function splitArgs(argv) {
  const rest = [];
  let bandwidth = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith('--bandwidth-gbs=');
    if (a === '--bandwidth-gbs' || eq) {
      const v = Number(eq ? a.slice('--bandwidth-gbs='.length) : argv[++i]);
      if (!(v > 0)) throw new BenchError('--bandwidth-gbs takes the adapter memory bandwidth in GB/s, a positive number.');
      bandwidth = v;
    } else rest.push(a);
  }
  const has = (flag) => rest.some((a) => a === flag || a.startsWith(`${flag}=`));
  if (!has('--preset')) rest.push('--preset', 'full');
  if (!has('--backend')) rest.push('--backend', 'webgpu');
  return { rest, bandwidth };
}

async function main() {
  const started = Date.now();
  const { rest, bandwidth } = splitArgs(process.argv.slice(2));
  const { config, backend, outDir } = parseCli(rest, 'node');
  console.log(`emgpu bench:gpu: preset ${config.preset}, backend '${backend}'`);
  const rev = revision();
  const server = await createVite();
  try {
    const { runNodeBench } = await server.ssrLoadModule('/bench/node-entry.ts');
    const { renderRoofline, knownBandwidth } = await server.ssrLoadModule('/bench/roofline.ts');
    const result = await runNodeBench({ ...config, backend });
    result.revision = rev;
    const known = knownBandwidth(result.engine.adapter);
    const gbs = bandwidth ?? known?.gbs ?? null;
    const source = bandwidth ? '--bandwidth-gbs' : known ? `data sheet of the ${known.name}` : 'unknown';
    const roofline = renderRoofline(result, gbs, source);
    let failure = null;
    const custom = !!(config.only || config.repeats || config.maxIter || config.refCapFlops);
    let base = `${result.date}-${result.adapterSlug}-${result.preset}${custom ? '-custom' : ''}`;
    try {
      ({ base } = await writeResults(server, result, outDir, config));
    } catch (e) {
      failure = e; // the results were written; add the roofline, then report the failure
    }
    console.log(`\n${roofline}`);
    writeFileSync(join(outDir, `${base}-roofline.md`), roofline);
    console.log(`Wrote ${base}-roofline.md`);
    const minutes = (Date.now() - started) / 60e3;
    console.log(
      `bench:gpu took ${minutes.toFixed(1)} min${minutes > 8 ? ' (over the 8-minute target: use --repeats or --only to trim)' : ''}.`,
    );
    if (result.engine.software) console.log('Note: a software adapter ran; its figures measure traffic, not GPU speed.');
    if (failure) throw failure;
  } catch (e) {
    if (e?.name === 'WebGPUUnavailableError') throw new BenchError(e.message);
    throw e;
  } finally {
    await server.close();
  }
}

exitWith(main());
