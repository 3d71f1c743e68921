/**
 * In-memory row sources: a CSR matrix or a dense row-major array seen through the RowSource
 * interface, so streaming code is tested against (and runs on) data that fits in memory with the
 * same chunking as a file would give.
 */
import { invalid } from '../errors.js';
import type { CsrMatrix } from '../sparse.js';
import type { CsrBlock, CsrSource, DenseBlock, DenseSource } from './types.js';

function checkRange(name: string, n: number, start: number, end: number, closed: boolean): void {
  if (closed) throw invalid('BAD_OPTION', `${name}: the source is closed. Open it again to read from it.`);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start > end)
    throw invalid('BAD_OPTION', `${name}: rows [${start}, ${end}) are not within [0, ${n}). Ask for 0 ≤ start ≤ end ≤ ${n}.`);
}

/** A CSR matrix as a source; blocks are copies (the caller's arrays are never handed out or written). */
export function csrSource(m: CsrMatrix, meta: { name?: string; genes?: string[]; cells?: string[] } = {}): CsrSource {
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
      for (let i = 0; i <= rows; i++) ip[i] = Number(indptr[start + i]) - a;
      const indices = new Uint32Array(b - a);
      const values = new Float32Array(b - a);
      for (let j = 0; j < b - a; j++) {
        indices[j] = Number(m.indices[a + j]);
        values[j] = Number(m.values[a + j]);
      }
      return { n: rows, d: m.d, nnz: b - a, indptr: ip, indices, values };
    },
    async close() {
      closed = true;
    },
  };
}

/** A dense row-major n × d array as a source; blocks are copies in the array's precision. */
export function denseSource(data: Float32Array | Float64Array, n: number, d: number, name = 'memory'): DenseSource {
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
