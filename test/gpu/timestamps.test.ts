import { describe, test, expect } from 'vitest';
import { createEngine, gaussianMixture, kmeans } from '../../src/index.js';

/** Deterministic blobs: n rows, d features, k centres. */
function blobs(n: number, d: number, k: number, seed = 7): number[][] {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => rnd() * 20));
  return Array.from({ length: n }, (_, i) => centres[i % k].map((c) => c + (rnd() - 0.5) * 3));
}

async function hasTimestampQuery(): Promise<boolean> {
  const adapter = await navigator.gpu.requestAdapter();
  return !!adapter && adapter.features.has('timestamp-query');
}

describe('GPU timestamp timing', () => {
  test("timestamps off (the default): timing 'wall', no gpuMsPerIter", async () => {
    const engine = await createEngine({ backend: 'webgpu' });
    try {
      const r = await kmeans(blobs(2000, 4, 3), { k: 3, seed: 1, nInit: 1, engine });
      expect(r.gpu!.timing).toBe('wall');
      expect(r.gpu!.gpuMsPerIter).toBeUndefined();
      const g = await gaussianMixture(blobs(500, 3, 2), { k: 2, seed: 1, nInit: 1, engine });
      expect(g.gpu!.timing).toBe('wall');
      expect(g.gpu!.gpuMsPerIter).toBeUndefined();
    } finally {
      engine.destroy();
    }
  });

  test('timestamps: true uses timestamp queries when the adapter has them, and changes no result', async () => {
    const supported = await hasTimestampQuery();
    const X = blobs(20000, 8, 5);
    const opts = { k: 5, seed: 3, nInit: 2 };
    const off = await createEngine({ backend: 'webgpu' });
    const on = await createEngine({ backend: 'webgpu', timestamps: true });
    try {
      const a = await kmeans(X, { ...opts, engine: off });
      const b = await kmeans(X, { ...opts, engine: on });
      expect(b.labels).toEqual(a.labels);
      expect(Object.is(b.inertia, a.inertia)).toBe(true);
      expect(b.centroids).toEqual(a.centroids);
      expect(b.nIter).toBe(a.nIter);
      // Timing rides along with the existing readbacks: same data bytes, readbacks and submits.
      expect(b.gpu!.bytesReadPerIter).toBe(a.gpu!.bytesReadPerIter);
      expect(b.gpu!.readbacks).toBe(a.gpu!.readbacks);
      expect(b.gpu!.submits).toBe(a.gpu!.submits);
      if (supported) {
        expect(b.gpu!.timing).toBe('timestamp');
        expect(b.gpu!.gpuMsPerIter).toBeGreaterThan(0);
        expect(Number.isFinite(b.gpu!.gpuMsPerIter)).toBe(true);
      } else {
        expect(b.gpu!.timing).toBe('wall');
        expect(b.gpu!.gpuMsPerIter).toBeUndefined();
      }
      console.log(`timestamp-query: ${supported}; timing ${b.gpu!.timing}; gpuMsPerIter ${b.gpu!.gpuMsPerIter}`);
    } finally {
      off.destroy();
      on.destroy();
    }
  });

  test('Gaussian mixtures report timestamp timing too, with the same results', async () => {
    const supported = await hasTimestampQuery();
    const X = blobs(3000, 4, 3);
    const opts = { k: 3, seed: 2, nInit: 1, covariance: 'diag' as const };
    const off = await createEngine({ backend: 'webgpu' });
    const on = await createEngine({ backend: 'webgpu', timestamps: true });
    try {
      const a = await gaussianMixture(X, { ...opts, engine: off });
      const b = await gaussianMixture(X, { ...opts, engine: on });
      expect(b.labels).toEqual(a.labels);
      expect(Object.is(b.lowerBound, a.lowerBound)).toBe(true);
      expect(b.gpu!.bytesReadPerIter).toBe(a.gpu!.bytesReadPerIter);
      expect(b.gpu!.timing).toBe(supported ? 'timestamp' : 'wall');
      if (supported) expect(b.gpu!.gpuMsPerIter).toBeGreaterThan(0);
    } finally {
      off.destroy();
      on.destroy();
    }
  });

  test('more passes between readbacks than the timestamp ring holds: results unchanged, no extra readbacks', async () => {
    const supported = await hasTimestampQuery();
    // 300 chunks → 601 passes per iteration, beyond the 256-pass ring.
    const X = blobs(300 * 16, 2, 3);
    const opts = { k: 3, seed: 5, nInit: 1, maxIter: 4 };
    const off = await createEngine({ backend: 'webgpu', maxChunkRows: 16 });
    const on = await createEngine({ backend: 'webgpu', maxChunkRows: 16, timestamps: true });
    try {
      const a = await kmeans(X, { ...opts, engine: off });
      const b = await kmeans(X, { ...opts, engine: on });
      expect(b.labels).toEqual(a.labels);
      expect(Object.is(b.inertia, a.inertia)).toBe(true);
      expect(b.gpu!.chunks).toBeGreaterThan(128);
      expect(b.gpu!.readbacks).toBe(a.gpu!.readbacks);
      expect(b.gpu!.timing).toBe(supported ? 'timestamp' : 'wall');
      if (supported) expect(Number.isFinite(b.gpu!.gpuMsPerIter)).toBe(true);
    } finally {
      off.destroy();
      on.destroy();
    }
  });
});
