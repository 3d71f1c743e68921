/**
 * The CLI proper, with its dependencies passed in (engine factory, output streams) so tests can run it
 * in-process. main.ts wires it to the real library and to process.stdout/stderr.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Matrix } from '../data.js';
import { EmgpuError } from '../errors.js';
import { readMatrixFile, writeLabelsCsv, type MatrixFile } from '../io/node.js';
import { adjustedRandIndex, normalizedMutualInfo } from '../metrics.js';
import type { Engine, EngineSelection } from '../engine/engine.js';
import { kmeans } from '../kmeans/api.js';
import type { Backend, BackendChoice, KMeansOptions, KMeansResult } from '../types.js';
import { HELP, parseArgs, UsageError, type KMeansArgs } from './args.js';
import { formatNumber, ProgressBar } from './progress.js';

/** The engine the CLI runs on. */
export type CliEngine = Engine;

export interface Writable {
  write(s: string): unknown;
}

export interface CliDeps {
  createEngine(options: { backend: BackendChoice }): Promise<CliEngine>;
  /** The k-means to run (the library's by default; tests pass a failing one). */
  kmeans?: (data: Matrix, options: KMeansOptions & EngineSelection) => Promise<KMeansResult>;
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean; columns?: number };
  /** Package root holding data/ and package.json; found from this module's location when omitted. */
  packageRoot?: string;
}

export const BUNDLED_DATASET = 'data/digits.csv.gz';

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

/** A Node system error (ENOENT, EACCES, ...) rather than a bug. */
function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return (
    e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string'
  );
}

function systemMessage(e: NodeJS.ErrnoException, verb: string, path: string): string {
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
  };
  return `cannot ${verb} '${path}': ${why[e.code ?? ''] ?? e.message}`;
}

export interface Summary {
  command: 'kmeans';
  input: { file: string; bundled: boolean; kind: MatrixFile['kind']; n: number; d: number };
  k: number;
  backend: Backend;
  adapter: string;
  /** Why --backend auto ran on the CPU. */
  fallbackReason?: string;
  seed: number;
  restarts: KMeansResult['restarts'];
  nIter: number;
  converged: boolean;
  stopReason: KMeansResult['stopReason'];
  inertia: number;
  clusterSizes: number[];
  /** Against the file's label column (the digits for the bundled dataset). */
  scores?: { adjustedRandIndex: number; normalizedMutualInfo: number; labelSource: string };
  timings: KMeansResult['timings'] & { readMs: number };
  warnings: string[];
  out?: string;
}

/** Run the CLI; resolves to the exit status (0 ok, 1 runtime error, 2 usage error). */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const { stdout, stderr } = deps;
  let args: ReturnType<typeof parseArgs>;
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
    stdout.write(HELP);
    return 0;
  }
  if (args.command === 'version') {
    stdout.write(`emgpu ${packageVersion(root)}\n`);
    return 0;
  }
  try {
    return await runKMeans(args, deps, root);
  } catch (e) {
    if (e instanceof EmgpuError) stderr.write(`error: ${e.message}\n`);
    else if (isSystemError(e)) stderr.write(`error: ${systemMessage(e, 'read', e.path ?? args.file ?? '')}\n`);
    else {
      const err = e instanceof Error ? e : new Error(String(e));
      stderr.write(`error: ${err.message}\n(an unexpected error, probably a bug in emgpu; please report it with the command line)\n`);
      if (process.env.EMGPU_DEBUG && err.stack) stderr.write(`${err.stack}\n`);
    }
    return 1;
  }
}

