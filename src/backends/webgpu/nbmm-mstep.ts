/**
 * The negative-binomial M-step on the device (shaders/nbmm/mstep.wgsl): its kernel, the per-gene
 * count histograms it needs (uploaded once per session) and one dispatch that turns the E-step's
 * statistics, where they lie in GPU memory, into new means and dispersions (a second dispatch of
 * one workgroup for a shared φ). The host then reads back the row statistics (K·(J+2)+1 floats:
 * weights, log-likelihood), the K·D means and φ (D per gene, 1 shared, none fixed): O(k·d),
 * instead of the D·K·(J+1) per-gene statistics. nbmm/device-mstep.ts guards the log-likelihood.
 */
import { bindBuffers } from '../../gpu/bind.js';
import type { GpuRunner } from '../../gpu/runner.js';
import type { SizeGrid } from '../../nbmm/grid.js';
import { EMPTY_MASS, HALVINGS, MU_FLOOR, NEWTON_STEPS, PHI_MAX, PHI_MIN, type NbParams } from '../../nbmm/model.js';
import { SMALL_COUNT } from '../../nbmm/special.js';
import type { NbDeviceStep, NbDeviceStepPlan } from '../../nbmm/backend.js';
import { SHARED_PHI_WG, sources, WG } from './nbmm-kernels.js';

/** Buffers of the E-step the M-step reads. */
export interface NbStatBuffers {
  /** Reduced row statistics, K·(J+2)+1 f32. */
  rows: GPUBuffer;
  /** Gene statistics, D·K·(J+1) f32. */
  genes: GPUBuffer;
}

export interface DeviceMStep {
  /** Record the M-step from the statistics at `p` (after the E-step's dispatches), then read back. */
  run(p: NbParams): Promise<NbDeviceStep>;
}

/** Set up the M-step kernel for one session: histograms and parameter buffers, the bind group. */
export function deviceMStep(
  runner: GpuRunner,
  stats: NbStatBuffers,
  k: number,
  d: number,
  grid: SizeGrid,
  plan: NbDeviceStepPlan,
): DeviceMStep {
  const J = grid.J;
  const { hist } = plan;
  const H = hist.value.length;
  const pairs = new Float32Array(Math.max(2, 2 * H));
  for (let t = 0; t < H; t++) {
    pairs[2 * t] = hist.value[t];
    pairs[2 * t + 1] = hist.mult[t];
  }
  const hptr = runner.storage(`gene count histogram offsets (${d + 1} u32)`, (d + 1) * 4);
  runner.write(hptr, 0, hist.ptr);
  const histBuf = runner.storage(`gene count histograms (${H}×2 f32)`, pairs.byteLength);
  runner.write(histBuf, 0, pairs);
  const curWords = k * d + d + J;
  const cur = runner.storage(`M-step current means, φ, nodes (${curWords} f32)`, curWords * 4);
  const outWords = k * d + d;
  const out = runner.storage(`M-step new means and φ (${outWords} f32)`, outWords * 4);
  const constants = {
    K: k,
    D: d,
    J,
    WG,
    MLE: plan.meanEstimator === 'mle' ? 1 : 0,
    PER_GENE: plan.dispersion === 'per-gene' ? 1 : 0,
    MU_FLOOR,
    EMPTY_MASS,
    PHI_MIN,
    PHI_MAX,
    HALVINGS,
    NEWTON_STEPS,
    SMALL_COUNT,
  };
  const pipe = sources.mstep.pipeline(runner.device, constants);
  const buffers = [stats.rows, stats.genes, hptr, histBuf, cur, out];
  const group = bindBuffers(runner.device, 'nbmm M-step', pipe, buffers);
  // A shared φ: one workgroup after the means (mstep.wgsl shared_phi), same constants but its workgroup size.
  const shared = plan.dispersion === 'shared' ? sources.mstepShared.pipeline(runner.device, { ...constants, WG: SHARED_PHI_WG }) : null;
  const sharedGroup = shared ? bindBuffers(runner.device, 'nbmm M-step shared φ', shared, buffers) : null;
  const rowWidth = k * (J + 2) + 1;
  // Read back: the means, then φ per gene (D), shared (1, the same in every slot) or none (fixed).
  const phiWords = plan.dispersion === 'per-gene' ? d : plan.dispersion === 'shared' ? 1 : 0;
  const words = new Float32Array(curWords);
  return {
    async run(p) {
      words.set(new Float32Array(p.means));
      words.set(new Float32Array(p.phi), k * d);
      for (let l = 0; l < J; l++) words[k * d + d + l] = grid.nodes[l];
      runner.write(cur, 0, words);
      runner.dispatch('nbmm M-step', pipe, group, Math.ceil(d / WG));
      if (shared && sharedGroup) runner.dispatch('nbmm M-step shared φ', shared, sharedGroup, 1);
      const [r, o] = await runner.read([
        { buffer: stats.rows, offset: 0, size: rowWidth * 4 },
        { buffer: out, offset: 0, size: (k * d + phiWords) * 4 },
      ]);
      const rowsF = new Float32Array(r);
      const outF = new Float32Array(o);
      // A fixed φ stays the caller's float64 value (the kernel only carries it as float32).
      const phi =
        plan.dispersion === 'per-gene'
          ? Float64Array.from(outF.subarray(k * d))
          : plan.dispersion === 'shared'
            ? new Float64Array(d).fill(outF[k * d])
            : Float64Array.from(p.phi);
      return {
        loglik: rowsF[rowWidth - 1],
        rows: Float64Array.from(rowsF.subarray(0, rowWidth - 1)),
        means: Float64Array.from(outF.subarray(0, k * d)),
        phi,
      };
    },
  };
}
