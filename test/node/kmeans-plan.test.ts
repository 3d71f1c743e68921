/** The tiling plan of the fused k-means kernel (src/backends/webgpu/kmeans-plan.ts). */
import { describe, test, expect } from 'vitest';
import { fusedLayout, planFused, planWords, SLACK } from '../../src/backends/webgpu/kmeans-plan.js';
import { SOFTWARE_WG } from '../../src/gpu/software.js';
import { BufferLimitError } from '../../src/errors.js';

const WG = 256;

describe('the fused k-means plan', () => {
  test('fits the workgroup memory and the workgroup for every d and k below, at and above the tiles', () => {
    for (const budget of [16384, 32768])
      for (const soft of [false, true])
        for (const { stageRows, wg } of [fusedLayout(false), fusedLayout(true), { stageRows: false, wg: WG }])
          for (const d of [1, 3, 17, 50, 64, 130, 1000, 5000])
            for (const k of [1, 7, 20, 64, 200]) {
              const p = planFused(d, k, soft, budget, wg, stageRows);
              const at = `budget ${budget}, soft ${soft}, d ${d}, k ${k}, ${wg} threads`;
              expect((planWords(p) + SLACK) * 4, at).toBeLessThanOrEqual(budget);
              expect(p.WG, at).toBe(wg);
              expect(p.TR * p.CL, at).toBeLessThanOrEqual(wg);
              expect(p.TR, at).toBeGreaterThanOrEqual(1);
              expect(p.KT, at).toBeGreaterThanOrEqual(1);
              if (!stageRows) expect(p.STAGE_X, at).toBe(false);
              if (p.STAGE_X) expect(p.XS, at).toBe(p.TR * d);
              if (p.STAGE_C) expect(p.CS, at).toBe(p.KT * d);
              if (p.WG_ACC) expect(p.ACC, at).toBe(k * (d + 2));
              expect(p.RT, at).toBe(soft ? p.TR * k : 1);
              expect(p.LV, at).toBe(p.CL > 1 ? wg : 1);
            }
  });

  test('k-means 1M × 50, k 20 on 16 KiB: statistics and all centroids in workgroup memory, rows staged, 8 lanes per row', () => {
    const p = planFused(50, 20, false, 16384, WG);
    expect(p).toMatchObject({ WG_ACC: true, STAGE_C: true, KT: 20, STAGE_X: true });
    expect(p.TR).toBe(Math.floor((4096 - SLACK - 6 - 20 * 52 - 2 * WG - 1000) / 53));
    expect(p.CL).toBe(8);
  });

  test('small d: one row per thread, 256 rows per tile', () => {
    expect(planFused(3, 7, false, 16384, WG)).toMatchObject({ TR: 256, CL: 1, LV: 1, STAGE_X: true });
  });

  test('a software adapter reads rows from storage with 32 threads per workgroup; hardware stages them with 256', () => {
    expect(fusedLayout(true)).toEqual({ stageRows: false, wg: SOFTWARE_WG });
    expect(SOFTWARE_WG).toBe(32);
    expect(fusedLayout(false)).toEqual({ stageRows: true, wg: WG });
    // Small d on a software adapter: one row per thread, 32 rows per tile.
    expect(planFused(16, 8, false, 16384, SOFTWARE_WG, false)).toMatchObject({ WG: 32, TR: 32, CL: 1, STAGE_X: false });
  });

  test('soft k-means with more clusters than a row of workgroup memory holds is refused with a typed error', () => {
    expect(() => planFused(4, 5000, true, 16384, WG)).toThrow(BufferLimitError);
  });
});
