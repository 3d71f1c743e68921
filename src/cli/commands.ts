/**
 * The `emgpu` commands' options and their parsing into typed arguments. Option names follow
 * scikit-learn's vocabulary (n_init → --n-init). Anything malformed throws a UsageError.
 */
import type { CovarianceType } from '../types.js';
import {
  type CommonArgs,
  COVARIANCES,
  commonArgs,
  kList,
  nonNegativeInt,
  number,
  oneOf,
  type OptionSpec,
  positiveInt,
  type Tokens,
  tokenize,
  UsageError,
} from './args.js';
import { type ScArgs, scArgs } from './sc-args.js';

export type { CommonArgs } from './args.js';
export type { ScArgs, ScModel } from './sc-args.js';

export const MATRIX_COMMANDS = ['kmeans', 'softkmeans', 'gmm', 'nb', 'select'] as const;
export const COMMANDS = [...MATRIX_COMMANDS, 'sc'] as const;
export type MatrixCommand = (typeof MATRIX_COMMANDS)[number];
export type Command = (typeof COMMANDS)[number];

export const BUNDLED = { digits: { file: 'data/digits.csv.gz', k: 10 }, iris: { file: 'data/iris.csv.gz', k: 3 } } as const;
export type BundledName = keyof typeof BUNDLED;

/** A matrix command (all but sc): a FILE, or a bundled dataset. */
export interface MatrixArgs extends CommonArgs {
  command: MatrixCommand;
  /** Input file; absent → the bundled dataset (`dataset`, default digits). */
  file?: string;
  dataset?: BundledName;
  /** Clusters; for select, absent (ks is used). Defaults to the bundled dataset's class count. */
  k: number;
  init?: 'k-means++' | 'random';
  beta?: number;
  covariance?: CovarianceType;
  regCovar?: number;
  dispersion?: 'per-gene' | 'shared' | number;
  sizeFactors?: 'library' | 'none';
  model?: 'kmeans' | 'gmm';
  ks?: number[];
  /** --ks was left out: the default 2..12 is capped at the number of rows (a 6-row file tries 2..6). */
  ksDefault?: boolean;
  criterion?: 'bic' | 'aic' | 'inertia' | 'clbic';
  // Reader options.
  delimiter?: ',' | '\t' | 'whitespace';
  header?: boolean;
  rowNames?: boolean;
  labelColumn?: 'last' | number;
  skipLines?: number;
  maxDense?: number;
}

export type ParsedArgs = { command: 'help'; topic?: Command } | { command: 'version' } | MatrixArgs | ScArgs;

const v = (kind: 'flag' | 'value', example?: string) => (example ? { kind, example } : { kind });
const COMMON: OptionSpec = {
  '--backend': v('value', 'reference'),
  '--seed': v('value', '0'),
  '--n-init': v('value', '10'),
  '--max-iter': v('value', '300'),
  '--tol': v('value', '1e-4'),
  '--out': v('value', 'labels.csv'),
  '--json': v('flag'),
  '--quiet': v('flag'),
  '--no-progress': v('flag'),
  '--help': v('flag'),
};
const READER: OptionSpec = {
  '--dataset': v('value', 'iris'),
  '--delimiter': v('value', 'tab'),
  '--header': v('flag'),
  '--no-header': v('flag'),
  '--row-names': v('flag'),
  '--no-row-names': v('flag'),
  '--label-column': v('value', 'last'),
  '--skip-lines': v('value', '1'),
  '--max-dense': v('value', '2e8'),
};
const K = { '--k': v('value', '10') };
const KS = { '--ks': v('value', '2..12'), '--criterion': v('value', 'bic') };
const COV = { '--covariance': v('value', 'diag') };

