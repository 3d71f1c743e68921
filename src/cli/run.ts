/**
 * The CLI proper, with its dependencies passed in (engine factory, output streams) so tests can run it
 * in-process. main.ts wires it to the real library and to process.stdout/stderr.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmgpuError } from '../errors.js';
import { UsageError } from './args.js';
import { type ParsedArgs, parseArgs } from './commands.js';
import type { CliDeps } from './deps.js';
import { helpText } from './help.js';
import { isSystemError, systemMessage } from './output.js';
import { runMatrix } from './run-matrix.js';
import { runSc } from './run-sc.js';
import { runSelect } from './run-select.js';
import { runWorker } from './run-worker.js';

export type { CliDeps, CliEngine } from './deps.js';
export type { Writable } from './output.js';
export type { Summary } from './run-matrix.js';
export type { SelectSummary } from './run-select.js';
export type { ScSummary } from './sc-summary.js';

/** Walk up from this module to the package.json named "emgpu" (src/cli/ in development, dist/ when built). */
export function findPackageRoot(from: string = fileURLToPath(import.meta.url)): string | undefined {
  let dir = dirname(from);
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'emgpu') return dir;
      } catch {
        // An unreadable package.json on the way up is not ours; keep going.
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function packageVersion(root: string | undefined): string {
  if (!root) return 'unknown';
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Run the CLI; resolves to the exit status (0 ok, 1 runtime error, 2 usage error). */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const { stdout, stderr } = deps;
  // The shard worker reads requests, not options: its own small parser.
  if (argv[0] === 'worker') return runWorker(argv.slice(1), deps);
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const root = deps.packageRoot ?? findPackageRoot();
  if (args.command === 'help') {
    stdout.write(helpText(args.topic));
    return 0;
  }
  if (args.command === 'version') {
    stdout.write(`emgpu ${packageVersion(root)}\n`);
    return 0;
  }
  try {
    if (args.command === 'sc') return await runSc(args, deps);
    if (args.command === 'select') return await runSelect(args, deps, root);
    return await runMatrix(args, deps, root);
  } catch (e) {
    if (e instanceof EmgpuError) stderr.write(`error: ${e.message}\n`);
    else if (isSystemError(e)) {
      const path = e.path ?? ('file' in args ? args.file : args.command === 'sc' ? args.files[0] : '') ?? '';
      stderr.write(`error: ${systemMessage(e, 'read', path)}\n`);
    } else {
      const err = e instanceof Error ? e : new Error(String(e));
      stderr.write(`error: ${err.message}\n(an unexpected error, probably a bug in emgpu; please report it with the command line)\n`);
      if (process.env.EMGPU_DEBUG && err.stack) stderr.write(`${err.stack}\n`);
    }
    return 1;
  }
}
