/**
 * Node's WebGPU: the optional `webgpu` package (Dawn). Node-only. The library build keeps this file
 * out of the browser bundle: device.ts imports it as '#node-gpu', which package.json's `imports`
 * map resolves to it under the `node` condition and to ./no-node-gpu.ts everywhere else, so no
 * browser bundler ever sees `import('webgpu')`.
 */
import { importAtRunTime, importNodeBuiltin } from '../core/node-builtin.js';

/**
 * On Linux Dawn reaches the GPU through the Vulkan loader only. Without libvulkan.so.1 it can
 * find no adapter and prints a native warning, so skip loading it and say why instead.
 */
async function linuxLacksVulkan(): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  try {
    const fs = await importNodeBuiltin<typeof import('node:fs')>('fs');
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

/** Dawn's GPU object, or why there is none. */
export async function nodeGpu(): Promise<{ gpu: GPU } | { reason: string }> {
  if (await linuxLacksVulkan()) {
    return { reason: "no Vulkan loader (libvulkan.so.1) is installed, so Node's WebGPU (Dawn) cannot reach a GPU" };
  }
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = await importAtRunTime<typeof mod>('webgpu');
  } catch (e) {
    return {
      reason: `the optional "webgpu" package (Dawn) is not installed or failed to load (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`,
    };
  }
  // GPUBufferUsage, GPUMapMode, ... are globals in browsers; Dawn exports them.
  for (const [key, value] of Object.entries(mod.globals)) {
    if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
  }
  try {
    return { gpu: mod.create([]) };
  } catch (e) {
    return { reason: `Node's WebGPU (Dawn) could not start (${e instanceof Error ? e.message : String(e)})` };
  }
}
