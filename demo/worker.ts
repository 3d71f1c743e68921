/**
 * The demo's compute worker: loading, preprocessing, clustering, sweeps and markers all run
 * here, on the library's public API, so the page never freezes. Progress, iterations and
 * results go back as messages (protocol.ts); large arrays are transferred, not copied.
 */
import {
  cutMergeTree,
  mergeComponents,
  type MergeTree,
  createEngine,
  read10x,
  find10xInputs,
  read10xH5,
  readH5adFromFile,
  negativeBinomialMixture,
  kmeans,
  gaussianMixture,
  harmony,
  selectK,
  adjustedRandIndex,
  normalizedMutualInfo,
  rankGenes,
  confusionMatrix,
  estimateMemory,
  formatBytes,
  preprocess,
  sampleNbMixture,
  subsetCsr,
  subsetSource,
  nbStream,
  DEFAULT_MAX_BYTES,
  type Engine,
  type SingleCellData,
  type PreprocessResult,
  type PreprocessStreamResult,
  type NbMixtureParams,
} from '../src/index.js';
import type { ClusterParams, ClusterSummary, FromWorker, SweepParams, ToWorker } from './protocol.js';
import { CellGraph } from './graph.js';
import { backedGene, openBacked, passProgress, preprocessBacked, type Backed } from './backed.js';

/** Off a hardware GPU, the kNN graph and UMAP are computed unasked up to this many cells (exact kNN is O(n²)). */
const AUTO_UMAP_CELLS = 50_000;
/** PCs the kNN graph is built on: 20 gave the best Leiden ARI on the four labelled sets (bench/results/2026-12-07-leiden-ari.md). */
const GRAPH_PCS = 20;

