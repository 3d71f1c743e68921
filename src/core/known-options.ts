/**
 * Option names, checked once for every public function: an options object must be an object,
 * and a name the function does not know is refused (UNKNOWN_OPTION) with the nearest known name
 * ("n_init: did you mean nInit?"), instead of being ignored while the default silently applies.
 * Each API declares its names once with `optionNames<TheirOptions>({ ... })`, whose type makes
 * the list exactly the keys of the options type (a new option cannot be forgotten here).
 */
import { invalid } from '../errors.js';

/** The names of an options type, as a runtime list: the literal must name every key of T, and only those. */
export function optionNames<T>(all: { [K in keyof Required<T> & string]: true }): readonly string[] {
  return Object.keys(all);
}

// Other libraries' spellings that edit distance alone would not map (scikit-learn, scanpy, mclust).
// Looked up with Object.hasOwn: a caller's name like 'toString' or '__proto__' must not reach Object.prototype.
const ALIASES: Record<string, string[]> = {
  random_state: ['seed'],
  randomState: ['seed'],
  n_clusters: ['k'],
  nClusters: ['k'],
  n_components: ['k', 'nComps'],
  nComponents: ['k', 'nComps'],
  covariance_type: ['covariance'],
  covarianceType: ['covariance'],
  sample_weight: ['sampleWeight'],
  weights: ['sampleWeight'],
  max_iter: ['maxIter'],
  maxIters: ['maxIter'],
  iterations: ['maxIter'],
  n_iter: ['maxIter', 'nIter'],
  abortSignal: ['signal'],
  device: ['engine'],
};

const camel = (s: string): string => s.replace(/[_-]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());

/** Levenshtein distance (small strings: option names). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The known name the caller most likely meant, or null when none is close. */
export function suggestOption(name: string, known: readonly string[]): string | null {
  const alias = Object.hasOwn(ALIASES, name) ? ALIASES[name].find((a) => known.includes(a)) : undefined;
  if (alias) return alias;
  const c = camel(name);
  const lower = c.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === lower);
  if (exact) return exact;
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const dist = distance(lower, k.toLowerCase());
    if (dist < bestD) {
      bestD = dist;
      best = k;
    }
  }
  // Close enough to be a typo: at most 2 edits, and fewer than half the name.
  return best !== null && bestD <= Math.min(2, Math.floor(lower.length / 2)) ? best : null;
}

/**
 * Check an options argument: undefined is allowed only when no option is `required` (its name); anything but a
 * plain object (null, a number, an array…) and any unknown name is a typed error naming `fn`.
 */
export function checkOptionNames(options: unknown, known: readonly string[], fn: string, required?: string): void {
  if (options === undefined && !required) return;
  if (options === undefined || options === null || typeof options !== 'object' || Array.isArray(options)) {
    const got = options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options;
    throw invalid(
      'BAD_OPTION',
      required
        ? `Options are missing (got ${got}): ${fn} needs an options object with at least { ${required} }. Pass e.g. ${fn}(…, { ${required}: 3 }).`
        : `${fn}: options must be an object; got ${got}. Pass an object, or leave the argument out.`,
    );
  }
  for (const name of Object.keys(options)) {
    if (known.includes(name)) {
      checkValueKind(name, (options as Record<string, unknown>)[name], fn);
      continue;
    }
    const hint = suggestOption(name, known);
    throw invalid(
      'UNKNOWN_OPTION',
      `${fn}: unknown option '${name}'.${hint ? ` Did you mean '${hint}'?` : ''} Known options: ${known.join(', ')}.`,
    );
  }
}

/** Options that never take null (those that do, such as maxValue or pctMitoNmads, document what null means). */
const NO_NULL = ['k', 'seed', 'init', 'backend', 'nInit', 'maxIter', 'tol', 'covariance', 'regCovar', 'beta', 'threads', 'sampleWeight'];

/**
 * The kinds every API shares: callbacks (on…) are functions, a signal is an AbortSignal, and no
 * option takes a Symbol, a BigInt or (other than a callback) a function, which the validators'
 * comparisons and messages would otherwise meet as a TypeError.
 */
function checkValueKind(name: string, v: unknown, fn: string): void {
  if (v === undefined) return;
  // null is not "the default" (a JSON round trip turns NaN and undefined into null): refused where no option takes it.
  if (v === null && NO_NULL.includes(name)) {
    throw invalid('BAD_OPTION', `${fn}: ${name} is null. Leave ${name} out (or pass undefined) for the default, or give a value.`);
  }
  const callback = /^on[A-Z]/.test(name);
  if (typeof v === 'symbol' || typeof v === 'bigint' || (typeof v === 'function' && !callback)) {
    throw invalid(
      'BAD_OPTION',
      `${fn}: ${name} is a ${typeof v}, which no option accepts. Pass ${name} as documented (a number, a string or an array).`,
    );
  }
  if (callback && typeof v !== 'function') {
    throw invalid(
      'BAD_OPTION',
      `${fn}: ${name} must be a function; got ${v === null ? 'null' : typeof v}. Pass a callback, or leave it out.`,
    );
  }
  if (name === 'engine' && (v === null || typeof v !== 'object' || typeof (v as { check?: unknown }).check !== 'function')) {
    throw invalid(
      'BAD_OPTION',
      `${fn}: engine must be an engine from createEngine(); got ${v === null ? 'null' : typeof v}. Or pass backend: 'auto'.`,
    );
  }
  if (name === 'signal' && (v === null || typeof v !== 'object' || typeof (v as AbortSignal).aborted !== 'boolean')) {
    throw invalid(
      'BAD_OPTION',
      `${fn}: signal must be an AbortSignal (new AbortController().signal); got ${v === null ? 'null' : typeof v}.`,
    );
  }
}
