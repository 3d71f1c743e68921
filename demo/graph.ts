/**
 * The demo's graph analyses, run in the compute worker on the library's public API: one exact
 * kNN of the PCs (19 other cells: Seurat's FindNeighbors k.param = 20 counts the cell itself)
 * feeds both the UMAP layout (its first 14 neighbours: umap-learn's n_neighbors = 15 counts the
 * cell itself too) and, on first use, the SNN graph that Leiden clusters. A lasso subset gets its
 * own kNN and graph.
 */
import { knn, leiden, snnGraph, umap, EmgpuError, type Engine } from '../src/index.js';
import type { KnnResult, WeightedGraph } from '../src/graph/types.js';

/** Other cells per cell in the graph (Seurat's k.param = 20, the cell itself included). */
export const GRAPH_K = 19;
/** umap-learn's n_neighbors (the cell itself included). */
export const UMAP_NEIGHBORS = 15;

export type Progress = (stage: string, done: number, total: number, detail?: string) => void;

/** The first k neighbours of each row of a kNN result (they stay sorted nearest first). */
export function firstNeighbours(r: KnnResult, k: number): KnnResult {
  if (k >= r.k) return r;
  const indices = new Int32Array(r.n * k);
  const distances = new Float32Array(r.n * k);
  for (let i = 0; i < r.n; i++) {
    indices.set(r.indices.subarray(i * r.k, i * r.k + k), i * k);
    distances.set(r.distances.subarray(i * r.k, i * r.k + k), i * k);
  }
  return { ...r, k, indices, distances };
}

/** Run on the engine; a backend without this analysis falls back to the float64 reference, said in `note`. */
async function onEngine<T>(
  engine: Engine,
  run: (o: { engine?: Engine; backend?: 'reference' }) => Promise<T>,
): Promise<{ value: T; note: string | null }> {
  try {
    return { value: await run({ engine }), note: null };
  } catch (e) {
    if (!(e instanceof EmgpuError) || e.code !== 'NO_IMPLEMENTATION') throw e;
    return { value: await run({ backend: 'reference' }), note: `${engine.backend} has no implementation; ran on 'reference'` };
  }
}

/** The kNN and graphs of one set of cells, built as they are first needed. */
export class CellGraph {
  private snn: WeightedGraph | null = null;
  private constructor(
    readonly knn: KnnResult,
    readonly notes: string[],
  ) {}

  static async build(pcs: { data: Float64Array; n: number; d: number }, engine: Engine, progress: Progress): Promise<CellGraph> {
    const k = Math.min(GRAPH_K, pcs.n - 1);
    progress('kNN', 0, 1, `exact, ${k} neighbours, ${pcs.n.toLocaleString()} cells × ${pcs.d} PCs`);
    const r = await onEngine(engine, (o) => knn(pcs, { k, metric: 'euclidean', ...o }));
    progress('kNN', 1, 1, `on ${r.value.backend}`);
    return new CellGraph(r.value, r.note ? [`kNN: ${r.note}`] : []);
  }

  /** Seurat's shared-nearest-neighbour graph (Jaccard weights, pruned below 1/15). */
  graph(): WeightedGraph {
    this.snn ??= snnGraph(this.knn);
    return this.snn;
  }

  /** Leiden communities of the SNN graph. */
  communities(resolution: number, seed: number): ReturnType<typeof leiden> {
    return leiden(this.graph(), { resolution, seed });
  }

  /** A 2-D UMAP layout (n × 2, row-major) from the first 14 neighbours. */
  async layout(
    engine: Engine,
    seed: number,
    progress: Progress,
    signal?: AbortSignal,
  ): Promise<{ xy: Float32Array; backend: string; note: string | null }> {
    const input = firstNeighbours(this.knn, UMAP_NEIGHBORS - 1);
    const r = await onEngine(engine, (o) =>
      umap(input, {
        nComponents: 2,
        seed,
        ...o,
        ...(signal ? { signal } : {}),
        onProgress: (p) => progress(p.stage, p.done, p.total, p.stage === 'layout' ? `epoch ${p.done} / ${p.total}` : undefined),
      }),
    );
    return { xy: r.value.embedding, backend: r.value.backend, note: r.note };
  }
}