const VERSION = '0.1.0';
const ctx = self as unknown as {
  postMessage(m: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};
const post = (m: FromWorker, transfer: Transferable[] = []): void => ctx.postMessage(m, transfer);

let engine: Engine | null = null;
/** The last mixture fit's merge tree, its posteriors and the cells they belong to (for cuts). */
let merged: { tree: MergeTree; resp: number[][]; rows: ArrayLike<number> } | null = null;
let data: SingleCellData | null = null;
let pre: PreprocessResult | PreprocessStreamResult | null = null;
/** Backed mode: the file read in passes (null when the data are in memory). */
let backed: Backed | null = null;
/** Files above this many bytes (or whose matrix would take more once loaded) are streamed; ?streamAbove=BYTES. */
let streamAbove = DEFAULT_MAX_BYTES;
/** Memory of one chunk of a streamed pass (undefined: the library's 64 MiB); ?chunkBytes=BYTES. */
let chunkBytes: number | undefined;
/** Label columns scored against, in order of preference. */
const LABEL_COLUMNS = ['seurat_annotation', 'cell_type', 'bulk_labels', 'louvain', 'celltype', 'labels', 'component'];
/** What backed mode reads of obs: the label columns and the usual batch columns (not every numeric one). */
const BACKED_OBS = [...LABEL_COLUMNS, 'leiden', 'batch', 'sample', 'donor', 'phase'];
const MARKERS_OFF = 'Marker genes need the normalised matrix in memory; off for a file streamed from disk.';
/** Truth labels per kept cell (strings, null when absent). */
let truth: (string | null)[] | null = null;
let truthColumn: string | null = null;
let obsKept: Record<string, (string | null)[]> = {};
/** Raw counts of kept cells × HVGs, CSR, for the NB mixture. */
let hvgCounts: { n: number; d: number; indptr: Uint32Array; indices: Uint32Array; values: Float32Array } | null = null;
/** kNN and graphs of all kept cells, built on first need (UMAP after loading, or the first Leiden run). */
let cellGraph: CellGraph | null = null;
/** PCs corrected by Harmony for a batch column (they replace the PCs everywhere until cleared). */
let integrated: { column: string; scores: Float32Array | Float64Array } | null = null;

function progress(task: string, stage: string, done: number, total: number, ms: number, detail?: string): void {
  const m: FromWorker = { type: 'progress', task, stage, done, total, ms };
  if (detail !== undefined) m.detail = detail;
  post(m);
}

/** The page's base URL (the bundled data are served beside it). */
let baseUrl = '';

async function fetchBlob(path: string): Promise<Blob> {
  const url = new URL(path, baseUrl);
  const res = await fetch(url).catch((e: unknown) => {
    throw new Error(`Could not fetch ${url.href}: ${(e as Error).message}`);
  });
  if (!res.ok) throw new Error(`Could not fetch ${path} (HTTP ${res.status}).`);
  return res.blob();
}

function parseCsv(text: string): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const split = (l: string): string[] => {
    const out: string[] = [];
    let cur = '';
    let q = false;
    for (let i = 0; i < l.length; i++) {
      const ch = l[i];
      if (q) {
        if (ch === '"' && l[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (ch === '"') q = false;
        else cur += ch;
      } else if (ch === '"') q = true;
      else if (ch === ',') {
        out.push(cur);
        cur = '';
      } else cur += ch;
    }
    out.push(cur);
    return out;
  };
  const head = split(lines[0]);
  return lines.slice(1).map((l) => {
    const f = split(l);
    return Object.fromEntries(head.map((h, i) => [h, f[i] ?? '']));
  });
}

async function gunzipText(blob: Blob): Promise<string> {
  const stream = blob.stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text();
}

/**
 * Raw counts of some rows and columns (CSR, typed arrays throughout: a million cells must not go
 * through JS arrays). `cols` is ascending (HVGs in gene order), so each row stays sorted.
 */
function subsetCounts(m: SingleCellData, rows: Uint32Array, cols: Uint32Array) {
  const rowMask = new Uint8Array(m.n);
  for (const r of rows) rowMask[r] = 1;
  const colMask = new Uint8Array(m.d);
  for (const g of cols) colMask[g] = 1;
  const out = subsetCsr(m, rowMask, colMask);
  return { n: out.n, d: out.d, indptr: out.indptr, indices: out.indices, values: out.values as Float32Array };
}

async function afterLoad(
  loaded: SingleCellData,
  label: string,
  loadMs: number,
  labels?: Record<string, string>[],
  synthetic = false,
): Promise<void> {
  await dropBacked();
  data = loaded;
  cellGraph = null;
  integrated = null;
  const est = estimateMemory({ n: loaded.n, d: loaded.d, nnz: loaded.indptr[loaded.n] });
  progress('preprocess', 'start', 0, 6, 0, `${loaded.n.toLocaleString()} cells × ${loaded.d.toLocaleString()} genes`);
  pre = await preprocess(loaded, {
    engine: engine!,
    qc: { geneNames: loaded.genes },
    // The synthetic set already holds only (pbmc3k's) variable genes: no QC beyond dropping empty cells.
    cells: synthetic ? { minCounts: 1 } : { minGenes: 200, maxGenes: 2500, maxPctMito: 5 },
    hvg: { flavor: 'seurat_v3', nTopGenes: Math.min(2000, loaded.d) },
    pca: { nComps: Math.min(50, loaded.n - 1, loaded.d), seed: 0 },
    onStage: (e) => progress('preprocess', e.stage, e.done, e.total, e.ms),
  });
  const kept = pre.cells;
  // Label columns: h5ad obs, or the CSV that came with the bundled 10x data.
  obsKept = {};
  if (loaded.obs) {
    for (const [key, col] of Object.entries(loaded.obs))
      obsKept[key] = Array.from(kept, (i) => (col[i] == null || col[i] === '' ? null : String(col[i])));
  }
  if (labels) {
    const byBarcode = new Map(labels.map((r) => [r.barcode, r]));
    for (const key of ['seurat_annotation', 'scanpy_louvain']) {
      obsKept[key] = Array.from(kept, (i) => {
        const v = byBarcode.get(loaded.cells[i])?.[key];
        return v ? v : null;
      });
    }
  }
  truthColumn = LABEL_COLUMNS.find((c) => obsKept[c]) ?? null;
  truth = truthColumn ? obsKept[truthColumn] : null;
  hvgCounts = subsetCounts(loaded, kept, pre.hvgGenes);
  // Embedding: a given UMAP, else the first two PCs.
  const xy = new Float32Array(kept.length * 2);
  let embedding: 'X_umap' | 'PC1/PC2' = 'PC1/PC2';
  const umap = loaded.obsm?.X_umap;
  if (umap && umap.d >= 2) {
    embedding = 'X_umap';
    kept.forEach((c, i) => {
      xy[2 * i] = umap.data[c * umap.d];
      xy[2 * i + 1] = umap.data[c * umap.d + 1];
    });
  } else {
    const s = pre.pca.scores;
    const q = pre.pca.nComps;
    for (let i = 0; i < kept.length; i++) {
      xy[2 * i] = s[i * q];
      xy[2 * i + 1] = s[i * q + 1];
    }
  }
  const cells = Array.from(kept, (i) => loaded.cells[i]);
  post(
    {
      type: 'loaded',
      summary: {
        name: label,
        n: loaded.n,
        d: loaded.d,
        nnz: loaded.indptr[loaded.n],
        kept: { cells: kept.length, genes: pre.genes.length, hvg: pre.hvgGenes.length },
        obsColumns: Object.keys(obsKept),
        truthColumn,
        embedding,
        autoUmap: autoUmap(kept.length),
        explainedVarianceRatio: Array.from(pre.pca.explainedVarianceRatio.slice(0, 10)),
        preprocessMs: { ...pre.timings },
        loadMs,
        memory: `CSR ${formatBytes(est.csrBytes)}, dense float32 would be ${formatBytes(est.denseBytes)}`,
        // The loaders' own warnings (matrix not raw counts, names missing, values beyond float32).
        warnings: loaded.source.warnings ?? [],
      },
      cells,
      xy,
      obs: obsKept,
    },
    [xy.buffer],
  );
  if (autoUmap(kept.length)) await layoutUmap();
}

async function dropBacked(): Promise<void> {
  const b = backed;
  backed = null;
  await b?.file.close();
}

/**
 * Backed mode: preprocess in passes over the file, keep the PCs and cell names, and go on as
 * afterLoad does (PC1/PC2 shown, then the UMAP by the same rule). Of obs, only label and batch columns are read.
 */
async function afterStream(file: File, source: Awaited<ReturnType<typeof openBacked>>, openMs: number): Promise<void> {
  await dropBacked();
  data = null;
  cellGraph = null;
  integrated = null;
  hvgCounts = null;
  const src = source!;
  progress('preprocess', 'start', 0, 6, 0, `${src.n.toLocaleString()} cells × ${src.d.toLocaleString()} genes, streamed from disk`);
  const b = await preprocessBacked(src, engine!, progress, chunkBytes).catch(async (e: unknown) => {
    await src.close();
    throw e;
  });
  backed = b;
  const p = b.pre;
  pre = p;
  const kept = p.cells;
  // Labels: only the label and batch columns are read (O(n) each), never the rest of obs.
  obsKept = {};
  const warnings: string[] = [];
  try {
    const obs = src.obs ? src.obs(BACKED_OBS) : {};
    for (const [key, col] of Object.entries(obs))
      obsKept[key] = Array.from(kept, (i) => (col[i] == null || col[i] === '' ? null : String(col[i])));
    if (Object.keys(obs).length === 0)
      warnings.push(`No label column (${BACKED_OBS.join(', ')}) in obs: no agreement scores or label colours.`);
  } catch (e) {
    warnings.push(`Labels (obs) could not be read from the file (${(e as Error).message}); going on without them.`);
  }
  truthColumn = LABEL_COLUMNS.find((c) => obsKept[c]) ?? null;
  truth = truthColumn ? obsKept[truthColumn] : null;
  const q = p.pca.nComps;
  const xy = new Float32Array(kept.length * 2);
  for (let i = 0; i < kept.length; i++) {
    xy[2 * i] = p.pca.scores[i * q];
    xy[2 * i + 1] = p.pca.scores[i * q + 1];
  }
  const names = src.cells;
  const cells = Array.from(kept, (i) => names[i]);
  const est = estimateMemory({ n: src.n, d: src.d, nnz: src.nnz });
  const info = {
    fileBytes: src.info.fileBytes,
    passes: b.stats.passes,
    peakChunkBytes: b.stats.peakChunkBytes,
    peakChunkRows: b.stats.peakChunkRows,
    access: src.info.access,
    matrix: src.info.matrixSource,
  };
  post(
    {
      type: 'loaded',
      summary: {
        name: file.name,
        n: src.n,
        d: src.d,
        nnz: src.nnz,
        kept: { cells: kept.length, genes: p.genes.length, hvg: p.hvgGenes.length },
        obsColumns: Object.keys(obsKept),
        truthColumn,
        embedding: 'PC1/PC2',
        autoUmap: autoUmap(kept.length),
        explainedVarianceRatio: Array.from(p.pca.explainedVarianceRatio.slice(0, 10)),
        preprocessMs: { ...p.timings },
        loadMs: openMs,
        memory: `CSR would take ${formatBytes(est.csrBytes)} in memory; held: ${q} PCs per cell`,
        warnings,
        backed: info,
        markersOff: MARKERS_OFF,
      },
      cells,
      xy,
      obs: obsKept,
    },
    [xy.buffer],
  );
  if (autoUmap(kept.length)) await layoutUmap();
}

/** The NB mixture in backed mode: nbStream over the kept cells × HVG counts, one pass per iteration. */
async function clusterNbBacked(p: ClusterParams, onIteration: (h: { restart: number; iter: number; objective: number }) => void) {
  const b = backed!;
  const src = p.subset ? subsetSource(b.pre.source, { rows: p.subset }) : b.pre.source;
  const r = await nbStream(src, {
    engine: engine!,
    k: p.k,
    seed: p.seed,
    returnLabels: true,
    onIteration,
    onProgress: passProgress('NB mixture (streamed)', b.stats, progress),
    ...b.chunk,
  });
  const warnings = [...r.warnings];
  if (p.nInit > 1)
    warnings.push(`One streamed fit (seeded on a sample) instead of ${p.nInit} restarts: each restart would read the file again.`);
  return {
    labels: r.labels!,
    meta: {
      backend: `${r.backend} (nbStream)`,
      adapter: engine!.adapter,
      nIter: r.nIter,
      converged: r.converged,
      objective: r.objective,
      objectiveName: 'log-likelihood',
      restarts: [],
      perIterMs: r.timings.perIterMs,
      warnings,
    },
    passes: r.passes,
  };
}

function autoUmap(n: number): boolean {
  const hardwareGpu = engine!.backend === 'webgpu' && !/swiftshader|software|llvmpipe/i.test(engine!.adapter);
  return hardwareGpu || n <= AUTO_UMAP_CELLS;
}

function graphProgress(task: string): (stage: string, done: number, total: number, detail?: string) => void {
  const t0 = performance.now();
  return (stage, done, total, detail) => progress(task, stage, done, total, performance.now() - t0, detail);
}

/** The kNN graph of all kept cells on the PCs (built once per dataset). */
async function allCellsGraph(): Promise<CellGraph> {
  cellGraph ??= await CellGraph.build(pcs(GRAPH_PCS), engine!, graphProgress('kNN graph'));
  return cellGraph;
}

/**
 * Integrate by a batch column with Harmony (or undo it with null): the corrected PCs replace the
 * PCs for clustering, the kNN graph and the UMAP, which is laid out again.
 */
async function integrate(column: string | null): Promise<void> {
  const t0 = performance.now();
  if (column === null) integrated = null;
  else {
    const batch = obsKept[column];
    if (!batch) throw new Error(`No label column '${column}' in this dataset.`);
    progress('integrate', 'Harmony', 0, 1, 0, `by ${column}`);
    const r = await harmony(
      pcs(pre!.pca.nComps),
      batch.map((b) => b ?? '(none)'),
      {
        engine: engine!,
        seed: 0,
        onProgress: (p) => progress('integrate', 'Harmony', p.iteration, 10, performance.now() - t0, `iteration ${p.iteration}`),
      },
    );
    integrated = { column, scores: r.corrected as Float32Array | Float64Array };
    progress('integrate', 'done', 1, 1, performance.now() - t0, `${r.iterations} iterations${r.converged ? '' : ' (not converged)'}`);
  }
  cellGraph = null;
  await layoutUmap();
}

/** UMAP of all kept cells, sent to the page as the 'UMAP' embedding. */
async function layoutUmap(): Promise<void> {
  const g = await allCellsGraph();
  const t0 = performance.now();
  const r = await g.layout(engine!, 0, graphProgress('UMAP'));
  const detail = `${integrated ? `integrated by ${integrated.column}; ` : ''}UMAP on ${r.backend}${r.note ? ` (${r.note})` : ''}, ${((performance.now() - t0) / 1000).toFixed(1)} s; kNN on ${g.knn.backend}`;
  post({ type: 'embedding', name: 'UMAP', xy: r.xy, detail }, [r.xy.buffer]);
}

/** PCs of the chosen cells as a dense matrix. */
function pcs(nPcs: number, subset?: Uint32Array): { data: Float64Array; n: number; d: number } {
  const s = integrated?.scores ?? pre!.pca.scores;
  const q = pre!.pca.nComps;
  const d = Math.min(nPcs, q);
  const rows = subset ?? Uint32Array.from({ length: pre!.cells.length }, (_, i) => i);
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) out[i * d + j] = s[r * q + j];
  });
  return { data: out, n: rows.length, d };
}

