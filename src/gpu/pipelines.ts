/**
 * Compute pipelines, cached per device (a WeakMap, so a destroyed device takes its cache with
 * it) and per shader + override constants. Specialisation is by WGSL `override`, never by
 * editing the source text, so one module serves every (d, k).
 */

const modules = new WeakMap<GPUDevice, Map<string, GPUShaderModule>>();
const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

export interface KernelSource {
  /** Short name used in labels and cache keys, e.g. 'kmeans/assign'. */
  name: string;
  code: string;
}

export function shaderModule(device: GPUDevice, src: KernelSource): GPUShaderModule {
  let cache = modules.get(device);
  if (!cache) modules.set(device, (cache = new Map()));
  let m = cache.get(src.name);
  if (!m) {
    m = device.createShaderModule({ label: `emgpu ${src.name}`, code: src.code });
    cache.set(src.name, m);
  }
  return m;
}

export function computePipeline(
  device: GPUDevice,
  src: KernelSource,
  constants: Record<string, number>,
  entryPoint = 'main',
): GPUComputePipeline {
  let cache = pipelines.get(device);
  if (!cache) pipelines.set(device, (cache = new Map()));
  const keys = Object.keys(constants).sort();
  const key = `${src.name}:${entryPoint}:${keys.map((k) => `${k}=${constants[k]}`).join(',')}`;
  let p = cache.get(key);
  if (!p) {
    p = device.createComputePipeline({
      label: `emgpu ${src.name}.${entryPoint} {${keys.map((k) => `${k}=${constants[k]}`).join(',')}}`,
      layout: 'auto',
      compute: { module: shaderModule(device, src), entryPoint, constants },
    });
    cache.set(key, p);
  }
  return p;
}
