/**
 * The negative-binomial mixture on WebGPU. Counts are uploaded once as CSR chunks of whole
 * segments (nbmm-upload.ts). Per E-step, one read of the counts:
 *   clear       the fixed-point totals (gene and row statistics)
 *   1 dispatch  zero table   K×J node values of the zero part (zero_table.wgsl)
 *   per chunk   one pass     E-step per cell and its shares of the per-gene V, X (fused.wgsl)
 *               row stats    per-segment W, N, S, Σ log p (rowstats.wgsl; reads no counts)
 * (the statistics weighted by each cell's sample weight, held in the cells' table)
 *   1 dispatch  the exact totals to float32 (stats_out.wgsl)
 * Every statistic is an exact integer sum (common/fixed64.wgsl), so the fit has the same bits
 * whatever the chunking. By default the M-step then runs on the device from the statistics in
 * place (nbmm-mstep.ts, one dispatch, two for a shared φ), and an iteration reads back
 * K·(J+2)+1 + K·D floats and φ: O(k·d). With deviceMStep: false it reads back the statistics,
 * K·(J+2)+1 + D·K·(J+1) floats (O(k·d·J), never O(n)), for the float64 host M-step
 * (nbmm/mstep.ts, shared with the CPU reference). Labels and per-cell log p(x_i) (and
 * responsibilities when asked) are read once per restart, after its EM loop.
 */
import { addTraffic, type IterationTraffic, markTraffic, summariseCounters, type GpuRunner } from '../../gpu/runner.js';
import type { ChunkingOptions } from '../../gpu/dataset.js';
import type { GpuCounters } from '../../types.js';
import { withGpu } from '../../gpu/session.js';
import type { Counts } from '../../nbmm/counts.js';
import { makeGrid, type SizeGrid } from '../../nbmm/grid.js';
import type { NbParams, NbStats } from '../../nbmm/model.js';
import type { NbBackend, NbDeviceStep, NbDeviceStepPlan, NbEvaluation, NbSession } from '../../nbmm/backend.js';
import { deviceMStep, type DeviceMStep } from './nbmm-mstep.js';
import { nbPipelines, WG, type NbPipelines } from './nbmm-kernels.js';
import { bindBuffers } from '../../gpu/bind.js';
import { uploadCsr, type CsrChunk } from './nbmm-upload.js';

export { planCsrChunks, uploadCsr, type CsrChunk, type GpuCsr } from './nbmm-upload.js';

/** Offsets into the params buffer (see zero_table.wgsl; gexp, rexp: the fixed-point exponents of fused.wgsl, rowstats.wgsl). */
function paramLayout(k: number, d: number, J: number) {
  const muphi = k * d;
  const r = 2 * k * d;
  const logpi = r + d;
  const z = logpi + k;
  const nodes = z + k * J;
  const gexp = nodes + J;
  const rexp = gexp + d;
  return { muphi, r, logpi, z, nodes, gexp, rexp, total: rexp + J + 2 };
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
  const reduced = runner.storage(`row statistics (${rowWidth})`, rowWidth * 4);
  const geneOut = runner.storage(`gene statistics (${d}×${k}×${J + 1})`, geneWidth * 4);
  // Exact fixed-point totals (common/fixed64.wgsl): the gene statistics; the row columns, 256 log-likelihood buckets, 1 slot of counts.
  const geneAcc = runner.storage(`gene statistics, fixed point (${d}×${k}×${J + 1}×2 u32)`, geneWidth * 8);
  const rowAccWords = 2 * (k * (J + 2) + 257);
  const rowAcc = runner.storage(`row statistics, fixed point (${rowAccWords} u32)`, rowAccWords * 4);
  const gZero = bindBuffers(device, 'nbmm zero table', pipes.zeroTable, [params]);
  const gOut = bindBuffers(device, 'nbmm statistics out', pipes.statsOut, [geneAcc, rowAcc, params, geneOut, reduced]);
  const perChunk = data.chunks.map((ch) => {
    const csr = [ch.indptr, ch.nz, ch.cells, params, resp, ch.rowout];
    return {
      fused: bindBuffers(device, `nbmm one pass chunk ${ch.index}`, pipes.fused, [...csr, geneAcc, ch.uniform]),
      // Scoring: the same kernel without the scatter (its totals binding is still declared, never written).
      estep: bindBuffers(device, `nbmm E-step chunk ${ch.index}`, pipes.estep, [...csr, geneAcc, ch.uniform]),
      rows: bindBuffers(device, `nbmm row stats chunk ${ch.index}`, pipes.rowStats, [
        resp,
        ch.cells,
        ch.rowout,
        params,
        rowAcc,
        ch.uniform,
      ]),
    };
  });
  const iterCounters: IterationTraffic = { iters: 0, dispatches: 0, bytesRead: 0, gpuNs: 0, dataBytes: 0 };
  // A pass over the counts reads a chunk's CSR (indptr, then (gene, count) pairs), once per E-step.
  const csrBytes = (ch: CsrChunk): number => (ch.rows + 1) * 4 + ch.nnz * 8;
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
    f.set(data.geneExp, layout.gexp);
    f.set(data.rowExp, layout.rexp);
    runner.write(params, 0, f);
  };

  const encodeEStep = (ch: CsrChunk): void => {
    runner.dispatch('nbmm E-step', pipes.estep, perChunk[ch.index].estep, Math.ceil(ch.rows / WG), csrBytes(ch));
  };

  /** The E-step's statistics at p, left in `reduced` and `geneOut`, from one read of the counts. */
  const encodeStats = (p: NbParams): void => {
    writeParams(p);
    runner.clear(geneAcc);
    runner.clear(rowAcc);
    runner.dispatch('nbmm zero table', pipes.zeroTable, gZero, k * J);
    // The row and gene statistics and Σ log p count each cell w_i times (the weight in its cells' table).
    for (const ch of data.chunks) {
      runner.dispatch('nbmm one pass', pipes.fused, perChunk[ch.index].fused, Math.ceil(ch.rows / WG), csrBytes(ch));
      runner.dispatch('nbmm row stats', pipes.rowStats, perChunk[ch.index].rows, ch.segments);
    }
    runner.dispatch('nbmm statistics out', pipes.statsOut, gOut, Math.ceil((geneWidth + rowWidth) / WG));
  };
  let mstep: DeviceMStep | null = null;

  return {
    async estepMStep(p: NbParams, plan: NbDeviceStepPlan, extra = false): Promise<NbDeviceStep> {
      runner.checkLost();
      mstep ??= deviceMStep(runner, { rows: reduced, genes: geneOut }, k, d, grid, plan);
      const before = markTraffic(runner);
      encodeStats(p);
      const out = await mstep.run(p);
      addTraffic(iterCounters, runner, before, !extra);
      return out;
    },

    async estep(p: NbParams, extra = false): Promise<NbStats> {
      runner.checkLost();
      const before = markTraffic(runner);
      encodeStats(p);
      const [r, g] = await runner.read([
        { buffer: reduced, offset: 0, size: rowWidth * 4 },
        { buffer: geneOut, offset: 0, size: geneWidth * 4 },
      ]);
      const rowsF = new Float32Array(r);
      addTraffic(iterCounters, runner, before, !extra);
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
