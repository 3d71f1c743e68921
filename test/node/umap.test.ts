/**
 * UMAP on the CPU (float64 reference; the 'wasm' kernel is tested in umap-wasm.test.ts): determinism, a layout that
 * separates two far-apart blobs (measured), the input forms (data, KnnResult, WeightedGraph,
 * PCA and array inits), disconnected graphs, quality against uwot on 1,000 pbmc3k cells
 * (committed fixture, bench/umap-quality.mjs), and typed errors.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fuzzySimplicialSet, umap } from '../../src/index.js';
import { knn } from '../../src/graph/knn.js';
import { makeBlobs } from '../../src/datasets/blobs.js';
import { components, spectralLayout } from '../../src/umap/init.js';
import { layoutScores } from '../helpers/umap-scores.js';

/** Two blobs of m points each in 10-d, centres 40 apart, unit noise: point i is in blob i mod 2. */
function twoBlobs(m: number, seed: number) {
  const b = makeBlobs(2 * m, 10, 2, seed, { std: 1 });
  const data = Float64Array.from(b.data);
  for (let i = 0; i < 2 * m; i++)
    for (let c = 0; c < 10; c++) data[i * 10 + c] += (b.truth[i] === 0 ? -20 : 20) / Math.sqrt(10) - b.centres[b.truth[i] * 10 + c];
  return { data, n: 2 * m, d: 10, truth: b.truth };
}

/** Distance between the blobs' layout centroids over the largest distance of a point from its own centroid. */
function separation(y: Float32Array, truth: number[]): number {
  const cent = [
    [0, 0, 0],
    [0, 0, 0],
  ];
  truth.forEach((t, i) => {
    cent[t][0] += y[2 * i];
    cent[t][1] += y[2 * i + 1];
    cent[t][2]++;
  });
  for (const c of cent) {
    c[0] /= c[2];
    c[1] /= c[2];
  }
  let radius = 0;
  truth.forEach((t, i) => (radius = Math.max(radius, Math.hypot(y[2 * i] - cent[t][0], y[2 * i + 1] - cent[t][1]))));
  return Math.hypot(cent[0][0] - cent[1][0], cent[0][1] - cent[1][1]) / radius;
}

/** Fraction of all points' k nearest layout neighbours that lie in the point's own blob. */
function sameBlobNeighbours(y: Float32Array, truth: number[], k: number): number {
  let same = 0;
  for (let i = 0; i < truth.length; i++) {
    const d = truth.map((_, j) => (j === i ? Infinity : Math.hypot(y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1])));
    const near = d
      .map((v, j) => [v, j])
      .sort((a, b) => a[0] - b[0])
      .slice(0, k);
    same += near.filter(([, j]) => truth[j] === truth[i]).length;
  }
  return same / (truth.length * k);
}

