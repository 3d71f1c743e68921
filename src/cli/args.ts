/** Hand-rolled argument parsing for the `emgpu` command (no dependency). Errors are UsageError → exit 2. */
import type { BackendChoice } from '../types.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface KMeansArgs {
  command: 'kmeans';
  /** Input file; absent → the bundled digits dataset. */
  file?: string;
  /** Required with a file; defaults to 10 (the digit classes) for the bundled dataset. */
  k: number;
  backend: BackendChoice;
  nInit?: number | 'auto';
  maxIter?: number;
  tol?: number;
  seed?: number;
  init?: 'k-means++' | 'random';
  out?: string;
  json: boolean;
  quiet: boolean;
  progress: boolean;
  // Reader options.
  delimiter?: ',' | '\t' | 'whitespace';
  header?: boolean;
  rowNames?: boolean;
  labelColumn?: 'last' | number;
  skipLines?: number;
  maxDense?: number;
}

export type ParsedArgs = { command: 'help' } | { command: 'version' } | KMeansArgs;

export const DEFAULT_BUNDLED_K = 10;

type Kind = 'flag' | 'value';
const KMEANS_FLAGS: Record<string, Kind> = {
  '--k': 'value',
  '--backend': 'value',
  '--n-init': 'value',
  '--max-iter': 'value',
  '--tol': 'value',
  '--seed': 'value',
  '--init': 'value',
  '--out': 'value',
  '--json': 'flag',
  '--quiet': 'flag',
  '--no-progress': 'flag',
  '--delimiter': 'value',
  '--header': 'flag',
  '--no-header': 'flag',
  '--row-names': 'flag',
  '--no-row-names': 'flag',
  '--label-column': 'value',
  '--skip-lines': 'value',
  '--max-dense': 'value',
  '--help': 'flag',
};
const SHORT: Record<string, string> = { '-k': '--k', '-o': '--out', '-q': '--quiet', '-h': '--help' };

function positiveInt(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
    throw new UsageError(`${flag} expects a positive integer, got '${v}'.`);
  }
  return Number(v);
}

function nonNegativeInt(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw new UsageError(`${flag} expects a non-negative integer, got '${v}'.`);
  }
  return Number(v);
}

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`${flag} expects one of ${allowed.join(', ')}; got '${v}'.`);
  }
  return v as T;
}

