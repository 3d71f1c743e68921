/**
 * Tokenising and value checks shared by every `emgpu` command (hand-rolled: no dependency), and the
 * options they all have. Errors are UsageError → one `error:` line and exit 2. The commands' option
 * tables are in commands.ts.
 */
import type { BackendChoice, CovarianceType } from '../types.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Kind = 'flag' | 'value';
/** A command's options: name → whether it takes a value, and an example value for error messages. */
export type OptionSpec = Record<string, { kind: Kind; example?: string }>;

export interface Tokens {
  values: Map<string, string>;
  flags: Set<string>;
  positionals: string[];
}

const SHORT: Record<string, string> = { '-k': '--k', '-o': '--out', '-q': '--quiet', '-h': '--help' };

/** A token that reads as a number (negative ones included): a value, never an option. */
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** Levenshtein distance, capped: only small distances matter for a suggestion. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The known name closest to `name`: the same once dashes, underscores and case are ignored, else within 2 edits. */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  const bare = (s: string) => s.replace(/[-_]/g, '').toLowerCase();
  const same = known.find((f) => bare(f) === bare(name));
  if (same) return same;
  let best: string | undefined;
  let bestD = 3;
  for (const f of known) {
    const dd = distance(bare(name), bare(f));
    if (dd < bestD) {
      bestD = dd;
      best = f;
    }
  }
  // Two edits on a 3-letter name is most of it: no suggestion then.
  return best !== undefined && bare(best).length > 2 * bestD ? best : undefined;
}

/** Split a command's arguments into option values, switches and positionals, refusing unknown or malformed options. */
export function tokenize(rest: readonly string[], spec: OptionSpec, command: string): Tokens {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--') {
      positionals.push(...rest.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || NUMBER.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = eq >= 0 ? arg.slice(0, eq) : arg;
    name = SHORT[name] ?? name;
    const opt = spec[name];
    if (opt === undefined) {
      const near = didYouMean(name, Object.keys(spec));
      throw new UsageError(`unknown option '${arg}'${near ? ` (did you mean ${near}?)` : ''}. See emgpu ${command} --help.`);
    }
    if (opt.kind === 'flag') {
      if (eq >= 0) throw new UsageError(`${name} takes no value; write just ${name}.`);
      flags.add(name);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = rest[i + 1];
      // "--k --json" is a forgotten value, not the value "--json"; "--seed -1" is the value -1 (refused by its check).
      if (value === undefined || (value.startsWith('-') && value !== '-' && !NUMBER.test(value))) value = undefined;
      else i++;
    }
    if (value === undefined || value === '') throw new UsageError(`${name} needs a value, e.g. ${name} ${opt.example ?? 'VALUE'}.`);
    if (values.has(name) && values.get(name) !== value)
      throw new UsageError(`${name} is given twice ('${values.get(name)}' and '${value}'); pass it once.`);
    values.set(name, value);
  }
  return { values, flags, positionals };
}

export function positiveInt(flag: string, v: string): number {
  if (!/^\+?\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
    throw new UsageError(`${flag} expects a positive integer, got '${v}'.`);
  }
  return Number(v);
}

export function nonNegativeInt(flag: string, v: string): number {
  if (!/^\+?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw new UsageError(`${flag} expects a non-negative integer, got '${v}'.`);
  }
  return Number(v);
}

/** A finite number; `min` is exclusive when `open`. */
export function number(flag: string, v: string, min: number, open: boolean, example: string): number {
  const x = Number(v);
  if (!NUMBER.test(v.trim()) || !Number.isFinite(x) || (open ? x <= min : x < min)) {
    throw new UsageError(`${flag} expects a number ${open ? '>' : '>='} ${min} (e.g. ${example}), got '${v}'.`);
  }
  return x;
}

export function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`${flag} expects one of ${allowed.join(', ')}; got '${v}'.`);
  }
  return v as T;
}

/** Candidate k values: "2..10", "2-10" or "2,3,5,8" (positive integers, each once). */
export function kList(flag: string, v: string): number[] {
  const range = /^(\d+)(?:\.\.|-)(\d+)$/.exec(v);
  let ks: number[];
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (a < 1 || b < a || b - a > 1000) throw new UsageError(`${flag} expects a range LOW..HIGH with 1 <= LOW <= HIGH, got '${v}'.`);
    ks = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  } else {
    ks = v.split(',').map((s) => positiveInt(flag, s.trim()));
    if (new Set(ks).size !== ks.length) throw new UsageError(`${flag} lists a k twice in '${v}'; list each once.`);
  }
  return ks;
}

export const BACKENDS = ['auto', 'webgpu', 'wasm', 'reference', 'cpu'] as const;
export const COVARIANCES: readonly CovarianceType[] = ['full', 'diag', 'tied', 'spherical'];

/** Options every command has. */
export interface CommonArgs {
  backend: BackendChoice;
  seed?: number;
  out?: string;
  json: boolean;
  quiet: boolean;
  progress: boolean;
  nInit?: number | 'auto';
  maxIter?: number;
  tol?: number;
}

export function commonArgs(t: Tokens): CommonArgs {
  const val = (f: string) => t.values.get(f);
  const out: CommonArgs = {
    backend: oneOf('--backend', val('--backend') ?? 'auto', BACKENDS),
    json: t.flags.has('--json'),
    quiet: t.flags.has('--quiet'),
    progress: !t.flags.has('--no-progress'),
  };
  const nInit = val('--n-init');
  if (nInit !== undefined) out.nInit = nInit === 'auto' ? 'auto' : positiveInt('--n-init', nInit);
  if (val('--max-iter') !== undefined) out.maxIter = positiveInt('--max-iter', val('--max-iter')!);
  if (val('--tol') !== undefined) out.tol = number('--tol', val('--tol')!, 0, false, '1e-4');
  if (val('--seed') !== undefined) out.seed = nonNegativeInt('--seed', val('--seed')!);
  if (val('--out') !== undefined) out.out = val('--out');
  return out;
}