export const SPECS: Record<Command, OptionSpec> = {
  kmeans: { ...COMMON, ...READER, ...K, '--init': v('value', 'k-means++') },
  softkmeans: { ...COMMON, ...READER, ...K, '--init': v('value', 'k-means++'), '--beta': v('value', '0.01') },
  gmm: { ...COMMON, ...READER, ...K, ...COV, '--reg-covar': v('value', '1e-6') },
  nb: { ...COMMON, ...READER, ...K, '--dispersion': v('value', 'per-gene'), '--size-factors': v('value', 'library') },
  select: { ...COMMON, ...READER, ...KS, ...COV, '--model': v('value', 'gmm') },
  sc: {
    ...COMMON,
    ...K,
    ...KS,
    ...COV,
    '--out': v('value', 'results/'),
    '--model': v('value', 'nb'),
    '--select': v('flag'),
    '--n-pcs': v('value', '50'),
    '--n-top-genes': v('value', '2000'),
    '--min-genes': v('value', '200'),
    '--max-genes': v('value', '2500'),
    '--max-pct-mito': v('value', '5'),
    '--min-cells': v('value', '3'),
    '--labels': v('value', 'labels.csv:cell_type'),
    '--markers': v('value', '5'),
    '--stream': v('flag'),
    '--max-bytes': v('value', '2G'),
    '--resolution': v('value', '0.8'),
    '--resolutions': v('value', '0.2,0.5,1'),
    '--neighbors': v('value', '19'),
    '--graph-pcs': v('value', '20'),
    '--integrate': v('value', 'batch'),
    '--harmony-theta': v('value', '2'),
  },
};