/** Parse argv (without `node` and the script). Throws UsageError for anything malformed. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv.length === 0) return { command: 'help' };
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') return { command: 'help' };
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') return { command: 'version' };
  if (cmd.startsWith('-'))
    throw new UsageError(`unknown option '${cmd}' before the command. Usage: emgpu kmeans [FILE] --k K [options]; see emgpu --help.`);
  if (cmd !== 'kmeans') throw new UsageError(`unknown command '${cmd}'. The command is 'kmeans'; see emgpu --help.`);

  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--') {
      positionals.push(...rest.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = eq >= 0 ? arg.slice(0, eq) : arg;
    name = SHORT[name] ?? name;
    const kind = KMEANS_FLAGS[name];
    if (kind === undefined) {
      const near = Object.keys(KMEANS_FLAGS).find((f) => f.replace(/-/g, '') === name.replace(/[-_]/g, '').toLowerCase());
      throw new UsageError(`unknown option '${arg}'${near ? ` (did you mean ${near}?)` : ''}. See emgpu --help.`);
    }
    if (kind === 'flag') {
      if (eq >= 0) throw new UsageError(`${name} takes no value; write just ${name}.`);
      flags.add(name);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = rest[i + 1];
      // "--k --json" is a forgotten value, not the value "--json"; negative numbers are never valid here.
      if (value === undefined || (value.startsWith('-') && value !== '-'))
        throw new UsageError(`${name} needs a value, e.g. ${name} ${example(name)}.`);
      i++;
    }
    if (value === '') throw new UsageError(`${name} needs a value, e.g. ${name} ${example(name)}.`);
    values.set(name, value);
  }

  if (flags.has('--help')) return { command: 'help' };
  if (positionals.length > 1) {
    throw new UsageError(`expected at most one input FILE, got ${positionals.length}: ${positionals.map((p) => `'${p}'`).join(' ')}.`);
  }
  const file = positionals[0];

  const kRaw = values.get('--k');
  if (file !== undefined && kRaw === undefined) {
    throw new UsageError(`--k is required with an input file: the number of clusters, e.g. emgpu kmeans ${file} --k 8.`);
  }
  const out: KMeansArgs = {
    command: 'kmeans',
    k: kRaw === undefined ? DEFAULT_BUNDLED_K : positiveInt('--k', kRaw),
    backend: oneOf('--backend', values.get('--backend') ?? 'auto', ['auto', 'webgpu', 'wasm', 'reference', 'cpu'] as const),
    json: flags.has('--json'),
    quiet: flags.has('--quiet'),
    progress: !flags.has('--no-progress'),
  };
  if (file !== undefined) out.file = file;

  const v = (f: string) => values.get(f);
  if (v('--n-init') !== undefined) out.nInit = v('--n-init') === 'auto' ? 'auto' : positiveInt('--n-init', v('--n-init')!);
  if (v('--max-iter') !== undefined) out.maxIter = positiveInt('--max-iter', v('--max-iter')!);
  if (v('--tol') !== undefined) {
    const t = v('--tol')!;
    const x = Number(t);
    if (t.trim() === '' || !Number.isFinite(x) || x < 0) throw new UsageError(`--tol expects a number >= 0 (e.g. 1e-4), got '${t}'.`);
    out.tol = x;
  }
  if (v('--seed') !== undefined) out.seed = nonNegativeInt('--seed', v('--seed')!);
  if (v('--init') !== undefined) out.init = oneOf('--init', v('--init')!, ['k-means++', 'random'] as const);
  if (v('--out') !== undefined) out.out = v('--out');

  if (flags.has('--header') && flags.has('--no-header')) throw new UsageError('--header and --no-header contradict each other; pass one.');
  if (flags.has('--row-names') && flags.has('--no-row-names'))
    throw new UsageError('--row-names and --no-row-names contradict each other; pass one.');
  if (flags.has('--header')) out.header = true;
  if (flags.has('--no-header')) out.header = false;
  if (flags.has('--row-names')) out.rowNames = true;
  if (flags.has('--no-row-names')) out.rowNames = false;
  if (v('--delimiter') !== undefined) {
    const names: Record<string, KMeansArgs['delimiter']> = {
      ',': ',',
      comma: ',',
      '\\t': '\t',
      '\t': '\t',
      tab: '\t',
      whitespace: 'whitespace',
      space: 'whitespace',
    };
    const dl = names[v('--delimiter')!];
    if (dl === undefined) throw new UsageError(`--delimiter expects comma, tab or whitespace; got '${v('--delimiter')}'.`);
    out.delimiter = dl;
  }
  if (v('--label-column') !== undefined) {
    const lc = v('--label-column')!;
    out.labelColumn = lc === 'last' ? 'last' : nonNegativeInt('--label-column', lc);
  }
  if (v('--skip-lines') !== undefined) out.skipLines = nonNegativeInt('--skip-lines', v('--skip-lines')!);
  if (v('--max-dense') !== undefined) {
    const m = v('--max-dense')!;
    const x = Number(m.replace(/_/g, ''));
    if (!Number.isSafeInteger(x) || x < 1) throw new UsageError(`--max-dense expects a positive number of entries (e.g. 2e8), got '${m}'.`);
    out.maxDense = x;
  }
  if (file === undefined) {
    const readerFlags = ['--delimiter', '--label-column', '--skip-lines', '--max-dense'].filter((f) => values.has(f));
    const readerSwitches = ['--header', '--no-header', '--row-names', '--no-row-names'].filter((f) => flags.has(f));
    const stray = [...readerFlags, ...readerSwitches];
    if (stray.length > 0) throw new UsageError(`${stray.join(', ')} only apply to an input FILE; the bundled dataset needs none.`);
  }
  return out;
}

function example(flag: string): string {
  const ex: Record<string, string> = {
    '--k': '10',
    '--backend': 'cpu',
    '--n-init': '10',
    '--max-iter': '300',
    '--tol': '1e-4',
    '--seed': '0',
    '--init': 'k-means++',
    '--out': 'labels.csv',
    '--delimiter': 'tab',
    '--label-column': 'last',
    '--skip-lines': '1',
    '--max-dense': '2e8',
  };
  return ex[flag] ?? 'VALUE';
}

export const HELP = `emgpu: clustering on the GPU through WebGPU, with a float64 CPU fallback.

Usage:
  emgpu kmeans [FILE] --k K [options]
  emgpu --help | --version

FILE is a matrix with one sample per row: .csv, .tsv or .txt (delimited text), or
.mtx (MatrixMarket, e.g. a 10x matrix.mtx: its columns, the cells, become the samples),
each optionally gzip-compressed (.gz). Without FILE, k-means runs on the bundled
scikit-learn digits (1797 images x 64 pixels, k = 10) and is scored against the true digits.

Options for kmeans:
  -k, --k K               number of clusters (required with FILE)
      --backend B         auto (default: WebGPU if available, else CPU), webgpu, wasm, reference (float64), cpu (= wasm)
      --n-init N|auto     restarts, best kept (default auto: 1 for k-means++, 10 for random)
      --max-iter N        iterations per restart (default 300)
      --tol X             convergence tolerance, relative to the mean feature variance (default 1e-4)
      --seed S            random seed, a non-negative integer (default 0)
      --init I            k-means++ (default) or random
  -o, --out FILE          write the labels as CSV (id,label)
      --json              print the result summary as JSON on stdout
  -q, --quiet             print nothing but errors (and --json output)
      --no-progress       no progress bar (it is shown only when stderr is a terminal)

Reading FILE:
      --delimiter D       comma, tab or whitespace (default: from the extension, else detected)
      --header, --no-header        the first line names the columns (default: detected)
      --row-names, --no-row-names  the first column names the rows (default: detected)
      --label-column C    split off column C (0-based, or 'last') as true labels and report
                          the adjusted Rand index and NMI against them
      --skip-lines N      skip N lines at the top of the file
      --max-dense N       refuse to densify a .mtx with more than N entries (default 5e7)

Exit status: 0 success, 1 error while running, 2 bad command line.
`;
