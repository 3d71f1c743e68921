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
import { didYouMean, type OptionSpec, tokenize, UsageError } from './args.js';
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

const WORKER_OPTIONS: OptionSpec = {
  '--request': { kind: 'value', example: 'request.json' },
  '--serve': { kind: 'flag' },
  '--backend': { kind: 'value', example: 'cpu' },
  '--help': { kind: 'flag' },
};

/** The worker's arguments by the other commands' tokenizer (args.ts): the same one-line errors, no usage after them. */
function parseWorkerArgs(argv: readonly string[]): { help: boolean; op?: string; requestFile?: string; serve: boolean; backend?: string } {
  const t = tokenize(argv, WORKER_OPTIONS, 'worker');
  if (t.positionals.length > 1)
    throw new UsageError(`expected at most one OP, got ${t.positionals.map((p) => `'${p}'`).join(' ')}. See emgpu worker --help.`);
  const op = t.positionals[0];
  if (op !== undefined && !(WORKER_OPS as readonly string[]).includes(op)) {
    const near = didYouMean(op, WORKER_OPS);
    throw new UsageError(
      `'${op}' is not a worker op${near ? ` (did you mean ${near}?)` : ''}. Use one of ${WORKER_OPS.join(', ')}; see emgpu worker --help.`,
    );
  }
  const backend = t.values.get('--backend');
  if (backend !== undefined && !WORKER_BACKENDS.includes(backend))
    throw new UsageError(`--backend '${backend}' is not a backend. Use one of ${WORKER_BACKENDS.join(', ')}.`);
  return { help: t.flags.has('--help'), op, requestFile: t.values.get('--request'), serve: t.flags.has('--serve'), backend };
}

export async function runWorker(argv: readonly string[], deps: CliDeps): Promise<number> {
  let parsed: ReturnType<typeof parseWorkerArgs>;
  try {
    parsed = parseWorkerArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    deps.stderr.write(`error: emgpu worker: ${e.message}\n`);
    return 2;
  }
  if (parsed.help) {
    deps.stdout.write(WORKER_HELP);
    return 0;
  }
  const { op, requestFile, serve, backend } = parsed;
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
