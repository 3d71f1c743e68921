// Worker side of test/gpu/backed-h5.test.ts: a backed source over a File/Blob in a dedicated
// worker, where it is mounted with WORKERFS and read in blocks on demand.
import { open10xH5Source } from '../../src/io/backed/10x-source.js';
import { forEachChunk } from '../../src/stream/pass.js';
import type { CsrBlock } from '../../src/stream/types.js';

self.onmessage = async (e: MessageEvent<{ blob: Blob; chunkRows: number }>) => {
  try {
    const src = await open10xH5Source(e.data.blob);
    const indptr = new Uint32Array(src.n + 1);
    const indices: number[] = [];
    const values: number[] = [];
    let chunks = 0;
    await forEachChunk(src, 'test', { chunkRows: e.data.chunkRows }, (b: CsrBlock, r) => {
      for (let i = 0; i < b.n; i++) indptr[r.start + i + 1] = indices.length + b.indptr[i + 1];
      for (let k = 0; k < b.nnz; k++) {
        indices.push(b.indices[k]);
        values.push(b.values[k]);
      }
      chunks++;
    });
    const out = { n: src.n, d: src.d, nnz: indices.length, indptr, indices: Uint32Array.from(indices), values: Float32Array.from(values) };
    const meta = { access: src.info.access, genes: src.genes, cells: src.cells, chunks };
    await src.close();
    (self as unknown as Worker).postMessage({ ok: true, out, meta });
  } catch (err) {
    (self as unknown as Worker).postMessage({ ok: false, error: `${(err as Error).name}: ${(err as Error).message}` });
  }
};
