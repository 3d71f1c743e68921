/**
 * The float64 reference implementation of the single-cell contract (src/sc/backend.ts): plain
 * loops over the CSR arrays, kept simple because it is the oracle the other backends are tested
 * against.
 */
import type { CsrMatrix, DenseOps, GeneSums, GeneSumsRequest, Layer, RowQc, ScBackend, ScOps } from '../../sc/backend.js';
import { entriesPerGene } from '../../sc/moments.js';
import { normalizeRowsInto, rowQcInto } from '../../sc/row-ops.js';

export class CpuCsrOps implements ScOps {
  readonly backend = 'reference' as const;
  readonly n: number;
  readonly d: number;
  readonly entries: Float64Array;
  private norm: Float64Array | null = null;

  constructor(private readonly csr: CsrMatrix) {
    this.n = csr.n;
    this.d = csr.d;
    this.entries = entriesPerGene(csr.indices, csr.indptr[csr.n], csr.d);
  }

  async rowQc(mask: Uint8Array): Promise<RowQc> {
    const n = this.csr.n;
    const out = { total: new Float64Array(n), detected: new Float64Array(n), masked: new Float64Array(n) };
    rowQcInto(this.csr, mask, out);
    return out;
  }

  async normalize(targetSum: number, log1p: boolean): Promise<Float64Array> {
    const out = new Float64Array(this.csr.indptr[this.csr.n]);
    const totals = normalizeRowsInto(this.csr, targetSum, log1p, out);
    this.norm = out;
    return totals;
  }

  private layer(which: Layer): ArrayLike<number> {
    if (which === 'raw') return this.csr.values;
    if (!this.norm) throw new Error('normalize() must run before the norm layer is used');
    return this.norm;
  }

  async geneSums(req: GeneSumsRequest): Promise<GeneSums> {
    const { d, csr } = this;
    const vals = this.layer(req.layer);
    const nnz = csr.indptr[csr.n];
    const positive = new Float64Array(d);
    const s1 = new Float64Array(d);
    const s2 = new Float64Array(d);
    const maxV = req.maxValue ?? Infinity;
    for (let p = 0; p < nnz; p++) {
      const g = csr.indices[p];
      const x = vals[p];
      if (x > 0) positive[g]++;
      let t = x;
      if (req.transform === 'expm1') t = Math.expm1(x);
      else if (req.transform === 'scale') t = Math.min(Math.max((x - req.centre![g]) / req.divisor![g], -maxV), maxV);
      if (req.clip && t > req.clip[g]) t = req.clip[g];
      const dl = t - (req.shift ? req.shift[g] : 0);
      s1[g] += dl;
      s2[g] += dl * dl;
    }
    return { shift: req.shift ?? null, positive, s1, s2 };
  }

  async readNorm(): Promise<Float64Array> {
    return Float64Array.from(this.layer('norm'));
  }

  async dense(
    layer: Layer,
    cols: Uint32Array,
    centre: Float64Array,
    divisor: Float64Array,
    maxValue: number,
    mean: Float64Array,
  ): Promise<DenseOps> {
    const { n, indptr, indices } = this.csr;
    const G = cols.length;
    const vals = this.layer(layer);
    const colmap = new Int32Array(this.d).fill(-1);
    cols.forEach((g, c) => (colmap[g] = c));
    const x = new Float64Array(n * G);
    const clampV = (v: number) => Math.min(Math.max(v, -maxValue), maxValue);
    for (let i = 0; i < n; i++) for (let c = 0; c < G; c++) x[i * G + c] = clampV((0 - centre[c]) / divisor[c]);
    for (let i = 0; i < n; i++) {
      for (let p = indptr[i]; p < indptr[i + 1]; p++) {
        const c = colmap[indices[p]];
        if (c >= 0) x[i * G + c] = clampV((vals[p] - centre[c]) / divisor[c]);
      }
    }
    return cpuDense(x, n, G, mean);
  }

  counters(): undefined {
    return undefined;
  }

  release(): void {
    this.norm = null;
  }
}

/** Dense float64 operator: keeps X − 1μᵀ (a copy) and the column means. */
export function cpuDense(data: ArrayLike<number>, n: number, g: number, mean: Float64Array): DenseOps {
  const xc = new Float64Array(n * g);
  for (let i = 0; i < n; i++) for (let f = 0; f < g; f++) xc[i * g + f] = data[i * g + f] - mean[f];
  return {
    n,
    g,
    mean,
    async gram(q: Float64Array, l: number): Promise<Float64Array> {
      const z = new Float64Array(g * l);
      const y = new Float64Array(l);
      for (let i = 0; i < n; i++) {
        y.fill(0);
        const row = i * g;
        for (let f = 0; f < g; f++) {
          const v = xc[row + f];
          if (v === 0) continue;
          const qf = f * l;
          for (let a = 0; a < l; a++) y[a] += v * q[qf + a];
        }
        for (let f = 0; f < g; f++) {
          const v = xc[row + f];
          if (v === 0) continue;
          const zf = f * l;
          for (let a = 0; a < l; a++) z[zf + a] += v * y[a];
        }
      }
      return z;
    },
    async project(v: Float64Array, k: number): Promise<Float64Array> {
      const out = new Float64Array(n * k);
      for (let i = 0; i < n; i++) {
        for (let f = 0; f < g; f++) {
          const x = xc[i * g + f];
          if (x === 0) continue;
          for (let j = 0; j < k; j++) out[i * k + j] += x * v[f * k + j];
        }
      }
      return out;
    },
    async read(): Promise<Float64Array> {
      const out = new Float64Array(n * g);
      for (let i = 0; i < n; i++) for (let f = 0; f < g; f++) out[i * g + f] = xc[i * g + f] + mean[f];
      return out;
    },
    counters: () => undefined,
  };
}

/** The reference backend: a session is just the two constructors (nothing to free). */
export const referenceSc: ScBackend = {
  session: (_engine, fn) =>
    fn({
      backend: 'reference',
      csr: (m) => new CpuCsrOps(m),
      dense: (x, mean) => cpuDense(x.data, x.n, x.d, mean),
    }),
};
