/**
 * The negative-binomial mixture's counts on the GPU: CSR chunks of whole segments (each array
 * within one storage binding, the chunking idea of gpu/dataset.ts), uploaded once per session.
 * Per chunk: indptr, the nonzeros as interleaved (gene, count) pairs (one 8-byte read each), and
 * the cells' table [s, ℓ_0(s) … ℓ_{J−1}(s), w] (size factor, grid weights, sample weight). No CSC
 * copy: the one-pass kernel (shaders/nbmm/fused.wgsl) scatters each row's shares into per-gene
 * fixed-point totals, whose scales geneExponents chooses here from a bound on each total.
 */
import { BufferLimitError } from '../../errors.js';
import type { GpuRunner } from '../../gpu/runner.js';
import { MAX_SEGMENTS, MIN_SEG_ROWS, type ChunkingOptions } from '../../gpu/dataset.js';
import type { Counts } from '../../nbmm/counts.js';
import { cellWeights, type SizeGrid } from '../../nbmm/grid.js';

export interface CsrChunk {
  index: number;
  rows: number;
  rowOffset: number;
  segOffset: number;
  segments: number;
  nnz: number;
  indptr: GPUBuffer;
  /** nnz × (gene u32, bitcast f32 count). */
  nz: GPUBuffer;
  /** rows×(J+2): s_i, its grid weights and its sample weight (1 when unweighted). */
  cells: GPUBuffer;
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
  /** Per gene, e_g of its fixed-point scale 2^e_g (fixedExponents). */
  geneExp: Float32Array;
  /** Per row-statistics column l < J (W), J (N), J + 1 (S), its fixed-point exponent. */
  rowExp: Float32Array;
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
  // The nonzeros are 8 bytes each (gene, count).
  const fits = (a: number, b: number): boolean => b - a <= cap && (indptr[b] - indptr[a]) * 8 <= maxBinding;
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

/** Largest |ℓ_l| a cell's table row holds, at least 1 (the X_cg share has no ℓ). */
function largestWeight(cells: Float32Array, at: number, J: number): number {
  let m = 1;
  for (let l = 0; l < J; l++) m = Math.max(m, Math.abs(cells[at + 1 + l]));
  return m;
}

/**
 * The exponent e of each fixed-point total from a bound B on the sum of its shares' magnitudes:
 * 2^e·B ≤ 2^59. Per gene B_g = Σ_i w_i·x_ig·max(1, max_l |ℓ_l(s_i)|) ≥ Σ |shares| of V_cgl, X_cg
 * for every c and l (responsibilities ≤ 1); per row column Σ_i w_i·|ℓ_l(s_i)|, Σ_i w_i, Σ_i w_i·s_i;
 * all from the float32 values the kernels read. The slack of 16 under 2^63 covers float32
 * round-off of the shares and half a unit of rounding each, so no partial sum overflows, and each
 * share is rounded to 2^−e ≤ B·2^−58 absolute. Clamped to ldexp's float32 range; 0 where B = 0.
 */
export function fixedExponents(bound: Float64Array): Float32Array {
  const e = new Float32Array(bound.length);
  for (let g = 0; g < bound.length; g++) {
    const b = bound[g];
    e[g] = b > 0 ? Math.max(-126, Math.min(126, Math.floor(59 - Math.log2(b)))) : 0;
  }
  return e;
}

/** Upload the counts in chunks, with the cells' tables; without weights every cell weighs 1. */
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
  const { ranges, segRows } = planCsrChunks(c.indptr, n, Math.max(k, J + 2, 2), runner.device.limits, opts);
  const chunks: CsrChunk[] = [];
  const bound = new Float64Array(d);
  const rowBound = new Float64Array(J + 2);
  let segOffset = 0;
  const ell = new Float64Array(J);
  ranges.forEach(([a, b], index) => {
    const rows = b - a;
    const p0 = c.indptr[a];
    const nnz = c.indptr[b] - p0;
    const segments = Math.ceil(rows / segRows);
    const indptr = new Uint32Array(rows + 1);
    for (let i = 0; i <= rows; i++) indptr[i] = c.indptr[a + i] - p0;
    const cells = new Float32Array(rows * (J + 2));
    const nz = new Uint32Array(2 * nnz);
    const nzF = new Float32Array(nz.buffer);
    for (let i = 0; i < rows; i++) {
      const at = i * (J + 2);
      cells[at] = s[a + i];
      cellWeights(grid, s[a + i], ell, 0);
      for (let l = 0; l < J; l++) cells[at + 1 + l] = ell[l];
      cells[at + J + 1] = weights ? weights[a + i] : 1;
      const w = cells[at + J + 1];
      for (let l = 0; l < J; l++) rowBound[l] += w * Math.abs(cells[at + 1 + l]);
      rowBound[J] += w;
      rowBound[J + 1] += w * cells[at];
      const m = w * largestWeight(cells, at, J);
      for (let p = c.indptr[a + i]; p < c.indptr[a + i + 1]; p++) {
        const t = p - p0;
        nz[2 * t] = c.indices[p];
        nzF[2 * t + 1] = c.values[p];
        bound[c.indices[p]] += m * nzF[2 * t + 1];
      }
    }
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
      nz: buf(`nonzeros (${nnz}×(gene, count))`, nz),
      cells: buf(`cells (${rows}×${J + 2} f32)`, cells),
      rowout: runner.storage(`${tag} log p and labels (${rows}×2 u32)`, rows * 8),
      uniform: runner.uniform(`${tag} params`, new Uint32Array([rows, segOffset, segRows, a])),
    });
    segOffset += segments;
  });
  return {
    n,
    d,
    chunks,
    segRows,
    totalSegments: segOffset,
    maxRows: Math.max(...chunks.map((ch) => ch.rows)),
    geneExp: fixedExponents(bound),
    rowExp: fixedExponents(rowBound),
  };
}
