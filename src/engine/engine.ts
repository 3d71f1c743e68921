/**
 * The engine: one backend (WebGPU device or the CPU reference) behind one API. Create it once,
 * fit many times, destroy it to free the device. The top-level functions (kmeans, …) use a
 * shared default engine per backend choice.
 */
import { toDataset, toFloat64, type DataInput } from '../data.js';
import { DeviceLostError, EmgpuError, invalid } from '../errors.js';
import { acquireDevice, requireDevice, type GpuContext } from '../gpu/device.js';
import { GpuRunner, withErrorScopes, summariseCounters } from '../gpu/runner.js';
import type { ChunkingOptions } from '../gpu/dataset.js';
import type { GpuEngineState } from '../gpu/session.js';
import { resolveBeta, resolveOptions, type ResolvedOptions } from './options.js';
import { lloydReference, softReference, predictReference, transformReference } from '../kmeans/reference.js';
import { fitKMeansGpu, applyCentroidsGpu } from '../kmeans/fit.js';
import { fitGaussianMixture } from '../gmm/fit.js';
import { kmeansResult, softKMeansResult, type RawFit } from '../kmeans/results.js';
import type {
  Backend,
  BackendChoice,
  CentroidModel,
  GaussianMixtureOptions,
  GaussianMixtureResult,
  KMeansOptions,
  KMeansResult,
  SoftKMeansOptions,
  SoftKMeansResult,
} from '../types.js';

export interface EngineOptions {
  /** 'auto' (default): a hardware WebGPU adapter if there is one, else the CPU. 'webgpu': any adapter, or an error. 'cpu': the float64 reference. */
  backend?: BackendChoice;
  /** Use this device instead of requesting one (the engine will not destroy it). */
  device?: GPUDevice;
  powerPreference?: GPUPowerPreference;
  /** Cap on rows per GPU chunk; by default chunks are as large as the binding limit allows. */
  maxChunkRows?: number;
  /** Cap on workgroups per dispatch dimension (testing aid: forces 2-D split dispatches on small data). */
  maxWorkgroupsPerDimension?: number;
  /**
   * Time every compute pass with GPU timestamp queries when the device has 'timestamp-query'
   * (results' gpu.timing says 'timestamp' and gpu.gpuMsPerIter is set); off by default.
   */
  timestamps?: boolean;
}

export interface Engine {
  readonly backend: Backend;
  /** Backend-specific state (a GpuEngineState on 'webgpu', null on the CPU): what backend implementations use (gpu/session.ts). */
  readonly instance: GpuEngineState | null;
  /** Adapter description ('cpu (float64 reference)' on the CPU backend). */
  readonly adapter: string;
  /** Why 'auto' chose the CPU, when it did. */
  readonly fallbackReason: string | null;
  kmeans(data: DataInput, options: KMeansOptions): Promise<KMeansResult>;
  softKMeans(data: DataInput, options: SoftKMeansOptions): Promise<SoftKMeansResult>;
  /** Index of the nearest centroid for each row of X. */
  predict(model: CentroidModel, X: DataInput): Promise<number[]>;
  /** Euclidean distances from each row of X to every centroid (n rows of k). */
  transform(model: CentroidModel, X: DataInput): Promise<number[][]>;
  /** Gaussian mixture by EM (MLE, or MAP with `prior`), scikit-learn's GaussianMixture semantics. */
  gaussianMixture(data: DataInput, options: GaussianMixtureOptions): Promise<GaussianMixtureResult>;
  /**
   * Run a model on this engine's backend: `cpu()` on the CPU backend, else `gpu(runner, chunking)`
   * inside validation/out-of-memory error scopes with a fresh runner whose buffers are freed after.
   * The extension point every model's fit uses.
   */
  run<T>(cpu: () => Promise<T>, gpu: (runner: GpuRunner, chunking: ChunkingOptions) => Promise<T>): Promise<T>;
  destroy(): void;
}

const CPU_ADAPTER = 'cpu (float64 reference)';

function modelCentroids(model: CentroidModel, d: number): { c: Float64Array; k: number } {
  if (!model?.centroids)
    throw invalid('BAD_OPTION', 'The model has no centroids. Pass the result of kmeans() or { centroids: number[][] }.');
  const m = toFloat64(model.centroids as ArrayLike<ArrayLike<number>>, 'model.centroids');
  if (m.d !== d) {
    throw invalid(
      'DIMENSION_MISMATCH',
      `X has ${d} features, but the model was fitted on ${m.d}. Pass data with ${m.d} columns in the training order.`,
    );
  }
  return { c: m.x, k: m.n };
}

