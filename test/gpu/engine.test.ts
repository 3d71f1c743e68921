import { describe, test, expect } from 'vitest';
import { createEngine, kmeans } from '../../src/index.js';
import { describeAdapter } from '../../src/gpu/device.js';

describe('engine selection in the browser', () => {
  test("'auto' refuses a software adapter and says so; 'webgpu' accepts it", async () => {
    const adapter = await navigator.gpu.requestAdapter();
    expect(adapter).not.toBeNull();
    const { software, description } = describeAdapter(adapter!);
    const auto = await createEngine({ backend: 'auto' });
    if (software) {
      expect(auto.backend).toBe('wasm');
      expect(auto.fallbackReason).toMatch(/software rasteriser.*slower than the CPU backend/);
    } else {
      expect(auto.backend).toBe('webgpu');
    }
    const forced = await createEngine({ backend: 'webgpu' });
    expect(forced.backend).toBe('webgpu');
    expect(forced.adapter).toBe(description);
    const r = await kmeans([[0], [1], [10], [11]], { k: 2, init: [[0], [1]], engine: forced });
    expect(r.backend).toBe('webgpu');
    expect(r.adapter).toBe(description);
    forced.destroy();
    auto.destroy();
  });
});
