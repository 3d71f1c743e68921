/** In-process CLI runs for the tests: deps that create real engines and collect stdout and stderr. */
import { createEngine } from '../../src/index.js';
import type { CliDeps } from '../../src/cli/run.js';

export function captureCli(tty = false): { deps: CliDeps; out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  const deps: CliDeps = {
    createEngine: (o) => createEngine(o),
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s), isTTY: tty, columns: 120 },
  };
  return { deps, out: () => out.join(''), err: () => err.join('') };
}
