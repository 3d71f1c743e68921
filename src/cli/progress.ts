/** A one-line progress bar for a terminal, redrawn in place with \r. Only used when stderr is a TTY. */
import type { IterationRecord } from '../types.js';

export interface ProgressSink {
  write(s: string): unknown;
  columns?: number;
}

export class ProgressBar {
  private last = 0;
  private lastRestart = -1;
  private drawn = false;

  /**
   * @param restarts total restarts when known (else the bar counts within a restart only)
   * @param maxIter iteration cap per restart: the bar's scale, since convergence time is unknown
   */
  constructor(
    private readonly sink: ProgressSink,
    private readonly restarts: number | undefined,
    private readonly maxIter: number,
    private readonly intervalMs = 80,
    private readonly now: () => number = () => performance.now(),
    private readonly objectiveName = 'inertia',
  ) {}

  /** A free-form status line (a pipeline stage, a k of a sweep), drawn in the same place. */
  status(text: string): void {
    const cols = this.sink.columns ?? 100;
    this.sink.write(`\r${text.length > cols - 1 ? text.slice(0, Math.max(cols - 1, 0)) : text}\x1b[K`);
    this.drawn = true;
    this.lastRestart = -1;
  }

  update(info: IterationRecord): void {
    const t = this.now();
    // Throttle: redrawing on every iteration of a fast fit would cost more than the fit.
    if (info.restart === this.lastRestart && t - this.last < this.intervalMs) return;
    this.last = t;
    this.lastRestart = info.restart;
    this.sink.write(`\r${this.render(info)}\x1b[K`);
    this.drawn = true;
  }

  render(info: IterationRecord): string {
    const width = 24;
    const within = Math.min(info.iter / this.maxIter, 1);
    const frac = this.restarts ? Math.min((info.restart + within) / this.restarts, 1) : within;
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const restart = this.restarts ? `restart ${info.restart + 1}/${this.restarts}` : `restart ${info.restart + 1}`;
    const changed = info.changed !== undefined ? `  changed ${info.changed}` : '';
    const line = `[${bar}] ${restart}  iter ${info.iter}  ${this.objectiveName} ${formatNumber(info.objective)}${changed}`;
    const cols = this.sink.columns ?? 100;
    return line.length > cols - 1 ? line.slice(0, Math.max(cols - 1, 0)) : line;
  }

  /** Erase the line so the summary starts clean. */
  done(): void {
    if (this.drawn) this.sink.write('\r\x1b[K');
    this.drawn = false;
  }
}

/** Compact display of an objective value: 6 significant digits, exponent when large or tiny. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e7 || a < 1e-3)) return x.toExponential(5);
  return Number(x.toPrecision(7)).toString();
}
