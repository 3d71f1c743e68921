/**
 * The 'harmony' contract in float64, written plainly (the oracle the WebGPU kernels are tested
 * against). Every array is row-major by cell: z, zcorr, zcos n × d; R, dist, scale n × K.
 */
import type { HarmonyBackend, HarmonySession, HarmonySetup } from '../../harmony/backend.js';
import { normaliseRows } from '../../harmony/fit.js';

class ReferenceHarmony implements HarmonySession {
  private readonly zcorr: Float64Array;
  private zcos: Float64Array;
  private readonly R: Float64Array;
  private readonly dist: Float64Array;
  private readonly scale: Float64Array;
  private readonly pen: Float64Array;

  constructor(
    private readonly z: Float64Array,
    private readonly s: HarmonySetup,
  ) {
    const { n, d, K, B } = s;
    this.zcorr = Float64Array.from(z);
    this.zcos = normaliseRows(z, n, d);
    this.R = new Float64Array(n * K);
    this.dist = new Float64Array(n * K);
    this.scale = new Float64Array(n * K);
    this.pen = new Float64Array(K * B);
  }

  async centroidSums(): Promise<Float64Array> {
    const { n, d, K } = this.s;
    const Y = new Float64Array(K * d);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < K; k++) {
        const r = this.R[i * K + k];
        for (let f = 0; f < d; f++) Y[k * d + f] += r * this.zcos[i * d + f];
      }
    }
    return Y;
  }

  async distances(Y: Float64Array): Promise<void> {
    const { n, d, K, sigma } = this.s;
    for (let i = 0; i < n; i++) {
      let top = -Infinity;
      for (let k = 0; k < K; k++) {
        let dot = 0;
        for (let f = 0; f < d; f++) dot += Y[k * d + f] * this.zcos[i * d + f];
        const dist = 2 * (1 - dot);
        this.dist[i * K + k] = dist;
        top = Math.max(top, -dist / sigma[k]);
      }
      for (let k = 0; k < K; k++) this.scale[i * K + k] = Math.exp(-this.dist[i * K + k] / sigma[k] - top);
    }
  }

  async softAssign(): Promise<void> {
    const { n, K } = this.s;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += this.scale[i * K + k];
      for (let k = 0; k < K; k++) this.R[i * K + k] = this.scale[i * K + k] / sum;
    }
  }

  /** O ±= Σ over the block's cells of their R, per (k, batch). */
  private blockSums(order: Uint32Array, lo: number, hi: number, O: Float64Array, sign: number): void {
    const { K, B, batch } = this.s;
    const delta = new Float64Array(K * B);
    for (let t = lo; t < hi; t++) {
      const i = order[t];
      const b = batch[i];
      for (let k = 0; k < K; k++) delta[k * B + b] += this.R[i * K + k];
    }
    for (let j = 0; j < K * B; j++) O[j] += sign * delta[j];
  }

  async updateR(order: Uint32Array, bounds: Uint32Array, O: Float64Array): Promise<void> {
    const { K, B, batch, theta, prB } = this.s;
    for (let j = 0; j + 1 < bounds.length; j++) {
      const lo = bounds[j];
      const hi = bounds[j + 1];
      this.blockSums(order, lo, hi, O, -1);
      for (let k = 0; k < K; k++) {
        let rowSum = 0;
        for (let b = 0; b < B; b++) rowSum += O[k * B + b];
        for (let b = 0; b < B; b++) this.pen[k * B + b] = ((prB[b] * rowSum + 1) / (O[k * B + b] + 1)) ** theta[b];
      }
      for (let t = lo; t < hi; t++) {
        const i = order[t];
        const b = batch[i];
        let sum = 0;
        for (let k = 0; k < K; k++) {
          const v = this.scale[i * K + k] * this.pen[k * B + b];
          this.R[i * K + k] = v;
          sum += v;
        }
        for (let k = 0; k < K; k++) this.R[i * K + k] /= sum;
      }
      this.blockSums(order, lo, hi, O, 1);
    }
  }

  async objective(): Promise<{ kmeans: number; entropy: number }> {
    const { n, K, sigma } = this.s;
    let kmeans = 0;
    let entropy = 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < K; k++) {
        const r = this.R[i * K + k];
        kmeans += r * this.dist[i * K + k];
        if (r > 0) entropy += sigma[k] * r * Math.log(r);
      }
    }
    return { kmeans, entropy };
  }

  async moeSums(): Promise<Float64Array> {
    const { n, d, K, B, batch } = this.s;
    const w = d + 1;
    const S = new Float64Array(K * B * w);
    for (let i = 0; i < n; i++) {
      const b = batch[i];
      for (let k = 0; k < K; k++) {
        const r = this.R[i * K + k];
        const row = (k * B + b) * w;
        for (let f = 0; f < d; f++) S[row + f] += r * this.z[i * d + f];
        S[row + d] += r;
      }
    }
    return S;
  }

  async correct(W: Float64Array): Promise<void> {
    const { n, d, K, B, batch } = this.s;
    for (let i = 0; i < n; i++) {
      const b = batch[i];
      for (let f = 0; f < d; f++) {
        let v = this.z[i * d + f];
        for (let k = 0; k < K; k++) v -= this.R[i * K + k] * W[(k * B + b) * d + f];
        this.zcorr[i * d + f] = v;
      }
    }
    this.zcos = normaliseRows(this.zcorr, n, d);
  }

  async read(what: { R: boolean }) {
    return { corrected: Float64Array.from(this.zcorr), ...(what.R ? { R: Float64Array.from(this.R) } : {}) };
  }
}

export const referenceHarmony: HarmonyBackend = {
  open: (_engine, z, setup, fn) => fn(new ReferenceHarmony(z, setup)),
};
