/**
 * The UMAP layout on the CPU, float64, written plainly: the same per-vertex, fixed-order epoch as
 * shaders/umap/layout.wgsl (see src/umap/plan.ts for the scheme), so the GPU is checked against it.
 */
import { AbortError } from '../../errors.js';
import { abortCheckpoint, yieldToEventLoop } from '../../core/yield.js';
import type { LayoutHooks, UmapBackend } from '../../umap/backend.js';
import { edgeKey, epochKey, type LayoutPlan, negativeTarget, negativesAt, samplesThrough } from '../../umap/plan.js';

const clip = (v: number): number => Math.min(4, Math.max(-4, v));

/** One epoch: `next` = `cur` moved by every vertex's forces (read from `cur` only). `k` is scratch (one per edge). */
export function layoutEpoch(
  plan: LayoutPlan,
  cur: Float64Array,
  next: Float64Array,
  epoch: number,
  k = new Int32Array(plan.tail.length),
): void {
  const { n, nComponents: C, indptr, tail, reverse, rate, rateBits, a, b, negativeRate, key } = plan;
  // umap-learn decays α after each epoch: epoch n (≥ 1) runs at lr·(1 − (n − 1)/nEpochs); epoch 0 samples nothing.
  const alpha = plan.learningRate * (1 - Math.max(0, epoch - 1) / plan.nEpochs);
  // k[p]: the sample number edge p draws this epoch, or 0 when it does not fire.
  if (epoch === 0) k.fill(0);
  else {
    for (let p = 0; p < k.length; p++) {
      const now = samplesThrough(rate[p], rateBits, epoch);
      k[p] = now > samplesThrough(rate[p], rateBits, epoch - 1) ? now : 0;
    }
  }
  const ek = epochKey(key, epoch);
  for (let i = 0; i < n; i++) {
    const yi = i * C;
    for (let c = 0; c < C; c++) next[yi + c] = cur[yi + c];
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const times = (k[p] > 0 ? 1 : 0) + (k[reverse[p]] > 0 ? 1 : 0);
      if (times > 0) {
        const yj = tail[p] * C;
        let d2 = 0;
        for (let c = 0; c < C; c++) d2 += (cur[yi + c] - cur[yj + c]) ** 2;
        if (d2 > 0) {
          const pb = d2 ** b; // d^(2b); d^(2(b−1)) = d^(2b)/d² (one pow)
          const coeff = (-2 * a * b * (pb / d2)) / (a * pb + 1);
          for (let c = 0; c < C; c++) next[yi + c] += times * clip(coeff * (cur[yi + c] - cur[yj + c])) * alpha;
        }
      }
      if (k[p] === 0) continue;
      const nNeg = negativesAt(k[p], negativeRate);
      const pk = edgeKey(ek, p);
      for (let s = 0; s < nNeg; s++) {
        const t = negativeTarget(pk, s, n);
        if (t === i) continue;
        const yt = t * C;
        let d2 = 0;
        for (let c = 0; c < C; c++) d2 += (cur[yi + c] - cur[yt + c]) ** 2;
        if (d2 > 0) {
          const coeff = (2 * b) / ((0.001 + d2) * (a * d2 ** b + 1));
          for (let c = 0; c < C; c++) next[yi + c] += clip(coeff * (cur[yi + c] - cur[yt + c])) * alpha;
        } else for (let c = 0; c < C; c++) next[yi + c] += 4 * alpha;
      }
    }
  }
}

async function layout(_engine: unknown, plan: LayoutPlan, init: Float32Array, hooks: LayoutHooks): Promise<Float32Array> {
  let cur = Float64Array.from(init);
  let next = new Float64Array(cur.length);
  const k = new Int32Array(plan.tail.length);
  let last = performance.now();
  const mark = { t: last };
  for (let epoch = 0; epoch < plan.nEpochs; epoch++) {
    if (hooks.signal?.aborted) throw new AbortError(hooks.signal.reason);
    layoutEpoch(plan, cur, next, epoch, k);
    [cur, next] = [next, cur];
    hooks.onEpoch?.(epoch + 1);
    // With a signal: a turn of the event loop after every epoch that ran ≥ 4 ms, so an abort
    // lands within one epoch. Without: let timers run about every 50 ms.
    await abortCheckpoint(hooks.signal, mark);
    if (performance.now() - last > 50) {
      await yieldToEventLoop();
      last = performance.now();
    }
  }
  return Float32Array.from(cur);
}

export const referenceUmap: UmapBackend = { layout };
