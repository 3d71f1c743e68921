/**
 * `emgpu worker`: the shard side of a distributed fit. One request in (JSON on stdin, or
 * --request FILE), one response out (JSON on stdout); with --serve, one request per line and one
 * response per line until stdin ends, so a Dask worker pays Node's start-up once. Numbers are
 * written by toExactJson: float64 round-trips exactly (NaN, ±Infinity and −0 as strings).
 * Errors: one-shot → `error:` on stderr and exit 1; --serve → {"error": {"code", "message"}}.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Engine } from '../engine/engine.js';
import { EmgpuError } from '../errors.js';
import { fromExactJson, toExactJson } from '../shard/json.js';
import type { BackendChoice } from '../types.js';
import type { CliDeps } from './deps.js';
import { answer, SourceCache, WORKER_OPS } from './worker-ops.js';

export const WORKER_HELP = `emgpu worker [OP] [--request FILE] [--serve] [--backend NAME]

The shard side of a fit split into map → sum → M-step (docs/worker-format.md).
OP (default statistics; a request's "op" field wins): ${WORKER_OPS.join(', ')}.
  emgpu worker < request.json          statistics of a shard, JSON out
  emgpu worker mstep < request.json    summed statistics + params → params + convergence
  emgpu worker --serve                 one JSON request per line on stdin, one response per line
`;

async function readStdin(deps: CliDeps): Promise<string> {
  const stream = deps.stdin ?? process.stdin;
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  return text;
}

function errorOf(e: unknown): { code: string; message: string } {
  if (e instanceof EmgpuError) return { code: e.code, message: e.message };
  if (e instanceof Error && (e as NodeJS.ErrnoException).code)
    return { code: String((e as NodeJS.ErrnoException).code), message: e.message };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** The names --backend takes (as createEngine's backend option). */
const WORKER_BACKENDS = ['auto', 'reference', 'cpu', 'wasm', 'webgpu'];

export async function runWorker(argv: readonly string[], deps: CliDeps): Promise<number> {
  let op: string | undefined;
  let requestFile: string | undefined;
  let serve = false;
  let backend: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      deps.stdout.write(WORKER_HELP);
      return 0;
    }
    if (a === '--serve') serve = true;
    else if (a === '--request') requestFile = argv[++i];
    else if (a === '--backend') {
      backend = argv[++i];
      if (!WORKER_BACKENDS.includes(backend ?? '')) {
        deps.stderr.write(
          `error: emgpu worker: --backend '${String(backend)}' is not a backend. Use one of ${WORKER_BACKENDS.join(', ')}.\n`,
        );
        return 2;
      }
    } else if (!a.startsWith('-') && op === undefined && (WORKER_OPS as readonly string[]).includes(a)) op = a;
    else {
      deps.stderr.write(`error: emgpu worker: unexpected '${a}'.\n${WORKER_HELP}`);
      return 2;
    }
  }
  const engines = new Map<string, Promise<Engine>>();
  const engineOf = (name: string): Promise<Engine> => {
    const b = backend ?? name;
    let e = engines.get(b);
    if (!e) engines.set(b, (e = deps.createEngine({ backend: b as BackendChoice })));
    return e;
  };
  const cache = new SourceCache();
  const one = async (text: string): Promise<unknown> => {
    const req = fromExactJson<Record<string, unknown>>(text);
    if (req == null || typeof req !== 'object' || Array.isArray(req))
      throw new EmgpuError('BAD_OPTION', 'The request is not a JSON object.');
    return answer({ op: op ?? 'statistics', ...req }, engineOf, cache);
  };
  try {
    if (!serve) {
      let text: string;
      try {
        text = requestFile ? readFileSync(requestFile, 'utf8') : await readStdin(deps);
      } catch (e) {
        // A missing or unreadable request file (ENOENT, EISDIR): one error line, not Node's stack.
        deps.stderr.write(
          `error: emgpu worker: cannot read the request ${requestFile ?? 'from stdin'} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Pass an existing JSON file to --request, or the request on stdin.\n`,
        );
        return 1;
      }
      try {
        deps.stdout.write(`${toExactJson(await one(text))}\n`);
        return 0;
      } catch (e) {
        deps.stderr.write(`error: ${errorOf(e).message}\n`);
        return 1;
      }
    }
    const lines = createInterface({ input: (deps.stdin ?? process.stdin) as NodeJS.ReadableStream, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let out: string;
      try {
        out = toExactJson(await one(line));
      } catch (e) {
        out = JSON.stringify({ error: errorOf(e) });
      }
      deps.stdout.write(`${out}\n`);
    }
    return 0;
  } finally {
    await cache.close();
    for (const e of engines.values()) await e.then((x) => x.destroy()).catch(() => {});
  }
}