async function runKMeans(args: KMeansArgs, deps: CliDeps, root: string | undefined): Promise<number> {
  const { stdout, stderr } = deps;
  const bundled = args.file === undefined;
  let path: string;
  if (bundled) {
    if (!root || !existsSync(join(root, BUNDLED_DATASET))) {
      throw new EmgpuError(
        'FILE_FORMAT',
        `the bundled dataset ${BUNDLED_DATASET} is missing from the emgpu package; reinstall emgpu, or pass a FILE.`,
      );
    }
    path = join(root, BUNDLED_DATASET);
  } else path = resolve(args.file!);

  const t0 = performance.now();
  const file = bundled
    ? readMatrixFile(path, { header: false, labelColumn: 'last' })
    : readMatrixFile(path, {
        delimiter: args.delimiter,
        header: args.header,
        rowNames: args.rowNames,
        labelColumn: args.labelColumn,
        skipLines: args.skipLines,
        maxDenseEntries: args.maxDense,
      });
  const readMs = performance.now() - t0;
  const displayName = bundled ? 'digits (bundled)' : args.file!;

  const engine = await deps.createEngine({ backend: args.backend });
  let result: KMeansResult;
  const showProgress = !args.quiet && args.progress && stderr.isTTY === true;
  const restartsPlanned = typeof args.nInit === 'number' ? args.nInit : args.init === 'random' ? 10 : 1;
  const bar = showProgress ? new ProgressBar(stderr, restartsPlanned, args.maxIter ?? 300) : undefined;
  try {
    const opts: KMeansOptions = { k: args.k };
    if (args.nInit !== undefined) opts.nInit = args.nInit;
    if (args.maxIter !== undefined) opts.maxIter = args.maxIter;
    if (args.tol !== undefined) opts.tol = args.tol;
    if (args.seed !== undefined) opts.seed = args.seed;
    if (args.init !== undefined) opts.init = args.init;
    if (bar) opts.onIteration = (info) => bar.update(info);
    result = await (deps.kmeans ?? kmeans)({ data: file.data, n: file.n, d: file.d }, { ...opts, engine });
  } finally {
    bar?.done();
    engine.destroy();
  }

  if (args.out) {
    try {
      writeLabelsCsv(args.out, result.labels, file.rowNames);
    } catch (e) {
      if (isSystemError(e)) throw new EmgpuError('FILE_FORMAT', systemMessage(e, 'write', args.out));
      throw e;
    }
  }

  const summary: Summary = {
    command: 'kmeans',
    input: { file: bundled ? BUNDLED_DATASET : args.file!, bundled, kind: file.kind, n: file.n, d: file.d },
    k: args.k,
    backend: result.backend,
    adapter: result.adapter,
    seed: result.seed ?? args.seed ?? 0,
    restarts: result.restarts,
    nIter: result.nIter,
    converged: result.converged,
    stopReason: result.stopReason,
    inertia: result.inertia,
    clusterSizes: result.clusterSizes,
    timings: { ...result.timings, readMs },
    warnings: result.warnings ?? [],
  };
  if (engine.fallbackReason) summary.fallbackReason = engine.fallbackReason;
  if (file.labels) {
    summary.scores = {
      adjustedRandIndex: adjustedRandIndex(file.labels, result.labels),
      normalizedMutualInfo: normalizedMutualInfo(file.labels, result.labels),
      labelSource: bundled ? 'digit classes' : `label column ${String(args.labelColumn ?? 'last')}`,
    };
  }
  if (args.out) summary.out = args.out;

  if (args.json) stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else if (!args.quiet) stdout.write(formatSummary(summary, displayName));
  if (!args.json && !args.quiet) for (const w of summary.warnings) stderr.write(`warning: ${w}\n`);
  return 0;
}

const STOP: Record<KMeansResult['stopReason'], string> = {
  labels: 'converged: no label changed',
  tol: 'converged: centroid shift under tol',
  maxIter: 'not converged: stopped at --max-iter',
};

function ms(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 2 : 0)} ms`;
}

export function formatSummary(s: Summary, name: string): string {
  const rows: [string, string][] = [];
  // The CPU adapter already reads 'cpu (float64 reference)'.
  rows.push(['backend', !s.adapter ? s.backend : s.adapter.includes(s.backend) ? s.adapter : `${s.backend} (${s.adapter})`]);
  if (s.fallbackReason) rows.push(['', `auto chose the CPU: ${s.fallbackReason}`]);
  rows.push(['data', `n = ${s.input.n} samples, d = ${s.input.d} features`]);
  rows.push(['clusters', `k = ${s.k}`]);
  const best = s.restarts.length > 1 ? `, best objective ${formatNumber(Math.min(...s.restarts.map((r) => r.objective)))}` : '';
  rows.push(['restarts', `${s.restarts.length}${best} (seed ${s.seed})`]);
  rows.push(['iterations', `${s.nIter} (${STOP[s.stopReason] ?? (s.converged ? 'converged' : 'not converged')})`]);
  rows.push(['inertia', formatNumber(s.inertia)]);
  const shown = s.clusterSizes.slice(0, 30).join(' ');
  rows.push(['cluster sizes', s.clusterSizes.length > 30 ? `${shown} ... (${s.clusterSizes.length} clusters)` : shown]);
  if (s.scores) {
    rows.push([`ARI`, `${s.scores.adjustedRandIndex.toFixed(4)} (adjusted Rand index vs ${s.scores.labelSource})`]);
    rows.push([`NMI`, `${s.scores.normalizedMutualInfo.toFixed(4)} (normalized mutual information)`]);
  }
  const t = s.timings;
  rows.push(['time', `fit ${ms(t.totalMs)} (init ${ms(t.initMs)}, ${ms(t.perIterMs)}/iteration), read ${ms(t.readMs)}`]);
  if (s.out) rows.push(['labels', `written to ${s.out}`]);
  const w = Math.max(...rows.map(([a]) => a.length));
  return `emgpu kmeans on ${name}\n${rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`).join('\n')}\n`;
}