function countsRows(subset?: Uint32Array) {
  const m = hvgCounts!;
  if (!subset) return m;
  const indptr = new Uint32Array(subset.length + 1);
  let nnz = 0;
  subset.forEach((r) => (nnz += m.indptr[r + 1] - m.indptr[r]));
  const indices = new Uint32Array(nnz);
  const values = new Float32Array(nnz);
  let t = 0;
  subset.forEach((r, i) => {
    const a = m.indptr[r],
      b = m.indptr[r + 1];
    indices.set(m.indices.subarray(a, b), t);
    values.set(m.values.subarray(a, b), t);
    t += b - a;
    indptr[i + 1] = t;
  });
  return { n: subset.length, d: m.d, indptr, indices, values };
}

async function cluster(p: ClusterParams): Promise<void> {
  const t0 = performance.now();
  const n = pre!.cells.length;
  const onIteration = (h: { restart: number; iter: number; objective: number }) =>
    post({ type: 'iteration', restart: h.restart, iter: h.iter, objective: h.objective });
  let labels: ArrayLike<number>;
  let k = p.k;
  let resp: number[][] | null = null;
  let meta: Pick<
    ClusterSummary,
    'backend' | 'adapter' | 'nIter' | 'converged' | 'objective' | 'objectiveName' | 'restarts' | 'perIterMs' | 'warnings'
  >;
  let streamedPasses: number | undefined;
  const what = p.model === 'leiden' ? `resolution ${p.resolution}` : `k = ${p.k}`;
  progress('cluster', p.model, 0, 1, 0, `${what}${p.subset ? `, ${p.subset.length} lassoed cells` : ''}`);
  if (p.model === 'leiden') {
    // A lasso subset gets its own kNN graph; all cells reuse the one built for the UMAP.
    const g = p.subset ? await CellGraph.build(pcs(GRAPH_PCS, p.subset), engine!, graphProgress('kNN graph')) : await allCellsGraph();
    const r = await g.communities(p.resolution, p.seed);
    labels = r.labels;
    k = r.nCommunities;
    meta = {
      backend: `${g.knn.backend} (kNN) + cpu (Leiden)`,
      adapter: engine!.adapter,
      nIter: r.iterations,
      converged: true,
      objective: r.quality,
      objectiveName: 'modularity',
      restarts: [],
      perIterMs: 0,
      warnings: g.notes,
    };
  } else if (p.model === 'kmeans') {
    const r = await kmeans(pcs(p.nPcs, p.subset), { k: p.k, seed: p.seed, nInit: p.nInit, onIteration, engine: engine! });
    labels = r.labels;
    meta = {
      backend: r.backend,
      adapter: r.adapter,
      nIter: r.nIter,
      converged: r.converged,
      objective: r.inertia,
      objectiveName: 'inertia',
      restarts: r.restarts,
      perIterMs: r.timings.perIterMs,
      warnings: r.warnings,
    };
  } else if (p.model === 'gmm') {
    const X = pcs(p.nPcs, p.subset);
    const r = await gaussianMixture(X, { k: p.k, covariance: p.covariance, seed: p.seed, nInit: p.nInit, onIteration, engine: engine! });
    labels = r.labels;
    resp = await r.predictProba(X);
    meta = {
      backend: r.backend,
      adapter: r.adapter,
      nIter: r.nIter,
      converged: r.converged,
      objective: r.logLikelihood,
      objectiveName: 'log-likelihood',
      restarts: r.restarts,
      perIterMs: r.timings.perIterMs,
      warnings: r.warnings,
    };
  } else if (backed) {
    const r = await clusterNbBacked(p, onIteration);
    labels = r.labels;
    meta = r.meta;
    streamedPasses = r.passes;
  } else {
    const r = await negativeBinomialMixture(countsRows(p.subset), {
      engine: engine!,
      k: p.k,
      seed: p.seed,
      nInit: p.nInit,
      returnResponsibilities: true,
      onIteration,
    });
    labels = r.labels;
    resp = r.responsibilities ?? null;
    meta = {
      backend: r.backend,
      adapter: r.adapter,
      nIter: r.nIter,
      converged: r.converged,
      objective: r.logLikelihood,
      objectiveName: 'log-likelihood',
      restarts: r.restarts,
      perIterMs: r.timings.perIterMs,
      warnings: r.warnings,
    };
  }
  const fitMs = performance.now() - t0;
  const rows0 = p.subset ?? Uint32Array.from({ length: n }, (_, i) => i);
  merged = resp ? { tree: await mergeComponents(resp, { keepPosteriors: false }), resp, rows: rows0 } : null;
  // Back to the full cell numbering (−1 outside a lasso subset).
  const full = new Int32Array(n).fill(-1);
  const rows = p.subset ?? Uint32Array.from({ length: n }, (_, i) => i);
  rows.forEach((r, i) => (full[r] = labels[i]));
  const maxPosterior = new Float32Array(n).fill(NaN);
  const entropy = new Float32Array(n).fill(NaN);
  const respFull = resp ? new Float32Array(n * k) : null;
  rows.forEach((r, i) => {
    if (!resp) {
      maxPosterior[r] = 1;
      entropy[r] = 0;
      return;
    }
    let mx = 0,
      h = 0;
    for (let c = 0; c < k; c++) {
      const v = resp[i][c];
      respFull![r * k + c] = v;
      if (v > mx) mx = v;
      if (v > 0) h -= v * Math.log(v);
    }
    maxPosterior[r] = mx;
    entropy[r] = h;
  });
  const sizes = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) sizes[labels[i]]++;
  // Agreement with the label column, on cells that have a label.
  let ari: number | null = null,
    nmi: number | null = null,
    confusion: ClusterSummary['confusion'] = null;
  if (truth) {
    const a: number[] = [],
      b: string[] = [];
    rows.forEach((r, i) => {
      const t = truth![r];
      if (t !== null) {
        a.push(labels[i]);
        b.push(t);
      }
    });
    if (a.length > 1) {
      ari = adjustedRandIndex(a, b);
      nmi = normalizedMutualInfo(a, b);
      confusion = confusionMatrix(a, b);
    }
  }
  // Markers on the log-normalised matrix of the clustered cells (in memory only).
  let markers: ClusterSummary['markers'] = [];
  if (!backed) {
    progress('cluster', 'markers', 0, 1, performance.now() - t0);
    const norm = (pre as PreprocessResult).normalized!;
    const markerLabels = new Int32Array(norm.n).fill(-1);
    rows.forEach((r, i) => (markerLabels[r] = labels[i]));
    const ranked = rankGenes(norm, markerLabels, { nTop: 5, geneNames: Array.from(pre!.genes, (g) => data!.genes[g]) });
    markers = ranked.map((genes, c) => ({
      cluster: c,
      genes: genes.map((m) => ({
        name: m.name ?? String(m.gene),
        score: m.score,
        logFoldChange: m.logFoldChange,
        pctIn: m.pctIn,
        pctOut: m.pctOut,
      })),
    }));
  }
  const ms = performance.now() - t0;
  progress('cluster', 'done', 1, 1, ms);
  const summary: ClusterSummary = {
    model: p.model,
    k,
    params: { ...p, subset: undefined },
    ...meta,
    sizes,
    ms,
    fitMs,
    ari,
    nmi,
    confusion,
    markers,
    mergeTree: merged ? { n: merged.tree.n, k: merged.tree.k, entropy: merged.tree.entropy, merges: merged.tree.merges } : null,
    versions: { emgpu: VERSION },
  };
  if (backed) summary.markersOff = MARKERS_OFF;
  if (streamedPasses !== undefined) summary.streamedPasses = streamedPasses;
  delete (summary.params as { subset?: unknown }).subset;
  const transfer: Transferable[] = [full.buffer, maxPosterior.buffer, entropy.buffer];
  if (respFull) transfer.push(respFull.buffer);
  post({ type: 'clustered', summary, labels: full, maxPosterior, entropy, resp: respFull }, transfer);
}

