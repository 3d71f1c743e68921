#!/usr/bin/env node
// node bench/render.mjs bench/results/<file>.json [--update-readme]
//
// Validates a results file and prints its markdown table again. With --update-readme, also
// replaces the "## Latest results" section of bench/README.md with it (headings moved down two
// levels, links made relative to bench/).
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BenchError, createVite, exitWith, here } from './cli.mjs';

const MARK = '## Latest results';

async function main() {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) throw new BenchError('Usage: node bench/render.mjs bench/results/<file>.json [--update-readme]');
  const server = await createVite();
  try {
    const { renderMarkdown } = await server.ssrLoadModule('/bench/report.ts');
    const { validateBenchResult } = await server.ssrLoadModule('/bench/schema.ts');
    const result = JSON.parse(readFileSync(file, 'utf8'));
    const problems = validateBenchResult(result);
    if (problems.length) throw new BenchError(`${file} does not match the schema:\n  ${problems.join('\n  ')}`);
    const md = renderMarkdown(result);
    if (!args.includes('--update-readme')) {
      console.log(md);
      return;
    }
    const readmePath = join(here, 'README.md');
    const readme = readFileSync(readmePath, 'utf8');
    const at = readme.indexOf(MARK);
    if (at < 0) throw new BenchError(`${readmePath} has no "${MARK}" section.`);
    const body = md
      .split('\n')
      .map((l) => (/^#{1,4} /.test(l) ? `##${l}` : l))
      .join('\n')
      .trim();
    const name = basename(file);
    const section = `${MARK}\n\n\`bench/results/latest.md\` is rewritten by every plain quick or full browser run (\`latest-node.md\` by Node runs); this copy is from [${name}](results/${name}).\n\n${body}\n`;
    writeFileSync(readmePath, readme.slice(0, at) + section);
    console.log(`Updated the "${MARK}" section of ${readmePath} from ${file}`);
  } finally {
    await server.close();
  }
}

exitWith(main());
