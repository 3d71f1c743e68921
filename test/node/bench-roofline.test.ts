/** The roofline of `npm run bench:gpu` (bench/roofline.ts): known bandwidths and the per-case rates. */
import { describe, test, expect } from 'vitest';
import { knownBandwidth, renderRoofline, rooflineRows } from '../../bench/roofline.js';
import type { BenchResult } from '../../bench/report.js';

const result = (gpuMs: number | undefined, perIterMs: number) =>
  ({
    engine: { adapter: 'nvidia / hopper / NVIDIA H100 80GB HBM3', backend: 'webgpu', software: false },
    cases: [
      {
        id: 'kmeans-n1m-d50-k20',
        work: { bytes: 2e8, flops: 1, formula: '' },
        impls: [
          {
            impl: 'emgpu',
            status: 'ok',
            perIterMs: { median: perIterMs },
            ...(gpuMs === undefined ? {} : { gpuMsPerIter: { median: gpuMs } }),
            gpu: { dataPassesPerIter: 1 },
          },
        ],
      },
      { id: 'select', work: null, impls: [{ impl: 'emgpu', status: 'ok', perIterMs: { median: 1 } }] },
    ],
  }) as unknown as BenchResult;

describe('the bench:gpu roofline', () => {
  test('knows the bandwidth of common adapters and says when it does not', () => {
    expect(knownBandwidth('nvidia / hopper / NVIDIA H100 80GB HBM3')?.gbs).toBe(3350);
    expect(knownBandwidth('NVIDIA H100 PCIe')?.gbs).toBe(2000);
    expect(knownBandwidth('NVIDIA H200')?.gbs).toBe(4800);
    expect(knownBandwidth('NVIDIA L4')?.gbs).toBe(300);
    expect(knownBandwidth('google / swiftshader')).toBeNull();
  });

  test('rates use GPU timestamps when present (bytes ÷ ms), else the wall time per iteration', () => {
    const [gpu] = rooflineRows(result(0.1, 0.5), 3350);
    expect(gpu.timing).toBe('gpu');
    expect(gpu.gbs).toBeCloseTo(2e8 / 1e-4 / 1e9, 9); // 2000 GB/s
    expect(gpu.fraction).toBeCloseTo(2000 / 3350, 9);
    const [wall] = rooflineRows(result(undefined, 0.5), null);
    expect(wall.timing).toBe('wall');
    expect(wall.gbs).toBeCloseTo(400, 9);
    expect(wall.fraction).toBeNull();
    // Cases without a work model (k sweeps) have no row.
    expect(rooflineRows(result(0.1, 0.5), 3350)).toHaveLength(1);
    expect(renderRoofline(result(0.1, 0.5), 3350, 'test')).toMatch(
      /\| `kmeans-n1m-d50-k20` \| 190\.7 MiB \| 0\.10 \| gpu \| 2000 \| 59\.7 % \| 1\.00 \|/,
    );
  });
});
