/**
 * The one way to define a compute kernel: defineKernel names the WGSL source, the common
 * libraries it is composed with (compose.ts), its entry point and default `override` constants,
 * and returns a Kernel whose pipeline(device, constants) is created once per device and constant
 * set, then cached (a WeakMap per device, so a destroyed device takes its cache with it).
 * Specialisation is by WGSL `override`, never by editing the source text, so one shader module
 * serves every (d, k). Pipelines are labelled `emgpu name.entry {constants}` for error scopes
 * and captures.
 */
import { invalid } from '../errors.js';
import { composeWgsl, type WgslLibrary } from './compose.js';

export type KernelConstants = Record<string, number>;

export interface KernelDefinition {
  /** Short name used in labels and cache keys, e.g. 'kmeans/assign' (one source per name). */
  name: string;
  /** The kernel's own WGSL (bindings and entry points). */
  source: string;
  /** Common libraries it uses (shaders/common), prepended once each. */
  modules?: readonly WgslLibrary[];
  entryPoint?: string;
  /** Default override constants, merged under those given to pipeline(). */
  constants?: KernelConstants;
}

export interface Kernel {
  readonly name: string;
  readonly entryPoint: string;
  /** The composed WGSL (libraries + source). */
  readonly code: string;
  /** The pipeline for these override constants on this device (cached). */
  pipeline(device: GPUDevice, constants?: KernelConstants): GPUComputePipeline;
}

/** Composed code per kernel name: two definitions of one name must agree (they share a shader module). */
const defined = new Map<string, string>();
const modules = new WeakMap<GPUDevice, Map<string, GPUShaderModule>>();
const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

export function defineKernel(def: KernelDefinition): Kernel {
  const code = composeWgsl(def.source, def.modules);
  const known = defined.get(def.name);
  if (known !== undefined && known !== code) {
    throw invalid(
      'BAD_OPTION',
      `Kernel '${def.name}' is defined twice with different WGSL. Give each source its own name, or define it once and share the Kernel.`,
    );
  }
  defined.set(def.name, code);
  const entryPoint = def.entryPoint ?? 'main';
  return {
    name: def.name,
    entryPoint,
    code,
    pipeline: (device, constants = {}) => pipeline(device, def.name, code, entryPoint, { ...def.constants, ...constants }),
  };
}

function shaderModule(device: GPUDevice, name: string, code: string): GPUShaderModule {
  let cache = modules.get(device);
  if (!cache) modules.set(device, (cache = new Map()));
  let m = cache.get(name);
  if (!m) {
    m = device.createShaderModule({ label: `emgpu ${name}`, code });
    cache.set(name, m);
  }
  return m;
}

function pipeline(device: GPUDevice, name: string, code: string, entryPoint: string, constants: KernelConstants): GPUComputePipeline {
  let cache = pipelines.get(device);
  if (!cache) pipelines.set(device, (cache = new Map()));
  const spec = Object.keys(constants)
    .sort()
    .map((k) => `${k}=${constants[k]}`)
    .join(',');
  const key = `${name}:${entryPoint}:${spec}`;
  let p = cache.get(key);
  if (!p) {
    p = device.createComputePipeline({
      label: `emgpu ${name}.${entryPoint} {${spec}}`,
      layout: 'auto',
      compute: { module: shaderModule(device, name, code), entryPoint, constants },
    });
    cache.set(key, p);
  }
  return p;
}
