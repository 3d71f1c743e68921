/**
 * A shard's rows as the models take them: a dense block (or a CSR block densified) as a validated
 * float64 Dataset for k-means and the GMM, a CSR or dense block as validated Counts for the NB
 * mixture. The one place a block crosses the data boundary (src/data.ts, nbmm/counts.ts).
 */
import { toDataset, type Dataset } from '../data.js';
import { invalid } from '../errors.js';
import { toCounts, type Counts } from '../nbmm/counts.js';
import type { CsrMatrix } from '../sparse.js';
import { badCsrEntry, checkCsrShape } from '../stream/check.js';
import type { DenseBlock } from '../stream/types.js';

/** What a shard function accepts: a row source's block (CSR or dense). */
export type ShardBlock = CsrMatrix | DenseBlock;

function isCsr(b: ShardBlock): b is CsrMatrix {
  return typeof b === 'object' && b !== null && 'indptr' in b && 'indices' in b && 'values' in b;
}

function checkBlock(b: unknown): asserts b is ShardBlock {
  if (b == null || typeof b !== 'object' || !('n' in b) || !('d' in b) || !('data' in b || 'indptr' in b))
    throw invalid(
      'BAD_OPTION',
      'The shard is not a block of rows. Pass what a row source reads: { n, d, data } (dense, row-major) or { n, d, indptr, indices, values } (CSR).',
    );
}

/** The block as a validated float64 dataset (CSR blocks densified: k-means and GMM blocks are dense work anyway). */
export function blockDataset(b: ShardBlock): Dataset {
  checkBlock(b);
  if (!isCsr(b)) return toDataset({ data: b.data, n: b.n, d: b.d }, 'The shard');
  const { n, d } = b;
  checkCsrEntries(b);
  if (n * d > MAX_DENSE_VALUES)
    throw invalid(
      'BUFFER_LIMIT',
      `The shard is ${n} × ${d}; densified for this model it would take ${((n * d * 8) / 1e9).toFixed(1)} GB, above the ${(MAX_DENSE_VALUES * 8) / 2 ** 30} GiB allowed. Pass fewer rows per shard (chunkRows) or fewer columns.`,
    );
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let p = Number(b.indptr[i]); p < Number(b.indptr[i + 1]); p++) x[i * d + Number(b.indices[p])] += Number(b.values[p]);
  return toDataset({ data: x, n, d }, 'The shard');
}

/** The most values a densified CSR shard may hold: 2^28 float64, 2 GiB. */
const MAX_DENSE_VALUES = 2 ** 28;

/** A CSR shard's structure (offsets within the arrays, non-decreasing; columns in [0, d)) before it is densified. */
function checkCsrEntries(b: CsrMatrix): void {
  checkCsrShape(b, 'The shard');
  for (let i = 0; i < b.n; i++) {
    const p0 = Number(b.indptr[i]);
    const p1 = Number(b.indptr[i + 1]);
    if (!(p1 >= p0)) throw badCsrEntry('The shard', i, `indptr goes back (${p0} → ${p1})`);
    for (let p = p0; p < p1; p++) {
      const j = Number(b.indices[p]);
      if (!(Number.isInteger(j) && j >= 0 && j < b.d))
        throw badCsrEntry('The shard', i, `column ${String(b.indices[p])} is outside [0, ${b.d})`);
    }
  }
}

/** The block as validated counts (cells × genes). */
export function blockCounts(b: ShardBlock): Counts {
  checkBlock(b);
  return toCounts(isCsr(b) ? b : { data: b.data, n: b.n, d: b.d });
}
