/**
 * The 'wasm' implementation of the kNN contract (graph/knn-backend.ts): the search rows are
 * rounded to f32 once, and one kernel run (wasm/assembly/knn.ts) keeps every row's m nearest
 * candidates over blocks of queries on the engine's pool. Every query's list depends on no other
 * block, so any thread count gives the same bits; knn-exact.ts makes the result exact.
 */
import type { KnnBackend } from '../../graph/knn-backend.js';
import { BLOCK_ROWS } from './pool.js';
import { f32View, i32View, putF32, type BlockKernel } from './runtime.js';
import { wasmState } from './state.js';

/** The kernel (wasm/assembly/knn.ts); named here so runtime.ts's list of block kernels stays as it is. */
const KNN_CANDIDATES = 'knnCandidates' as BlockKernel;

/** Queries per pool block: small enough to share 10k rows among several threads, large enough to reuse a cached reference tile. */
const QUERIES_PER_BLOCK = 256;

export const wasmKnn: KnnBackend = {
  candidates(engine, { n, d, x, m }, { signal }) {
    const st = wasmState(engine);
    const { rt, pool } = st;
    return st.exclusive(async () => {
      const mark = rt.arena.mark();
      try {
        const ptr = putF32(rt, x);
        const idx = rt.arena.i32(n * m);
        const sq = rt.arena.f32(n * m);
        const scale = BLOCK_ROWS / QUERIES_PER_BLOCK;
        await pool.run(KNN_CANDIDATES, n * scale, 0, 0, [ptr, d, n, m, idx, sq, scale], signal ? { signal } : {});
        return { indices: i32View(rt, idx, n * m).slice(), sq: f32View(rt, sq, n * m).slice(), unitRoundoff: 2 ** -24 };
      } finally {
        rt.arena.release(mark);
      }
    });
  },
};