class EngineImpl implements Engine {
  private destroyed = false;
  readonly instance: GpuEngineState | null;
  constructor(
    readonly backend: Backend,
    readonly adapter: string,
    readonly fallbackReason: string | null,
    private readonly gpu: GpuContext | null,
    private readonly ownsDevice: boolean,
    private readonly maxChunkRows: number | undefined,
    private readonly groupsPerDimCap?: number,
    private readonly timestamps = false,
  ) {
    this.instance = gpu
      ? {
          ctx: gpu,
          timestamps,
          ...(maxChunkRows !== undefined ? { maxChunkRows } : {}),
          ...(groupsPerDimCap !== undefined ? { groupsPerDimCap } : {}),
        }
      : null;
  }

  private check(): void {
    if (this.destroyed) throw new EmgpuError('ENGINE_DESTROYED', 'This engine was destroyed. Create a new one with createEngine().');
    if (this.gpu?.lost) throw this.gpu.lost;
  }

  private async onGpu<T>(fn: (runner: GpuRunner) => Promise<T>): Promise<T> {
    const runner = new GpuRunner(this.gpu!, this.groupsPerDimCap, this.timestamps);
    try {
      return await withErrorScopes(this.gpu!, () => fn(runner));
    } finally {
      runner.destroy();
    }
  }

  async run<T>(cpu: () => Promise<T>, gpu: (runner: GpuRunner, chunking: ChunkingOptions) => Promise<T>): Promise<T> {
    this.check();
    if (this.backend === 'cpu') return cpu();
    const chunking: ChunkingOptions = {};
    if (this.maxChunkRows !== undefined) chunking.maxChunkRows = this.maxChunkRows;
    return this.onGpu((runner) => gpu(runner, chunking));
  }

  private async fitCentroids(data: DataInput, options: KMeansOptions, soft: { beta: number; returnResponsibilities: boolean } | null) {
    this.check();
    const t0 = performance.now();
    const ds = toDataset(data);
    const o: ResolvedOptions = resolveOptions(ds, options);
    const base = { n: ds.n, d: ds.d, k: o.k, backend: this.backend, adapter: this.adapter, seed: o.seed };
    if (this.backend === 'cpu') {
      if (soft) {
        const out = await softReference(ds, o, soft.beta);
        const r = out.best.result;
        const labels = argmaxRows(r.resp, ds.n, o.k);
        const raw: RawFit = {
          ...base,
          centres: r.centres,
          labels,
          inertia: hardInertia(ds.x, ds.d, r.centres, labels),
          nIter: r.nIter,
          converged: r.converged,
          stopReason: r.stopReason,
          history: r.history,
          restarts: out.restarts,
          bestRestart: out.bestRestart,
          initMs: r.initMs,
          perIterMs: r.perIterMs,
          totalMs: performance.now() - t0,
          relocations: r.relocations,
        };
        return { raw, o, objective: r.objective, resp: soft.returnResponsibilities ? r.resp : undefined };
      }
      const out = await lloydReference(ds, o);
      const r = out.best.result;
      const raw: RawFit = {
        ...base,
        centres: r.centres,
        labels: r.labels,
        inertia: r.inertia,
        nIter: r.nIter,
        converged: r.converged,
        stopReason: r.stopReason,
        history: r.history,
        restarts: out.restarts,
        bestRestart: out.bestRestart,
        initMs: r.initMs,
        perIterMs: r.perIterMs,
        totalMs: performance.now() - t0,
        relocations: r.relocations,
      };
      return { raw, o, objective: r.inertia, resp: undefined };
    }
    return this.onGpu(async (runner) => {
      const out = await fitKMeansGpu(runner, ds, o, { maxChunkRows: this.maxChunkRows, ...(soft ? { soft } : {}) });
      const r = out.best.result;
      const gpu = summariseCounters(runner, out.iterCounters, out.chunks);
      const raw: RawFit = {
        ...base,
        centres: r.centres,
        labels: r.labels,
        inertia: r.inertia,
        nIter: r.loop.nIter,
        converged: r.loop.converged,
        stopReason: r.loop.stopReason,
        history: r.loop.history,
        restarts: out.restarts,
        bestRestart: out.bestRestart,
        initMs: r.initMs,
        perIterMs: r.loop.perIterMs,
        totalMs: performance.now() - t0,
        relocations: r.relocations,
        gpu,
      };
      return { raw, o, objective: r.objective, resp: r.resp };
    });
  }

  async gaussianMixture(data: DataInput, options: GaussianMixtureOptions): Promise<GaussianMixtureResult> {
    this.check();
    return fitGaussianMixture(this, data, options);
  }

  async kmeans(data: DataInput, options: KMeansOptions): Promise<KMeansResult> {
    const { raw, o } = await this.fitCentroids(data, options, null);
    return kmeansResult(raw, o.maxIter);
  }

