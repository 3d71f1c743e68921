/** The WebGPU UMAP layout's chunk plan (src/backends/webgpu/umap-chunks.ts), on hand-made CSR offsets. */
import { describe, expect, it } from 'vitest';
import { layoutChunks } from '../../src/backends/webgpu/umap-chunks.js';

describe('the UMAP layout chunk plan', () => {
  // 10 vertices with 0, 1, …, 9 edges: offsets 0, 0, 1, 3, 6, 10, 15, 21, 28, 36, 45.
  const indptr = Uint32Array.from({ length: 11 }, (_, i) => (i * (i - 1)) / 2);

  it('keeps everything in one chunk when it fits one binding', () => {
    expect(layoutChunks(indptr, 10, 2, 1 << 20)).toEqual({
      posRows: 10,
      posChunks: 1,
      vertexChunks: [{ v0: 0, rows: 10, e0: 0, edges: 45, pos: 0 }],
    });
  });

  it('cuts vertex chunks where the next vertex’s edges would overflow a 96-byte binding (8 edges of 12 bytes), inside position chunks', () => {
    // 96 bytes: 12 two-d positions per chunk, so 1 position chunk; edges ≤ 8 per vertex chunk.
    const c = layoutChunks(indptr.subarray(0, 10), 9, 2, 96);
    expect(c.posChunks).toBe(1);
    expect(c.vertexChunks.map((v) => [v.v0, v.rows, v.e0, v.edges])).toEqual([
      [0, 4, 0, 6],
      [4, 1, 6, 4],
      [5, 1, 10, 5],
      [6, 1, 15, 6],
      [7, 1, 21, 7],
      [8, 1, 28, 8],
    ]);
  });

  it('caps rows by maxChunkRows, positions no further than 4 chunks, and refuses what cannot fit', () => {
    const c = layoutChunks(indptr, 10, 2, 1 << 20, 2);
    expect([c.posRows, c.posChunks]).toEqual([3, 4]);
    expect(c.vertexChunks.map((v) => [v.v0, v.rows, v.pos])).toEqual([
      [0, 2, 0],
      [2, 1, 0],
      [3, 2, 1],
      [5, 1, 1],
      [6, 2, 2],
      [8, 1, 2],
      [9, 1, 3],
    ]);
    expect(() => layoutChunks(indptr, 10, 2, 16)).toThrow(/storage bindings/);
    // 40 bytes hold 3 edges; vertex 4 has 4.
    expect(() => layoutChunks(indptr, 10, 1, 40)).toThrow(/vertex 4 has 4 edges/);
  });
});
