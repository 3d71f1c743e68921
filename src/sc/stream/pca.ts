/**
 * The PCA operator over a streamed matrix: the DenseOps that `randomizedPca` (../pca.ts, Halko,
 * Martinsson & Tropp with power iterations) drives, where each product is one pass over the
 * source. Rows are regrouped into tiles of `tileRows` (src/stream/tiles.ts); each tile goes
 * through the engine's 'sc' backend as the in-memory pipeline's matrix does (upload, normalise +
 * log1p, the dense scaled and clipped HVG block with the column means removed implicitly, then
 * the block's product), and is dropped. So:
 *
 *   gram(Q):    Z = Σ_tiles X_tᵀ(X_t Q), summed in tile order in float64: one pass;
 *   project(V): scores X_t V of each tile, kept as float32 n × k: one pass.
 *
 * randomizedPca makes nIter + 1 gram calls and one projection: nIter + 2 passes (9 with the
 * default 7 power iterations). The sum is over tiles at fixed row boundaries, so the bits do
 * not depend on how the pass is chunked; with one tile (tileRows ≥ n) it is the in-memory
 * pipeline's product exactly.
 */
import type { EngineSelection } from '../../engine/engine.js';
import { CsrTiler } from '../../stream/tiles.js';
import type { CsrBlock, CsrSource } from '../../stream/types.js';
import type { DenseOps, ScGpuCounters } from '../backend.js';
import type { ScaleStats } from '../preprocess.js';
import { onBackend } from '../session.js';
import type { PassLog } from './passes.js';

export interface StreamPcaInput {
  /** Kept cells × kept genes (raw counts). */
  source: CsrSource;
  /** HVG positions among the source's columns, ascending. */
  hvg: Uint32Array;
  scale: ScaleStats;
  norm: { targetSum: number; log1p: boolean };
  tileRows: number;
  /** Width of the products the backend plans for (the PCA's l). */
  l: number;
  engine: EngineSelection;
  log: PassLog;
}

export function streamDense(inp: StreamPcaInput): DenseOps {
  const { source, hvg, scale, norm, tileRows, log } = inp;
  const planned = inp.l;
  const n = source.n;
  const g = hvg.length;
  let gramCalls = 0;
  /** One pass: each tile's dense operator handed to `use` (tiles in row order). */
  const eachTile = async (pass: string, use: (op: DenseOps, start: number) => Promise<void>) => {
    const tiler = new CsrTiler(tileRows, source.d);
    const run = async (t: { start: number; tile: CsrBlock }) =>
      onBackend(inp.engine, async (s) => {
        const ops = s.csr(t.tile);
        await ops.normalize(norm.targetSum, norm.log1p);
        const op = await ops.dense('norm', hvg, scale.mean, scale.std, scale.maxValue, scale.scaledMean, planned);
        ops.release();
        await use(op, t.start);
      });
    await log.run(
      source,
      pass,
      async (blk) => {
        for (const t of tiler.push(blk)) await run(t);
      },
      async () => {
        const last = tiler.flush();
        if (last) await run(last);
      },
    );
  };
  return {
    n,
    g,
    mean: scale.scaledMean,
    async gram(q: Float64Array, l: number): Promise<Float64Array> {
      const z = new Float64Array(g * l);
      await eachTile(`pca-gram-${gramCalls++}`, async (op) => {
        const zt = await op.gram(q, l);
        for (let i = 0; i < z.length; i++) z[i] += zt[i];
      });
      return z;
    },
    async project(v: Float64Array, k: number): Promise<Float32Array> {
      const scores = new Float32Array(n * k);
      await eachTile('pca-project', async (op, start) => {
        scores.set(await op.project(v, k), start * k);
      });
      return scores;
    },
    async read(): Promise<Float64Array> {
      throw new Error('streamDense: the scaled matrix is never stored; read the scores instead');
    },
    counters: (): ScGpuCounters | undefined => undefined,
  };
}
