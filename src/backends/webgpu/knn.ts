/**
 * The WebGPU implementation of the kNN contract (graph/knn-backend.ts): the search rows, rounded
 * to f32, go up in chunks that each fit one binding; for every query chunk, one list buffer pair
 * (idx, sq) is swept by shaders/graph/knn.wgsl over every reference chunk in row order, at most
 * RANGE_ROWS reference rows per dispatch and at least two ranges per chunk (bounded dispatches, abort checks between submits), and
 * read back once. Lists merge in reference order, so any chunking gives the same bits.
 */
import knnWgsl from '../../../shaders/graph/knn.wgsl?raw';
import { throwIfAborted } from '../../errors.js';
import type { KnnBackend } from '../../graph/knn-backend.js';
import { bindBuffers } from '../../gpu/bind.js';
import { defineKernel } from '../../gpu/kernel.js';
import { gpuState, withGpu } from '../../gpu/session.js';

const knnKernel = defineKernel({ name: 'graph/knn', source: knnWgsl, modules: ['grid'] });

/** Queries per workgroup (one per thread). */
const WG = 64;
/** Reference rows one dispatch visits (a query chunk × this many rows of work per dispatch). */
const RANGE_ROWS = 32768;

/** Reference rows per workgroup-memory tile for d features, or 0 when not even one fits. */
export function knnTileRows(d: number, budgetBytes: number): number {
  return Math.min(WG, Math.floor((budgetBytes / 4 - 16) / d));
}

/** Rows per chunk: the data and the lists of a chunk each fit one binding (and the engine's cap). */
export function knnChunkRows(n: number, d: number, m: number, maxBinding: number, cap?: number): number {
  const rows = Math.min(n, Math.floor(maxBinding / (4 * d)), Math.floor(maxBinding / (4 * m)), cap ?? n);
  return Math.max(1, rows);
}

export const webgpuKnn: KnnBackend = {
  candidates(engine, { n, d, x, m }, { signal }) {
    const st = gpuState(engine);
    return withGpu(engine, async (runner) => {
      const { device } = runner;
      const lim = device.limits;
      const chunk = knnChunkRows(n, d, m, Math.min(lim.maxStorageBufferBindingSize, lim.maxBufferSize), st.maxChunkRows);
      const tileRows = knnTileRows(d, lim.maxComputeWorkgroupStorageSize);
      const stage = tileRows >= 1;
      const pipeline = knnKernel.pipeline(device, {
        D: d,
        M: m,
        WG,
        TILE: stage ? tileRows : WG,
        TS: stage ? tileRows * d : 1,
        STAGE: stage ? 1 : 0,
      });
      const x32 = Float32Array.from(x);
      const chunks: { start: number; rows: number; buf: GPUBuffer }[] = [];
      for (let start = 0; start < n; start += chunk) {
        const rows = Math.min(chunk, n - start);
        const buf = runner.storage(`knn rows ${start}..${start + rows} (×${d} f32)`, rows * d * 4);
        runner.write(buf, 0, x32.subarray(start * d, (start + rows) * d));
        chunks.push({ start, rows, buf });
      }
      const indices = new Int32Array(n * m);
      const sq = new Float32Array(n * m);
      for (const qc of chunks) {
        const idxBuf = runner.storage(`knn lists: indices (${qc.rows}×${m} i32)`, qc.rows * m * 4);
        const sqBuf = runner.storage(`knn lists: squared distances (${qc.rows}×${m} f32)`, qc.rows * m * 4);
        let first = 1;
        for (const rc of chunks) {
          // At least two ranges per chunk, so small data (the tests) takes the path large data takes.
          const range = Math.min(RANGE_ROWS, Math.max(1, Math.ceil(rc.rows / 2)));
          for (let r0 = 0; r0 < rc.rows; r0 += range) {
            throwIfAborted(signal);
            const r1 = Math.min(rc.rows, r0 + range);
            const job = runner.uniform('knn job', new Uint32Array([qc.rows, qc.start, r0, r1, rc.start, first, 0, 0]));
            first = 0;
            const bg = bindBuffers(device, 'knn candidates', pipeline, [qc.buf, rc.buf, idxBuf, sqBuf, job]);
            runner.dispatch('knn candidates', pipeline, bg, Math.ceil(qc.rows / WG), qc.rows * d * 4 + (r1 - r0) * d * 4);
            runner.submit();
            runner.free(job);
          }
        }
        const [bi, bs] = await runner.read([
          { buffer: idxBuf, offset: 0, size: qc.rows * m * 4 },
          { buffer: sqBuf, offset: 0, size: qc.rows * m * 4 },
        ]);
        indices.set(new Int32Array(bi), qc.start * m);
        sq.set(new Float32Array(bs), qc.start * m);
        runner.free(idxBuf);
        runner.free(sqBuf);
      }
      return { indices, sq, unitRoundoff: 2 ** -24 };
    });
  },
};
