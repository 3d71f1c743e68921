/**
 * The demo's backed mode: an .h5ad too large to load whole is read from disk in chunks (the File is
 * mounted in the worker with WORKERFS, never copied) and preprocessed in passes (preprocessStream).
 * What stays in memory: the kept cells' PCs, names and per-cell size factors. Gene colouring and the
 * NB mixture read the file again, one streamed pass per gene or EM iteration; every read goes
 * through one measuring wrapper, so the page can say how many passes ran and how large a chunk got.
 */
import {
  forEachChunk,
  openH5adSource,
  preprocessStream,
  subsetSource,
  type BackedCsrSource,
  type CsrBlock,
  type CsrSource,
  type Engine,
  type PassProgress,
  type PreprocessStreamResult,
} from '../src/index.js';

/** Gene columns kept for colouring (each n float32). */
const GENE_CACHE = 4;

export type Progress = (task: string, stage: string, done: number, total: number, ms: number, detail?: string) => void;

export interface Backed {
  file: BackedCsrSource;
  /** The file as read through the measuring wrapper (every pass goes through it). */
  source: CsrSource;
  pre: PreprocessStreamResult;
  /** Passes over the file so far; the largest block read (bytes once in memory: 8 per entry + 4 per row). */
  stats: { passes: number; peakChunkBytes: number; peakChunkRows: number };
  genes: Map<string, Float32Array>;
  /** Chunk budget of every pass ({} for the default 64 MiB; ?chunkBytes=BYTES sets it, for tests). */
  chunk: { chunkBytes?: number };
}

/** A source that records the largest block it handed out (the contract's memory per chunk). */
function measured(src: BackedCsrSource, stats: Backed['stats']): CsrSource {
  return {
    kind: 'csr',
    n: src.n,
    d: src.d,
    nnz: src.nnz,
    name: src.name,
    genes: src.genes,
    get cells() {
      return src.cells;
    },
    nnzIn: (a, b) => src.nnzIn(a, b),
    async readRows(start, end, signal) {
      const blk: CsrBlock = await src.readRows(start, end, signal);
      const bytes = 8 * blk.nnz + 4 * (blk.n + 1);
      if (bytes > stats.peakChunkBytes) stats.peakChunkBytes = bytes;
      if (blk.n > stats.peakChunkRows) stats.peakChunkRows = blk.n;
      return blk;
    },
    close: () => src.close(),
  };
}

/** Per pass: one progress line (the pass's name, chunks done of total), counting the passes. */
export function passProgress(task: string, stats: Backed['stats'], progress: Progress): (p: PassProgress) => void {
  return (p) => {
    if (p.chunksDone === p.chunksTotal) stats.passes++;
    progress(
      task,
      p.pass,
      p.chunksDone,
      p.chunksTotal,
      p.elapsedMs,
      `pass ${stats.passes + (p.chunksDone === p.chunksTotal ? 0 : 1)}: ${p.pass}, chunk ${p.chunksDone}/${p.chunksTotal}, ${p.rowsDone.toLocaleString()} / ${p.rowsTotal.toLocaleString()} cells`,
    );
  };
}

/**
 * Open the file backed. Refuses a dense X (the streamed pipeline reads CSR); returns null when the
 * file's matrix would fit under `limit` once loaded (CSR in memory), unless `force`.
 */
export async function openBacked(file: File, limit: number, force: boolean): Promise<BackedCsrSource | null> {
  // Below the threshold, a file the backed reader refuses (e.g. CSC) is still loaded whole.
  const src = force ? await openH5adSource(file) : await openH5adSource(file).catch(() => null);
  if (!src) return null;
  if (src.kind !== 'csr') {
    await src.close();
    if (force) throw new Error(`${file.name}: its matrix is dense; streaming reads a sparse (CSR) matrix. Save it as CSR.`);
    return null;
  }
  // The in-memory path holds the CSR (8 bytes per entry) and a normalised copy of it.
  if (!force && 16 * src.nnz + 8 * (src.n + 1) <= limit) {
    await src.close();
    return null;
  }
  return src;
}

/** preprocessStream with the options the in-memory path gives preprocess. */
export async function preprocessBacked(
  file: BackedCsrSource,
  engine: Engine,
  progress: Progress,
  chunkBytes: number | undefined,
): Promise<Backed> {
  const chunk = chunkBytes === undefined ? {} : { chunkBytes };
  const stats = { passes: 0, peakChunkBytes: 0, peakChunkRows: 0 };
  const source = measured(file, stats);
  const pre = await preprocessStream(source, {
    engine,
    qc: { geneNames: file.genes },
    cells: { minGenes: 200, maxGenes: 2500, maxPctMito: 5 },
    hvg: { flavor: 'seurat_v3', nTopGenes: Math.min(2000, file.d) },
    pca: { nComps: Math.min(50, file.n - 1, file.d), seed: 0 },
    onStage: (e) => progress('preprocess', e.stage, e.done, e.total, e.ms),
    onProgress: passProgress('streamed pass', stats, progress),
    ...chunk,
  });
  return { file, source, pre, stats, genes: new Map(), chunk };
}

/** One gene's log-normalised expression per kept cell, read in one streamed pass (cached). */
export async function backedGene(b: Backed, gene: string, progress: Progress): Promise<Float32Array> {
  const hit = b.genes.get(gene);
  if (hit) {
    // Most recent last.
    b.genes.delete(gene);
    b.genes.set(gene, hit);
    return hit.slice();
  }
  const g = b.file.genes.indexOf(gene);
  const kept = g >= 0 && b.pre.genes.includes(g);
  if (!kept) throw new Error(`Gene '${gene}' is not among the ${b.pre.genes.length} genes kept after filtering.`);
  const column = subsetSource(b.source, { rows: b.pre.cells, cols: Uint32Array.of(g) });
  const sf = b.pre.sizeFactors;
  const out = new Float32Array(column.n);
  await forEachChunk(column, `gene ${gene}`, { ...b.chunk, onProgress: passProgress(`gene ${gene}`, b.stats, progress) }, (blk, r) => {
    for (let i = 0; i < blk.n; i++)
      for (let t = blk.indptr[i]; t < blk.indptr[i + 1]; t++) out[r.start + i] = Math.log1p(blk.values[t] / sf[r.start + i]);
  });
  b.genes.set(gene, out);
  if (b.genes.size > GENE_CACHE) b.genes.delete(b.genes.keys().next().value as string);
  return out.slice();
}
