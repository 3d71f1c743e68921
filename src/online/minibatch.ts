/**
 * Mini-batch k-means (Sculley 2010) with scikit-learn's MiniBatchKMeans semantics: nInit
 * candidate starts on random `initSize` samples, the best by inertia on one validation sample;
 * then steps of one batch each (assignments and per-centre sums from the backend, the centre
 * update with per-centre counts as learning rates, low-count reassignment), stopped by the EWA
 * inertia rule or the centre shift; optionally a last pass for labels and inertia.
 */
import { Rng, restartRng } from '../core/rng.js';
import type { Engine } from '../engine/engine.js';
import type { IterationRecord } from '../types.js';
import { chunkCount, chunkOrder, drawRows, gather, passBatch, sourceSample, rowsOf, type Batch, type OnlineData } from './batches.js';
import { kmeansBlockLabels, kmeansBlockSeeds, kmeansBlockStats } from './block-stats.js';
import { Convergence, reassign, reassignDue, updateCentres } from './minibatch-step.js';
import { abortCheckpoint } from '../core/yield.js';

/** When the loops below last yielded to the event loop (abortCheckpoint: a timer's abort runs within one batch). */
const YIELD_CLOCK = { t: 0 };

export interface MbkSettings {
  k: number;
  batchSize: number;
  maxIter: number;
  init: 'k-means++' | 'random' | Float64Array;
  initSize: number;
  nInit: number;
  /** tol × mean column variance (scikit-learn's _tolerance). */
  tolScaled: number;
  maxNoImprovement: number | null;
  reassignmentRatio: number;
  computeLabels: boolean;
  seed: number;
  signal?: AbortSignal;
  onStep?: (r: IterationRecord) => void;
}

/** What one step changes; plain numbers so a partialFit state round-trips through JSON. */
export interface MbkCore {
  centres: Float64Array;
  counts: Float64Array;
  nSinceReassign: number;
}

/** The random stream of step t's reassignment (a stream per step, so partialFit replays a fit's steps). */
export const stepRng = (seed: number, t: number): Rng => new Rng(seed, (0x40000000 + t) >>> 0);

/** One step: statistics of the batch at the current centres, the update, the reassignment when due. */
export async function miniBatchStep(
  engine: Engine,
  core: MbkCore,
  b: Batch,
  k: number,
  batchSize: number,
  ratio: number,
  rng: Rng,
): Promise<{ inertia: number; shift: number; reassigned: number[] }> {
  const due = reassignDue(core, core.counts, batchSize);
  const st = await kmeansBlockStats(engine, b, core.centres, k);
  const before = core.centres.slice();
  updateCentres(core.centres, core.counts, st.sums, st.counts, b.d);
  const reassigned = due && ratio > 0 ? reassign(core.centres, core.counts, b, ratio, rng) : [];
  let shift = 0;
  for (let t = 0; t < before.length; t++) shift += (core.centres[t] - before[t]) ** 2;
  return { inertia: st.objective, shift, reassigned };
}

/** `rows` rows drawn as scikit-learn does in memory (with replacement), or whole random chunks of a source. */
async function sampleRows(data: OnlineData, s: MbkSettings, rows: number, rng: Rng, w: Float64Array | null): Promise<Batch> {
  if (data.kind === 'memory') return gather(data.ds, drawRows(rng, data.ds.n, rows), w);
  return sourceSample(data.src, rows, s.batchSize, rng, w, s.signal);
}

/** Initial centres of one candidate from a sample. */
export async function initialCentres(engine: Engine, sample: Batch, s: MbkSettings, rng: Rng): Promise<Float64Array> {
  if (s.init instanceof Float64Array) return s.init.slice();
  if (s.init === 'k-means++') return kmeansBlockSeeds(engine, sample, s.k, rng, s.signal);
  const c = new Float64Array(s.k * sample.d);
  rng.sample(sample.n, s.k).forEach((r, j) => c.set(sample.x.subarray(r * sample.d, (r + 1) * sample.d), j * sample.d));
  return c;
}