async function sweep(p: SweepParams): Promise<void> {
  if (p.model === 'leiden') throw new Error('A sweep over k is for the mixtures; for Leiden, change the resolution.');
  if (p.model === 'nbmm') {
    // BIC of the NB mixture: k·d means + (k − 1) weights + d dispersions.
    const rows: { k: number; bic: number }[] = [];
    const counts = backed ? backed.pre.source : countsRows();
    for (const k of p.ks) {
      const t0 = performance.now();
      const r = backed
        ? await nbStream(backed.pre.source, { engine: engine!, k, seed: p.seed, returnLabels: false, ...backed.chunk })
        : await negativeBinomialMixture(countsRows(), { engine: engine!, k, seed: p.seed, nInit: p.nInit });
      const ll = 'logLikelihood' in r ? r.logLikelihood : r.objective;
      const params = k * counts.d + (k - 1) + counts.d;
      const bic = -2 * ll + params * Math.log(counts.n);
      const aic = -2 * ll + 2 * params;
      rows.push({ k, bic });
      post({ type: 'sweep-row', row: { k, objective: ll, bic, aic, nIter: r.nIter, timeMs: performance.now() - t0 } });
    }
    const best = rows.reduce((a, b) => (b.bic < a.bic ? b : a)).k;
    post({ type: 'sweep-done', bestK: best, elbowK: best, criterion: 'bic' });
    return;
  }
  const X = pcs(p.nPcs);
  const r = await selectK(X, {
    engine: engine!,
    model: p.model,
    ks: p.ks,
    fit: p.model === 'gmm' ? { covariance: p.covariance, seed: p.seed, nInit: p.nInit } : { seed: p.seed, nInit: p.nInit },
    onK: (row) =>
      post({
        type: 'sweep-row',
        row: { k: row.k, objective: row.objective, bic: row.bic, aic: row.aic, nIter: row.nIter, timeMs: row.timeMs },
      }),
  });
  post({ type: 'sweep-done', bestK: r.bestK, elbowK: r.elbowK, criterion: r.criterion });
}

