#!/usr/bin/env node
// Thin launcher: the CLI is TypeScript compiled by `vite build` into dist/cli.js.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(`emgpu: ${fileURLToPath(cli)} is missing; the CLI has not been built.\nRun \`npm run build\` in ${root} first.\n`);
  process.exit(1);
}
const { main } = await import(cli.href);
const code = await main(process.argv.slice(2));
// Exit explicitly once output is flushed: a GPU device can keep the event loop alive after destroy().
process.stdout.write('', () => process.exit(code));
