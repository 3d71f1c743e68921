/** Turning either backend's raw fit into the public, plain result objects. */
import { restartSpread } from '../core/restarts.js';
import { toRows } from '../data.js';
import type { GpuCounters, IterationRecord, KMeansResult, RestartSummary, SoftKMeansResult, Backend } from '../types.js';

export interface RawFit {
  n: number;
  d: number;
  k: number;
  centres: Float64Array;
  labels: ArrayLike<number>;
  inertia: number;
  nIter: number;
  converged: boolean;
  stopReason: 'labels' | 'tol' | 'maxIter';
  history: IterationRecord[];
  restarts: RestartSummary[];
  bestRestart: number;
  initMs: number;
  perIterMs: number;
  totalMs: number;
  relocations: number;
  backend: Backend;
  adapter: string;
  seed: number;
  gpu?: GpuCounters;
}

function sizes(labels: ArrayLike<number>, k: number): number[] {
  const out = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) out[labels[i]]++;
  return out;
}

function warningsOf(raw: RawFit, maxIter: number): string[] {
  const w: string[] = [];
  if (!raw.converged) {
    w.push(
      `Restart ${raw.bestRestart} did not converge within maxIter=${maxIter} iterations. ` +
        'Increase maxIter or tol, or check that the data are scaled.',
    );
  }
  if (raw.relocations > 0) {
    w.push(`${raw.relocations} empty cluster(s) were relocated during fitting; k may be larger than the data supports.`);
  }
  const s = sizes(raw.labels, raw.k);
  const empty = s.filter((v) => v === 0).length;
  if (empty > 0) w.push(`${empty} cluster(s) are empty in the final labels (duplicate points or k too large). Reduce k.`);
  return w;
}

export function kmeansResult(raw: RawFit, maxIter: number): KMeansResult {
  const res: KMeansResult = {
    model: 'kmeans',
    n: raw.n,
    d: raw.d,
    k: raw.k,
    labels: Array.from(raw.labels),
    centroids: toRows(raw.centres, raw.k, raw.d),
    inertia: raw.inertia,
    nIter: raw.nIter,
    converged: raw.converged,
    stopReason: raw.stopReason,
    clusterSizes: sizes(raw.labels, raw.k),
    history: raw.history,
    restarts: raw.restarts,
    restartSpread: restartSpread(raw.restarts, false),
    backend: raw.backend,
    adapter: raw.adapter,
    seed: raw.seed,
    timings: { totalMs: raw.totalMs, initMs: raw.initMs, perIterMs: raw.perIterMs },
    warnings: warningsOf(raw, maxIter),
  };
  if (raw.gpu) res.gpu = raw.gpu;
  return res;
}

export function softKMeansResult(
  raw: RawFit,
  maxIter: number,
  beta: number,
  objective: number,
  resp?: ArrayLike<number>,
): SoftKMeansResult {
  const base = kmeansResult(raw, maxIter);
  const res: SoftKMeansResult = {
    ...base,
    model: 'soft-kmeans',
    beta,
    objective,
    stopReason: raw.stopReason === 'maxIter' ? 'maxIter' : 'tol',
  };
  if (resp) res.responsibilities = Array.from(resp);
  return res;
}
