/** `emgpu kmeans | softkmeans | gmm | nb` on a matrix FILE or a bundled dataset. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EmgpuError } from '../errors.js';
import { readMatrixFile, type MatrixFile } from '../io/node.js';
import { adjustedRandIndex, normalizedMutualInfo } from '../metrics.js';
import type { Backend, RestartSummary, Timings } from '../types.js';
import { BUNDLED, type MatrixArgs } from './commands.js';
import { DEFAULT_MAX_ITER, type FitHooks, type FitSettings, fitModel, plannedRestarts, type ModelName } from './fit.js';
import { labelsCsv, ms, onIterationOf, progressFor, table, writeOut } from './output.js';
import { formatNumber } from './progress.js';
import type { CliDeps } from './deps.js';

export interface MatrixInput {
  file: MatrixFile;
  /** As the summary names it: the path given, or data/<name>.csv.gz. */
  name: string;
  display: string;
  bundled: boolean;
  readMs: number;
  labelSource?: string;
}

/** Read FILE with the reader options, or the bundled dataset (its last column is the true class). */
export function readMatrixInput(args: MatrixArgs, root: string | undefined): MatrixInput {
  const t0 = performance.now();
  if (args.file !== undefined) {
    const file = readMatrixFile(resolve(args.file), {
      delimiter: args.delimiter,
      header: args.header,
      rowNames: args.rowNames,
      labelColumn: args.labelColumn,
      skipLines: args.skipLines,
      maxDenseEntries: args.maxDense,
    });
    const labelSource = `label column ${String(args.labelColumn ?? 'last')}`;
    return { file, name: args.file, display: args.file, bundled: false, readMs: performance.now() - t0, labelSource };
  }
  const name = args.dataset ?? 'digits';
  const rel = BUNDLED[name].file;
  if (!root || !existsSync(join(root, rel))) {
    throw new EmgpuError('FILE_FORMAT', `the bundled dataset ${rel} is missing from the emgpu package; reinstall emgpu, or pass a FILE.`);
  }
  // iris.csv.gz opens with scikit-learn's "150,4,setosa,versicolor,virginica" line.
  const file = readMatrixFile(join(root, rel), { header: false, labelColumn: 'last', ...(name === 'iris' ? { skipLines: 1 } : {}) });
  const labelSource = name === 'digits' ? 'digit classes' : 'iris species';
  return { file, name: rel, display: `${name} (bundled)`, bundled: true, readMs: performance.now() - t0, labelSource };
}

export function fitSettings(args: MatrixArgs): FitSettings {
  const s: FitSettings = { k: args.k };
  for (const key of ['seed', 'nInit', 'maxIter', 'tol', 'init', 'beta', 'covariance', 'regCovar', 'dispersion', 'sizeFactors'] as const) {
    if (args[key] !== undefined) (s as unknown as Record<string, unknown>)[key] = args[key];
  }
  return s;
}

export interface Summary {
  command: ModelName;
  input: { file: string; bundled: boolean; kind: MatrixFile['kind']; n: number; d: number };
  k: number;
  backend: Backend;
  adapter: string;
  /** Why --backend auto ran on the CPU. */
  fallbackReason?: string;
  seed: number;
  restarts: RestartSummary[];
  nIter: number;
  converged: boolean;
  stopReason: string;
  objective: { name: string; value: number };
  /** k-means and soft k-means: Σ‖x − c_label‖². */
  inertia?: number;
  clusterSizes: number[];
  /** Against the file's label column (the classes of a bundled dataset). */
  scores?: { adjustedRandIndex: number; normalizedMutualInfo: number; labelSource: string };
  /** Model-specific numbers: beta, covariance, lowerBound, bic, dispersion, sizeFactors. */
  model: Record<string, number | string>;
  timings: Timings & { readMs: number };
  warnings: string[];
  out?: string;
}

