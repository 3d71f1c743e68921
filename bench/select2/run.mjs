#!/usr/bin/env node
// node bench/select2/run.mjs <entry-function> [json-args]: loads bench/select2/*.ts through Vite.
import { createVite } from '../cli.mjs';

const [file, fn, json] = process.argv.slice(2);
const server = await createVite();
try {
  const mod = await server.ssrLoadModule(`/bench/select2/${file}.ts`);
  await mod[fn](JSON.parse(json ?? '{}'));
} finally {
  await server.close();
}
