/**
 * `harmony(pcs, batch, { ...options, engine?, backend? })`: batch integration of PCs by Harmony
 * (fit.ts). The k-means initialisation runs on the engine (as every k-means); the Harmony
 * iterations on the engine's 'harmony' implementation ('reference', 'wasm', 'webgpu'), or, where
 * a backend has none, on the float64 reference, and the result says so.
 */
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { implementationFor, registeredBackends } from '../core/registry.js';
import { toFloat64, type DataInput } from '../data.js';
import { ENGINE_SELECTION, engineFor, withNotice, type EngineSelection } from '../engine/engine.js';
import { invalid } from '../errors.js';
import { kmeansOn } from '../kmeans/api.js';
import type { Backend } from '../types.js';
import type { HarmonyBackend, HarmonySetup } from './backend.js';
import { normaliseRows, runHarmony } from './fit.js';
import { encodeBatch, resolveHarmony } from './options.js';
import type { BatchLabels, HarmonyOptions, HarmonyResult } from './types.js';

const HARMONY_OPTIONS = [
  ...optionNames<HarmonyOptions>({
    theta: true,
    sigma: true,
    lambda: true,
    nClusters: true,
    maxIter: true,
    maxIterClustering: true,
    epsilonCluster: true,
    epsilonHarmony: true,
    blockSize: true,
    seed: true,
    returnR: true,
    onProgress: true,
    signal: true,
  }),
  ...ENGINE_SELECTION,
];

/** harmonypy's k-means initialisation: k-means++ with 10 restarts of at most 25 iterations. */
const INIT_RESTARTS = 10;
const INIT_MAX_ITER = 25;

/** Integrate the batches of `pcs` (n × d, e.g. PCA scores) labelled by `batch` (one label per row). */
export async function harmony(pcs: DataInput, batch: BatchLabels, options: HarmonyOptions & EngineSelection = {}): Promise<HarmonyResult> {
  checkOptionNames(options, HARMONY_OPTIONS, 'harmony');
  const { n, d, x } = toFloat64(pcs, 'pcs');
  const enc = encodeBatch(batch, n);
  const B = enc.levels.length;
  if (B < 2) {
    throw invalid(
      'BAD_OPTION',
      `batch has one label ('${enc.levels[0]}'), so there is nothing to integrate. Pass labels naming at least two batches, or skip harmony.`,
    );
  }
  const r = resolveHarmony(options, n);
  const engine = await engineFor(options);
  engine.check();
  const warnings: string[] = [];
  let backend: Backend = engine.backend;
  if (!registeredBackends('harmony').includes(backend)) {
    warnings.push(
      `The '${backend}' backend has no Harmony kernels: the k-means initialisation ran on '${backend}', the Harmony iterations on the float64 'reference' backend.`,
    );
    backend = 'reference';
  }
  const impl = implementationFor<HarmonyBackend>('harmony', backend);
  const setup: HarmonySetup = {
    n,
    d,
    K: r.K,
    B,
    batch: enc.index,
    sigma: new Float64Array(r.K).fill(r.sigma),
    theta: new Float64Array(B).fill(r.theta),
    prB: enc.counts.map((c) => c / n),
  };
  const init = await kmeansOn(
    engine,
    { data: normaliseRows(x, n, d), n, d },
    {
      k: r.K,
      nInit: INIT_RESTARTS,
      maxIter: INIT_MAX_ITER,
      seed: r.seed,
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  const centroids = new Float64Array(r.K * d);
  init.centroids.forEach((row, k) => centroids.set(row, k * d));
  const run = await runHarmony(impl, { backend, instance: backend === engine.backend ? engine.instance : null }, x, setup, centroids, r, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const result: HarmonyResult = {
    n,
    d,
    corrected: run.corrected,
    ...(run.R ? { R: run.R } : {}),
    nClusters: r.K,
    batches: enc.levels,
    objectives: run.objectives,
    iterations: run.iterations,
    converged: run.converged,
    clusteringIterations: run.clusteringIterations,
    backend,
    warnings: [...warnings, ...init.warnings.filter((w) => w !== engine.notice)],
  };
  return withNotice(result, engine);
}
