#!/usr/bin/env node
// node bench/render.mjs bench/results/<file>.json — validate a results file and print its markdown again.
import { readFileSync } from 'node:fs';
import { BenchError, createVite, exitWith } from './cli.mjs';

async function main() {
  const file = process.argv[2];
  if (!file) throw new BenchError('Usage: node bench/render.mjs bench/results/<file>.json');
  const server = await createVite();
  try {
    const { renderMarkdown } = await server.ssrLoadModule('/bench/report.ts');
    const { validateBenchResult } = await server.ssrLoadModule('/bench/schema.ts');
    const result = JSON.parse(readFileSync(file, 'utf8'));
    const problems = validateBenchResult(result);
    if (problems.length) throw new BenchError(`${file} does not match the schema:\n  ${problems.join('\n  ')}`);
    console.log(renderMarkdown(result));
  } finally {
    await server.close();
  }
}

exitWith(main());
