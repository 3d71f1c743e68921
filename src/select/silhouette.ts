/**
 * The silhouette (Rousseeuw 1987) of a partition, on a seeded subsample, in float64 on the host
 * CPU: O(m²·d) for m sampled rows (m = 1000 by default costs ~5·10⁷ multiply-adds on 50 PCs,
 * well under a second). It is not on the GPU: at this m the transfer and dispatch would cost
 * more than the arithmetic saves.
 */
import { Rng } from '../core/rng.js';
import { abortCheckpoint } from '../core/yield.js';
import { invalid } from '../errors.js';
import { intAtLeast, numbers } from './check.js';

/** The rows of the subsample: all rows when sampleSize ≥ n, else sampleSize of them drawn without replacement. */
/** The most rows a silhouette is measured on (its distances are O(m²)). */
export const MAX_SILHOUETTE_ROWS = 100_000;

export function subsampleRows(n: number, sampleSize: number, seed: number): number[] {
  intAtLeast(n, 1, 'subsampleRows', 'n');
  // One row has no silhouette (no second row to measure from).
  intAtLeast(sampleSize, 2, 'subsampleRows', 'sampleSize');
  intAtLeast(seed, 0, 'subsampleRows', 'seed');
  // The silhouette costs O(m²) distances: past 100,000 rows it would not finish, nor fit in memory.
  if (sampleSize > MAX_SILHOUETTE_ROWS || n > 2 ** 32)
    throw invalid(
      'BAD_OPTION',
      `subsampleRows: sampleSize=${sampleSize} (n=${n}) is more than the silhouette can measure (at most ${MAX_SILHOUETTE_ROWS} rows of at most 2^32). Pass a smaller sampleSize.`,
    );
  if (sampleSize >= n) return Array.from({ length: n }, (_, i) => i);
  // Stream 0x51 keeps the subsample independent of the fits' restart streams (1, 2, …).
  return new Rng(seed, 0x51).sample(n, sampleSize).sort((a, b) => a - b);
}

/**
 * Mean silhouette of the rows `rows` of x (n×d row-major, Euclidean) under `labels`, computed
 * among those rows only, as scikit-learn's silhouette_score(X[rows], labels[rows]): for row i,
 * a = mean distance to the other rows of its cluster, b = the smallest mean distance to the rows
 * of another cluster, s = (b − a)/max(a, b), and s = 0 in a cluster of one. NaN when the rows
 * span fewer than 2 clusters.
 */
export function silhouetteOfRows(x: ArrayLike<number>, d: number, labels: ArrayLike<number>, rows: number[]): number {
  const steps = silhouetteSteps(x, d, labels, rows);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * silhouetteOfRows with abort: yields to the event loop (core/yield.ts abortCheckpoint) between
 * rows of the O(m²) distance loop, so an abort lands within a few ms; same value, same bits.
 */
export async function silhouetteOfRowsAsync(
  x: ArrayLike<number>,
  d: number,
  labels: ArrayLike<number>,
  rows: number[],
  signal: AbortSignal | undefined,
): Promise<number> {
  const steps = silhouetteSteps(x, d, labels, rows);
  const last = { t: performance.now() };
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await abortCheckpoint(signal, last);
  }
}

/** The silhouette computation, pausing (yield) after each row of the distance loop. */
function* silhouetteSteps(x: ArrayLike<number>, d: number, labels: ArrayLike<number>, rows: number[]): Generator<void, number> {
  const fn = 'silhouetteOfRows';
  intAtLeast(d, 1, fn, 'd');
  const lab0 = numbers(labels, fn, 'labels');
  const n = lab0.length;
  numbers(x, fn, 'x', n * d);
  if (!Array.isArray(rows) || rows.length < 1) throw invalid('BAD_OPTION', `${fn}: rows must be a non-empty array of row indices.`);
  for (const r of rows)
    if (!Number.isInteger(r) || r < 0 || r >= n)
      throw invalid('BAD_OPTION', `${fn}: row ${String(r)} is not a row of the ${n} labelled rows. Pass indices in 0..${n - 1}.`);
  const m = rows.length;
  const lab = rows.map((i) => labels[i]);
  const ids = [...new Set(lab)].sort((a, b) => a - b);
  if (ids.length < 2) return Number.NaN;
  const slot = new Map(ids.map((v, j) => [v, j]));
  const c = lab.map((v) => slot.get(v)!);
  const count = new Array<number>(ids.length).fill(0);
  for (const j of c) count[j]++;
  const sums = new Float64Array(m * ids.length);
  const pts = new Float64Array(m * d);
  rows.forEach((r, i) => {
    for (let t = 0; t < d; t++) pts[i * d + t] = x[r * d + t];
  });
  for (let i = 0; i < m; i++) {
    for (let l = i + 1; l < m; l++) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const v = pts[i * d + t] - pts[l * d + t];
        s += v * v;
      }
      const dist = Math.sqrt(s);
      sums[i * ids.length + c[l]] += dist;
      sums[l * ids.length + c[i]] += dist;
    }
    yield;
  }
  let total = 0;
  for (let i = 0; i < m; i++) {
    const own = c[i];
    if (count[own] < 2) continue;
    const a = sums[i * ids.length + own] / (count[own] - 1);
    let b = Infinity;
    for (let j = 0; j < ids.length; j++) if (j !== own) b = Math.min(b, sums[i * ids.length + j] / count[j]);
    const den = Math.max(a, b);
    total += den > 0 ? (b - a) / den : 0;
  }
  return total / m;
}
