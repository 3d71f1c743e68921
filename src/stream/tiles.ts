/**
 * Regroup a pass's CSR chunks into tiles of a fixed number of rows, aligned at multiples of
 * `tileRows` from the first row. A computation that sums per-tile results in tile order then
 * gives the same bits whatever the chunking: chunks decide how rows are read, tiles decide how
 * they are summed.
 */
import { invalid } from '../errors.js';
import { checkBlock } from './block.js';
import type { CsrBlock } from './types.js';

/** Rows [a, b) of a block, renumbered from 0 (copies). */
export function sliceRows(blk: CsrBlock, a: number, b: number): CsrBlock {
  const p0 = blk.indptr[a];
  const p1 = blk.indptr[b];
  const indptr = new Uint32Array(b - a + 1);
  for (let i = a; i <= b; i++) indptr[i - a] = blk.indptr[i] - p0;
  return { n: b - a, d: blk.d, nnz: p1 - p0, indptr, indices: blk.indices.slice(p0, p1), values: blk.values.slice(p0, p1) };
}

/** Blocks stacked row-wise (all of the same width). */
export function concatRows(parts: CsrBlock[], d: number): CsrBlock {
  if (parts.length === 1) return parts[0];
  let n = 0;
  let nnz = 0;
  for (const b of parts) {
    n += b.n;
    nnz += b.nnz;
  }
  const indptr = new Uint32Array(n + 1);
  const indices = new Uint32Array(nnz);
  const values = new Float32Array(nnz);
  let r = 0;
  let q = 0;
  for (const b of parts) {
    for (let i = 1; i <= b.n; i++) indptr[r + i] = q + b.indptr[i];
    indices.set(b.indices.subarray(0, b.nnz), q);
    values.set(b.values.subarray(0, b.nnz), q);
    r += b.n;
    q += b.nnz;
  }
  return { n, d, nnz, indptr, indices, values };
}

/** Collects chunks (in row order, from row 0) and hands back whole tiles; `flush` gives the last, partial one. */
export class CsrTiler {
  private parts: CsrBlock[] = [];
  private rows = 0;
  private next = 0;

  constructor(
    readonly tileRows: number,
    readonly d: number,
  ) {
    // A tile of 0, negative, fractional or non-numeric rows never fills: push would loop forever.
    if (!(Number.isSafeInteger(tileRows) && tileRows >= 1))
      throw invalid('BAD_OPTION', `CsrTiler: tileRows=${String(tileRows)} is not a whole number >= 1. Pass the rows per tile, e.g. 4096.`);
    if (!(Number.isSafeInteger(d) && d >= 1))
      throw invalid('BAD_OPTION', `CsrTiler: d=${String(d)} is not a whole number >= 1. Pass the blocks' number of columns.`);
  }

  /** Append a chunk; returns the tiles it completed, each with its first row. */
  push(blk: CsrBlock): { start: number; tile: CsrBlock }[] {
    const n = (blk as Partial<CsrBlock> | null)?.n;
    if (!(Number.isSafeInteger(n) && (n as number) >= 0))
      throw invalid(
        'SHAPE_MISMATCH',
        `CsrTiler.push: got ${blk === null ? 'null' : typeof blk === 'object' ? `a block of n=${String(n)}` : typeof blk}. Pass a CSR block { n, d, nnz, indptr, indices, values }.`,
      );
    // Same check as every streamed read: shape n × d, offsets within the arrays, columns in [0, d), finite values.
    checkBlock({ kind: 'csr', d: this.d, name: 'CsrTiler.push' } as never, blk, 0, n as number);
    const out: { start: number; tile: CsrBlock }[] = [];
    let off = 0;
    while (off < blk.n) {
      const take = Math.min(this.tileRows - this.rows, blk.n - off);
      this.parts.push(off === 0 && take === blk.n ? blk : sliceRows(blk, off, off + take));
      this.rows += take;
      off += take;
      if (this.rows === this.tileRows) out.push(this.take());
    }
    return out;
  }

  flush(): { start: number; tile: CsrBlock } | null {
    return this.rows > 0 ? this.take() : null;
  }

  private take(): { start: number; tile: CsrBlock } {
    const tile = concatRows(this.parts, this.d);
    const start = this.next;
    this.next += this.rows;
    this.parts = [];
    this.rows = 0;
    return { start, tile };
  }
}
