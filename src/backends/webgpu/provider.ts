/**
 * How an engine opens the 'webgpu' backend: request a device (or take the caller's), and keep the
 * chunking and timing options its implementations read through gpu/session.ts. Under 'auto' a
 * software adapter is declined, with the reason, so the engine falls back to the CPU.
 */
import type { BackendProvider, EngineOptions, OpenedBackend } from '../../core/registry.js';
import { DeviceLostError } from '../../errors.js';
import { acquireDevice, requireDevice, type GpuContext } from '../../gpu/device.js';
import type { GpuEngineState } from '../../gpu/session.js';

function opened(ctx: GpuContext, owns: boolean, options: EngineOptions): OpenedBackend {
  const instance: GpuEngineState = { ctx, timestamps: !!options.timestamps };
  if (options.maxChunkRows !== undefined) instance.maxChunkRows = options.maxChunkRows;
  if (options.maxWorkgroupsPerDimension !== undefined) instance.groupsPerDimCap = options.maxWorkgroupsPerDimension;
  return {
    name: 'webgpu',
    adapter: ctx.description,
    instance,
    check() {
      if (ctx.lost) throw ctx.lost;
    },
    destroy() {
      if (owns) ctx.device.destroy();
    },
  };
}

export const webgpuProvider: BackendProvider = {
  async open(options, auto) {
    if (options.device) {
      const ctx: GpuContext = {
        device: options.device,
        adapter: null as unknown as GPUAdapter,
        description: 'caller-supplied device',
        software: false,
        lost: null,
        liveBytes: 0,
      };
      void options.device.lost.then((info) => {
        ctx.lost = new DeviceLostError(info.reason ?? 'unknown', info.message ?? '');
      });
      return opened(ctx, false, options);
    }
    const acquire = { allowSoftware: !auto, ...(options.powerPreference ? { powerPreference: options.powerPreference } : {}) };
    if (!auto) return opened(await requireDevice(acquire), true, options);
    const got = await acquireDevice(acquire);
    return 'reason' in got ? { unavailable: got.reason } : opened(got, true, options);
  },
};
