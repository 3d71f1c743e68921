/**
 * The WebGPU backend of the Gaussian mixture. Per EM iteration: one pass over the data, a
 * dispatch per chunk of the fused kernel (shaders/gmm/fused.wgsl: log-densities through the
 * precision Cholesky, logsumexp, responsibilities into the chunk's scratch, then Σr, Σr·x,
 * shifted Σr·xxᵀ as per-segment partials; the parameters staged in workgroup memory tile by
 * tile, planned in gmm-plan.ts); then one reduction and one readback of k×(d+2+m) floats. Means and statistics are
 * centred on the column means on the GPU and converted back here. With `chunking.f16` the rows are stored in half
 * precision (opt-in) and every kernel is composed with common/x_f16; arithmetic stays float32.
 */
import type { Dataset } from '../../data.js';
import type { CovarianceType, GpuCounters } from '../../types.js';
import { gmmPipelines, WG } from './gmm-kernels.js';
import { fusedWorkgroupSize } from '../../gpu/software.js';
import { bindBuffers } from '../../gpu/bind.js';
import { addTraffic, type IterationTraffic, markTraffic, summariseCounters, type GpuRunner } from '../../gpu/runner.js';
import { chunkBytes, passBytes, uploadData, rowGroups, type ChunkingOptions } from '../../gpu/dataset.js';
import { withGpu } from '../../gpu/session.js';
import { KMeansGpuState, uncentre } from './kmeans.js';
import { kmeansPlusPlusGpu } from './kmeans-seed.js';
import type { Evaluation, GmmBackend, GmmSession } from '../../gmm/backend.js';
import { LOG_2PI, type GmmParams, type GmmStats } from '../../gmm/model.js';
import { momentPairs, momentWidth } from '../../gmm/moments.js';

const F32_LOWEST = -3.4028234663852886e38;

