import { describe, expect, it } from 'vitest';
import { chunkRanges, csrSource, denseSource, forEachChunk } from '../../src/stream/index.js';

// A 5×4 CSR matrix with an empty row (row 2), written out by hand.
const m = {
  n: 5,
  d: 4,
  indptr: [0, 2, 3, 3, 5, 6],
  indices: [0, 3, 1, 0, 2, 3],
  values: [1, 2, 3, 4, 5, 6],
};

describe('row sources and passes', () => {
  it('chunkRanges covers every row once, in order, with the given chunk size', () => {
    expect(chunkRanges(csrSource(m), { chunkRows: 2 })).toEqual([
      { index: 0, start: 0, end: 2 },
      { index: 1, start: 2, end: 4 },
      { index: 2, start: 4, end: 5 },
    ]);
  });

  it('chunkRanges sizes chunks from the byte budget: 8 bytes per stored entry + 4 per row', () => {
    // 6 entries over 5 rows: 4 + 8·6/5 = 13.6 bytes a row, so 30 bytes hold 2 rows.
    expect(chunkRanges(csrSource(m), { chunkBytes: 30 }).map((r) => r.end - r.start)).toEqual([2, 2, 1]);
  });

  it('a CSR source returns rows renumbered from 0, and nnzIn counts from the row index', async () => {
    const s = csrSource(m);
    const b = await s.readRows(1, 4);
    expect([...b.indptr]).toEqual([0, 1, 1, 3]);
    expect([...b.indices]).toEqual([1, 0, 2]);
    expect([...b.values]).toEqual([3, 4, 5]);
    expect(b.nnz).toBe(3);
    expect(s.nnzIn(0, 5)).toBe(6);
    await s.close();
    await expect(s.readRows(0, 1)).rejects.toMatchObject({ code: 'BAD_OPTION' });
  });

  it('forEachChunk reports progress after each chunk and stops at an aborted signal', async () => {
    const s = denseSource(new Float64Array([1, 2, 3, 4, 5, 6]), 3, 2);
    const seen: number[] = [];
    const progress: number[] = [];
    await forEachChunk(s, 'sum', { chunkRows: 2, onProgress: (p) => progress.push(p.rowsDone) }, (b) => {
      seen.push(Array.from(b.data).reduce((a, v) => a + v, 0));
    });
    expect(seen).toEqual([10, 11]);
    expect(progress).toEqual([2, 3]);
    const ac = new AbortController();
    const run = forEachChunk(s, 'sum', { chunkRows: 1, signal: ac.signal }, () => ac.abort());
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('refuses out-of-range rows and bad chunk options with typed errors', async () => {
    const s = csrSource(m);
    await expect(s.readRows(3, 6)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    expect(() => chunkRanges(s, { chunkRows: 0 })).toThrow(/chunkRows/);
    expect(() => denseSource(new Float32Array(5), 2, 3)).toThrow(/rows/);
  });
});
