/** The one bind-group helper: every kernel binds plain buffers at bindings 0, 1, 2, … of group 0. */

/** A bind group of `buffers` at bindings 0, 1, 2, … (a null leaves that binding out: one the pipeline does not use). */
export function bindBuffers(device: GPUDevice, label: string, pipeline: GPUComputePipeline, buffers: (GPUBuffer | null)[]): GPUBindGroup {
  const entries: GPUBindGroupEntry[] = [];
  buffers.forEach((buffer, binding) => {
    if (buffer) entries.push({ binding, resource: { buffer } });
  });
  return device.createBindGroup({ label: `emgpu ${label}`, layout: pipeline.getBindGroupLayout(0), entries });
}
