/**
 * UMAP's layout on the 'wasm' backend (wasm/assembly/umap.ts on the worker pool): one epoch equal,
 * bit for bit, to a float32 emulation of the scheme written here from src/umap/plan.ts; parity
 * with the float64 reference under test/tolerance.ts §5; the same bits on 1, 2 and 4 threads; and
 * a full layout as good as uwot's (committed fixture) on 1,000 pbmc3k cells.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, fuzzySimplicialSet, umap, type Engine } from '../../src/index.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { knn } from '../../src/graph/knn.js';
import type { WeightedGraph } from '../../src/graph/types.js';
import { findAbParams } from '../../src/umap/ab.js';
import { edgeKey, epochKey, type LayoutPlan, layoutPlan, negativeTarget, samplesThrough } from '../../src/umap/plan.js';
import { layoutScores } from '../helpers/umap-scores.js';
import { UMAP_F32_ATOL, UMAP_PARITY_EPOCHS } from '../tolerance.js';

const f = Math.fround;
const clip = (v: number) => Math.min(4, Math.max(-4, v));
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** One epoch in float32, step by step as the kernel rounds (each operation rounded once; powf correctly rounded). */
function epoch32(plan: LayoutPlan, cur: Float32Array, epoch: number): Float32Array {
  const { n, nComponents: C, indptr, tail, reverse, rate, rateBits } = plan;
  const [a, b, nu] = [f(plan.a), f(plan.b), f(plan.negativeRate)];
  const alpha = f(plan.learningRate * (1 - Math.max(0, epoch - 1) / plan.nEpochs));
  const fires = (p: number) => {
    if (epoch === 0) return 0;
    const now = samplesThrough(rate[p], rateBits, epoch);
    return now > samplesThrough(rate[p], rateBits, epoch - 1) ? now : 0;
  };
  const next = Float32Array.from(cur);
  const ek = epochKey(plan.key, epoch);
  const sq = (i: number, j: number) => {
    let d2 = 0;
    for (let c = 0; c < C; c++) d2 = f(d2 + f(f(cur[i * C + c] - cur[j * C + c]) ** 2));
    return d2;
  };
  const add = (i: number, j: number, coeff: number, times: number) => {
    for (let c = 0; c < C; c++)
      next[i * C + c] = f(next[i * C + c] + f(f(times * clip(f(coeff * f(cur[i * C + c] - cur[j * C + c])))) * alpha));
  };
  for (let i = 0; i < n; i++) {
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const k = fires(p);
      const times = (k > 0 ? 1 : 0) + (fires(reverse[p]) > 0 ? 1 : 0);
      const d2 = times > 0 ? sq(i, tail[p]) : 0;
      if (d2 > 0) {
        const pb = f(d2 ** b);
        add(i, tail[p], f(f(f(f(-2 * a) * b) * f(pb / d2)) / f(f(a * pb) + 1)), times);
      }
      if (k === 0) continue;
      const nNeg = Math.floor(f(k * nu)) - Math.floor(f((k - 1) * nu));
      const pk = edgeKey(ek, p);
      for (let s = 0; s < nNeg; s++) {
        const t = negativeTarget(pk, s, n);
        if (t === i) continue;
        const e2 = sq(i, t);
        if (e2 > 0) add(i, t, f(f(2 * b) / f(f(f(0.001) + e2) * f(f(a * f(e2 ** b)) + 1))), 1);
        else for (let c = 0; c < C; c++) next[i * C + c] = f(next[i * C + c] + f(4 * alpha));
      }
    }
  }
  return next;
}

let graph: WeightedGraph;
let engines: Engine[];
beforeAll(async () => {
  // 1,200 points in 3 blobs, 8-d: 3 pool blocks of 512 vertices, the last one partial.
  const b = makeBlobs(1200, 8, 3, 11, { std: 1.5 });
  graph = fuzzySimplicialSet(await knn({ data: Float64Array.from(b.data), n: 1200, d: 8 }, { k: 14, backend: 'reference' }));
  engines = await Promise.all([1, 2, 4].map((threads) => createEngine({ backend: 'wasm', threads })));
});
afterAll(() => engines.forEach((e) => e.destroy()));

