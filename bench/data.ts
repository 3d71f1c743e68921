/**
 * Benchmark data, generated from seeds in whichever runtime runs the cases (nothing is
 * downloaded), and the real data sets' transport format. Browser-safe: no Node built-ins.
 */
import { Rng } from '../src/core/rng.js';
import { gaussian, makeBlobs } from '../src/datasets/blobs.js';
import type { BlobsSpec, CountsSpec } from './cases.js';

/** Sparse counts in CSR (cells as rows), the input of the negative-binomial mixture. */
export interface Csr {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
  n: number;
  d: number;
}

/** A dense n × d matrix, row-major. */
export interface Dense {
  data: Float64Array;
  n: number;
  d: number;
}

export interface GeneratedBlobs extends Dense {
  truth: number[];
  description: string;
}

export function generateBlobs(s: BlobsSpec): GeneratedBlobs {
  const b = makeBlobs(s.n, s.d, s.centres, s.seed, { std: s.std, spread: s.spread });
  return {
    data: b.data,
    n: s.n,
    d: s.d,
    truth: b.truth,
    description: `makeBlobs(${s.n}, ${s.d}, ${s.centres}, seed ${s.seed}, { std: ${s.std}, spread: ${s.spread} }) (emgpu's makeBlobs)`,
  };
}

export interface GeneratedCounts extends Csr {
  nnz: number;
  truth: number[];
  description: string;
}

/**
 * Sparse UMI-like counts with `clusters` cell types. Gene abundances a_g ~ logNormal(0, 1.5)
 * are shared; each type multiplies 5% of the genes (its markers) by exp(N(2, 0.5)). A cell of
 * type c gets a target number of distinct genes t_i = round(density·d·logNormal(0, 0.3)); it
 * then draws genes from its type's profile (probabilities ∝ a_g × marker factor, by binary
 * search on the cumulative profile) and adds a burst of 1 + Geometric(½) counts to each drawn
 * gene (overdispersion, as in bursty transcription) until t_i distinct genes are hit (or 50·t_i
 * draws). The result has about density·n·d non-zeros, a long-tailed count distribution and
 * cells whose totals vary like library sizes. Deterministic for a seed (Philox).
 */
export function generateCounts(s: CountsSpec): GeneratedCounts {
  const rng = new Rng(s.seed, 7);
  const { n, d, clusters } = s;
  const base = new Float64Array(d);
  for (let g = 0; g < d; g++) base[g] = Math.exp(1.5 * gaussian(rng));
  const cum: Float64Array[] = [];
  for (let c = 0; c < clusters; c++) {
    const p = Float64Array.from(base);
    const markers = rng.sample(d, Math.max(1, Math.round(0.05 * d)));
    for (const g of markers) p[g] *= Math.exp(2 + 0.5 * gaussian(rng));
    let acc = 0;
    for (let g = 0; g < d; g++) {
      acc += p[g];
      p[g] = acc;
    }
    for (let g = 0; g < d; g++) p[g] /= acc;
    cum.push(p);
  }
  const indptr = new Int32Array(n + 1);
  const idx: number[] = [];
  const val: number[] = [];
  const scratch = new Float64Array(d);
  const truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    truth.push(c);
    const p = cum[c];
    const target = Math.min(d, Math.max(1, Math.round(s.density * d * Math.exp(0.3 * gaussian(rng)))));
    const touched: number[] = [];
    for (let draw = 0; touched.length < target && draw < 50 * target; draw++) {
      const u = rng.uniform();
      let lo = 0;
      let hi = d - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (p[mid] > u) hi = mid;
        else lo = mid + 1;
      }
      if (scratch[lo] === 0) touched.push(lo);
      let burst = 1;
      while (rng.uniform() < 0.5) burst++;
      scratch[lo] += burst;
    }
    touched.sort((a, b) => a - b);
    for (const g of touched) {
      idx.push(g);
      val.push(scratch[g]);
      scratch[g] = 0;
    }
    indptr[i + 1] = idx.length;
  }
  return {
    indptr,
    indices: Int32Array.from(idx),
    values: Float64Array.from(val),
    n,
    d,
    nnz: idx.length,
    truth,
    description: `generateCounts(${n} cells, ${d} genes, ${clusters} types, density ${s.density}, seed ${s.seed}) (bench/data.ts): bursty draws from per-type gene profiles`,
  };
}

/** log1p(x / total × 10⁴) of CSR counts, dense (scanpy's normalize_total + log1p). */
export function logNormalise(c: Csr, scale = 1e4): Float64Array {
  const out = new Float64Array(c.n * c.d);
  for (let i = 0; i < c.n; i++) {
    let total = 0;
    for (let t = c.indptr[i]; t < c.indptr[i + 1]; t++) total += c.values[t];
    const f = total > 0 ? scale / total : 0;
    for (let t = c.indptr[i]; t < c.indptr[i + 1]; t++) out[i * c.d + c.indices[t]] = Math.log1p(c.values[t] * f);
  }
  return out;
}

