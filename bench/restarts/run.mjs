#!/usr/bin/env node
// node bench/restarts/run.mjs [--models gmm,nb] [--n-init 1,5,10] [--seeds 0,1,2,3,4] [--out file.json]
// ARI spread over seeds on pbmc3k for the mixtures' nInit (entry.ts says what is measured).
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createVite } from '../cli.mjs';
import { sharedDataDir } from './data-dir.mjs';

const argv = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const list = (s) => s.split(',').map((x) => (/^\d+$/.test(x) ? Number(x) : x));
const server = await createVite();
try {
  const { runRestartsBench } = await server.ssrLoadModule('/bench/restarts/entry.ts');
  const res = await runRestartsBench(sharedDataDir(), {
    models: list(arg('--models', 'gmm,nb')),
    nInits: list(arg('--n-init', '1,5,10')),
    seeds: list(arg('--seeds', '0,1,2,3,4')),
    log: (s) => console.log(s),
  });
  const out = arg('--out');
  if (out)
    writeFileSync(
      out,
      `${JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: cpus().length, ...res }, null, 1)}\n`,
    );
} finally {
  await server.close();
}