  async softKMeans(data: DataInput, options: SoftKMeansOptions): Promise<SoftKMeansResult> {
    const beta = resolveBeta(options ?? ({} as SoftKMeansOptions));
    const { raw, o, objective, resp } = await this.fitCentroids(data, options, {
      beta,
      returnResponsibilities: !!options.returnResponsibilities,
    });
    return softKMeansResult(raw, o.maxIter, beta, objective, resp);
  }

  async predict(model: CentroidModel, X: DataInput): Promise<number[]> {
    this.check();
    const x = toFloat64(X, 'X');
    const { c, k } = modelCentroids(model, x.d);
    if (this.backend === 'cpu') return Array.from(predictReference(x.x, x.n, x.d, c, k).labels);
    return this.onGpu(async (runner) => {
      const out = await applyCentroidsGpu(runner, x, c, k, 'predict', { maxChunkRows: this.maxChunkRows });
      return Array.from(out.labels!);
    });
  }

  async transform(model: CentroidModel, X: DataInput): Promise<number[][]> {
    this.check();
    const x = toFloat64(X, 'X');
    const { c, k } = modelCentroids(model, x.d);
    let flat: Float64Array | Float32Array;
    if (this.backend === 'cpu') flat = transformReference(x.x, x.n, x.d, c, k);
    else {
      flat = await this.onGpu(
        async (runner) => (await applyCentroidsGpu(runner, x, c, k, 'transform', { maxChunkRows: this.maxChunkRows })).distances!,
      );
    }
    const out: number[][] = new Array(x.n);
    for (let i = 0; i < x.n; i++) out[i] = Array.from(flat.subarray(i * k, (i + 1) * k));
    return out;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.gpu && this.ownsDevice) this.gpu.device.destroy();
  }
}

function argmaxRows(r: Float64Array, n: number, k: number): Int32Array {
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let j = 0; j < k; j++)
      if (r[i * k + j] > best) {
        best = r[i * k + j];
        labels[i] = j;
      }
  }
  return labels;
}

function hardInertia(x: Float64Array, d: number, c: Float64Array, labels: Int32Array): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    for (let f = 0; f < d; f++) {
      const t = x[i * d + f] - c[labels[i] * d + f];
      s += t * t;
    }
  }
  return s;
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const choice = options.backend ?? 'auto';
  if (choice !== 'auto' && choice !== 'webgpu' && choice !== 'cpu') {
    throw invalid('BAD_OPTION', `backend='${String(choice)}' is not recognised. Use 'auto', 'webgpu' or 'cpu'.`);
  }
  const maxChunkRows = options.maxChunkRows;
  const ts = !!options.timestamps;
  if (choice === 'cpu') return new EngineImpl('cpu', CPU_ADAPTER, null, null, false, maxChunkRows);
  if (options.device) {
    const ctx: GpuContext = {
      device: options.device,
      adapter: null as unknown as GPUAdapter,
      description: 'caller-supplied device',
      software: false,
      lost: null,
    };
    void options.device.lost.then((info) => {
      ctx.lost = new DeviceLostError(info.reason ?? 'unknown', info.message ?? '');
    });
    return new EngineImpl('webgpu', ctx.description, null, ctx, false, maxChunkRows, options.maxWorkgroupsPerDimension, ts);
  }
  const acquire = { allowSoftware: choice === 'webgpu', ...(options.powerPreference ? { powerPreference: options.powerPreference } : {}) };
  if (choice === 'webgpu') {
    const ctx = await requireDevice(acquire);
    return new EngineImpl('webgpu', ctx.description, null, ctx, true, maxChunkRows, options.maxWorkgroupsPerDimension, ts);
  }
  const got = await acquireDevice(acquire);
  if ('reason' in got) return new EngineImpl('cpu', CPU_ADAPTER, got.reason, null, false, maxChunkRows);
  return new EngineImpl('webgpu', got.description, null, got, true, maxChunkRows, options.maxWorkgroupsPerDimension, ts);
}

/** Where a public function finds its engine: `engine`, or the shared engine of `backend` (default 'auto'). */
export interface EngineSelection {
  /** A created engine (createEngine); takes precedence over `backend`. */
  engine?: Engine;
  /** Backend name for the shared engine when no `engine` is given (default 'auto'). */
  backend?: BackendChoice;
}

const defaults = new Map<BackendChoice, Promise<Engine>>();

/** The shared engine for a backend choice, created on first use. */
export function defaultEngine(backend: BackendChoice = 'auto'): Promise<Engine> {
  let e = defaults.get(backend);
  if (!e) {
    e = createEngine({ backend });
    defaults.set(backend, e);
    // A failed creation (e.g. no WebGPU for 'webgpu') is not cached.
    e.catch(() => defaults.delete(backend));
  }
  return e;
}

/** The engine a call runs on: options.engine, else the shared engine of options.backend. */
export async function engineFor(options: EngineSelection | undefined): Promise<Engine> {
  return options?.engine ?? defaultEngine(options?.backend ?? 'auto');
}
