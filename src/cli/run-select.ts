/** `emgpu select`: the library's selectK over a matrix FILE or a bundled dataset. */
import type { Backend } from '../types.js';
import { selectK, type SelectKResult, type SelectKRow } from '../select/selectK.js';
import type { MatrixArgs } from './commands.js';
import { libraryOptions } from './fit.js';
import { csv, ms, table, writeOut } from './output.js';
import { formatNumber, ProgressBar } from './progress.js';
import { backendLine, fitSettings, readMatrixInput } from './run-matrix.js';
import type { CliDeps } from './deps.js';

export interface SelectSummary {
  command: 'select';
  input: { file: string; bundled: boolean; n: number; d: number };
  model: SelectKResult['model'];
  criterion: SelectKResult['criterion'];
  bestK: number;
  elbowK: number;
  rows: SelectKRow[];
  backend: Backend;
  adapter: string;
  fallbackReason?: string;
  seed: number;
  timings: { totalMs: number; readMs: number };
  out?: string;
}

/** The `fit` options selectK passes to every fit: the command's settings without k. */
export function selectFitOptions(args: MatrixArgs): Record<string, unknown> {
  const { k: _k, returnResponsibilities: _r, ...fit } = libraryOptions(args.model ?? 'gmm', fitSettings(args));
  return fit;
}

/** The candidate ks: as given, or the default 2..12 capped at n rows (all of them when none is left, for selectK's own error). */
function defaultKs(args: MatrixArgs, n: number): number[] | undefined {
  if (!args.ksDefault || !args.ks) return args.ks;
  const capped = args.ks.filter((k) => k <= n);
  return capped.length ? capped : args.ks;
}

export async function runSelect(args: MatrixArgs, deps: CliDeps, root: string | undefined): Promise<number> {
  const { stdout, stderr } = deps;
  const input = readMatrixInput(args, root);
  const { file } = input;
  const engine = await deps.createEngine({ backend: args.backend });
  const bar = !args.quiet && args.progress && stderr.isTTY === true ? new ProgressBar(stderr, 1, 1) : undefined;
  const t0 = performance.now();
  let r: SelectKResult;
  try {
    r = await selectK(
      { data: file.data, n: file.n, d: file.d },
      {
        engine,
        model: args.model ?? 'gmm',
        ks: defaultKs(args, file.n),
        ...(args.criterion ? { criterion: args.criterion } : {}),
        fit: selectFitOptions(args),
        ...(bar ? { onK: (row: SelectKRow) => bar.status(`k = ${row.k}: BIC ${formatNumber(row.bic)} (${ms(row.timeMs)})`) } : {}),
      },
    );
  } finally {
    bar?.done();
    engine.destroy();
  }
  if (args.out) {
    const header = ['k', 'objective', 'log_likelihood', 'bic', 'aic', 'n_parameters', 'n_iter', 'converged', 'time_ms'];
    writeOut(
      args.out,
      csv(
        header,
        r.rows.map((x) => [
          x.k,
          x.objective,
          x.logLikelihood,
          x.bic,
          x.aic,
          x.nParameters,
          x.nIter,
          String(x.converged),
          x.timeMs.toFixed(1),
        ]),
      ),
    );
  }
  const summary: SelectSummary = {
    command: 'select',
    input: { file: input.name, bundled: input.bundled, n: file.n, d: file.d },
    model: r.model,
    criterion: r.criterion,
    bestK: r.bestK,
    elbowK: r.elbowK,
    rows: r.rows,
    backend: engine.backend,
    adapter: engine.adapter,
    seed: args.seed ?? 0,
    timings: { totalMs: performance.now() - t0, readMs: input.readMs },
  };
  if (engine.fallbackReason) summary.fallbackReason = engine.fallbackReason;
  if (args.out) summary.out = args.out;
  if (args.json) stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else if (!args.quiet) stdout.write(formatSelect(summary, input.display));
  return 0;
}

export function formatSelect(s: SelectSummary, name: string): string {
  const head = ['k', 'objective', 'BIC', 'AIC', 'iterations', 'time'];
  const body = s.rows.map((r) => [
    String(r.k),
    formatNumber(r.objective),
    formatNumber(r.bic),
    formatNumber(r.aic),
    `${r.nIter}${r.converged ? '' : '*'}`,
    ms(r.timeMs),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((b) => b[j].length)));
  const line = (cells: string[]) => `    ${cells.map((c, j) => c.padStart(widths[j])).join('  ')}`;
  const rows: [string, string][] = [
    ['backend', backendLine(s.backend, s.adapter)],
    ['data', `n = ${s.input.n} samples, d = ${s.input.d} features`],
    ['model', `${s.model === 'gmm' ? 'Gaussian mixture' : 'k-means'}, seed ${s.seed}`],
    [
      'chosen',
      `k = ${s.bestK} (by ${s.criterion === 'inertia' ? 'the inertia elbow' : `lowest ${s.criterion.toUpperCase()}`}; elbow at k = ${s.elbowK})`,
    ],
    ['time', `${ms(s.timings.totalMs)}, read ${ms(s.timings.readMs)}`],
  ];
  if (s.out) rows.push(['table', `written to ${s.out}`]);
  const notConverged = s.rows.some((r) => !r.converged) ? '    * not converged within --max-iter\n' : '';
  return `${table(`emgpu select on ${name}`, rows)}${line(head)}\n${body.map(line).join('\n')}\n${notConverged}`;
}