describe('umap on the CPU', () => {
  const blobs = twoBlobs(100, 3);

  it('separates two far-apart blobs: their centroids lie more than 2 blob radii apart, and every point’s 10 layout neighbours share its blob', async () => {
    const r = await umap(blobs, { backend: 'reference', seed: 1, nEpochs: 200 });
    expect(r.embedding.length).toBe(400);
    expect(separation(r.embedding, blobs.truth)).toBeGreaterThan(2);
    // Mixed control: a layout that ignores the blobs (the identity of i mod 2 shuffled in) scores ≈ 0.
    expect(
      separation(
        r.embedding,
        blobs.truth.map((_, i) => ((i * 7) % 3 === 0 ? 1 : 0)),
      ),
    ).toBeLessThan(0.5);
    // kNN preservation against the blob label as a 1-d "space" in which same-blob points are at distance 0:
    // each point's 10 layout neighbours are among its 99 same-blob points, so the fraction that share its blob is 1.
    expect(sameBlobNeighbours(r.embedding, blobs.truth, 10)).toBe(1);
    expect(r.a).toBeCloseTo(1.577, 3);
    expect(r.b).toBeCloseTo(0.895, 3);
    expect(r.nEpochs).toBe(200);
  });

  // 'wasm' has its own float32 kernel now: its parity and thread-count tests are in umap-wasm.test.ts.
  it('gives the same bits for the same seed on the reference, and different bits for another seed', async () => {
    const o = { nEpochs: 30 } as const;
    const a = await umap(blobs, { ...o, backend: 'reference', seed: 5 });
    const b = await umap(blobs, { ...o, backend: 'reference', seed: 5 });
    const c = await umap(blobs, { ...o, backend: 'reference', seed: 6 });
    expect(Buffer.from(b.embedding.buffer).equals(Buffer.from(a.embedding.buffer))).toBe(true);
    expect(Buffer.from(c.embedding.buffer).equals(Buffer.from(a.embedding.buffer))).toBe(false);
  });

  it('takes data, a KnnResult or a WeightedGraph to the same layout, and PCA or given coordinates as the start', async () => {
    const o = { backend: 'reference', seed: 2, nEpochs: 20 } as const;
    const stages: string[] = [];
    const fromData = await umap(blobs, { ...o, nNeighbors: 11, onProgress: (e) => stages.push(`${e.stage} ${e.done}/${e.total}`) });
    expect(stages.slice(0, 5)).toEqual(['knn 0/1', 'knn 1/1', 'graph 1/1', 'init 1/1', 'layout 1/20']);
    expect(stages.at(-1)).toBe('layout 20/20');
    const kn = await knn(blobs, { k: 10, backend: 'reference' });
    const fromKnn = await umap(kn, o);
    const fromGraph = await umap(fuzzySimplicialSet(kn), o);
    expect([...fromKnn.embedding]).toEqual([...fromData.embedding]);
    expect([...fromGraph.embedding]).toEqual([...fromData.embedding]);
    const pca = await umap(blobs, { ...o, init: 'pca' });
    expect(separation(pca.embedding, blobs.truth)).toBeGreaterThan(2);
    // Given coordinates with 0 epochs' worth of movement at epoch 0 only: nEpochs 1 returns them unchanged.
    const start = Float32Array.from({ length: 400 }, (_, t) => t / 7);
    const same = await umap(kn, { ...o, init: start, nEpochs: 1 });
    expect([...same.embedding]).toEqual([...start]);
  });

  it('lays a disconnected graph out with each component apart (spectral init per component)', async () => {
    const kn = await knn(blobs, { k: 5, backend: 'reference' });
    const g = fuzzySimplicialSet(kn);
    expect(components(g).count).toBe(2);
    const y = spectralLayout(g, 2, 0);
    // Components sit in grid cells 3 apart, each within unit radius of its cell.
    const f32 = Float32Array.from(y);
    expect(separation(f32, blobs.truth)).toBeGreaterThan(1);
  });

  it('keeps trustworthiness and 15-NN preservation within 3% of uwot’s on 1,000 pbmc3k cells (50 PCs)', async () => {
    const dir = new URL('../fixtures/umap/', import.meta.url);
    const f32 = (name: string) => {
      const b = gunzipSync(readFileSync(new URL(name, dir)));
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    };
    const fx = JSON.parse(readFileSync(new URL('pbmc3k-1000-uwot-scores.json', dir), 'utf8'));
    const x = f32('pbmc3k-1000-pcs.f32.gz');
    const yu = f32('pbmc3k-1000-uwot.f32.gz');
    // Our scorer agrees with sklearn's on uwot's layout.
    const su = layoutScores(x, yu, 1000, 50, 2, 15);
    expect(Math.abs(su.trustworthiness - fx.uwot.trustworthiness)).toBeLessThan(1e-9);
    expect(Math.abs(su.knnPreservation - fx.uwot.knnPreservation)).toBeLessThan(1e-9);
    const r = await umap({ data: x, n: 1000, d: 50 }, { backend: 'reference', seed: 0 });
    const { trustworthiness: t, knnPreservation: p } = layoutScores(x, r.embedding, 1000, 50, 2, 15);
    expect(t).toBeGreaterThan(0.97 * fx.uwot.trustworthiness);
    expect(p).toBeGreaterThan(0.97 * fx.uwot.knnPreservation);
  }, 60_000);

  it('refuses unknown options, bad values and mismatched inputs with typed errors', async () => {
    await expect(umap(blobs, { nNeighbours: 15 } as never)).rejects.toMatchObject({ code: 'UNKNOWN_OPTION' });
    await expect(umap(blobs, { minDist: -1, backend: 'reference' })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(umap(blobs, { nComponents: 9, backend: 'reference' })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(umap(blobs, { init: 'random' as never, backend: 'reference' })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(umap(blobs, { init: new Float32Array(3), backend: 'reference' })).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
    await expect(umap(blobs, { nNeighbors: 500, backend: 'reference' })).rejects.toMatchObject({ code: 'K_TOO_LARGE' });
    const kn = await knn(blobs, { k: 5, backend: 'reference' });
    await expect(umap(kn, { init: 'pca', backend: 'reference' })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(umap(kn, { nNeighbors: 20, backend: 'reference' })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    const ac = new AbortController();
    ac.abort('stop');
    await expect(umap(kn, { backend: 'reference', signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('refuses bad graphs, null input, non-numeric init, a huge learningRate and seed −1 (N3, D13)', async () => {
    const kn = await knn(blobs, { k: 5, backend: 'reference' });
    const g = fuzzySimplicialSet(kn);
    const opts = { backend: 'reference', nEpochs: 1 } as const;
    await expect(umap({ ...g, values: g.values.map((v) => -v) }, opts)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(umap({ ...g, values: g.values.map((v, i) => (i === 0 ? Number.NaN : v)) }, opts)).rejects.toMatchObject({
      code: 'NON_FINITE',
    });
    await expect(umap({ ...g, values: g.values.map((v, i) => (i === 0 ? v / 2 : v)) }, opts)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    const broken = { n: 1e9, d: 1e9, nnz: 2, indptr: new Uint32Array(3), indices: new Uint32Array(2), values: new Float64Array(2) };
    await expect(umap(broken, opts)).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
    await expect(umap(null as never, opts)).rejects.toMatchObject({ code: 'BAD_OPTION' });
    const init = Array.from({ length: g.n * 2 }, (_, t) => (t === 3 ? null : t));
    await expect(umap(g, { ...opts, init: init as never })).rejects.toMatchObject({ code: 'NON_NUMERIC' });
    await expect(umap(g, { ...opts, learningRate: 1e300 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    await expect(umap(g, { ...opts, seed: -1 })).rejects.toMatchObject({ code: 'BAD_OPTION' });
  });
});
