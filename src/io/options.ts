/**
 * The loaders' option names and kinds, checked on entry like every other public function's
 * (core/known-options.ts: unknown names refused with "did you mean", callbacks must be functions,
 * a signal must be an AbortSignal). The value rules the loaders share are here too.
 */
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { describeValue } from '../data.js';
import { invalid } from '../errors.js';
import type { LoadOptions } from './types.js';

const LOAD = optionNames<LoadOptions>({ onProgress: true, onEstimate: true, maxBytes: true, signal: true, timeoutMs: true });

export const LOADER_OPTIONS = {
  h5ad: [...LOAD, 'matrix', 'obs', 'obsm', 'mount'],
  tenx: [...LOAD, 'geneExpressionOnly'],
  tenxH5: [...LOAD, 'genome', 'geneExpressionOnly'],
  mtxCsr: [...LOAD, 'transpose', 'label', 'onHeader'],
  delimited: ['delimiter', 'header', 'rowNames', 'labelColumn', 'skipLines', 'source', 'maxBytes'],
  mtxDense: ['maxDenseEntries', 'transpose', 'source'],
} as const;

const KINDS: Record<string, (v: unknown) => boolean> = {
  geneExpressionOnly: (v) => typeof v === 'boolean',
  transpose: (v) => typeof v === 'boolean',
  mount: (v) => typeof v === 'boolean',
  genome: (v) => typeof v === 'string',
  label: (v) => typeof v === 'string',
  source: (v) => typeof v === 'string',
  matrix: (v) => typeof v === 'string',
  obs: (v) => typeof v === 'boolean' || (Array.isArray(v) && v.every((x) => typeof x === 'string')),
  obsm: (v) => typeof v === 'boolean' || (Array.isArray(v) && v.every((x) => typeof x === 'string')),
};

const WANT: Record<string, string> = {
  geneExpressionOnly: 'true or false',
  transpose: 'true or false',
  mount: 'true or false',
  genome: 'a string (the genome name)',
  label: 'a string',
  source: 'a string',
  matrix: "a string ('auto', 'X', 'raw/X' or 'layers/<name>')",
  obs: 'true, false or a list of column names',
  obsm: 'true, false or a list of names',
};

/** Check a loader's options: names (with a did-you-mean), callbacks, the signal, and the kinds of the shared fields. */
export function checkLoaderOptions(options: unknown, known: readonly string[], fn: string): void {
  checkOptionNames(options, known, fn);
  if (options === undefined) return;
  for (const [name, v] of Object.entries(options as Record<string, unknown>)) {
    if (v === undefined) continue;
    const ok = KINDS[name];
    if (Object.hasOwn(KINDS, name) && !ok(v)) throw invalid('BAD_OPTION', `${fn}: ${name} must be ${WANT[name]}; got ${describeValue(v)}.`);
  }
}
