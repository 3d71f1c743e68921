/**
 * `emgpu worker` requests → responses, on the library's shard functions, so a driver in any
 * language keeps no model math of its own (format: docs/worker-format.md). A request names an op:
 *   globals     { model, shard }                         → first-pass statistics of the shard
 *   statistics  { model, params, shard, options? }       → E-step statistics of the shard
 *   sum         { statistics: [...] }                    → their sum, in list order
 *   finish      { summed, options? }                     → { tolScaled } or the NB globals
 *   mstep       { model, statistics: [...] | summed, params, options? } → params + convergence
 *   seed        { model, shard, k, sampleRows?, seed?, options?, globals? } → starting params
 *   evaluate    { model, params, shard, options? }       → labels and objective at the parameters
 *   info        { shard: { file, format?, matrix? } }    → { n, d, kind } of the file
 * A shard is { file, format?, matrix?, start, end }: rows [start, end) of the file.
 */
import { restartRng } from '../core/rng.js';
import type { Engine } from '../engine/engine.js';
import { invalid } from '../errors.js';
import { openRowSource, type OpenRowSourceOptions } from '../io/open-source.js';
import { betaOf, blockStatistics, checkModel, finishGlobals, mStep, shardGlobals, sumStatistics } from '../shard/api.js';
import { evaluateBlock } from '../shard/evaluate.js';
import { gmmSampleStart, kmeansSampleStart, nbSampleStart, readSample, sampleRowIndices } from '../shard/sample.js';
import type { GlobalStatistics, NbGlobals, ShardParams, ShardStatistics } from '../shard/types.js';
import type { RowSource } from '../stream/types.js';
import type { CovarianceType } from '../types.js';
import { readChecked } from '../stream/block.js';

export interface ShardSpec {
  file: string;
  format?: OpenRowSourceOptions['format'];
  matrix?: OpenRowSourceOptions['matrix'];
  start: number;
  end: number;
}

export const WORKER_OPS = ['globals', 'statistics', 'sum', 'finish', 'mstep', 'seed', 'evaluate', 'info'] as const;
export type WorkerOp = (typeof WORKER_OPS)[number];

type Request = Record<string, unknown> & { op?: string };

/** Open sources of a long-lived worker, by file, format and matrix (the last few kept). */
export class SourceCache {
  private readonly open = new Map<string, Promise<RowSource>>();
  constructor(private readonly keep = 2) {}
  get(spec: ShardSpec): Promise<RowSource> {
    const key = JSON.stringify([spec.file, spec.format ?? null, spec.matrix ?? null]);
    let s = this.open.get(key);
    if (!s) {
      const opts: OpenRowSourceOptions = {};
      if (spec.format) opts.format = spec.format;
      if (spec.matrix) opts.matrix = spec.matrix;
      s = openRowSource(spec.file, opts);
      this.open.set(key, s);
      s.catch(() => this.open.delete(key));
      while (this.open.size > this.keep) {
        const [oldest, src] = this.open.entries().next().value!;
        this.open.delete(oldest);
        void src.then((x) => x.close()).catch(() => {});
      }
    }
    return s;
  }
  async close(): Promise<void> {
    for (const s of this.open.values()) await s.then((x) => x.close()).catch(() => {});
    this.open.clear();
  }
}

function shardOf(r: Request): ShardSpec {
  const s = r.shard as ShardSpec | undefined;
  if (s == null || typeof s !== 'object' || typeof s.file !== 'string')
    throw invalid('BAD_OPTION', `The ${r.op} request has no shard. Pass "shard": { "file": PATH, "start": FIRST_ROW, "end": END_ROW }.`);
  return s;
}

async function readShard(cache: SourceCache, spec: ShardSpec) {
  const source = await cache.get(spec);
  const { start, end } = spec;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > source.n || start >= end)
    throw invalid(
      'BAD_OPTION',
      `The shard's rows [${String(start)}, ${String(end)}) are not within ${spec.file}'s ${source.n} rows. Pass 0 ≤ start < end ≤ ${source.n}.`,
    );
  return { source, block: await readChecked(source, start, end) };
}

const objectOr = (v: unknown): Record<string, unknown> => (v != null && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** Answer one request (errors are thrown, typed). */
export async function answer(r: Request, engineOf: (backend: string) => Promise<Engine>, cache: SourceCache): Promise<unknown> {
  const op = r.op as WorkerOp;
  if (!WORKER_OPS.includes(op))
    throw invalid('BAD_OPTION', `op='${String(r.op)}' is not a worker op. Use one of ${WORKER_OPS.join(', ')}.`);
  const options = objectOr(r.options);
  const backend = typeof r.backend === 'string' ? r.backend : 'auto';
  if (op === 'sum') return sumStatistics(r.statistics as ShardStatistics[]);
  if (op === 'finish') return finishGlobals(r.summed as GlobalStatistics, options);
  if (op === 'info') {
    const source = await cache.get(shardOf(r));
    return { n: source.n, d: source.d, kind: source.kind };
  }
  const model = checkModel(r.model);
  if (op === 'mstep') {
    const summed = Array.isArray(r.statistics) ? sumStatistics(r.statistics as ShardStatistics[]) : (r.summed as ShardStatistics);
    return mStep(model, summed, r.params as ShardParams, options);
  }
  const spec = shardOf(r);
  if (op === 'globals') {
    const { block } = await readShard(cache, spec);
    return shardGlobals(block, { model, rowOffset: spec.start });
  }
  const engine = await engineOf(backend);
  if (op === 'statistics') {
    const { block } = await readShard(cache, spec);
    const beta = betaOf(model, options.beta);
    return blockStatistics(engine, block, model, r.params as ShardParams, {
      beta,
      regCovar: options.regCovar as number | undefined,
      rowOffset: spec.start,
    });
  }
  if (op === 'evaluate') {
    const { block } = await readShard(cache, spec);
    const ev = await evaluateBlock(engine, block, model, r.params as ShardParams, {
      beta: options.beta as number | undefined,
      regCovar: options.regCovar as number | undefined,
    });
    return { labels: Array.from(ev.labels), objective: ev.objective, ...(ev.inertia !== undefined ? { inertia: ev.inertia } : {}) };
  }
  // seed: the streamed fits' 'sample' start over rows [start, end) of the file (the whole file: the same start).
  const source = await cache.get(spec);
  const k = r.k as number;
  if (!Number.isInteger(k) || k < 1 || k > source.n)
    throw invalid('BAD_OPTION', `k=${String(r.k)} must be a whole number in 1..${source.n}.`);
  const seed = (r.seed as number | undefined) ?? 0;
  const size = Math.max(k, (r.sampleRows as number | undefined) ?? 10_000);
  const rows = sampleRowIndices(source.n, size, restartRng(seed, 0));
  const sample = await readSample(source, rows, {});
  if (model === 'gmm')
    return gmmSampleStart(
      engine,
      sample,
      source.n,
      k,
      (options.covariance as CovarianceType) ?? 'full',
      (options.regCovar as number) ?? 1e-6,
      seed,
    );
  if (model === 'nbmm') return nbSampleStart(engine, sample, k, r.globals as NbGlobals, options.dispersion as never, seed, undefined);
  return kmeansSampleStart(engine, sample, k, seed);
}
