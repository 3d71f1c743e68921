import { describe, test, expect } from 'vitest';
import { createEngine, kmeans, predict, WebGPUUnavailableError } from '../../src/index.js';
import { getGpu } from '../../src/gpu/device.js';

describe('engine selection in Node', () => {
  test("'auto' uses a hardware adapter when Node has one, else the CPU with the reason", async () => {
    const engine = await createEngine({ backend: 'auto' });
    if (engine.backend === 'reference') {
      expect(engine.fallbackReason).toMatch(/adapter|WebGPU|software/);
      expect(engine.adapter).toBe('cpu (float64 reference)');
    } else {
      expect(engine.adapter).not.toMatch(/swiftshader|software/i);
    }
    engine.destroy();
  });

  test("'webgpu' without any adapter is a WebGPUUnavailableError that names the alternatives", async () => {
    const gpu = await getGpu();
    const adapter = gpu ? await gpu.requestAdapter() : null;
    if (adapter) {
      const engine = await createEngine({ backend: 'webgpu' });
      expect(engine.backend).toBe('webgpu');
      engine.destroy();
      return;
    }
    const err = await createEngine({ backend: 'webgpu' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebGPUUnavailableError);
    expect((err as Error).message).toMatch(/backend: 'cpu'/);
  });

  test('the top-level functions share a default engine per backend', async () => {
    const r = await kmeans([[0], [1], [10], [11]], { k: 2, init: [[0], [1]], backend: 'cpu' });
    // 'cpu' is an alias: the result names the backend that ran.
    expect(r.backend).toBe('reference');
    expect(r.labels).toEqual([0, 0, 1, 1]);
    expect(await predict(r, [[-3], [12], [5.4], [5.6]], { backend: 'cpu' })).toEqual([0, 1, 0, 1]);
  });
});