/** A gene's log-normalised expression per kept cell (backed: read in one streamed pass). */
async function geneValues(gene: string): Promise<Float32Array> {
  if (backed) return backedGene(backed, gene, progress);
  const norm = (pre as PreprocessResult).normalized!;
  const g = Array.from(pre!.genes).findIndex((x) => data!.genes[x] === gene);
  if (g < 0) throw new Error(`Gene '${gene}' is not among the ${pre!.genes.length} genes kept after filtering.`);
  const out = new Float32Array(norm.n);
  for (let i = 0; i < norm.n; i++) {
    for (let t = norm.indptr[i]; t < norm.indptr[i + 1]; t++) if (norm.indices[t] === g) out[i] = norm.values[t];
  }
  return out;
}

/**
 * A synthetic count dataset at scale, sampled from the negative-binomial mixture fitted to
 * pbmc3k's HVG counts (data/pbmc3k/synthetic_nb.json.gz, made by scripts/fit-synthetic-params.mjs):
 * its weights, per-gene means and dispersions, log-normal library sizes with pbmc3k's spread.
 * The `genes` most variable HVGs are kept. Seeded; each cell has its own random stream.
 */
async function synthetic(n: number, genes: number, seed: number): Promise<void> {
  const t0 = performance.now();
  progress('synthetic', 'parameters', 0, 3, 0, 'NB mixture fitted to pbmc3k');
  const params = JSON.parse(await gunzipText(await fetchBlob('pbmc3k/synthetic_nb.json.gz'))) as NbMixtureParams;
  const d = Math.min(genes, params.dispersion.length);
  const synth = sampleNbMixture(params, {
    n,
    genes: d,
    seed,
    onProgress: (done) =>
      progress(
        'synthetic',
        'sampling',
        1,
        3,
        performance.now() - t0,
        `${done.toLocaleString()} / ${n.toLocaleString()} cells × ${d} genes`,
      ),
  });
  const sampleMs = performance.now() - t0;
  progress(
    'synthetic',
    'preprocessing',
    2,
    3,
    sampleMs,
    `${synth.nnz.toLocaleString()} non-zeros sampled in ${(sampleMs / 1000).toFixed(1)} s`,
  );
  await afterLoad(synth, `synthetic ×${n.toLocaleString()} (NB fitted to pbmc3k)`, sampleMs, undefined, true);
}

