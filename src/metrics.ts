/**
 * External clustering scores: agreement between two labelings of the same samples.
 * Both follow scikit-learn 1.2 (adjusted_rand_score, normalized_mutual_info_score) formula for formula,
 * special cases included, so values match to rounding. Label values are arbitrary (any numbers or strings);
 * only which samples share a label matters.
 */
import { describeValue, isArrayLike } from './data.js';
import { invalid } from './errors.js';

type Labels = ArrayLike<number | string>;

interface Contingency {
  n: number;
  /** Row sums (per class of a), column sums (per class of b), non-zero cells. */
  rows: number[];
  cols: number[];
  cells: number[];
  /** Row and column index of each non-zero cell. */
  cellRow: number[];
  cellCol: number[];
}

function relabel(x: Labels, counts: number[], name: string): Int32Array {
  const ids = new Map<number | string, number>();
  const out = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v: unknown = x[i];
    // Labels are numbers or strings; null, booleans or objects are a sign of misaligned input.
    if (typeof v !== 'string' && (typeof v !== 'number' || Number.isNaN(v))) {
      throw invalid(
        'NON_NUMERIC',
        `${name}: label ${i} is ${typeof v === 'number' ? 'NaN' : describeValue(v)}; labels must be numbers or strings. Remove unlabelled samples from both labelings first.`,
      );
    }
    let id = ids.get(x[i]);
    if (id === undefined) {
      id = ids.size;
      ids.set(x[i], id);
      counts.push(0);
    }
    counts[id]++;
    out[i] = id;
  }
  return out;
}

function contingency(a: Labels, b: Labels, name: string): Contingency {
  if (!isArrayLike(a) || !isArrayLike(b)) {
    throw invalid('SHAPE_MISMATCH', `${name}: both labelings must be arrays of labels.`);
  }
  if (a.length !== b.length) {
    throw invalid(
      'SHAPE_MISMATCH',
      `${name}: the labelings have ${a.length} and ${b.length} samples; pass two labelings of the same samples.`,
    );
  }
  const rows: number[] = [];
  const cols: number[] = [];
  const ia = relabel(a, rows, name);
  const ib = relabel(b, cols, name);
  const nb = cols.length;
  // Sparse counts keyed by cell: k_a × k_b can be large when one side has many singleton clusters.
  const map = new Map<number, number>();
  for (let i = 0; i < ia.length; i++) {
    const key = ia[i] * nb + ib[i];
    map.set(key, (map.get(key) ?? 0) + 1);
  }
  const cells: number[] = [];
  const cellRow: number[] = [];
  const cellCol: number[] = [];
  for (const [key, v] of map) {
    cells.push(v);
    cellRow.push(Math.floor(key / nb));
    cellCol.push(key % nb);
  }
  return { n: a.length, rows, cols, cells, cellRow, cellCol };
}

function sumSquares(xs: number[]): bigint {
  let s = 0n;
  for (const x of xs) s += BigInt(x) * BigInt(x);
  return s;
}

/**
 * Adjusted Rand index: pair-counting agreement corrected for chance. 1 for identical partitions
 * (up to renaming), about 0 for independent ones, can be negative. Symmetric in its arguments.
 */
export function adjustedRandIndex(a: Labels, b: Labels): number {
  const c = contingency(a, b, 'adjustedRandIndex');
  // Pair confusion matrix in exact integers (counts reach n² ≈ 1e12 and beyond, past float64's exact range).
  const n = BigInt(c.n);
  const ss = sumSquares(c.cells);
  const tp = ss - n;
  const fp = sumSquares(c.cols) - ss;
  const fn = sumSquares(c.rows) - ss;
  const tn = n * n - fp - fn - ss;
  if (fn === 0n && fp === 0n) return 1.0;
  return (2.0 * Number(tp * tn - fn * fp)) / Number((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

function entropy(counts: number[], total: number): number {
  const nz = counts.filter((x) => x > 0);
  if (nz.length <= 1) return 0;
  const logTotal = Math.log(total);
  let h = 0;
  for (const x of nz) h -= (x / total) * (Math.log(x) - logTotal);
  return h;
}

export type NmiAverage = 'arithmetic' | 'geometric' | 'min' | 'max';

/**
 * Normalized mutual information: I(a; b) divided by a mean of H(a) and H(b) (arithmetic by default,
 * as scikit-learn). 1 for identical partitions, 0 for independent ones. Symmetric.
 */
export function normalizedMutualInfo(a: Labels, b: Labels, average: NmiAverage = 'arithmetic'): number {
  const c = contingency(a, b, 'normalizedMutualInfo');
  const ka = c.rows.length;
  const kb = c.cols.length;
  if ((ka === 1 && kb === 1) || (ka === 0 && kb === 0)) return 1.0;
  if (ka === 1 || kb === 1) return 0.0;
  const total = c.n;
  const logTotal = Math.log(total);
  let mi = 0;
  for (let t = 0; t < c.cells.length; t++) {
    const v = c.cells[t];
    const p = v / total;
    const outer = c.rows[c.cellRow[t]] * c.cols[c.cellCol[t]];
    // Same grouping as sklearn: p·(log v − log N) + p·(−log(a_i·b_j) + 2 log N), terms under eps zeroed.
    const term = p * (Math.log(v) - logTotal) + p * (-Math.log(outer) + logTotal + logTotal);
    if (Math.abs(term) >= Number.EPSILON) mi += term;
  }
  mi = Math.max(mi, 0);
  if (mi === 0) return 0.0;
  const ha = entropy(c.rows, total);
  const hb = entropy(c.cols, total);
  let norm: number;
  switch (average) {
    case 'arithmetic':
      norm = (ha + hb) / 2;
      break;
    case 'geometric':
      norm = Math.sqrt(ha * hb);
      break;
    case 'min':
      norm = Math.min(ha, hb);
      break;
    case 'max':
      norm = Math.max(ha, hb);
      break;
    default:
      throw invalid(
        'BAD_OPTION',
        `average=${typeof average === 'string' ? `'${average}'` : `(${typeof average})`} is not one of 'arithmetic', 'geometric', 'min', 'max'.`,
      );
  }
  return mi / norm;
}
