/**
 * `umap(input, options)`: data → kNN (graph/knn.ts) → fuzzy simplicial set (graph/fuzzy.ts) →
 * initial layout (init.ts) → the layout epochs on the engine's backend (contract 'umap',
 * backend.ts). The input may also be a KnnResult or a WeightedGraph, skipping the first stages.
 */
import { implementationFor } from '../core/registry.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';
import type { DataInput } from '../data.js';
import { ENGINE_SELECTION, engineFor, withNotice } from '../engine/engine.js';
import { invalid } from '../errors.js';
import { checkGraph } from '../graph/check-graph.js';
import { checkKnn } from '../graph/check-knn.js';
import { fuzzySimplicialSet } from '../graph/fuzzy.js';
import { knn } from '../graph/knn.js';
import type { KnnResult, WeightedGraph } from '../graph/types.js';
import { pca } from '../sc/pca.js';
import { findAbParams } from './ab.js';
import type { UmapBackend } from './backend.js';
import { scaleInit, spectralLayoutAsync } from './init.js';
import { layoutPlan } from './plan.js';
import type { UmapOptions, UmapResult } from './types.js';

const UMAP_OPTIONS = [
  ...optionNames<Omit<UmapOptions, 'engine' | 'backend'>>({
    nComponents: true,
    nNeighbors: true,
    metric: true,
    nEpochs: true,
    minDist: true,
    spread: true,
    negativeSampleRate: true,
    learningRate: true,
    setOpMixRatio: true,
    localConnectivity: true,
    init: true,
    seed: true,
    signal: true,
    onProgress: true,
  }),
  ...ENGINE_SELECTION,
];

export type UmapInput = DataInput | KnnResult | WeightedGraph;

const isGraph = (x: unknown): x is WeightedGraph =>
  typeof x === 'object' && x !== null && 'indptr' in x && 'values' in x && 'indices' in x && 'n' in x;
const isKnn = (x: unknown): x is KnnResult => typeof x === 'object' && x !== null && 'distances' in x && 'indices' in x && 'k' in x;

function num(v: unknown, name: string, ok: (x: number) => boolean, rule: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !ok(v)) throw invalid('BAD_OPTION', `umap: ${name}=${String(v)} ${rule}.`);
  return v;
}