async function loadBundled(): Promise<void> {
  const t0 = performance.now();
  progress('load', 'fetch', 0, 2, 0, 'pbmc3k (10x, bundled)');
  const [matrix, genes, barcodes, labelsBlob] = await Promise.all(
    ['pbmc3k/matrix.mtx.gz', 'pbmc3k/genes.tsv.gz', 'pbmc3k/barcodes.tsv.gz', 'pbmc3k/pbmc3k_labels.csv.gz'].map(fetchBlob),
  );
  const loaded = await read10x(
    { matrix, genes, barcodes },
    {
      onProgress: (p) =>
        progress(
          'load',
          p.phase,
          1,
          2,
          performance.now() - t0,
          p.entries !== undefined ? `${p.entries.toLocaleString()} entries` : undefined,
        ),
    },
  );
  const labels = parseCsv(await gunzipText(labelsBlob));
  progress('load', 'done', 2, 2, performance.now() - t0);
  await afterLoad(loaded, 'pbmc3k (10x Genomics, bundled)', performance.now() - t0, labels);
}

async function loadFiles(files: File[]): Promise<void> {
  const t0 = performance.now();
  const onProgress = (p: { phase: string; entries?: number }) =>
    progress('load', p.phase, 1, 2, performance.now() - t0, p.entries !== undefined ? `${p.entries.toLocaleString()} entries` : undefined);
  const h5ad = files.find((f) => /\.h5ad$/i.test(f.name));
  const h5 = files.find((f) => /\.h5$/i.test(f.name));
  let loaded: SingleCellData;
  // Larger than the loaders' cap (or its matrix would be, once loaded): streamed from disk instead.
  // Files under an eighth of the threshold are loaded whole without opening them twice.
  if (h5ad && h5ad.size > streamAbove / 8) {
    progress('load', 'opening backed', 1, 2, 0, `${formatBytes(h5ad.size)}`);
    const src = await openBacked(h5ad, streamAbove, h5ad.size > streamAbove);
    if (src) {
      progress('load', 'done', 2, 2, performance.now() - t0);
      return afterStream(h5ad, src, performance.now() - t0);
    }
  }
  if (h5ad) loaded = await readH5adFromFile(h5ad, { onProgress });
  else if (h5) loaded = await read10xH5(h5, { onProgress });
  else loaded = await read10x(find10xInputs(files), { onProgress });
  await afterLoad(loaded, files.map((f) => f.name).join(', '), performance.now() - t0);
}