/** Parse argv (without `node` and the script). Throws UsageError for anything malformed. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv.length === 0) return { command: 'help' };
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h') return { command: 'help' };
  if (cmd === 'help') {
    if (rest.length === 0) return { command: 'help' };
    return { command: 'help', topic: oneOf('help', rest[0], COMMANDS) };
  }
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') return { command: 'version' };
  if (cmd.startsWith('-'))
    throw new UsageError(`unknown option '${cmd}' before the command. Usage: emgpu COMMAND [FILE] [options]; see emgpu --help.`);
  if (!(COMMANDS as readonly string[]).includes(cmd))
    throw new UsageError(`unknown command '${cmd}'. The commands are ${COMMANDS.join(', ')}; see emgpu --help.`);
  const command = cmd as Command;
  const t = tokenize(rest, SPECS[command], command);
  if (t.flags.has('--help')) return { command: 'help', topic: command };
  const common = commonArgs(t);
  return command === 'sc' ? scArgs(t, common) : matrixArgs(command, t, common);
}

function matrixArgs(command: MatrixCommand, t: Tokens, common: CommonArgs): MatrixArgs {
  const val = (f: string) => t.values.get(f);
  if (t.positionals.length > 1) {
    throw new UsageError(`expected at most one input FILE, got ${t.positionals.length}: ${t.positionals.map((p) => `'${p}'`).join(' ')}.`);
  }
  const file = t.positionals[0];
  const dataset = val('--dataset') === undefined ? undefined : oneOf('--dataset', val('--dataset')!, ['digits', 'iris'] as const);
  if (file !== undefined && dataset !== undefined) throw new UsageError(`pass either a FILE or --dataset ${dataset}, not both.`);
  const kRaw = val('--k');
  if (command !== 'select' && file !== undefined && kRaw === undefined) {
    throw new UsageError(`--k is required with an input file: the number of clusters, e.g. emgpu ${command} ${file} --k 8.`);
  }
  const out: MatrixArgs = {
    command,
    ...common,
    k: kRaw === undefined ? BUNDLED[dataset ?? 'digits'].k : positiveInt('--k', kRaw),
  };
  if (file !== undefined) out.file = file;
  if (dataset !== undefined) out.dataset = dataset;
  if (val('--init') !== undefined) out.init = oneOf('--init', val('--init')!, ['k-means++', 'random'] as const);
  if (val('--beta') !== undefined) out.beta = number('--beta', val('--beta')!, 0, true, '0.01');
  if (val('--covariance') !== undefined) out.covariance = oneOf('--covariance', val('--covariance')!, COVARIANCES);
  if (val('--reg-covar') !== undefined) out.regCovar = number('--reg-covar', val('--reg-covar')!, 0, false, '1e-6');
  if (val('--dispersion') !== undefined) {
    const d = val('--dispersion')!;
    out.dispersion = d === 'per-gene' || d === 'shared' ? d : number('--dispersion (per-gene, shared or φ)', d, 0, true, '0.1');
  }
  if (val('--size-factors') !== undefined) out.sizeFactors = oneOf('--size-factors', val('--size-factors')!, ['library', 'none'] as const);
  if (command === 'select') selectArgs(t, out);
  readerArgs(t, out, file);
  return out;
}

function selectArgs(t: Tokens, out: MatrixArgs): void {
  const model = oneOf('--model', t.values.get('--model') ?? 'gmm', ['kmeans', 'gmm'] as const);
  out.model = model;
  out.ks = kList('--ks', t.values.get('--ks') ?? '2..12');
  if (t.values.get('--ks') === undefined) out.ksDefault = true;
  const crit = t.values.get('--criterion');
  if (crit !== undefined) {
    out.criterion = oneOf(
      '--criterion',
      crit,
      model === 'kmeans' ? (['clbic', 'inertia', 'bic', 'aic'] as const) : (['bic', 'aic'] as const),
    );
  }
  if (out.covariance !== undefined && model !== 'gmm') throw new UsageError('--covariance applies to --model gmm only.');
}

function readerArgs(t: Tokens, out: MatrixArgs, file: string | undefined): void {
  const { values, flags } = t;
  const val = (f: string) => values.get(f);
  if (flags.has('--header') && flags.has('--no-header')) throw new UsageError('--header and --no-header contradict each other; pass one.');
  if (flags.has('--row-names') && flags.has('--no-row-names'))
    throw new UsageError('--row-names and --no-row-names contradict each other; pass one.');
  if (flags.has('--header')) out.header = true;
  if (flags.has('--no-header')) out.header = false;
  if (flags.has('--row-names')) out.rowNames = true;
  if (flags.has('--no-row-names')) out.rowNames = false;
  if (val('--delimiter') !== undefined) {
    const names: Record<string, MatrixArgs['delimiter']> = {
      ',': ',',
      comma: ',',
      '\\t': '\t',
      '\t': '\t',
      tab: '\t',
      whitespace: 'whitespace',
      space: 'whitespace',
    };
    const dl = names[val('--delimiter')!];
    if (dl === undefined) throw new UsageError(`--delimiter expects comma, tab or whitespace; got '${val('--delimiter')}'.`);
    out.delimiter = dl;
  }
  if (val('--label-column') !== undefined) {
    const lc = val('--label-column')!;
    out.labelColumn = lc === 'last' ? 'last' : nonNegativeInt('--label-column', lc);
  }
  if (val('--skip-lines') !== undefined) out.skipLines = nonNegativeInt('--skip-lines', val('--skip-lines')!);
  if (val('--max-dense') !== undefined) {
    const m = val('--max-dense')!;
    const x = Number(m.replace(/_/g, ''));
    if (!Number.isSafeInteger(x) || x < 1) throw new UsageError(`--max-dense expects a positive number of entries (e.g. 2e8), got '${m}'.`);
    out.maxDense = x;
  }
  if (file === undefined) {
    const stray = [
      ...['--delimiter', '--label-column', '--skip-lines', '--max-dense'].filter((f) => values.has(f)),
      ...['--header', '--no-header', '--row-names', '--no-row-names'].filter((f) => flags.has(f)),
    ];
    if (stray.length > 0) throw new UsageError(`${stray.join(', ')} only apply to an input FILE; the bundled dataset needs none.`);
  }
}
