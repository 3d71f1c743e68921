/**
 * Getting a WebGPU device in browsers (navigator.gpu) and in Node (the optional `webgpu`
 * package, Dawn). 'auto' wants a hardware adapter and reports why it fell back; 'webgpu'
 * takes any adapter, software ones (SwiftShader) included.
 */
import { DeviceLostError, WebGPUUnavailableError } from '../errors.js';

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

/**
 * On Linux Dawn reaches the GPU through the Vulkan loader only. Without libvulkan.so.1 it can
 * find no adapter and prints a native warning, so skip loading it and say why instead.
 */
async function linuxLacksVulkan(): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  try {
    const fsName = 'node:fs';
    const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs');
    const dirs = [
      ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
      '/usr/lib/x86_64-linux-gnu',
      '/usr/lib/aarch64-linux-gnu',
      '/usr/lib64',
      '/usr/lib',
      '/lib/x86_64-linux-gnu',
      '/lib64',
      '/usr/local/lib',
    ];
    return !dirs.some((d) => fs.existsSync(`${d}/libvulkan.so.1`));
  } catch {
    return false;
  }
}

let nodeSkipReason: string | null = null;

/** Node has no navigator.gpu: load Dawn's binding if it is installed. */
async function nodeGpu(): Promise<GPU | null> {
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) return null;
  if (await linuxLacksVulkan()) {
    nodeSkipReason = "no Vulkan loader (libvulkan.so.1) is installed, so Node's WebGPU (Dawn) cannot reach a GPU";
    return null;
  }
  try {
    const name = 'webgpu';
    const mod = (await import(/* @vite-ignore */ name)) as {
      create: (flags: string[]) => GPU;
      globals: Record<string, unknown>;
    };
    // GPUBufferUsage, GPUMapMode, ... are globals in browsers; Dawn exports them.
    for (const [key, value] of Object.entries(mod.globals)) {
      if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
    }
    return mod.create([]);
  } catch {
    return null;
  }
}

export async function getGpu(): Promise<GPU | null> {
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  if (nav && 'gpu' in nav && nav.gpu) return nav.gpu;
  return nodeGpu();
}

export function describeAdapter(adapter: GPUAdapter): { description: string; software: boolean } {
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
    return {
      reason:
        nodeSkipReason ??
        'WebGPU is not available here (no navigator.gpu, and the optional "webgpu" package is not installed or failed to load)',
    };
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
      `WebGPU could not be used: ${got.reason}. Use backend: 'cpu', or run in a browser with WebGPU ` +
        "(Chrome/Edge 113+, or Chromium with --enable-unsafe-webgpu), or install the 'webgpu' package on a machine with a GPU.",
    );
  }
  return got;
}
