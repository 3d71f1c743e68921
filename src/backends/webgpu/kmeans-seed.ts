/**
 * k-means++ seeding on the GPU: scikit-learn's greedy variant (2 + ⌊ln k⌋ candidates per centre,
 * the one that lowers the potential most is kept). The distance work runs on the GPU over a fit's
 * KMeansGpuState (kmeans.ts); the host samples by per-segment sums, then within the segment's row
 * distances, two small readbacks per centre. With sample weights the first centre is drawn ∝ w
 * and candidates ∝ w·D².
 */

import type { Rng } from '../../core/rng.js';
import { searchSorted, weightedPick } from '../../core/weights.js';
import { rowGroups, type GpuData } from '../../gpu/dataset.js';
import { bindBuffers } from '../../gpu/bind.js';
import { KPP_MAX_CANDIDATES, WG } from './kmeans-kernels.js';
import type { KMeansGpuState } from './kmeans.js';

/** Greedy k-means++ with the distance work on the GPU; two small readbacks per centroid. */
export async function kmeansPlusPlusGpu(st: KMeansGpuState, rng: Rng, weights: Float64Array | null = null): Promise<Float64Array> {
  const { runner, data, k, d } = st;
  const device = runner.device;
  const L = Math.min(2 + Math.floor(Math.log(k)), KPP_MAX_CANDIDATES);
  const host = data.host;
  const centres = new Float64Array(k * d);
  const cands = runner.storage(`k-means++ candidates (${L}×${d})`, KPP_MAX_CANDIDATES * d * 4);
  const partials = runner.storage(`k-means++ partials (${data.totalSegments}×${L})`, data.totalSegments * L * 4);
  const stepCand = runner.uniform('k-means++ candidate step', new Uint32Array([1, 0, 1, 0]));
  const stepCommit = runner.uniform('k-means++ commit step', new Uint32Array([1, 0, 1, 0]));
  const gCand = data.chunks.map((c) =>
    bindBuffers(device, `k-means++ candidates chunk ${c.index}`, st.pipes.kppCandidates, [
      c.x,
      st.rows[c.index].dist,
      cands,
      partials,
      c.uniform,
      stepCand,
    ]),
  );
  const gCommit = data.chunks.map((c) =>
    bindBuffers(device, `k-means++ commit chunk ${c.index}`, st.pipes.kppCommit, [
      c.x,
      st.rows[c.index].dist,
      cands,
      null,
      c.uniform,
      stepCommit,
    ]),
  );
  const candidateRound = async (rows: number[], first: boolean): Promise<Float64Array[]> => {
    const buf = new Float32Array(rows.length * d);
    rows.forEach((r, t) => buf.set(host.subarray(r * d, r * d + d), t * d));
    runner.write(cands, 0, buf);
    runner.write(stepCand, 0, new Uint32Array([rows.length, 0, first ? 1 : 0, 0]));
    for (const c of data.chunks) runner.dispatch('k-means++ candidates', st.pipes.kppCandidates, gCand[c.index], c.segments);
    const [p] = await runner.read([{ buffer: partials, offset: 0, size: data.totalSegments * rows.length * 4 }]);
    const f = new Float32Array(p);
    return rows.map((_, t) => Float64Array.from({ length: data.totalSegments }, (_, s) => f[s * rows.length + t]));
  };
  const commit = (slot: number, first: boolean): void => {
    runner.write(stepCommit, 0, new Uint32Array([0, slot, first ? 1 : 0, 0]));
    for (const c of data.chunks) runner.dispatch('k-means++ commit', st.pipes.kppCommit, gCommit[c.index], rowGroups(c.rows, WG));
    // Submit now: the next round rewrites the candidate rows this commit reads.
    runner.submit();
  };
  try {
    const first = weights ? weightedPick(weights, rng.uniform()) : rng.int(data.n);
    centres.set(host.subarray(first * d, first * d + d), 0);
    let segPot = (await candidateRound([first], true))[0];
    commit(0, true);
    for (let c = 1; c < k; c++) {
      let total = 0;
      const cum = new Float64Array(segPot.length);
      segPot.forEach((v, s) => (cum[s] = total += v));
      // Sample L rows with probability ∝ closest distance: segment by its sum, then the row within it.
      const targets = Array.from({ length: L }, () => rng.uniform() * total);
      const segs = targets.map((t) => searchSorted(cum, t));
      const unique = [...new Set(segs)];
      const segRanges = unique.map((s) => segmentRange(data, s));
      const bufs = await runner.read(
        segRanges.map(({ chunk, start, rows }) => ({ buffer: st.rows[chunk].dist, offset: start * 4, size: rows * 4 })),
      );
      const rowsChosen = targets.map((t, i) => {
        const u = unique.indexOf(segs[i]);
        const vals = new Float32Array(bufs[u]);
        const range = segRanges[u];
        let residual = t - (segs[i] > 0 ? cum[segs[i] - 1] : 0);
        let pick = -1;
        for (let r = 0; r < vals.length; r++) {
          const v = (weights ? weights[range.globalStart + r] : 1) * vals[r];
          if (v > 0) pick = r;
          residual -= v;
          if (residual <= 0 && v > 0) break;
        }
        // All-zero segment (only when every sample coincides with a centre): any row will do.
        return range.globalStart + Math.max(pick, 0);
      });
      const pots = await candidateRound(rowsChosen, false);
      let best = 0;
      let bestPot = Infinity;
      pots.forEach((p, t) => {
        let s = 0;
        for (const v of p) s += v;
        if (s < bestPot) {
          bestPot = s;
          best = t;
        }
      });
      centres.set(host.subarray(rowsChosen[best] * d, rowsChosen[best] * d + d), c * d);
      segPot = pots[best];
      commit(best, false);
    }
  } finally {
    runner.free(cands);
    runner.free(partials);
    runner.free(stepCand);
    runner.free(stepCommit);
  }
  return centres;
}

function segmentRange(data: GpuData, globalSeg: number): { chunk: number; start: number; rows: number; globalStart: number } {
  const chunk = data.chunks.find((c) => globalSeg >= c.segOffset && globalSeg < c.segOffset + c.segments)!;
  const start = (globalSeg - chunk.segOffset) * data.segRows;
  const rows = Math.min(data.segRows, chunk.rows - start);
  return { chunk: chunk.index, start, rows, globalStart: chunk.rowOffset + start };
}
