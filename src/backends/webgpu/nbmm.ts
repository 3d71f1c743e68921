/**
 * The negative-binomial mixture on WebGPU. Counts are uploaded once as CSR chunks of whole
 * segments (each array within one storage binding, the same chunking idea as gpu/dataset.ts),
 * with a CSC copy of every chunk built on the host so per-gene sums are gathers. Per E-step:
 *   1 dispatch  zero table   K×J node values of the zero part (zero_table.wgsl)
 *   per chunk   E-step       one thread per cell over its nonzeros (estep.wgsl)
 *               row stats    per-segment W, N, S, Σ log p (rowstats.wgsl)
 *               gene stats   per-(gene, component) V, X over the chunk's CSC (genestats.wgsl)
 * (the statistics weighted by each cell's sample weight, from a per-chunk float32 buffer of ones
 * when the fit is unweighted)
 *   1 dispatch  reduction of the row partials (common/reduce.wgsl)
 * and one readback of K·(J+2)+1 + D·K·(J+1) floats: O(k·d·J), never O(n). The M-step runs on
 * the host in float64 (nbmm/mstep.ts), shared with the CPU reference; or, with deviceMStep, on the
 * device from the statistics in place (nbmm-mstep.ts), reading back K·(J+2)+1 + K·D + D floats. Labels and per-cell log p(x_i)
 * (and responsibilities when asked) are read once per restart, after its EM loop.
 */
import { BufferLimitError } from '../../errors.js';
import { addTraffic, type IterationTraffic, markTraffic, summariseCounters, type GpuRunner } from '../../gpu/runner.js';
import { MAX_SEGMENTS, MIN_SEG_ROWS, type ChunkingOptions } from '../../gpu/dataset.js';
import type { GpuCounters } from '../../types.js';
import { withGpu } from '../../gpu/session.js';
import type { Counts } from '../../nbmm/counts.js';
import { cellWeights, makeGrid, type SizeGrid } from '../../nbmm/grid.js';
import type { NbParams, NbStats } from '../../nbmm/model.js';
import type { NbBackend, NbDeviceStep, NbDeviceStepPlan, NbEvaluation, NbSession } from '../../nbmm/backend.js';
import { deviceMStep, type DeviceMStep } from './nbmm-mstep.js';
import { nbPipelines, WG, REDUCE_WG, type NbPipelines } from './nbmm-kernels.js';
import { bindBuffers } from '../../gpu/bind.js';

export interface CsrChunk {
  index: number;
  rows: number;
  rowOffset: number;
  segOffset: number;
  segments: number;
  nnz: number;
  indptr: GPUBuffer;
  indices: GPUBuffer;
  values: GPUBuffer;
  /** rows×(J+1): s_i and its grid weights. */
  cells: GPUBuffer;
  /** rows f32: the cells' sample weights (ones when unweighted). */
  weight: GPUBuffer;
  colptr: GPUBuffer;
  rowidx: GPUBuffer;
  cvals: GPUBuffer;
  /** rows×2 u32: log p(x_i) (bitcast) and the label. */
  rowout: GPUBuffer;
  uniform: GPUBuffer;
}

export interface GpuCsr {
  n: number;
  d: number;
  chunks: CsrChunk[];
  segRows: number;
  totalSegments: number;
  maxRows: number;
}

/** Row ranges of the chunks: whole segments, each array within one binding, at most maxChunkRows rows. */
export function planCsrChunks(
  indptr: Uint32Array,
  n: number,
  rowFloats: number,
  limits: GPUSupportedLimits,
  opts: ChunkingOptions,
): { ranges: [number, number][]; segRows: number } {
  const maxBinding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const segRows = Math.max(MIN_SEG_ROWS, Math.ceil(n / MAX_SEGMENTS / MIN_SEG_ROWS) * MIN_SEG_ROWS);
  let cap = Math.min(n, Math.floor(maxBinding / (4 * rowFloats)), Math.floor(maxBinding / 4) - 1);
  if (opts.maxChunkRows !== undefined) cap = Math.min(cap, Math.max(1, Math.floor(opts.maxChunkRows)));
  if (cap < 1) {
    throw new BufferLimitError(
      `One cell's row of ${rowFloats} floats exceeds the device's storage binding limit of ${maxBinding} bytes. Reduce k, or use backend: "cpu".`,
    );
  }
  const gran = Math.min(cap, segRows);
  const fits = (a: number, b: number): boolean => b - a <= cap && (indptr[b] - indptr[a]) * 4 <= maxBinding;
  const ranges: [number, number][] = [];
  for (let start = 0; start < n; ) {
    let end = start;
    while (end < n && fits(start, Math.min(n, end + gran))) end = Math.min(n, end + gran);
    if (end === start) {
      // A granule has too many nonzeros for one binding: fall back to single rows.
      while (end < n && fits(start, end + 1)) end++;
      if (end === start) {
        throw new BufferLimitError(
          `Cell ${start} has ${indptr[start + 1] - indptr[start]} nonzero counts, more than one storage binding (${maxBinding} bytes) holds. Use backend: "cpu".`,
        );
      }
    }
    ranges.push([start, end]);
    start = end;
  }
  return { ranges, segRows };
}