export async function umap(input: UmapInput, options: UmapOptions = {}): Promise<UmapResult> {
  checkOptionNames(options, UMAP_OPTIONS, 'umap');
  const t0 = performance.now();
  const o = options;
  const dim = num(o.nComponents, 'nComponents', (x) => Number.isInteger(x) && x >= 1 && x <= 8, 'must be a whole number from 1 to 8', 2);
  const minDist = num(o.minDist, 'minDist', (x) => x >= 0 && Number.isFinite(x), 'must be ≥ 0. Pass e.g. 0.1', 0.1);
  const spread = num(o.spread, 'spread', (x) => x > 0 && Number.isFinite(x) && x >= minDist, 'must be > 0 and ≥ minDist. Pass e.g. 1', 1);
  const nu = num(o.negativeSampleRate, 'negativeSampleRate', (x) => x >= 0 && x <= 1000, 'must lie in [0, 1000]. Pass e.g. 5', 5);
  // Steps are clipped at 4·learningRate: beyond 1000 the layout leaves float32's useful range (NaN).
  const lr = num(o.learningRate, 'learningRate', (x) => x > 0 && x <= 1000, 'must lie in (0, 1000]. Pass e.g. 1', 1);
  const seed = num(o.seed, 'seed', (x) => Number.isSafeInteger(x) && x >= 0, 'must be a non-negative safe integer. Pass e.g. 0', 0);
  if (input === null || typeof input !== 'object')
    throw invalid(
      'BAD_OPTION',
      `umap: the input is ${input === null ? 'null' : typeof input}. Pass data rows, a KnnResult or a WeightedGraph.`,
    );
  const init = o.init ?? 'spectral';
  if (typeof init === 'string' && init !== 'spectral' && init !== 'pca') {
    throw invalid('BAD_OPTION', `umap: init '${init}' is not known. Pass 'spectral', 'pca' or an n × nComponents array.`);
  }
  const engine = await engineFor(o);
  engine.check();
  const progress = o.onProgress ?? (() => {});

  // Stage 1: the kNN (data input only).
  let kn: KnnResult | null = null;
  let graph: WeightedGraph;
  const tk = performance.now();
  if (isGraph(input)) {
    if (o.nNeighbors !== undefined || o.metric !== undefined) {
      throw invalid('BAD_OPTION', 'umap: nNeighbors and metric apply to data or kNN input, not to a graph. Leave them out.');
    }
    checkGraph(input, 'umap');
    graph = input;
  } else {
    if (isKnn(input)) {
      checkKnn(input, 'umap');
      const nn = num(
        o.nNeighbors,
        'nNeighbors',
        (x) => Number.isInteger(x) && x >= 2 && x <= input.k + 1,
        `must be a whole number from 2 to k + 1 = ${input.k + 1}`,
        input.k + 1,
      );
      kn = nn - 1 === input.k ? input : truncateKnn(input, nn - 1);
    } else {
      const nn = num(o.nNeighbors, 'nNeighbors', (x) => Number.isInteger(x) && x >= 2, 'must be a whole number ≥ 2', 15);
      progress({ stage: 'knn', done: 0, total: 1 });
      const data = input as DataInput;
      const n = (data as { n?: number }).n ?? (data as ArrayLike<unknown>).length;
      if (!(nn - 1 < n))
        throw invalid(
          'K_TOO_LARGE',
          `umap: nNeighbors=${nn} needs more than ${nn - 1} points; the data has ${n}. Pass a smaller nNeighbors.`,
        );
      kn = await knn(data, { k: nn - 1, metric: o.metric ?? 'euclidean', engine, ...(o.signal ? { signal: o.signal } : {}) });
      progress({ stage: 'knn', done: 1, total: 1 });
    }
    graph = fuzzySimplicialSet(kn, { setOpMixRatio: o.setOpMixRatio ?? 1, localConnectivity: o.localConnectivity ?? 1 });
  }
  const knnMs = kn && !isKnn(input) ? performance.now() - tk : 0;
  const graphMs = performance.now() - tk - knnMs;
  progress({ stage: 'graph', done: 1, total: 1 });
  const n = graph.n;
  if (!(n >= 2) || graph.d !== n)
    throw invalid(
      'SHAPE_MISMATCH',
      `umap: the graph must be square with n ≥ 2 (got ${graph.n} × ${graph.d}). Pass a WeightedGraph from fuzzySimplicialSet().`,
    );
  const nEpochs = num(
    o.nEpochs,
    'nEpochs',
    (x) => Number.isInteger(x) && x >= 1 && x <= 10000,
    'must be a whole number from 1 to 10,000',
    n <= 10000 ? 500 : 200,
  );

  // Stage 2: the initial layout.
  const ti = performance.now();
  let start: Float32Array;
  if (typeof init !== 'string') {
    if (init.length !== n * dim)
      throw invalid('SHAPE_MISMATCH', `umap: init has ${init.length} values; n × nComponents = ${n * dim}. Pass row-major coordinates.`);
    for (let t = 0; t < init.length; t++) {
      const v = (init as ArrayLike<unknown>)[t];
      // Checked before Float32Array.from, which would coerce null to 0 and '3' to 3.
      if (typeof v !== 'number')
        throw invalid('NON_NUMERIC', `umap: init[${t}] is ${v === null ? 'null' : typeof v}. Pass numeric coordinates.`);
    }
    start = Float32Array.from(init as ArrayLike<number>);
    if (!start.every(Number.isFinite))
      throw invalid(
        'NON_FINITE',
        'umap: init holds a value that is not finite in float32 (NaN, ±Infinity or beyond ±3.4e38). Pass finite coordinates.',
      );
  } else if (init === 'pca') {
    if (isGraph(input) || isKnn(input))
      throw invalid('BAD_OPTION', "umap: init 'pca' needs the data; the input is a graph or kNN. Pass init: 'spectral'.");
    const dense = toDense(input as DataInput);
    const p = await pca(dense, { nComps: dim, seed, engine, ...(o.signal ? { signal: o.signal } : {}) });
    start = scaleInit(p.scores, n, dim, seed);
  } else start = scaleInit(await spectralLayoutAsync(graph, dim, seed, o.signal), n, dim, seed);
  const initMs = performance.now() - ti;
  progress({ stage: 'init', done: 1, total: 1 });

  // Stage 3: the layout epochs.
  const { a, b } = findAbParams(spread, minDist);
  const plan = layoutPlan(graph, { nComponents: dim, nEpochs, a, b, negativeSampleRate: nu, learningRate: lr, seed });
  const tl = performance.now();
  const impl = implementationFor<UmapBackend>('umap', engine.backend);
  const embedding = await impl.layout(engine, plan, start, {
    ...(o.signal ? { signal: o.signal } : {}),
    onEpoch: (e) => progress({ stage: 'layout', done: e, total: nEpochs }),
  });
  const layoutMs = performance.now() - tl;
  return withNotice(
    {
      n,
      nComponents: dim,
      embedding,
      nEpochs,
      a,
      b,
      nEdges: plan.tail.length,
      seed,
      backend: engine.backend,
      warnings: [],
      timings: { knnMs, graphMs, initMs, layoutMs, totalMs: performance.now() - t0 },
    },
    engine,
  );
}

function truncateKnn(k: KnnResult, kk: number): KnnResult {
  const indices = new Int32Array(k.n * kk);
  const distances = new Float32Array(k.n * kk);
  for (let i = 0; i < k.n; i++) {
    indices.set(k.indices.subarray(i * k.k, i * k.k + kk), i * kk);
    distances.set(k.distances.subarray(i * k.k, i * k.k + kk), i * kk);
  }
  return { ...k, k: kk, indices, distances };
}

function toDense(data: DataInput): { n: number; d: number; data: ArrayLike<number> } {
  if ('data' in data && 'n' in data) return data as { n: number; d: number; data: ArrayLike<number> };
  const rows = data as ArrayLike<ArrayLike<number>>;
  const n = rows.length;
  const d = rows[0].length;
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = rows[i][j];
  return { n, d, data: out };
}