export async function runMatrix(args: MatrixArgs, deps: CliDeps, root: string | undefined): Promise<number> {
  const { stdout, stderr } = deps;
  const input = readMatrixInput(args, root);
  const { file } = input;
  const model = args.command as ModelName;
  const settings = fitSettings(args);
  const engine = await deps.createEngine({ backend: args.backend });
  const objectiveName = model === 'kmeans' ? 'inertia' : model === 'softkmeans' ? 'objective' : 'log-likelihood';
  const bar = progressFor(args, stderr, plannedRestarts(settings, model), args.maxIter ?? DEFAULT_MAX_ITER[model], objectiveName);
  const hooks: FitHooks = { ...onIterationOf(bar), ...(deps.kmeans ? { kmeans: deps.kmeans } : {}) };
  let fit: Awaited<ReturnType<typeof fitModel>>;
  try {
    fit = await fitModel(model, { data: file.data, n: file.n, d: file.d }, settings, engine, hooks);
  } finally {
    bar?.done();
    engine.destroy();
  }

  const hard = model === 'kmeans';
  if (args.out) writeOut(args.out, labelsCsv(file.rowNames, fit.labels, hard ? undefined : fit.maxPosterior));
  const { inertia, ...extra } = fit.extra;
  const summary: Summary = {
    command: model,
    input: { file: input.name, bundled: input.bundled, kind: file.kind, n: file.n, d: file.d },
    k: fit.k,
    backend: fit.backend,
    adapter: fit.adapter,
    seed: fit.seed ?? args.seed ?? 0,
    restarts: fit.restarts,
    nIter: fit.nIter,
    converged: fit.converged,
    stopReason: fit.stopReason,
    objective: fit.objective,
    ...(inertia !== undefined ? { inertia: inertia as number } : {}),
    clusterSizes: fit.clusterSizes,
    model: extra,
    timings: { ...fit.timings, readMs: input.readMs },
    warnings: fit.warnings,
  };
  if (engine.fallbackReason) summary.fallbackReason = engine.fallbackReason;
  if (file.labels) {
    summary.scores = {
      adjustedRandIndex: adjustedRandIndex(file.labels, fit.labels),
      normalizedMutualInfo: normalizedMutualInfo(file.labels, fit.labels),
      labelSource: input.labelSource ?? 'labels',
    };
  }
  if (args.out) summary.out = args.out;

  if (args.json) stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else if (!args.quiet) stdout.write(formatSummary(summary, input.display));
  if (!args.json && !args.quiet) for (const w of summary.warnings) stderr.write(`warning: ${w}\n`);
  return 0;
}

const STOP: Record<string, string> = {
  labels: 'converged: no label changed',
  tol: 'converged: change under tol',
  maxIter: 'not converged: stopped at --max-iter',
};

export function backendLine(backend: string, adapter: string): string {
  // The CPU adapters already name the backend, e.g. 'cpu (float64 reference)'.
  return !adapter ? backend : adapter.includes(backend) || adapter.startsWith('cpu') ? adapter : `${backend} (${adapter})`;
}

export function fitRows(
  s: Pick<Summary, 'restarts' | 'seed' | 'nIter' | 'stopReason' | 'converged' | 'objective' | 'clusterSizes'>,
): [string, string][] {
  const rows: [string, string][] = [];
  // Inertia and the soft objective are minimised, log-likelihoods maximised.
  const objs = s.restarts.map((r) => r.objective);
  const bestObj = s.objective.name === 'log-likelihood' ? Math.max(...objs) : Math.min(...objs);
  const best = s.restarts.length > 1 ? `, best objective ${formatNumber(bestObj)}` : '';
  rows.push(['restarts', `${s.restarts.length}${best} (seed ${s.seed})`]);
  rows.push(['iterations', `${s.nIter} (${STOP[s.stopReason] ?? (s.converged ? 'converged' : 'not converged')})`]);
  rows.push([s.objective.name === 'inertia' ? 'inertia' : s.objective.name, formatNumber(s.objective.value)]);
  const shown = s.clusterSizes.slice(0, 30).join(' ');
  rows.push(['cluster sizes', s.clusterSizes.length > 30 ? `${shown} ... (${s.clusterSizes.length} clusters)` : shown]);
  return rows;
}

export function scoreRows(scores: { adjustedRandIndex: number; normalizedMutualInfo: number; labelSource: string }): [string, string][] {
  return [
    ['ARI', `${scores.adjustedRandIndex.toFixed(4)} (adjusted Rand index vs ${scores.labelSource})`],
    ['NMI', `${scores.normalizedMutualInfo.toFixed(4)} (normalized mutual information)`],
  ];
}

export function formatSummary(s: Summary, name: string): string {
  const rows: [string, string][] = [['backend', backendLine(s.backend, s.adapter)]];
  if (s.fallbackReason) rows.push(['', `auto chose the CPU: ${s.fallbackReason}`]);
  rows.push(['data', `n = ${s.input.n} samples, d = ${s.input.d} features`]);
  const detail = Object.entries(s.model)
    .filter(([key]) => key !== 'lowerBound')
    .map(([key, v]) => `${key} ${typeof v === 'number' ? formatNumber(v) : v}`);
  rows.push(['clusters', `k = ${s.k}${detail.length ? `, ${detail.join(', ')}` : ''}`]);
  rows.push(...fitRows(s));
  if (s.inertia !== undefined && s.objective.name !== 'inertia') rows.push(['inertia', formatNumber(s.inertia)]);
  if (s.scores) rows.push(...scoreRows(s.scores));
  const t = s.timings;
  rows.push(['time', `fit ${ms(t.totalMs)} (init ${ms(t.initMs)}, ${ms(t.perIterMs)}/iteration), read ${ms(t.readMs)}`]);
  if (s.out) rows.push(['labels', `written to ${s.out}`]);
  return table(`emgpu ${s.command} on ${name}`, rows);
}
