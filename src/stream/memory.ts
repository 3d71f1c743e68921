/**
 * In-memory row sources: a CSR matrix or a dense row-major array seen through the RowSource
 * interface, so streaming code is tested against (and runs on) data that fits in memory with the
 * same chunking as a file would give.
 */
import { invalid } from '../errors.js';
import type { CsrMatrix } from '../sparse.js';
import { badCsrEntry, checkCsrShape, checkDenseArgs, toNumber } from './check.js';
import type { CsrBlock, CsrSource, DenseBlock, DenseSource } from './types.js';

function checkRange(name: string, n: number, start: number, end: number, closed: boolean): void {
  if (closed) throw invalid('BAD_OPTION', `${name}: the source is closed. Open it again to read from it.`);
  if (
    typeof start !== 'number' ||
    typeof end !== 'number' ||
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    start < 0 ||
    end > n ||
    start > end
  )
    throw invalid('BAD_OPTION', `${name}: rows [${start}, ${end}) are not within [0, ${n}). Ask for 0 ≤ start ≤ end ≤ ${n}.`);
}

function checkMeta(meta: unknown, n: number, d: number): { name?: string; genes?: string[]; cells?: string[] } {
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta))
    throw invalid(
      'BAD_OPTION',
      `csrSource: meta must be an object { name?, genes?, cells? }; got ${meta === null ? 'null' : typeof meta}.`,
    );
  for (const [key, v] of Object.entries(meta)) {
    if (v === undefined) continue;
    if (key === 'name' ? typeof v !== 'string' : key !== 'genes' && key !== 'cells')
      throw invalid('BAD_OPTION', `csrSource: meta.${key} is not known or not a string name; meta takes name (a string), genes and cells.`);
    const want = key === 'genes' ? d : n;
    if (key !== 'name' && (!Array.isArray(v) || v.length !== want || v.some((s) => typeof s !== 'string')))
      throw invalid('SHAPE_MISMATCH', `csrSource: meta.${key} must be ${want} strings (one per ${key === 'genes' ? 'column' : 'row'}).`);
  }
  return meta as { name?: string; genes?: string[]; cells?: string[] };
}

/**
 * A CSR matrix as a source; blocks are copies (the caller's arrays are never handed out or written).
 * The shape is checked here; rows are checked as they are copied (order, column range, finite values).
 */
export function csrSource(m: CsrMatrix, meta: { name?: string; genes?: string[]; cells?: string[] } = {}): CsrSource {
  checkCsrShape(m, 'csrSource');
  checkMeta(meta, m.n, m.d);
  const name = meta.name ?? 'memory';
  let closed = false;
  const indptr = m.indptr;
  return {
    kind: 'csr',
    n: m.n,
    d: m.d,
    nnz: Number(indptr[m.n]),
    name,
    genes: meta.genes,
    cells: meta.cells,
    nnzIn: (start, end) => {
      checkRange(name, m.n, start, end, closed);
      return Number(indptr[end]) - Number(indptr[start]);
    },
    async readRows(start, end): Promise<CsrBlock> {
      checkRange(name, m.n, start, end, closed);
      const a = Number(indptr[start]);
      const b = Number(indptr[end]);
      const rows = end - start;
      const ip = new Uint32Array(rows + 1);
      // Checked before allocating: a bad middle offset must not size the block.
      if (!(Number.isSafeInteger(a) && Number.isSafeInteger(b) && a >= 0 && b >= a && b <= Number(indptr[m.n])))
        throw badCsrEntry(name, start, `indptr gives rows [${start}, ${end}) the entries [${a}, ${b})`);
      const indices = new Uint32Array(b - a);
      const values = new Float32Array(b - a);
      for (let i = 0; i < rows; i++) {
        const p = Number(indptr[start + i]);
        const q = Number(indptr[start + i + 1]);
        if (!(q >= p && q <= b)) throw badCsrEntry(name, start + i, `indptr goes from ${p} to ${q}`);
        ip[i] = p - a;
        for (let t = p; t < q; t++) {
          const j = toNumber(m.indices[t]);
          const v = toNumber(m.values[t]);
          if (!Number.isInteger(j) || j < 0 || j >= m.d || (t > p && j <= indices[t - a - 1]))
            throw badCsrEntry(name, start + i, `column ${String(j)} is not in [0, ${m.d}) or not above the previous one`);
          if (!Number.isFinite(v)) throw badCsrEntry(name, start + i, `value ${String(v)} is not a finite number`, 'NON_FINITE');
          indices[t - a] = j;
          values[t - a] = v;
        }
      }
      ip[rows] = b - a;
      return { n: rows, d: m.d, nnz: b - a, indptr: ip, indices, values };
    },
    async close() {
      closed = true;
    },
  };
}

/** A dense row-major n × d array as a source; blocks are copies in the array's precision. */
export function denseSource(data: Float32Array | Float64Array, n: number, d: number, name = 'memory'): DenseSource {
  checkDenseArgs(data, n, d, name);
  if (data.length !== n * d)
    throw invalid(
      'SHAPE_MISMATCH',
      `${name}: ${data.length} values are not ${n} rows × ${d} columns. Pass n and d of the row-major array.`,
    );
  let closed = false;
  return {
    kind: 'dense',
    n,
    d,
    name,
    async readRows(start, end): Promise<DenseBlock> {
      checkRange(name, n, start, end, closed);
      return { n: end - start, d, data: data.slice(start * d, end * d) };
    },
    async close() {
      closed = true;
    },
  };
}
