/**
 * A row/column subset of a CSR source, read on the fly: the kept cells × kept genes of a filtered
 * dataset without copying it. Row i of the view is row `rows[i]` of the source, with only the
 * columns in `cols` (renumbered to their position in `cols`, which must ascend so entries stay in
 * column order). Model-free: the pipeline decides what to keep, the view only reads.
 *
 * A block of the view reads one contiguous span of the source (rows[start] .. rows[end − 1]), so
 * when most rows are dropped a read takes more memory than the view's block; `nnzIn` is exact once
 * the pipeline passes `rowNnz` (entries per kept row over kept columns), and an upper bound (the
 * source's entries in those rows) until then.
 */
import { invalid } from '../errors.js';
import type { CsrBlock, CsrSource } from './types.js';
import { readChecked } from './block.js';
import { checkSource } from './check.js';

export interface SubsetOptions {
  /** Source rows to keep, ascending (default all). */
  rows?: Uint32Array;
  /** Source columns to keep, ascending (default all). */
  cols?: Uint32Array;
  /** Stored entries of each kept row over the kept columns, when known (makes nnz and nnzIn exact). */
  rowNnz?: ArrayLike<number>;
  name?: string;
}

function ascending(a: Uint32Array, limit: number, what: string): void {
  for (let i = 0; i < a.length; i++)
    if (!(a[i] < limit) || (i > 0 && a[i] <= a[i - 1]))
      throw invalid('BAD_OPTION', `subsetSource: ${what} must be distinct ascending indices below ${limit}; entry ${i} is ${a[i]}.`);
}

/** The kept rows × kept columns of `source`, as a CsrSource (closing the view leaves the source open). */
const SUBSET_OPTIONS = ['rows', 'cols', 'rowNnz', 'name'];

function checkArgs(source: CsrSource, o: SubsetOptions): void {
  checkSource(source, 'subsetSource');
  if (source.kind !== 'csr' || typeof source.readRows !== 'function' || typeof source.nnzIn !== 'function')
    throw invalid(
      'BAD_OPTION',
      `subsetSource: ${String(source.name)} is not a CSR source (kind 'csr' with readRows and nnzIn). Subset dense rows in memory instead.`,
    );
  if (o === null || typeof o !== 'object' || Array.isArray(o))
    throw invalid(
      'BAD_OPTION',
      `subsetSource: options must be an object { rows?, cols?, rowNnz?, name? }; got ${o === null ? 'null' : typeof o}.`,
    );
  for (const key of Object.keys(o))
    if (!SUBSET_OPTIONS.includes(key))
      throw invalid('UNKNOWN_OPTION', `subsetSource: unknown option '${key}'. Known options: ${SUBSET_OPTIONS.join(', ')}.`);
  for (const key of ['rows', 'cols'] as const)
    if (o[key] !== undefined && !(o[key] instanceof Uint32Array))
      throw invalid('BAD_OPTION', `subsetSource: ${key} must be a Uint32Array of ascending indices; pass Uint32Array.from(yourList).`);
  if (o.name !== undefined && typeof o.name !== 'string') throw invalid('BAD_OPTION', 'subsetSource: name must be a string.');
  if (o.rowNnz !== undefined) {
    const r = o.rowNnz;
    if (r === null || typeof r !== 'object' || typeof r.length !== 'number')
      throw invalid('BAD_OPTION', 'subsetSource: rowNnz must be an array of entry counts, one per kept row.');
    for (let i = 0; i < r.length; i++)
      if (!Number.isSafeInteger(r[i]) || r[i] < 0)
        throw invalid('BAD_OPTION', `subsetSource: rowNnz[${i}] is ${String(r[i])}; entry counts are whole numbers ≥ 0.`);
  }
}

export function subsetSource(source: CsrSource, o: SubsetOptions = {}): CsrSource {
  checkArgs(source, o);
  const rows = o.rows;
  const cols = o.cols;
  if (rows) ascending(rows, source.n, 'rows');
  if (cols) ascending(cols, source.d, 'cols');
  const n = rows ? rows.length : source.n;
  const d = cols ? cols.length : source.d;
  const colmap = cols ? new Int32Array(source.d).fill(-1) : null;
  if (cols && colmap) cols.forEach((g, c) => (colmap[g] = c));
  if (o.rowNnz && o.rowNnz.length !== n)
    throw invalid('SHAPE_MISMATCH', `subsetSource: rowNnz has ${o.rowNnz.length} entries for ${n} kept rows. Pass one per kept row.`);
  // Prefix sums of the entries per kept row: exact with rowNnz, else the source's (an upper bound when columns are dropped).
  let prefix: Float64Array | null = null;
  if (o.rowNnz) {
    prefix = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + o.rowNnz[i];
  } else if (rows) {
    prefix = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + source.nnzIn(rows[i], rows[i] + 1);
  }
  const name = o.name ?? `${source.name} (subset)`;
  let closed = false;
  const check = (start: number, end: number) => {
    if (closed) throw invalid('BAD_OPTION', `${name}: the view is closed. Make a new view to read from it.`);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start > end)
      throw invalid('BAD_OPTION', `${name}: rows [${start}, ${end}) are not within [0, ${n}). Ask for 0 ≤ start ≤ end ≤ ${n}.`);
  };
  return {
    kind: 'csr',
    n,
    d,
    nnz: prefix ? prefix[n] : source.nnz,
    name,
    ...(source.genes ? { genes: cols ? Array.from(cols, (g) => source.genes![g]) : source.genes } : {}),
    ...(source.cells ? { cells: rows ? Array.from(rows, (r) => source.cells![r]) : source.cells } : {}),
    nnzIn(start, end) {
      check(start, end);
      return prefix ? prefix[end] - prefix[start] : source.nnzIn(start, end);
    },
    async readRows(start, end, signal): Promise<CsrBlock> {
      check(start, end);
      if (start === end) return { n: 0, d, nnz: 0, indptr: new Uint32Array(1), indices: new Uint32Array(0), values: new Float32Array(0) };
      const a = rows ? rows[start] : start;
      const b = rows ? rows[end - 1] + 1 : end;
      const blk = await readChecked(source, a, b, signal);
      const m = end - start;
      const indptr = new Uint32Array(m + 1);
      // Count first so the output arrays are allocated once at their size.
      let total = 0;
      for (let i = 0; i < m; i++) {
        const r = (rows ? rows[start + i] : start + i) - a;
        if (colmap) for (let p = blk.indptr[r]; p < blk.indptr[r + 1]; p++) total += colmap[blk.indices[p]] >= 0 ? 1 : 0;
        else total += blk.indptr[r + 1] - blk.indptr[r];
      }
      const indices = new Uint32Array(total);
      const values = new Float32Array(total);
      let q = 0;
      for (let i = 0; i < m; i++) {
        const r = (rows ? rows[start + i] : start + i) - a;
        for (let p = blk.indptr[r]; p < blk.indptr[r + 1]; p++) {
          const c = colmap ? colmap[blk.indices[p]] : blk.indices[p];
          if (c < 0) continue;
          indices[q] = c;
          values[q++] = blk.values[p];
        }
        indptr[i + 1] = q;
      }
      return { n: m, d, nnz: total, indptr, indices, values };
    },
    async close() {
      closed = true;
    },
  };
}
