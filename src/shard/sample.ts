/**
 * Starting points of a streamed fit from a seeded sample of rows, read through the source in one
 * pass: k-means++ seeds on the sample (k-means, soft k-means, and the GMM's 'k-means++' start, as
 * scikit-learn's GaussianMixture does), or, for the NB mixture, k-means on log1p(x/s) of the sample
 * and the model's initialisation from those labels (nbmm/init.ts, nbmm/model.ts).
 */
import { implementationFor } from '../core/registry.js';
import { restartRng, type Rng } from '../core/rng.js';
import type { Engine } from '../engine/engine.js';
import { seedStats } from '../gmm/fit.js';
import { mStep as gmmMStepOf } from '../gmm/model.js';
import type { KMeansBackend } from '../kmeans/backend.js';
import { sizeFactors } from '../nbmm/counts.js';
import { initialLabels } from '../nbmm/init.js';
import { paramsFromLabels } from '../nbmm/model.js';
import { resolveDispersion } from '../nbmm/options.js';
import type { Resolved as NbResolved } from '../nbmm/options.js';
import { forEachChunk } from '../stream/pass.js';
import type { CsrBlock, DenseBlock, PassOptions, RowSource } from '../stream/types.js';
import type { CovarianceType } from '../types.js';
import { blockCounts, blockDataset, type ShardBlock } from './block.js';
import { gmmPlain } from './gmm.js';
import { rowsOf } from './params.js';
import type { GmmShardParams, KMeansShardParams, NbGlobals, NbShardParams } from './types.js';

/** Rows `rows` (sorted) of the source as one block, read in one pass. */
export async function readSample(source: RowSource, rows: number[], opts: PassOptions): Promise<ShardBlock> {
  const d = source.d;
  if (source.kind === 'dense') {
    const data = new Float64Array(rows.length * d);
    let t = 0;
    await forEachChunk(source, 'init-sample', opts, (b: DenseBlock, r) => {
      for (; t < rows.length && rows[t] < r.end; t++) for (let f = 0; f < d; f++) data[t * d + f] = b.data[(rows[t] - r.start) * d + f];
    });
    return { n: rows.length, d, data };
  }
  const indptr = new Uint32Array(rows.length + 1);
  const idx: number[] = [];
  const val: number[] = [];
  let t = 0;
  await forEachChunk(source, 'init-sample', opts, (b: CsrBlock, r) => {
    for (; t < rows.length && rows[t] < r.end; t++) {
      const i = rows[t] - r.start;
      for (let p = b.indptr[i]; p < b.indptr[i + 1]; p++) {
        idx.push(b.indices[p]);
        val.push(b.values[p]);
      }
      indptr[t + 1] = idx.length;
    }
  });
  return { n: rows.length, d, nnz: idx.length, indptr, indices: Uint32Array.from(idx), values: Float32Array.from(val) };
}

/** The seeded row sample: min(n, size) distinct rows, ascending. */
export function sampleRowIndices(n: number, size: number, rng: Rng): number[] {
  return rng.sample(n, Math.min(n, size)).sort((a, b) => a - b);
}

async function plusPlusOn(engine: Engine, sample: ShardBlock, k: number, rng: Rng, signal?: AbortSignal): Promise<Float64Array> {
  const ds = blockDataset(sample);
  return implementationFor<KMeansBackend>('kmeans', engine.backend).session(engine, ds, { k, soft: null, weights: null }, async (s) => {
    // The signal reaches the seeding steps: an abort during the start lands within one centre.
    const c = await s.plusPlus(rng, signal);
    const o = s.origin;
    return o ? c.map((v, t) => v + o[t % ds.d]) : c;
  });
}

export async function kmeansSampleStart(
  engine: Engine,
  sample: ShardBlock,
  k: number,
  seed: number,
  signal?: AbortSignal,
): Promise<KMeansShardParams> {
  const c = await plusPlusOn(engine, sample, k, restartRng(seed, 1), signal);
  return { centroids: rowsOf(c, k, sample.d) };
}

export async function gmmSampleStart(
  engine: Engine,
  sample: ShardBlock,
  n: number,
  k: number,
  type: CovarianceType,
  regCovar: number,
  seed: number,
  signal?: AbortSignal,
): Promise<GmmShardParams> {
  const d = sample.d;
  const centres = await plusPlusOn(engine, sample, k, restartRng(seed, 1), signal);
  const opts = { regCovar, prior: null, normaliseWeights: false };
  return gmmPlain(gmmMStepOf(seedStats(n, k, d, type, centres), type, k, d, opts).params);
}

export async function nbSampleStart(
  engine: Engine,
  sample: ShardBlock,
  k: number,
  globals: NbGlobals,
  dispersion: 'per-gene' | 'shared' | number | undefined,
  seed: number,
  signal: AbortSignal | undefined,
): Promise<NbShardParams> {
  const c = blockCounts(sample);
  const s = sizeFactors(c, globals.sizeFactorMode, globals.sizeFactorMode === 'library' ? globals.libraryMean : undefined).s;
  const mode = resolveDispersion(dispersion);
  const o = { k, seed, init: 'kmeans' } as NbResolved;
  const labels = await initialLabels(engine, c, s, o, 1, signal, null);
  const p = paramsFromLabels(c, s, labels, k, mode);
  return { weights: Array.from(p.weights), means: rowsOf(p.means, k, c.d), dispersion: Array.from(p.phi), globals };
}