describe("umap on the 'wasm' backend", () => {
  it('runs one sampling epoch exactly as a float32 emulation of the plan does, bit for bit, in 2 and in 3 dimensions', async () => {
    for (const dim of [2, 3]) {
      const start = Float32Array.from({ length: graph.n * dim }, (_, t) => ((t * 7919) % 1000) / 100);
      const o = { init: start, nComponents: dim, seed: 4, nEpochs: 2, engine: engines[1] } as const;
      const r = await umap(graph, o);
      const { a, b } = findAbParams(1, 0.1);
      const plan = layoutPlan(graph, { nComponents: dim, nEpochs: 2, a, b, negativeSampleRate: 5, learningRate: 1, seed: 4 });
      const want = epoch32(plan, epoch32(plan, start, 0), 1);
      expect(bits(r.embedding).equals(bits(want))).toBe(true);
      // The epoch moved points: the comparison is not start against start.
      let moved = 0;
      for (let t = 0; t < start.length; t++) moved = Math.max(moved, Math.abs(want[t] - start[t]));
      expect(moved).toBeGreaterThan(0.1);
    }
  });

  it(`matches the float64 reference to ${UMAP_F32_ATOL} after ${UMAP_PARITY_EPOCHS} epochs (tolerance §5: same samples, float32 arithmetic)`, async () => {
    const o = { seed: 9, nEpochs: UMAP_PARITY_EPOCHS } as const;
    const w = await umap(graph, { ...o, engine: engines[0] });
    const ref = await umap(graph, { ...o, backend: 'reference' });
    const start = await umap(graph, { ...o, nEpochs: 1, backend: 'reference' });
    let worst = 0;
    let moved = 0;
    for (let t = 0; t < ref.embedding.length; t++) {
      worst = Math.max(worst, Math.abs(w.embedding[t] - ref.embedding[t]));
      moved = Math.max(moved, Math.abs(ref.embedding[t] - start.embedding[t]));
    }
    expect(w.backend).toBe('wasm');
    expect(worst).toBeLessThanOrEqual(UMAP_F32_ATOL);
    expect(worst).toBeGreaterThan(0); // float32 against float64: not the same code
    expect(moved).toBeGreaterThan(100 * UMAP_F32_ATOL);
  });

  it('gives the same bits on 1, 2 and 4 threads, and other bits for another seed', async () => {
    const o = { seed: 5, nEpochs: 40 } as const;
    const [one, two, four] = await Promise.all(engines.map((engine) => umap(graph, { ...o, engine })));
    expect(bits(two.embedding).equals(bits(one.embedding))).toBe(true);
    expect(bits(four.embedding).equals(bits(one.embedding))).toBe(true);
    const other = await umap(graph, { ...o, seed: 6, engine: engines[1] });
    expect(bits(other.embedding).equals(bits(one.embedding))).toBe(false);
  });

  it('keeps trustworthiness and 15-NN preservation within 3% of uwot’s on 1,000 pbmc3k cells (50 PCs), on 2 threads', async () => {
    const dir = new URL('../fixtures/umap/', import.meta.url);
    const gz = (name: string) => {
      const b = gunzipSync(readFileSync(new URL(name, dir)));
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    };
    const fx = JSON.parse(readFileSync(new URL('pbmc3k-1000-uwot-scores.json', dir), 'utf8'));
    const x = gz('pbmc3k-1000-pcs.f32.gz');
    const r = await umap({ data: x, n: 1000, d: 50 }, { engine: engines[1], seed: 0 });
    expect(r.nEpochs).toBe(500);
    const { trustworthiness: t, knnPreservation: p } = layoutScores(x, r.embedding, 1000, 50, 2, 15);
    expect(t).toBeGreaterThan(0.97 * fx.uwot.trustworthiness);
    expect(p).toBeGreaterThan(0.97 * fx.uwot.knnPreservation);
  }, 30_000);

  it('stops at an abort between epochs with a typed error', async () => {
    const ac = new AbortController();
    const run = umap(graph, {
      seed: 1,
      nEpochs: 10_000,
      engine: engines[1],
      signal: ac.signal,
      onProgress: (e) => e.done === 3 && ac.abort('stop'),
    });
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