/**
 * Upload CSR counts (and the per-chunk CSC copies, cell tables and sample weights) in chunks.
 * Without weights every cell weighs 1 (×1.0 is exact: the unweighted statistics keep their bits).
 */
export function uploadCsr(
  runner: GpuRunner,
  c: Counts,
  s: Float64Array,
  grid: SizeGrid,
  k: number,
  opts: ChunkingOptions,
  weights: Float64Array | null = null,
): GpuCsr {
  const { n, d } = c;
  const J = grid.J;
  const { ranges, segRows } = planCsrChunks(c.indptr, n, Math.max(k, J + 1, 2), runner.device.limits, opts);
  const chunks: CsrChunk[] = [];
  let segOffset = 0;
  const ell = new Float64Array(J);
  ranges.forEach(([a, b], index) => {
    const rows = b - a;
    const p0 = c.indptr[a];
    const nnz = c.indptr[b] - p0;
    const segments = Math.ceil(rows / segRows);
    const indptr = new Uint32Array(rows + 1);
    for (let i = 0; i <= rows; i++) indptr[i] = c.indptr[a + i] - p0;
    const cells = new Float32Array(rows * (J + 1));
    for (let i = 0; i < rows; i++) {
      cells[i * (J + 1)] = s[a + i];
      cellWeights(grid, s[a + i], ell, 0);
      for (let l = 0; l < J; l++) cells[i * (J + 1) + 1 + l] = ell[l];
    }
    // CSC of the chunk by counting sort: rows stay in increasing order within each gene.
    const colptr = new Uint32Array(d + 1);
    for (let p = p0; p < p0 + nnz; p++) colptr[c.indices[p] + 1]++;
    for (let g = 0; g < d; g++) colptr[g + 1] += colptr[g];
    const fill = colptr.slice(0, d);
    const rowidx = new Uint32Array(nnz);
    const cvals = new Float32Array(nnz);
    for (let i = 0; i < rows; i++) {
      for (let p = c.indptr[a + i]; p < c.indptr[a + i + 1]; p++) {
        const at = fill[c.indices[p]]++;
        rowidx[at] = i;
        cvals[at] = c.values[p];
      }
    }
    const weight = weights ? Float32Array.from(weights.subarray(a, b)) : new Float32Array(rows).fill(1);
    const tag = `counts chunk ${index}`;
    const buf = (name: string, data: Uint32Array | Float32Array): GPUBuffer => {
      const g = runner.storage(`${tag} ${name}`, data.byteLength);
      if (data.byteLength > 0) runner.write(g, 0, data);
      return g;
    };
    chunks.push({
      index,
      rows,
      rowOffset: a,
      segOffset,
      segments,
      nnz,
      indptr: buf(`indptr (${rows + 1} u32)`, indptr),
      indices: buf(`indices (${nnz} u32)`, c.indices.subarray(p0, p0 + nnz)),
      values: buf(`values (${nnz} f32)`, Float32Array.from(c.values.subarray(p0, p0 + nnz))),
      cells: buf(`cells (${rows}×${J + 1} f32)`, cells),
      weight: buf(`sample weights (${rows} f32)`, weight),
      colptr: buf(`CSC colptr (${d + 1} u32)`, colptr),
      rowidx: buf(`CSC rows (${nnz} u32)`, rowidx),
      cvals: buf(`CSC values (${nnz} f32)`, cvals),
      rowout: runner.storage(`${tag} log p and labels (${rows}×2 u32)`, rows * 8),
      uniform: runner.uniform(`${tag} params`, new Uint32Array([rows, segOffset, segRows, a])),
    });
    segOffset += segments;
  });
  return { n, d, chunks, segRows, totalSegments: segOffset, maxRows: Math.max(...chunks.map((ch) => ch.rows)) };
}

