/**
 * The engine façade: one named backend ('webgpu', or 'reference' — the float64 oracle, also called
 * 'cpu') behind the model API. Create it once, fit many times, destroy it to free the device. It
 * knows no model: each model finds its backend's implementation by name (core/registry.ts), and a
 * WebGPU implementation reaches the device through gpu/session.ts.
 */
import { DeviceLostError, EmgpuError, invalid } from '../errors.js';
import { acquireDevice, requireDevice, type GpuContext } from '../gpu/device.js';
import type { GpuEngineState } from '../gpu/session.js';
import { canonicalBackend } from '../core/registry.js';
import type { Backend, BackendChoice } from '../types.js';

export interface EngineOptions {
  /** 'auto' (default): a hardware WebGPU adapter if there is one, else 'cpu'. 'webgpu': any adapter, or an error. 'reference': the float64 oracle. 'cpu': the fastest CPU backend (today 'reference'). */
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
  /** Throws when the engine was destroyed or its device lost; every model call starts with it. */
  check(): void;
  destroy(): void;
}

const CPU_ADAPTER = 'cpu (float64 reference)';

/** The CPU backend a name stands for: 'cpu' is an alias (registered by the backend that takes it), 'reference' without one. */
function cpuBackend(name: 'reference' | 'cpu'): Backend {
  const b = canonicalBackend(name);
  return (b === 'cpu' ? 'reference' : b) as Backend;
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
    maxChunkRows: number | undefined,
    groupsPerDimCap?: number,
    timestamps = false,
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

  check(): void {
    if (this.destroyed) throw new EmgpuError('ENGINE_DESTROYED', 'This engine was destroyed. Create a new one with createEngine().');
    if (this.gpu?.lost) throw this.gpu.lost;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.gpu && this.ownsDevice) this.gpu.device.destroy();
  }
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const choice = options.backend ?? 'auto';
  if (choice !== 'auto' && choice !== 'webgpu' && choice !== 'reference' && choice !== 'cpu') {
    throw invalid('BAD_OPTION', `backend='${String(choice)}' is not recognised. Use 'auto', 'webgpu', 'reference' or 'cpu'.`);
  }
  const maxChunkRows = options.maxChunkRows;
  const ts = !!options.timestamps;
  if (choice !== 'auto' && choice !== 'webgpu') return new EngineImpl(cpuBackend(choice), CPU_ADAPTER, null, null, false, maxChunkRows);
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
  if ('reason' in got) return new EngineImpl(cpuBackend('cpu'), CPU_ADAPTER, got.reason, null, false, maxChunkRows);
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