export interface MbkRun {
  centres: Float64Array;
  counts: Float64Array;
  nSteps: number;
  stopReason: 'tol' | 'noImprovement' | 'maxIter';
  ewaInertia: number | null;
  history: IterationRecord[];
  initMs: number;
  reassignments: number;
  labels?: Int32Array;
  inertia?: number;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export async function fitMiniBatch(engine: Engine, data: OnlineData, s: MbkSettings, w: Float64Array | null): Promise<MbkRun> {
  const n = rowsOf(data);
  const t0 = now();
  const main = new Rng(s.seed, 0);
  const valid = await sampleRows(data, s, s.initSize, main, w);
  let best: Float64Array | null = null;
  let bestInertia = Infinity;
  for (let r = 0; r < s.nInit; r++) {
    // The candidate starts run before the first step: without a check here an abort waited for all of them.
    await abortCheckpoint(s.signal, YIELD_CLOCK);
    const rng = restartRng(s.seed, r);
    const sample = s.init instanceof Float64Array ? valid : await sampleRows(data, s, s.initSize, rng, w);
    const c = await initialCentres(engine, sample, s, rng);
    const { inertia } = await kmeansBlockLabels(engine, valid, c, s.k);
    if (inertia < bestInertia || best === null) {
      best = c;
      bestInertia = inertia;
    }
  }
  const initMs = now() - t0;
  const core: MbkCore = { centres: best!, counts: new Float64Array(s.k), nSinceReassign: 0 };
  const batchSize = Math.min(s.batchSize, n);
  const conv = new Convergence(batchSize, n, s.tolScaled, s.maxNoImprovement);
  const chunks = data.kind === 'source' ? chunkCount(n, batchSize) : 0;
  const nSteps = data.kind === 'memory' ? Math.floor((s.maxIter * n) / batchSize) : s.maxIter * chunks;
  const history: IterationRecord[] = [];
  let order: Int32Array = new Int32Array(0);
  let stop: MbkRun['stopReason'] = 'maxIter';
  let reassignments = 0;
  let step = 0;
  for (; step < nSteps; step++) {
    await abortCheckpoint(s.signal, YIELD_CLOCK);
    let b: Batch;
    if (data.kind === 'memory') b = gather(data.ds, drawRows(main, n, batchSize), w);
    else {
      if (step % chunks === 0) order = chunkOrder(main, chunks);
      b = await passBatch(data, batchSize, step % chunks, order, w, s.signal);
    }
    const out = await miniBatchStep(engine, core, b, s.k, batchSize, s.reassignmentRatio, stepRng(s.seed, step));
    reassignments += out.reassigned.length;
    const rec: IterationRecord = { restart: 0, iter: step + 1, objective: out.inertia, shift: out.shift, elapsedMs: now() - t0 };
    history.push(rec);
    s.onStep?.(rec);
    const reason = conv.check(step, s.tolScaled > 0 ? out.shift : 0, out.inertia);
    if (reason) {
      stop = reason;
      step++;
      break;
    }
  }
  const run: MbkRun = {
    centres: core.centres,
    counts: core.counts,
    nSteps: step,
    stopReason: stop,
    ewaInertia: conv.ewa,
    history,
    initMs,
    reassignments,
  };
  if (s.computeLabels) Object.assign(run, await labelPass(engine, data, core.centres, s, w));
  return run;
}

/** Labels and inertia at the final centres, one chunk (of batchSize·16 rows) at a time. */
async function labelPass(engine: Engine, data: OnlineData, centres: Float64Array, s: MbkSettings, w: Float64Array | null) {
  const n = rowsOf(data);
  const size = data.kind === 'memory' ? n : Math.max(s.batchSize, 65536);
  const labels = new Int32Array(n);
  let inertia = 0;
  const ident = Int32Array.from({ length: n }, (_, i) => i);
  for (let t = 0; t * size < n; t++) {
    await abortCheckpoint(s.signal, YIELD_CLOCK);
    const b = await passBatch(
      data,
      size,
      t,
      data.kind === 'memory' ? ident : Int32Array.from({ length: chunkCount(n, size) }, (_, i) => i),
      w,
      s.signal,
    );
    const out = await kmeansBlockLabels(engine, b, centres, s.k);
    labels.set(Int32Array.from(out.labels), t * size);
    inertia += out.inertia;
  }
  return { labels, inertia };
}
