import { describe, test, expect } from 'vitest';
import { createEngine, EmgpuError, gaussianMixture, kmeans, predict, WebGPUUnavailableError } from '../../src/index.js';
import { implementationFor, registerBackend, registerImplementation } from '../../src/core/registry.js';
import type { KMeansBackend } from '../../src/kmeans/backend.js';
import { getGpu } from '../../src/gpu/device.js';

describe('engine selection in Node', () => {
  test("'auto' uses a hardware adapter when Node has one, else the CPU with the reason", async () => {
    const engine = await createEngine({ backend: 'auto' });
    if (engine.backend !== 'webgpu') {
      // The CPU backend is 'wasm' (the float64 reference only where WebAssembly cannot run).
      expect(engine.backend).toBe('wasm');
      expect(engine.fallbackReason).toMatch(/adapter|WebGPU|software/);
      expect(engine.adapter).toMatch(/^cpu \(wasm: WebAssembly SIMD128, \d+ threads?\)$/);
      expect(engine.notice).toBeNull();
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
    // 'cpu' is an alias of 'wasm': the result names the backend that ran.
    expect(r.backend).toBe('wasm');
    expect(r.labels).toEqual([0, 0, 1, 1]);
    expect(r.centroids).toEqual([[0.5], [10.5]]);
    expect(await predict(r, [[-3], [12], [5.4], [5.6]], { backend: 'cpu' })).toEqual([0, 1, 0, 1]);
  });
});

describe('backends are named plug-ins', () => {
  // A third backend registers a provider and one contract, without touching model code. It
  // delegates to the reference implementation, so its results must equal the reference's.
  registerBackend('test-double', {
    async open() {
      return { name: 'test-double', adapter: 'test double', instance: { calls: 0 }, check() {}, destroy() {} };
    },
  });
  const reference = implementationFor<KMeansBackend>('kmeans', 'reference');
  const sessions: string[] = [];
  registerImplementation<KMeansBackend>('kmeans', 'test-double', {
    session(engine, ds, setup, fn) {
      sessions.push(engine.backend);
      return reference.session(engine, ds, setup, fn);
    },
    apply: (engine, x, c, k, what) => reference.apply(engine, x, c, k, what),
  });

  test('a registered backend runs the model through its implementation, with the same bits as the one it wraps', async () => {
    const X = [[0], [1], [10], [11], [4]];
    const engine = await createEngine({ backend: 'test-double' });
    expect(engine.backend).toBe('test-double');
    expect(engine.adapter).toBe('test double');
    const r = await kmeans(X, { k: 2, seed: 3, engine });
    const ref = await kmeans(X, { k: 2, seed: 3, backend: 'reference' });
    expect(sessions).toEqual(['test-double']);
    expect(r.backend).toBe('test-double');
    expect(r.centroids).toEqual(ref.centroids);
    expect(r.labels).toEqual(ref.labels);
  });

  test('a contract the backend lacks is a NO_IMPLEMENTATION error naming the backends that have it', async () => {
    const engine = await createEngine({ backend: 'test-double' });
    const err = await gaussianMixture([[0], [1], [10], [11]], { nInit: 1, k: 2, engine }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmgpuError);
    expect((err as EmgpuError).code).toBe('NO_IMPLEMENTATION');
    expect((err as Error).message).toMatch(/'test-double' has no implementation of 'gmm'.*'reference'/);
  });

  test('an unknown backend name is refused with the names that exist', async () => {
    const err = await createEngine({ backend: 'tpu' }).catch((e: unknown) => e);
    expect((err as EmgpuError).code).toBe('BAD_OPTION');
    expect((err as Error).message).toMatch(/backend='tpu' is not recognised\. Use one of 'auto', .*'reference'.*'webgpu'.*'cpu'/);
  });
});
