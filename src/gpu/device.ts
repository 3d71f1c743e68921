/**
 * Getting a WebGPU device in browsers (navigator.gpu) and in Node (the optional `webgpu`
 * package, Dawn). 'auto' wants a hardware adapter and reports why it fell back; 'webgpu'
 * takes any adapter, software ones (SwiftShader) included.
 */
import { DeviceLostError, invalid, WebGPUUnavailableError } from '../errors.js';

export interface GpuContext {
  device: GPUDevice;
  adapter: GPUAdapter;
  /** Human-readable adapter description, e.g. "nvidia / hopper (NVIDIA H100)". */
  description: string;
  software: boolean;
  /** Set once the device is lost; every later call throws it. */
  lost: DeviceLostError | null;
  /** Bytes of GPU buffers emgpu holds on this device right now (every runner's, together): back to 0 between calls. */
  liveBytes: number;
}

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  /** Accept software adapters (SwiftShader, WARP, lavapipe). */
  allowSoftware: boolean;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** Why there is no GPU object here, in this platform's terms (a browser's reason never names Node's package). */
let noGpu: string | null = null;

const BROWSER_FIX =
  'run in a browser with WebGPU (Chrome/Edge 113+, Safari 26+, Firefox 141+ on Windows; Chromium with --enable-unsafe-webgpu) on a secure (https or localhost) page';
const NODE_FIX = "or, in Node, install the optional 'webgpu' package (Dawn) on a machine with a GPU";

/** Node has no navigator.gpu: load Dawn's binding if it is installed (through the Node-only '#node-gpu'). */
async function nodeGpu(): Promise<GPU | null> {
  // './node-gpu.js' here; the library build turns this import into '#node-gpu' (see vite.config.ts).
  const platform = await import('./node-gpu.js');
  const got = await platform.nodeGpu();
  if ('gpu' in got) return got.gpu;
  noGpu = got.reason;
  return null;
}

export async function getGpu(): Promise<GPU | null> {
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  if (nav && 'gpu' in nav && nav.gpu) return nav.gpu;
  if (isNode) return nodeGpu();
  noGpu =
    'this browser offers no WebGPU (navigator.gpu is undefined: an older browser, WebGPU turned off, or a page that is not a secure context)';
  return null;
}

export function describeAdapter(adapter: GPUAdapter): { description: string; software: boolean } {
  if (adapter === null || typeof adapter !== 'object')
    throw invalid(
      'BAD_OPTION',
      `describeAdapter: the adapter is ${adapter === null ? 'null' : typeof adapter}; pass a GPUAdapter from navigator.gpu.requestAdapter().`,
    );
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => !!s);
  const text = parts.join(' / ') || 'unknown adapter';
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const software = fallback || /swiftshader|llvmpipe|lavapipe|warp|software/i.test(text);
  return { description: software && !/swiftshader/i.test(text) ? `${text} (software)` : text, software };
}

const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

/** Returns a device, or the reason there is none (so 'auto' can say why it chose the CPU). */
export async function acquireDevice(opts: AcquireOptions): Promise<GpuContext | { reason: string }> {
  const gpu = await getGpu();
  if (!gpu) {
    return { reason: noGpu ?? 'WebGPU is not available here' };
  }
  const request: GPURequestAdapterOptions = {};
  if (opts.powerPreference) request.powerPreference = opts.powerPreference;
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter(request);
  } catch (e) {
    return { reason: `requestAdapter failed: ${(e as Error).message}` };
  }
  if (!adapter) return { reason: 'no WebGPU adapter was found' };
  const { description, software } = describeAdapter(adapter);
  if (software && !opts.allowSoftware) {
    return { reason: `the only adapter is a software rasteriser (${description}), slower than the CPU backend` };
  }
  // Ask for the adapter's maxima: data sizes are unknown until a fit, and chunking adapts to what we get.
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof v === 'number') requiredLimits[name] = v;
  }
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  // Kernels with a subgroup variant choose it at pipeline creation (e.g. kmeans-kernels.ts).
  if (adapter.features.has('subgroups')) requiredFeatures.push('subgroups');
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ label: 'emgpu device', requiredLimits, requiredFeatures });
  } catch (e) {
    return { reason: `requestDevice failed: ${(e as Error).message}` };
  }
  const ctx: GpuContext = { device, adapter, description, software, lost: null, liveBytes: 0 };
  void device.lost.then((info) => {
    ctx.lost = new DeviceLostError(info.reason ?? 'unknown', info.message ?? '');
  });
  return ctx;
}

export async function requireDevice(opts: AcquireOptions): Promise<GpuContext> {
  const got = await acquireDevice(opts);
  if ('reason' in got) {
    throw new WebGPUUnavailableError(
      `WebGPU could not be used: ${got.reason}. Use backend: 'cpu', or ${BROWSER_FIX}${isNode ? `, ${NODE_FIX}` : ''}.`,
    );
  }
  return got;
}
