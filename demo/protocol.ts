/** Messages between the demo page and its compute worker. All compute runs in the worker. */

export type ModelKind = 'kmeans' | 'gmm' | 'nbmm' | 'leiden';
export type CovarianceKind = 'full' | 'diag' | 'spherical' | 'tied';

export interface ClusterParams {
  model: ModelKind;
  k: number;
  covariance: CovarianceKind;
  seed: number;
  nInit: number;
  /** PCs used by k-means and the GMM. */
  nPcs: number;
  /** Leiden's resolution (the graph model; k is then what the communities give). */
  resolution: number;
  /** Cell indices (current numbering) to re-cluster; all cells when absent. */
  subset?: Uint32Array;
}

export interface SweepParams extends Omit<ClusterParams, 'k' | 'subset'> {
  ks: number[];
}

export type ToWorker =
  /**
   * streamAbove: .h5ad files above this many bytes are streamed from disk (default 2 GiB; the page's ?streamAbove=BYTES);
   * chunkBytes: memory of one chunk of a streamed pass (default 64 MiB; ?chunkBytes=BYTES).
   */
  | { type: 'init'; backend: 'auto' | 'webgpu' | 'wasm' | 'reference' | 'cpu'; baseUrl: string; streamAbove?: number; chunkBytes?: number }
  | { type: 'load-bundled' }
  | { type: 'load-files'; files: File[] }
  | { type: 'synthetic'; n: number; genes: number; seed: number }
  | { type: 'cluster'; params: ClusterParams }
  | { type: 'sweep'; params: SweepParams }
  | { type: 'gene'; name: string }
  | { type: 'obs'; column: string }
  /** Labels of the last mixture fit with its merge tree cut at k clusters (answered by 'values', what 'merge:k'). */
  | { type: 'merge-cut'; k: number }
  /** Compute the kNN graph and a UMAP layout now (done unasked after loading up to AUTO_UMAP_CELLS on a CPU or software adapter). */
  | { type: 'umap' }
  /** Integrate by this obs column with Harmony (null: back to the plain PCs); the UMAP is laid out again. */
  | { type: 'integrate'; column: string | null };

export interface LoadedSummary {
  name: string;
  n: number;
  d: number;
  nnz: number;
  /** Cells kept by QC, genes kept, HVGs. */
  kept: { cells: number; genes: number; hvg: number };
  obsColumns: string[];
  /** The label column scored against (e.g. seurat_annotation), if any. */
  truthColumn: string | null;
  /** The first embedding shown: the file's own UMAP, else the first two PCs (then the computed UMAP replaces it). */
  embedding: 'X_umap' | 'PC1/PC2';
  /** Whether the worker computes the kNN graph and UMAP unasked (false for large data off a hardware GPU). */
  autoUmap: boolean;
  explainedVarianceRatio: number[];
  preprocessMs: Record<string, number>;
  loadMs: number;
  memory: string;
  /** What the user should know about the data (the loader's warnings, input that is not counts). */
  warnings: string[];
  /** Set when the file was streamed from disk (backed) instead of loaded whole. */
  backed?: BackedSummary;
  /** Why marker genes are off (backed mode). */
  markersOff?: string;
}

export interface BackedSummary {
  fileBytes: number;
  /** Passes over the file so far (preprocessing: QC, genes, HVG, scale, PCA). */
  passes: number;
  /** The largest chunk read, once in memory (8 bytes per entry + 4 per row), and its rows. */
  peakChunkBytes: number;
  peakChunkRows: number;
  /** How the File is read: 'mounted' (WORKERFS, never copied) or 'memory'. */
  access: string;
  /** The matrix read: 'X', 'raw/X' or 'layers/<name>'. */
  matrix: string;
}

export interface ClusterSummary {
  model: ModelKind;
  k: number;
  params: ClusterParams;
  backend: string;
  adapter: string;
  nIter: number;
  converged: boolean;
  objective: number;
  objectiveName: string;
  sizes: number[];
  restarts: { restart: number; objective: number; nIter: number; converged: boolean }[];
  /** The whole task: fit, then agreement and marker genes. */
  ms: number;
  /** The model fit alone (restarts included). */
  fitMs: number;
  perIterMs: number;
  ari: number | null;
  nmi: number | null;
  confusion: { clusters: number[]; labels: string[]; counts: number[][] } | null;
  markers: { cluster: number; genes: { name: string; score: number; logFoldChange: number; pctIn: number; pctOut: number }[] }[];
  warnings: string[];
  /** The mixture's components merged by entropy (mergeComponents; null for k-means). */
  mergeTree: { n: number; k: number; entropy: number; merges: [number, number, number][] } | null;
  versions: { emgpu: string };
  /** Why marker genes were not computed (backed mode). */
  markersOff?: string;
  /** Passes over the file the streamed NB fit made (backed mode, nbStream). */
  streamedPasses?: number;
}

export type FromWorker =
  | { type: 'ready'; backend: string; adapter: string; fallbackReason: string | null; notice: string | null }
  | { type: 'progress'; task: string; stage: string; done: number; total: number; ms: number; detail?: string }
  | { type: 'loaded'; summary: LoadedSummary; cells: string[]; xy: Float32Array; obs: Record<string, (string | null)[]> }
  | { type: 'iteration'; restart: number; iter: number; objective: number }
  | {
      type: 'clustered';
      summary: ClusterSummary;
      /** Per current cell; −1 for cells outside a lasso subset. */
      labels: Int32Array;
      maxPosterior: Float32Array;
      entropy: Float32Array;
      /** n × k responsibilities (mixtures only). */
      resp: Float32Array | null;
    }
  | { type: 'sweep-row'; row: { k: number; objective: number; bic: number; aic: number; nIter: number; timeMs: number } }
  | { type: 'sweep-done'; bestK: number; elbowK: number; criterion: string }
  | { type: 'values'; what: string; values: Float32Array }
  /** A computed layout (n × 2, row-major), e.g. 'UMAP'; the page shows it and keeps the others selectable. */
  | { type: 'embedding'; name: string; xy: Float32Array; detail: string }
  | { type: 'integrated'; column: string | null }
  | { type: 'error'; message: string };