export function gpuGmmBackend(
  runner: GpuRunner,
  ds: Pick<Dataset, 'n' | 'd' | 'x' | 'mean'>,
  k: number,
  type: CovarianceType,
  chunking: ChunkingOptions,
  weights: Float64Array | null = null,
  budgetBytes?: number,
  fusedWg = fusedWorkgroupSize(runner.ctx.software, WG),
): GmmSession {
  const { d, n } = ds;
  const device = runner.device;
  const m = momentWidth(type, d);
  const J = d + 2 + m;
  const data = uploadData(runner, ds, ds.mean, { ...chunking, rowWidth: k, statsPerSegment: k * J }, 'gmm data', weights ?? undefined);
  // Σ w: the statistics' sample count (the kernels weight every row's contribution).
  const total = weights ? weights.reduce((a, b) => a + b, 0) : n;
  const precLen = type === 'full' ? k * d * d : type === 'tied' ? d * d : type === 'diag' ? k * d : k;
  const means = runner.storage(`gmm means (${k}×${d})`, k * d * 4);
  const prec = runner.storage(`gmm precision factors (${precLen})`, precLen * 4);
  const consts = runner.storage(`gmm log-density constants (${k})`, k * 4);
  const pairs = runner.storage(`gmm moment pairs (${m})`, m * 8);
  runner.write(pairs, 0, momentPairs(type, d));
  const maxRows = Math.max(...data.chunks.map((c) => c.rows));
  const resp = runner.storage(`gmm responsibilities scratch (${maxRows}×${k})`, maxRows * k * 4);
  const rows = data.chunks.map((c) => ({
    score: runner.storage(`gmm log p(x) chunk ${c.index}`, c.rows * 4),
    labels: runner.storage(`gmm labels chunk ${c.index}`, c.rows * 4),
  }));
  const partials = runner.storage(`gmm partials (${data.totalSegments}×${k}×${J})`, data.totalSegments * k * J * 4);
  const reduced = runner.storage(`gmm statistics (${k}×${J})`, k * J * 4);
  const shape = runner.uniform('gmm reduce shape', new Uint32Array([data.totalSegments, k * J, 0, 0]));

  const { estep, accumulate, fused, reduce } = gmmPipelines(device, d, k, m, type, budgetBytes, data.f16, fusedWg);
  const gE = data.chunks.map((c) =>
    bindBuffers(device, `gmm E-step chunk ${c.index}`, estep, [
      c.x,
      means,
      prec,
      consts,
      resp,
      rows[c.index].score,
      rows[c.index].labels,
      c.uniform,
    ]),
  );
  const gA = data.chunks.map((c) =>
    bindBuffers(device, `gmm accumulate chunk ${c.index}`, accumulate, [c.x, resp, rows[c.index].score, means, pairs, partials, c.uniform]),
  );
  const gF = data.chunks.map((c) =>
    bindBuffers(device, `gmm pass chunk ${c.index}`, fused, [
      c.x,
      means,
      prec,
      consts,
      resp,
      rows[c.index].score,
      pairs,
      partials,
      c.uniform,
    ]),
  );
  const gR = bindBuffers(device, 'gmm reduce', reduce, [partials, reduced, shape]);
  const iterStats: IterationTraffic = { iters: 0, dispatches: 0, bytesRead: 0, gpuNs: 0, dataBytes: 0 };

  function writeParams(p: GmmParams): void {
    const mu = new Float32Array(k * d);
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) mu[c * d + j] = p.means[c * d + j] - ds.mean[j];
    runner.write(means, 0, mu);
    runner.write(prec, 0, new Float32Array(p.precChol));
    const cst = new Float32Array(k);
    for (let c = 0; c < k; c++) {
      cst[c] = p.active[c] && p.weights[c] > 0 ? Math.log(p.weights[c]) - 0.5 * d * LOG_2PI + p.logDetPrecChol[c] : F32_LOWEST;
    }
    runner.write(consts, 0, cst);
  }

  async function readStats(shiftCentred: Float64Array): Promise<GmmStats> {
    runner.dispatch('gmm reduce', reduce, gR, Math.ceil((k * J) / WG));
    const [buf] = await runner.read([{ buffer: reduced, offset: 0, size: k * J * 4 }]);
    const s = new Float32Array(buf);
    const nk = new Float64Array(k);
    const sx = new Float64Array(k * d);
    const s2 = new Float64Array(k * m);
    const shift = new Float64Array(k * d);
    let loglik = 0;
    for (let c = 0; c < k; c++) {
      nk[c] = s[c * J + d];
      loglik += s[c * J + d + 1];
      for (let j = 0; j < d; j++) {
        // Back to data coordinates: Σ r x = Σ r (x − mean) + N·mean.
        sx[c * d + j] = s[c * J + j] + nk[c] * ds.mean[j];
        shift[c * d + j] = shiftCentred[c * d + j] + ds.mean[j];
      }
      for (let t = 0; t < m; t++) s2[c * m + t] = s[c * J + d + 2 + t];
    }
    return { n: total, nk, sx, s2, shift, loglik };
  }

  return {
    async statsFromResp(kk, _type, fill) {
      // Shift zero in centred coordinates, i.e. the column means.
      runner.write(means, 0, new Float32Array(k * d));
      const block = new Float32Array(maxRows * k);
      for (const c of data.chunks) {
        const view = block.subarray(0, c.rows * kk);
        fill(view, c.rowOffset, c.rows);
        runner.write(resp, 0, view);
        runner.dispatch('gmm accumulate', accumulate, gA[c.index], c.segments);
        // The next chunk overwrites the scratch: submit this one's work first.
        runner.submit();
      }
      return readStats(new Float64Array(k * d));
    },
    async estep(p) {
      const before = markTraffic(runner);
      writeParams(p);
      // One pass: E-step and statistics per chunk (the scratch holds one chunk; each dispatch
      // consumes its own responsibilities before the next overwrites them).
      for (const c of data.chunks) runner.dispatch('gmm pass', fused, gF[c.index], c.segments, chunkBytes(c, d, data.f16));
      const centred = new Float64Array(k * d);
      for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) centred[c * d + j] = Math.fround(p.means[c * d + j] - ds.mean[j]);
      const stats = await readStats(centred);
      addTraffic(iterStats, runner, before);
      return stats;
    },
    async evaluate(p, what): Promise<Evaluation> {
      writeParams(p);
      const logProb = new Float32Array(n);
      const labels = new Uint32Array(n);
      const r = what.resp ? new Float32Array(n * k) : undefined;
      for (const c of data.chunks) {
        runner.dispatch('gmm E-step', estep, gE[c.index], rowGroups(c.rows, WG));
        const reqs = [
          { buffer: rows[c.index].score, offset: 0, size: c.rows * 4 },
          { buffer: rows[c.index].labels, offset: 0, size: c.rows * 4 },
        ];
        if (r) reqs.push({ buffer: resp, offset: 0, size: c.rows * k * 4 });
        const bufs = await runner.read(reqs);
        logProb.set(new Float32Array(bufs[0]), c.rowOffset);
        labels.set(new Uint32Array(bufs[1]), c.rowOffset);
        if (r) r.set(new Float32Array(bufs[2]), c.rowOffset * k);
      }
      return { logProb, labels, ...(r ? { resp: r } : {}) };
    },
    async seeds(kk, rng) {
      // k-means++ on the GPU over the data already uploaded (its row buffers are separate).
      const st = new KMeansGpuState(runner, data, kk);
      return uncentre(await kmeansPlusPlusGpu(st, rng, weights), ds.mean, kk, d);
    },
    counters(): GpuCounters {
      return summariseCounters(runner, iterStats, data.chunks.length, passBytes(data));
    },
  };
}

export const webgpuGmm: GmmBackend = {
  // The runner frees every buffer when the call ends.
  session: (engine, ds, setup, fn) =>
    withGpu(engine, (runner, chunking) =>
      fn(gpuGmmBackend(runner, ds, setup.k, setup.type, { ...chunking, f16: !!setup.f16 }, setup.weights)),
    ),
};
