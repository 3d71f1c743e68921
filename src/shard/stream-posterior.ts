/**
 * `nbPosteriorStream`: one pass over a row source at given NB mixture parameters (a streamed fit's
 * result), returning per row the label, the largest responsibility and the row's log-likelihood
 * sum: what the in-memory fit's `responsibilities` give a caller (the CLI's max posterior per
 * cell), without holding n × k responsibilities. Each chunk is an NB session's `evaluate`, so the
 * labels equal the streamed fit's own last pass.
 */
import { checkOptionNames } from '../core/known-options.js';
import { ENGINE_SELECTION, engineFor, type EngineSelection } from '../engine/engine.js';
import { sizeFactors } from '../nbmm/counts.js';
import { invalid } from '../errors.js';
import { checkSource } from '../stream/check.js';
import { forEachChunk } from '../stream/pass.js';
import type { PassOptions, RowSource } from '../stream/types.js';
import { blockCounts, type ShardBlock } from './block.js';
import { gridOf, nbParams } from './nbmm.js';
import { nbSessionEvaluate } from './session.js';
import type { NbShardParams } from './types.js';

const PASS = ['chunkRows', 'chunkBytes', 'signal', 'onProgress'];

export interface PosteriorStreamResult {
  labels: Int32Array;
  /** Per row: max_k of its responsibilities. */
  maxPosterior: Float64Array;
  /** Σ_i log p(x_i) at the parameters. */
  logLikelihood: number;
}

/** Labels, max responsibility per row and the log-likelihood of `source` under NB mixture `params`, in one pass. */
export async function nbPosteriorStream(
  source: RowSource,
  params: NbShardParams,
  options: PassOptions & EngineSelection = {},
): Promise<PosteriorStreamResult> {
  checkOptionNames(options, [...PASS, ...ENGINE_SELECTION], 'nbPosteriorStream');
  checkSource(source, 'nbPosteriorStream');
  if (params == null || typeof params !== 'object' || params.globals == null)
    throw invalid(
      'BAD_OPTION',
      "nbPosteriorStream: params are not NB mixture parameters. Pass a streamed fit's params (nbStream(...).params).",
    );
  const engine = await engineFor(options);
  engine.check();
  const { engine: _e, backend: _b, ...pass } = options;
  const labels = new Int32Array(source.n);
  const maxPosterior = new Float64Array(source.n);
  let logLikelihood = 0;
  const g = params.globals;
  await forEachChunk(
    source as RowSource & { readRows(a: number, b: number): Promise<ShardBlock> },
    'posterior',
    pass,
    async (b: ShardBlock, r) => {
      const c = blockCounts(b);
      const p = nbParams(params, c.d);
      const s = sizeFactors(c, g.sizeFactorMode, g.sizeFactorMode === 'library' ? g.libraryMean : undefined).s;
      const ev = await nbSessionEvaluate(engine, c, s, gridOf(g), p, null, { resp: true });
      logLikelihood += ev.loglik;
      const resp = ev.resp!;
      for (let i = 0; i < c.n; i++) {
        labels[r.start + i] = ev.labels[i];
        let m = 0;
        for (let j = 0; j < p.k; j++) m = Math.max(m, resp[i * p.k + j]);
        maxPosterior[r.start + i] = m;
      }
    },
  );
  return { labels, maxPosterior, logLikelihood };
}
