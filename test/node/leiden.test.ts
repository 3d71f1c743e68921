import { describe, expect, test } from 'vitest';
import { EmgpuError } from '../../src/errors.js';
import type { WeightedGraph } from '../../src/graph/types.js';
import { leiden } from '../../src/leiden/index.js';
import { graphFromEdges, type LeidenFixture, loadLeidenFixture } from './leiden-fixture.js';

// Qualities of python3-leidenalg 0.9.1 (n_iterations=2, seeds 0..4) are in the fixtures; see
// test/fixtures/leiden/make_fixtures.py.

/** Two triangles {0,1,2} and {3,4,5} joined by the edge 2–3. */
const twoTriangles = graphFromEdges(6, [0, 0, 1, 3, 3, 4, 2], [1, 2, 2, 4, 5, 5, 3], [1, 1, 1, 1, 1, 1, 1]);

/** Modularity and CPM of labels computed here, edge by edge, independently of src/leiden. */
function objective(g: WeightedGraph, labels: Int32Array, kind: 'modularity' | 'cpm', gamma: number): number {
  const c = Math.max(-1, ...labels) + 1;
  const inner = new Float64Array(c);
  const deg = new Float64Array(c);
  const size = new Float64Array(c);
  let twoM = 0;
  for (let i = 0; i < g.n; i++) {
    size[labels[i]]++;
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
      const w = g.values[p];
      deg[labels[i]] += w;
      twoM += w;
      if (labels[g.indices[p]] === labels[i]) inner[labels[i]] += w; // each internal edge seen twice
    }
  }
  let q = 0;
  for (let k = 0; k < c; k++)
    q += kind === 'cpm' ? inner[k] - gamma * size[k] * (size[k] - 1) : inner[k] - (gamma * deg[k] * deg[k]) / twoM;
  return kind === 'cpm' ? q : q / twoM;
}

/** Every community induces a connected subgraph (breadth-first search inside each community). */
function allConnected(g: WeightedGraph, labels: Int32Array): boolean {
  const seen = new Uint8Array(g.n);
  const seenComm = new Set<number>();
  const queue: number[] = [];
  for (let s = 0; s < g.n; s++) {
    if (seen[s]) continue;
    if (seenComm.has(labels[s])) return false; // a second piece of a community already explored
    seenComm.add(labels[s]);
    seen[s] = 1;
    queue.push(s);
    while (queue.length) {
      const v = queue.pop() as number;
      for (let p = g.indptr[v]; p < g.indptr[v + 1]; p++) {
        const u = g.indices[p];
        if (!seen[u] && labels[u] === labels[v]) {
          seen[u] = 1;
          queue.push(u);
        }
      }
    }
  }
  return true;
}

