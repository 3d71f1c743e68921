/** What the commands share for output: CSV files, system-error messages, aligned summaries, the progress line. */
import { writeFileSync } from 'node:fs';
import { EmgpuError } from '../errors.js';
import type { IterationRecord } from '../types.js';
import type { CommonArgs } from './commands.js';
import { ProgressBar } from './progress.js';

export interface Writable {
  write(s: string): unknown;
}
export type ErrStream = Writable & { isTTY?: boolean; columns?: number };

/** A Node system error (ENOENT, EACCES, ...) rather than a bug. */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return (
    e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string'
  );
}

export function systemMessage(e: NodeJS.ErrnoException, verb: string, path: string): string {
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
  };
  return `cannot ${verb} '${path}': ${why[e.code ?? ''] ?? e.message}`;
}

/** Write a file, turning a system error into an EmgpuError that names the path. */
export function writeOut(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    if (isSystemError(e)) throw new EmgpuError('FILE_FORMAT', systemMessage(e, 'write', path));
    throw e;
  }
}

function csvField(x: string | number): string {
  const s = String(x);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(header: readonly string[], rows: Iterable<readonly (string | number)[]>): string {
  const lines = [header.map(csvField).join(',')];
  for (const r of rows) lines.push(r.map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}

/** Labels with their maximum posterior (1 for a hard assignment), one row per sample. */
export function labelsCsv(ids: ArrayLike<string> | undefined, labels: ArrayLike<number>, maxPosterior?: ArrayLike<number>): string {
  const rows = Array.from({ length: labels.length }, (_, i) => {
    const row: (string | number)[] = [ids ? ids[i] : i, labels[i]];
    if (maxPosterior) row.push(Number(maxPosterior[i].toPrecision(6)));
    return row;
  });
  return csv(maxPosterior ? ['id', 'label', 'max_posterior'] : ['id', 'label'], rows);
}

/** Row maxima of n rows of k probabilities (nested or row-major flat). */
export function rowMax(p: ArrayLike<ArrayLike<number>> | ArrayLike<number>, n: number, k: number): Float64Array {
  const out = new Float64Array(n);
  const flat = typeof (p as ArrayLike<number>)[0] === 'number';
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let c = 0; c < k; c++) {
      const x = flat ? (p as ArrayLike<number>)[i * k + c] : (p as ArrayLike<ArrayLike<number>>)[i][c];
      if (x > m) m = x;
    }
    out[i] = m;
  }
  return out;
}

export function ms(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 2 : 0)} ms`;
}

/** "  name   value" lines, names padded to one width. */
export function table(title: string, rows: [string, string][]): string {
  const w = Math.max(...rows.map(([a]) => a.length));
  return `${title}\n${rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`).join('\n')}\n`;
}

/** The progress line: only on a terminal, never with --quiet or --no-progress. */
export function progressFor(
  args: CommonArgs,
  stderr: ErrStream,
  restarts: number,
  maxIter: number,
  objectiveName: string,
): ProgressBar | undefined {
  if (args.quiet || !args.progress || stderr.isTTY !== true) return undefined;
  return new ProgressBar(stderr, restarts, maxIter, 80, () => performance.now(), objectiveName);
}

/** onIteration for a fit: the bar's update, or nothing. */
export function onIterationOf(bar: ProgressBar | undefined): { onIteration?: (info: IterationRecord) => void } {
  return bar ? { onIteration: (info) => bar.update(info) } : {};
}