/** The k rows every timed fit of a case starts from: new Rng(seed).sample(n, k), as k arrays of d. */
export function initialRows(x: Dense, k: number, seed: number): { rows: number[]; centroids: number[][] } {
  const rows = new Rng(seed).sample(x.n, k);
  return { rows, centroids: rows.map((i) => Array.from(x.data.subarray(i * x.d, (i + 1) * x.d))) };
}

/** Per-feature variance (float64, two-pass). */
export function featureVariance(x: Dense): number[] {
  const { n, d, data } = x;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let f = 0; f < d; f++) mean[f] += data[i * d + f];
  for (let f = 0; f < d; f++) mean[f] /= n;
  const v = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < d; f++) {
      const t = data[i * d + f] - mean[f];
      v[f] += t * t;
    }
  }
  return Array.from(v, (s) => s / n);
}

/**
 * The nearest centroid of every row in float64 (ties to the lower index) and its squared
 * distance; a candidate stops summing once it cannot win.
 */
function nearestAll(x: Dense, centroids: ArrayLike<ArrayLike<number>>): { labels: number[]; dist: Float64Array } {
  const { n, d, data } = x;
  const k = centroids.length;
  const c = new Float64Array(k * d);
  for (let j = 0; j < k; j++) for (let f = 0; f < d; f++) c[j * d + f] = centroids[j][f];
  const labels: number[] = new Array(n);
  const dist = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    let best = Infinity;
    let arg = 0;
    for (let j = 0; j < k; j++) {
      const cb = j * d;
      let s = 0;
      for (let f = 0; f < d; f++) {
        const t = data[base + f] - c[cb + f];
        s += t * t;
        if (s >= best) break;
      }
      if (s < best) {
        best = s;
        arg = j;
      }
    }
    labels[i] = arg;
    dist[i] = best;
  }
  return { labels, dist };
}

/**
 * Σ_i min_c ‖x_i − c‖² in float64 at the given centroids: the one inertia every k-means
 * implementation is scored by (emgpu's own figure is float32 on the GPU; the peers report none).
 */
export function inertiaOf(x: Dense, centroids: ArrayLike<ArrayLike<number>>): number {
  const { dist } = nearestAll(x, centroids);
  let total = 0;
  for (let i = 0; i < dist.length; i++) total += dist[i];
  return total;
}

/** Nearest-centroid labels in float64 (for the ARI of peers, which return no labels). */
export function labelsOf(x: Dense, centroids: ArrayLike<ArrayLike<number>>): number[] {
  return nearestAll(x, centroids).labels;
}

/** Rows as number[][] (what ml-kmeans and skmeans take). */
export function toRows(x: Dense): number[][] {
  const out: number[][] = new Array(x.n);
  for (let i = 0; i < x.n; i++) out[i] = Array.from(x.data.subarray(i * x.d, (i + 1) * x.d));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Real data sets: prepared in Node (bench/realdata-node.ts reads /work/shared/data), moved to the
// page as JSON with typed arrays in base64 (page.evaluate), decoded here.

export interface RealDataset {
  name: string;
  source: string;
  n: number;
  d: number;
  /** log1p(counts / cell total × 10⁴), dense row-major. */
  lognorm: Float64Array;
  counts: Csr;
  nnz: number;
  /** Reference labels for ARI (bulk_labels), as integer ids. */
  labels: number[];
  labelName: string;
  labelClasses: string[];
}

function b64encode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function b64decode(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const bytesOf = (a: Float64Array | Int32Array): string => b64encode(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

export function encodeReal(r: RealDataset): string {
  return JSON.stringify({
    ...r,
    lognorm: bytesOf(r.lognorm),
    counts: {
      n: r.counts.n,
      d: r.counts.d,
      indptr: bytesOf(r.counts.indptr),
      indices: bytesOf(r.counts.indices),
      values: bytesOf(r.counts.values),
    },
  });
}

export function decodeReal(json: string): RealDataset {
  const o = JSON.parse(json);
  const f64 = (s: string) => new Float64Array(b64decode(s).buffer);
  const i32 = (s: string) => new Int32Array(b64decode(s).buffer);
  return {
    ...o,
    lognorm: f64(o.lognorm),
    counts: { n: o.counts.n, d: o.counts.d, indptr: i32(o.counts.indptr), indices: i32(o.counts.indices), values: f64(o.counts.values) },
  };
}