/** Offsets into the params buffer (see zero_table.wgsl). */
function paramLayout(k: number, d: number, J: number) {
  const muphi = k * d;
  const r = 2 * k * d;
  const logpi = r + d;
  const z = logpi + k;
  const nodes = z + k * J;
  return { muphi, r, logpi, z, nodes, total: nodes + J };
}

export function gpuBackend(
  runner: GpuRunner,
  chunking: ChunkingOptions,
  c: Counts,
  s: Float64Array,
  grid: SizeGrid,
  k: number,
  weights: Float64Array | null = null,
): NbSession {
  const { n, d } = c;
  const J = grid.J;
  const device = runner.device;
  const data = uploadCsr(runner, c, s, grid, k, chunking, weights);
  const pipes: NbPipelines = nbPipelines(device, k, d, J);
  const layout = paramLayout(k, d, J);
  const rowWidth = k * (J + 2) + 1;
  const geneWidth = d * k * (J + 1);
  const params = runner.storage(`nbmm parameters (${layout.total} f32)`, layout.total * 4);
  const resp = runner.storage(`responsibilities scratch (${data.maxRows}×${k})`, data.maxRows * k * 4);
  const partials = runner.storage(`row statistics partials (${data.totalSegments}×${rowWidth})`, data.totalSegments * rowWidth * 4);
  const reduced = runner.storage(`row statistics (${rowWidth})`, rowWidth * 4);
  const geneOut = runner.storage(`gene statistics (${d}×${k}×${J + 1})`, geneWidth * 4);
  const reduceShape = runner.uniform('row statistics reduce shape', new Uint32Array([data.totalSegments, rowWidth, 0, 0]));
  const gZero = bindBuffers(device, 'nbmm zero table', pipes.zeroTable, [params]);
  const gReduce = bindBuffers(device, 'nbmm reduce', pipes.reduce, [partials, reduced, reduceShape]);
  const perChunk = data.chunks.map((ch) => ({
    estep: bindBuffers(device, `nbmm E-step chunk ${ch.index}`, pipes.estep, [
      ch.indptr,
      ch.indices,
      ch.values,
      ch.cells,
      params,
      resp,
      ch.rowout,
      ch.uniform,
    ]),
    rows: bindBuffers(device, `nbmm row stats chunk ${ch.index}`, pipes.rowStats, [
      resp,
      ch.cells,
      ch.weight,
      ch.rowout,
      partials,
      ch.uniform,
    ]),
    genes: bindBuffers(device, `nbmm gene stats chunk ${ch.index}`, pipes.geneStats, [
      ch.colptr,
      ch.rowidx,
      ch.cvals,
      ch.cells,
      ch.weight,
      resp,
      geneOut,
      ch.uniform,
    ]),
  }));
  const iterCounters: IterationTraffic = { iters: 0, dispatches: 0, bytesRead: 0, gpuNs: 0, dataBytes: 0 };
  // A pass over the counts reads a chunk's CSR (indptr, indices, values); the gene statistics read its CSC copy.
  const csrBytes = (ch: CsrChunk): number => (ch.rows + 1) * 4 + ch.nnz * 8;
  const cscBytes = (ch: CsrChunk): number => (d + 1) * 4 + ch.nnz * 8;
  const passTotal = data.chunks.reduce((a, ch) => a + csrBytes(ch), 0);

  const writeParams = (p: NbParams): void => {
    const f = new Float32Array(layout.total);
    for (let t = 0; t < k * d; t++) {
      const g = t % d;
      f[t] = Math.log(p.means[t]);
      f[layout.muphi + t] = p.means[t] * p.phi[g];
    }
    for (let g = 0; g < d; g++) f[layout.r + g] = 1 / p.phi[g];
    for (let j = 0; j < k; j++) f[layout.logpi + j] = Math.log(p.weights[j]);
    for (let l = 0; l < J; l++) f[layout.nodes + l] = grid.nodes[l];
    runner.write(params, 0, f);
  };

  const encodeEStep = (ch: CsrChunk): void => {
    runner.dispatch('nbmm E-step', pipes.estep, perChunk[ch.index].estep, Math.ceil(ch.rows / WG), csrBytes(ch));
  };

  /** The E-step's statistics at p, left in `reduced` and `geneOut`. */
  const encodeStats = (p: NbParams): void => {
    writeParams(p);
    runner.dispatch('nbmm zero table', pipes.zeroTable, gZero, k * J);
    // The row and gene statistics and Σ log p count each cell w_i times (its chunk's weight buffer).
    for (const ch of data.chunks) {
      encodeEStep(ch);
      runner.dispatch('nbmm row stats', pipes.rowStats, perChunk[ch.index].rows, ch.segments);
      runner.dispatch('nbmm gene stats', pipes.geneStats, perChunk[ch.index].genes, Math.ceil(geneWidth / WG), cscBytes(ch));
    }
    runner.dispatch('nbmm reduce', pipes.reduce, gReduce, Math.ceil(rowWidth / REDUCE_WG));
  };
  let mstep: DeviceMStep | null = null;

  return {
    async estepMStep(p: NbParams, plan: NbDeviceStepPlan): Promise<NbDeviceStep> {
      runner.checkLost();
      mstep ??= deviceMStep(runner, { rows: reduced, genes: geneOut }, k, d, grid, plan);
      const before = markTraffic(runner);
      encodeStats(p);
      const out = await mstep.run(p);
      addTraffic(iterCounters, runner, before);
      return out;
    },

    async estep(p: NbParams): Promise<NbStats> {
      runner.checkLost();
      const before = markTraffic(runner);
      encodeStats(p);
      const [r, g] = await runner.read([
        { buffer: reduced, offset: 0, size: rowWidth * 4 },
        { buffer: geneOut, offset: 0, size: geneWidth * 4 },
      ]);
      const rowsF = new Float32Array(r);
      addTraffic(iterCounters, runner, before);
      return {
        loglik: rowsF[rowWidth - 1],
        rows: Float64Array.from(rowsF.subarray(0, rowWidth - 1)),
        genes: Float64Array.from(new Float32Array(g)),
      };
    },

    async evaluate(p: NbParams, what): Promise<NbEvaluation> {
      runner.checkLost();
      writeParams(p);
      runner.dispatch('nbmm zero table', pipes.zeroTable, gZero, k * J);
      let respOut: Float32Array | undefined;
      if (what.resp) respOut = new Float32Array(n * k);
      for (const ch of data.chunks) {
        encodeEStep(ch);
        if (respOut) {
          // The scratch holds one chunk: read it before the next chunk overwrites it.
          const [buf] = await runner.read([{ buffer: resp, offset: 0, size: ch.rows * k * 4 }]);
          respOut.set(new Float32Array(buf), ch.rowOffset * k);
        }
      }
      const bufs = await runner.read(data.chunks.map((ch) => ({ buffer: ch.rowout, offset: 0, size: ch.rows * 8 })));
      const labels = new Uint32Array(n);
      const logProb = new Float32Array(n);
      let loglik = 0;
      data.chunks.forEach((ch, t) => {
        const u = new Uint32Array(bufs[t]);
        const f = new Float32Array(bufs[t]);
        for (let i = 0; i < ch.rows; i++) {
          logProb[ch.rowOffset + i] = f[2 * i];
          labels[ch.rowOffset + i] = u[2 * i + 1];
          loglik += (weights ? weights[ch.rowOffset + i] : 1) * f[2 * i];
        }
      });
      const ev: NbEvaluation = { labels, loglik };
      if (what.logProb) ev.logProb = logProb;
      if (respOut) ev.resp = respOut;
      return ev;
    },

    counters(): GpuCounters {
      return summariseCounters(runner, iterCounters, data.chunks.length, passTotal);
    },
  };
}

export const webgpuNbmm: NbBackend = {
  open: (engine, c, s, grid, setup, fn) =>
    withGpu(engine, (runner, chunking) => fn(gpuBackend(runner, chunking, c, s, grid ?? makeGrid(s), setup.k, setup.weights))),
};
