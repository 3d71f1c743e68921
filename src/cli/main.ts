/**
 * Entry of the `emgpu` command, built to dist/cli.js; bin/emgpu.js imports it and calls main().
 * All logic is in run.ts, which takes its engine factory and streams as arguments.
 */
import { createEngine } from '../index.js';
import { runCli } from './run.js';

export { UsageError } from './args.js';
export { parseArgs } from './commands.js';
export { HELP, helpText } from './help.js';
export { runCli } from './run.js';

/** Run `emgpu` with these arguments (process.argv.slice(2)); resolves to the exit status. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  return runCli(argv, {
    createEngine: (options) => createEngine(options),
    stdout: process.stdout,
    stderr: process.stderr,
  });
}
