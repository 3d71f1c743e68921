/**
 * What '#node-gpu' resolves to outside Node (browsers, and bundles built for them): no Node
 * WebGPU provider. See ./node-gpu.ts.
 */
export async function nodeGpu(): Promise<{ gpu: GPU } | { reason: string }> {
  return { reason: 'this build of emgpu was bundled for browsers, so it has no Node WebGPU provider' };
}