// One task at a time, in the order asked: a Cluster clicked while the UMAP is computed runs after it.
let queue: Promise<void> = Promise.resolve();
ctx.onmessage = (e: MessageEvent<ToWorker>) => {
  queue = queue.then(() => handle(e.data));
};

async function handle(m: ToWorker): Promise<void> {
  try {
    switch (m.type) {
      case 'init': {
        baseUrl = m.baseUrl;
        if (m.streamAbove !== undefined) streamAbove = m.streamAbove;
        chunkBytes = m.chunkBytes;
        engine = await createEngine({ backend: m.backend });
        post({
          type: 'ready',
          backend: engine.backend,
          adapter: engine.adapter,
          fallbackReason: engine.fallbackReason,
          notice: engine.notice,
        });
        break;
      }
      case 'load-bundled':
        await loadBundled();
        break;
      case 'load-files':
        await loadFiles(m.files);
        break;
      case 'synthetic':
        await synthetic(m.n, m.genes, m.seed);
        break;
      case 'cluster':
        await cluster(m.params);
        break;
      case 'sweep':
        await sweep(m.params);
        break;
      case 'gene': {
        const v = await geneValues(m.name);
        post({ type: 'values', what: `gene:${m.name}`, values: v }, [v.buffer]);
        break;
      }
      case 'obs':
        break;
      case 'merge-cut': {
        if (!merged) break;
        const v = new Float32Array(pre!.cells.length).fill(-1);
        const cut = cutMergeTree(merged.tree, m.k, merged.resp);
        Array.from(merged.rows).forEach((r, i) => (v[r] = cut[i]));
        post({ type: 'values', what: `merge:${m.k}`, values: v }, [v.buffer]);
        break;
      }
      case 'umap':
        await layoutUmap();
        break;
      case 'integrate':
        await integrate(m.column);
        post({ type: 'integrated', column: m.column });
        break;
    }
  } catch (err) {
    const x = err as Error;
    post({
      type: 'error',
      message: `${x.name ?? 'Error'}: ${x.message ?? String(err)}${x.stack ? `\n${x.stack.split('\n').slice(0, 4).join('\n')}` : ''}`,
    });
  }
}