/** Labels 0..c−1, every one used, sizes descending, equal sizes ordered by first vertex. */
function wellNumbered(labels: Int32Array, c: number): boolean {
  const size = new Array<number>(c).fill(0);
  const first = new Array<number>(c).fill(-1);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 || labels[i] >= c) return false;
    size[labels[i]]++;
    if (first[labels[i]] < 0) first[labels[i]] = i;
  }
  for (let k = 1; k < c; k++)
    if (size[k] === 0 || size[k] > size[k - 1] || (size[k] === size[k - 1] && first[k] < first[k - 1])) return false;
  return c === 0 || size[0] > 0;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('leiden on hand-solved graphs', () => {
  test('splits two triangles joined by one edge into the triangles, modularity 5/14', async () => {
    // m = 7; each triangle has w_c = 3 and degree sum 7: Q = 2·(3/7 − (7/14)²) = 5/14.
    for (const algorithm of ['leiden', 'louvain'] as const) {
      const r = await leiden(twoTriangles, { algorithm });
      expect(Array.from(r.labels)).toEqual([0, 0, 0, 1, 1, 1]);
      expect(r.nCommunities).toBe(2);
      expect(r.modularity).toBeCloseTo(5 / 14, 14);
      expect(r.quality).toBeCloseTo(5 / 14, 14);
      expect(r.iterations).toBe(2);
    }
  });

  test('gives the CPM quality 2·Σ(w_c − γ·C(n_c, 2)) = 6 at γ = 0.5, and modularity at γ = 2 scaled by 2m', async () => {
    const cpm = await leiden(twoTriangles, { objective: 'cpm', resolution: 0.5 });
    expect(Array.from(cpm.labels)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(cpm.quality).toBeCloseTo(6, 12); // 2·[(3 − 0.5·3) + (3 − 0.5·3)]
    // γ = 2: the triangles give 2·(2·3 − 2·7²/14)/14 = −28/196; singletons Σ −2·k_i²/14 / 14 = −68/196.
    const hi = await leiden(twoTriangles, { resolution: 2 });
    expect(hi.nCommunities).toBe(2);
    expect(hi.quality).toBeCloseTo(-28 / 196, 14);
    expect(hi.modularity).toBeCloseTo(5 / 14, 14);
  });

  test('counts a self-loop as leidenalg does: once inside its community, twice in its degree', async () => {
    // Two triangles + a loop of weight 1 on vertex 0, as a diagonal entry. leidenalg 0.9.1 on the
    // triangles: ModularityVertexPartition 0.3671875 = [(2·4 − 9²/16) + (2·3 − 7²/16)]/16,
    // CPMVertexPartition(γ = 0.5) 2.0 = 2·[(4 − 0.5·6) + (3 − 0.5·6)] (n(n + 1)/2 pairs with loops).
    const rows = [
      [0, 1, 2],
      [0, 2],
      [0, 1, 3],
      [2, 4, 5],
      [3, 5],
      [3, 4],
    ];
    const indptr = Uint32Array.from([0, ...rows.map((_, i) => rows.slice(0, i + 1).flat().length)]);
    const g = { n: 6, d: 6, indptr, indices: Uint32Array.from(rows.flat()), values: new Float64Array(15).fill(1) };
    const r = await leiden(g);
    expect(Array.from(r.labels)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(r.modularity).toBeCloseTo(0.3671875, 14);
    const cpm = await leiden(g, { objective: 'cpm', resolution: 0.5 });
    expect(Array.from(cpm.labels)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(cpm.quality).toBeCloseTo(2, 12);
  });

  test('leaves isolated vertices alone and an edgeless graph in singletons with modularity 0', async () => {
    const g = graphFromEdges(5, [1], [3], [2]);
    const r = await leiden(g);
    expect(Array.from(r.labels)).toEqual([1, 0, 2, 0, 3]);
    const empty = await leiden(graphFromEdges(3, [], [], []));
    expect(Array.from(empty.labels)).toEqual([0, 1, 2]);
    expect(empty.modularity).toBe(0);
    const none = await leiden(graphFromEdges(0, [], [], []));
    expect(none.nCommunities).toBe(0);
  });
});

describe('leiden against python3-leidenalg on the committed fixtures', () => {
  const fixtures: LeidenFixture[] = ['pbmc3k_snn', 'planted', 'disconnected'].map(loadLeidenFixture);
  for (const f of fixtures) {
    test(`reaches at least 0.99 × leidenalg's mean quality on ${f.name}, with every community connected`, async () => {
      const seeds = f.name === 'pbmc3k_snn' ? [0, 1] : [0, 1, 2];
      for (const run of f.runs) {
        const ours: number[] = [];
        for (const seed of seeds) {
          const r = await leiden(f.graph, { objective: run.objective, resolution: run.resolution, seed });
          expect(r.quality).toBeCloseTo(objective(f.graph, r.labels, run.objective, run.resolution), 8);
          expect(allConnected(f.graph, r.labels)).toBe(true);
          expect(wellNumbered(r.labels, r.nCommunities)).toBe(true);
          ours.push(r.quality);
        }
        const ref = mean(run.quality);
        expect(mean(ours), `${run.objective} γ=${run.resolution}`).toBeGreaterThanOrEqual(0.99 * ref);
      }
    }, 60_000);
  }

  test('Louvain reaches 0.99 × leidenalg on the planted partition graph', async () => {
    const f = fixtures[1];
    const run = f.runs.find((r) => r.objective === 'modularity' && r.resolution === 1);
    const q = await Promise.all([0, 1, 2].map(async (seed) => (await leiden(f.graph, { algorithm: 'louvain', seed })).quality));
    expect(mean(q)).toBeGreaterThanOrEqual(0.99 * mean(run?.quality ?? [Infinity]));
  });

  test('puts each isolated vertex of the disconnected graph in its own community', async () => {
    const f = fixtures[2];
    const r = await leiden(f.graph, { seed: 3 });
    const n = f.graph.n;
    const sizes = new Map<number, number>();
    for (const l of r.labels) sizes.set(l, (sizes.get(l) ?? 0) + 1);
    for (let i = n - 6; i < n; i++) expect(sizes.get(r.labels[i])).toBe(1);
  });

  test('is deterministic for a seed, and differs yet stays valid across seeds', async () => {
    const g = fixtures[1].graph;
    const a = await leiden(g, { seed: 7, resolution: 2 });
    const b = await leiden(g, { seed: 7, resolution: 2 });
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(b.quality).toBe(a.quality);
    const others = await Promise.all([8, 9, 10].map((seed) => leiden(g, { seed, resolution: 2 })));
    expect(others.some((o) => o.labels.some((l, i) => l !== a.labels[i]))).toBe(true);
    for (const o of others) {
      expect(wellNumbered(o.labels, o.nCommunities)).toBe(true);
      expect(allConnected(g, o.labels)).toBe(true);
    }
  });

  test('with nIterations −1 repeats passes until nothing changes, never lowering the quality', async () => {
    const g = fixtures[1].graph;
    const two = await leiden(g, { seed: 1, resolution: 2 });
    const all = await leiden(g, { seed: 1, resolution: 2, nIterations: -1 });
    expect(all.iterations).toBeGreaterThanOrEqual(2);
    expect(all.quality).toBeGreaterThanOrEqual(two.quality - 1e-12);
    const one = await leiden(g, { seed: 1, resolution: 2, nIterations: 1 });
    expect(one.iterations).toBe(1);
    expect(two.quality).toBeGreaterThanOrEqual(one.quality - 1e-12);
  });
});

describe('leiden refuses bad input with typed errors', () => {
  const code = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      expect(e).toBeInstanceOf(EmgpuError);
      return (e as EmgpuError).code;
    }
    return 'no error';
  };

  test('a non-square, an asymmetric, a negative-weight or a non-finite graph', async () => {
    const square = twoTriangles;
    expect(await code(leiden({ ...square, d: 7 }))).toBe('SHAPE_MISMATCH');
    const asym = { ...square, values: Float64Array.from(square.values, (v, i) => (i === 0 ? 2 : v)) };
    expect(await code(leiden(asym))).toBe('BAD_OPTION');
    const oneWay = graphFromEdges(3, [0], [1], [1]);
    const dropped = {
      n: 3,
      d: 3,
      indptr: Uint32Array.from([0, 1, 1, 1]),
      indices: oneWay.indices.slice(0, 1),
      values: oneWay.values.slice(0, 1),
    };
    expect(await code(leiden(dropped))).toBe('BAD_OPTION');
    const neg = { ...square, values: Float64Array.from(square.values, (v) => -v) };
    expect(await code(leiden(neg))).toBe('BAD_OPTION');
    const nan = { ...square, values: Float64Array.from(square.values, (v, i) => (i === 3 ? Number.NaN : v)) };
    expect(await code(leiden(nan))).toBe('NON_FINITE');
  });

  test('unknown options and bad option values', async () => {
    expect(await code(leiden(twoTriangles, { resolution_parameter: 1 } as never))).toBe('UNKNOWN_OPTION');
    expect(await code(leiden(twoTriangles, { objective: 'rb' as never }))).toBe('BAD_OPTION');
    expect(await code(leiden(twoTriangles, { resolution: -1 }))).toBe('BAD_OPTION');
    expect(await code(leiden(twoTriangles, { nIterations: 0 }))).toBe('BAD_OPTION');
    expect(await code(leiden(twoTriangles, { algorithm: 'slm' as never }))).toBe('BAD_OPTION');
    expect(await code(leiden(twoTriangles, { seed: 1.5 }))).toBe('BAD_OPTION');
  });

  test('an aborted signal, before the call or while it runs', async () => {
    const ac = new AbortController();
    ac.abort();
    expect(await code(leiden(twoTriangles, { signal: ac.signal }))).toBe('ABORTED');
    const later = new AbortController();
    const running = leiden(twoTriangles, { signal: later.signal });
    later.abort('user'); // runs before leiden's first yield to the event loop resolves
    expect(await code(running)).toBe('ABORTED');
  });

  test("rescales huge weights: a ring of 1e300 or 1.7e308 gets the unit ring's labels and modularity (N2)", async () => {
    const n = 10;
    const ring = (w: number) =>
      graphFromEdges(
        n,
        Array.from({ length: n }, (_, i) => i),
        Array.from({ length: n }, (_, i) => (i + 1) % n),
        new Array(n).fill(w),
      );
    const unit = await leiden(ring(1));
    expect(unit.nCommunities).toBeGreaterThan(1);
    for (const w of [1e300, 1.7e308]) {
      const r = await leiden(ring(w));
      expect(Array.from(r.labels)).toEqual(Array.from(unit.labels));
      expect(Math.abs(r.modularity - unit.modularity)).toBeLessThan(1e-12);
      const cpm = await leiden(ring(w), { objective: 'cpm', resolution: 0.5 * w });
      const cpm1 = await leiden(ring(1), { objective: 'cpm', resolution: 0.5 });
      expect(Array.from(cpm.labels)).toEqual(Array.from(cpm1.labels));
      // CPM's quality is in weight units: at 1.7e308 its true value lies beyond float64 (Infinity).
      if (w === 1e300) expect(Math.abs(cpm.quality / w - cpm1.quality)).toBeLessThan(1e-9 * Math.abs(cpm1.quality));
      else expect(cpm.quality).toBe(Number.POSITIVE_INFINITY);
    }
  });

  test('a huge positive nIterations stops at the first pass that changes nothing, as −1 does (N6)', async () => {
    const t0 = performance.now();
    const many = await leiden(twoTriangles, { nIterations: 1e9 });
    const conv = await leiden(twoTriangles, { nIterations: -1 });
    expect(performance.now() - t0).toBeLessThan(500);
    expect(many.iterations).toBe(conv.iterations);
    expect(Array.from(many.labels)).toEqual(Array.from(conv.labels));
  });

  test("yields inside local moving, so a timer's abort lands within ~50 ms of one long level (N11)", async () => {
    // A random graph whose first local-moving level takes far longer than the abort's 20 ms.
    const n = 20000;
    const ei: number[] = [];
    const ej: number[] = [];
    let s = 12345;
    const next = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s % n;
    };
    for (let i = 0; i < n; i++)
      for (let t = 0; t < 5; t++) {
        const j = next();
        if (j !== i) {
          ei.push(Math.min(i, j));
          ej.push(Math.max(i, j));
        }
      }
    const seen = new Set<number>();
    const a: number[] = [];
    const b: number[] = [];
    ei.forEach((x, t) => {
      const key = x * n + ej[t];
      if (!seen.has(key)) {
        seen.add(key);
        a.push(x);
        b.push(ej[t]);
      }
    });
    const g = graphFromEdges(n, a, b, new Array(a.length).fill(1));
    const ac = new AbortController();
    // leiden() checks the graph synchronously before its first await; the timer starts after that.
    const run = leiden(g, { signal: ac.signal });
    // Timed from when the timer is due: a blocked loop would also delay the timer's own callback.
    const due = performance.now() + 20;
    setTimeout(() => ac.abort(), 20);
    expect(await code(run)).toBe('ABORTED');
    expect(performance.now() - due).toBeLessThan(50);
  });
});
