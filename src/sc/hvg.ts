/**
 * Highly variable genes, scanpy's two main flavours:
 *
 * - 'seurat_v3' (default; raw counts): log10 variance regressed on log10 mean by loess
 *   (span 0.3, degree 2), counts clipped at mean + √n·σ_fit, then the variance of the clipped,
 *   standardised counts ("normalised variance"); genes ranked by it, the top nTopGenes kept.
 * - 'seurat' (log1p-normalised data): dispersion var/mean of expm1(data), log-dispersion
 *   z-scored within 20 equal-width bins of log1p(mean); top nTopGenes or cut-offs.
 *
 * The per-gene sums run on the engine's backend (shifted two-pass moments, see ./backend.ts and
 * ./moments.ts); the regression (./loess.ts) and ranking are float64 on the host.
 */
import type { EngineSelection } from '../engine/engine.js';
import { invalid } from '../errors.js';
import type { CsrMatrix } from '../sparse.js';
import type { Backend } from '../types.js';
import type { GeneSumsRequest, Layer, ScOps } from './backend.js';
import { loess } from './loess.js';
import { geneMoments, zeroValue } from './moments.js';
import { checkCsr } from './matrix.js';
import { onBackend } from './session.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { ENGINE_SELECTION } from '../engine/engine.js';

export type HvgFlavor = 'seurat_v3' | 'seurat';

export interface HvgOptions {
  /** 'seurat_v3' (default; raw counts) or 'seurat' (log1p-normalised data). */
  flavor?: HvgFlavor;
  /** Genes to select (default 2000 for seurat_v3; for seurat, none: the cut-offs apply). Capped at the gene count. */
  nTopGenes?: number;
  /** seurat_v3 loess span (default 0.3). */
  span?: number;
  /** seurat_v3 loess surface (default 'interpolate', as scanpy). */
  loessSurface?: 'interpolate' | 'direct';
  /** seurat: number of mean bins (default 20). */
  nBins?: number;
  /** seurat cut-offs when nTopGenes is not given (scanpy's defaults). */
  minMean?: number;
  maxMean?: number;
  minDisp?: number;
  maxDisp?: number;
}

export interface HvgResult {
  flavor: HvgFlavor;
  n: number;
  d: number;
  /** 1 = highly variable. */
  highlyVariable: Uint8Array;
  /** Selected gene indices, ascending (the column order of adata[:, hvg]). */
  genes: Uint32Array;
  /** Per gene: mean and variance (ddof 1) of the counts (seurat_v3) or of expm1(data) (seurat). */
  means: Float64Array;
  variances: Float64Array;
  /** seurat_v3: normalised variance; rank (0 = most variable; NaN past nTopGenes). */
  variancesNorm?: Float64Array;
  rank?: Float64Array;
  /** seurat_v3: the loess fit of log10 variance (0 for constant genes). */
  fittedLogVariance?: Float64Array;
  /** seurat: log dispersion and its bin-normalised z-score (NaN where undefined). */
  dispersions?: Float64Array;
  dispersionsNorm?: Float64Array;
  backend: Backend;
}

/**
 * Per-gene mean (first pass: Σt / n, exact on both backends for whole-number counts below 2^24,
 * so genes with equal totals keep equal means and loess sees the same ties) and variance
 * (second pass, shifted by that mean).
 */
export async function geneMeanVar(ops: ScOps, layer: Layer, transform: GeneSumsRequest['transform'], extra: Partial<GeneSumsRequest> = {}) {
  const first: GeneSumsRequest = { ...extra, layer, transform };
  const { mean } = geneMoments(await ops.geneSums(first), ops.entries, ops.n, (g) => zeroValue(first, g));
  const second: GeneSumsRequest = { ...first, shift: mean };
  const { variance } = geneMoments(await ops.geneSums(second), ops.entries, ops.n, (g) => zeroValue(second, g));
  return { mean, variance };
}

/** seurat_v3 on the ops' raw layer (counts). */
export async function hvgSeuratV3(ops: ScOps, o: HvgOptions): Promise<HvgResult> {
  const { n, d } = ops;
  if (n < 2) throw invalid('BAD_OPTION', 'seurat_v3 needs at least 2 cells.');
  const nTop = Math.min(o.nTopGenes ?? 2000, d);
  const { mean, variance } = await geneMeanVar(ops, 'raw', 'identity');
  const idx: number[] = [];
  for (let g = 0; g < d; g++) if (variance[g] > 0) idx.push(g);
  const fitted = new Float64Array(d);
  if (idx.length > 0) {
    const fx = loess(
      idx.map((g) => Math.log10(mean[g])),
      idx.map((g) => Math.log10(variance[g])),
      { span: o.span ?? 0.3, degree: 2, surface: o.loessSurface ?? 'interpolate' },
    );
    idx.forEach((g, i) => (fitted[g] = fx[i]));
  }
  const regStd = Float64Array.from(fitted, (f) => Math.sqrt(10 ** f));
  const clip = new Float64Array(d);
  const vmax = Math.sqrt(n);
  for (let g = 0; g < d; g++) clip[g] = regStd[g] * vmax + mean[g];
  // Σ over all cells of (min(x, clip) − mean)²: stored entries from the backend, zeros here.
  const req: GeneSumsRequest = { layer: 'raw', transform: 'identity', clip, shift: mean };
  const sums = await ops.geneSums(req);
  const variancesNorm = new Float64Array(d);
  for (let g = 0; g < d; g++) {
    const c = sums.shift![g];
    const zeros = n - ops.entries[g];
    const ss = sums.s2[g] + zeros * c * c;
    variancesNorm[g] = ss / ((n - 1) * regStd[g] * regStd[g]);
  }
  const order = Array.from({ length: d }, (_, g) => g).sort((a, b) => variancesNorm[b] - variancesNorm[a] || a - b);
  const rank = new Float64Array(d).fill(NaN);
  const highlyVariable = new Uint8Array(d);
  order.forEach((g, r) => {
    if (r < nTop) {
      rank[g] = r;
      highlyVariable[g] = 1;
    }
  });
  return {
    flavor: 'seurat_v3',
    n,
    d,
    highlyVariable,
    genes: selected(highlyVariable),
    means: mean,
    variances: variance,
    variancesNorm,
    rank,
    fittedLogVariance: fitted,
    backend: ops.backend,
  };
}

function selected(mask: Uint8Array): Uint32Array {
  const out: number[] = [];
  mask.forEach((v, g) => v && out.push(g));
  return Uint32Array.from(out);
}

/** pandas.cut(values, nBins) labels: equal-width right-closed bins, the lowest edge lowered by 0.1 % of the range. */
export function equalWidthBins(values: Float64Array, nBins: number): Int32Array {
  let mn = Infinity;
  let mx = -Infinity;
  for (const v of values) {
    mn = Math.min(mn, v);
    mx = Math.max(mx, v);
  }
  const edges = new Float64Array(nBins + 1);
  if (mn === mx) {
    const adj = mn !== 0 ? 0.001 * Math.abs(mn) : 0.001;
    const lo = mn - adj;
    const hi = mx + adj;
    const step = (hi - lo) / nBins;
    for (let i = 0; i < nBins; i++) edges[i] = i * step + lo;
    edges[nBins] = hi;
  } else {
    const step = (mx - mn) / nBins;
    for (let i = 0; i < nBins; i++) edges[i] = i * step + mn;
    edges[nBins] = mx;
    edges[0] -= (mx - mn) * 0.001;
  }
  const out = new Int32Array(values.length);
  values.forEach((v, i) => {
    // First edge >= v (searchsorted left), minus one.
    let a = 0;
    let b = nBins + 1;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (edges[mid] < v) a = mid + 1;
      else b = mid;
    }
    out[i] = Math.min(Math.max(a - 1, 0), nBins - 1);
  });
  return out;
}

/** seurat (dispersion) flavour on the given layer, which must hold log1p-normalised values. */
export async function hvgSeurat(ops: ScOps, layer: Layer, o: HvgOptions): Promise<HvgResult> {
  const { n, d } = ops;
  if (n < 2) throw invalid('BAD_OPTION', 'The seurat flavour needs at least 2 cells.');
  const { mean, variance } = await geneMeanVar(ops, layer, 'expm1');
  // expm1 overflows past ~709: such values are not log1p-normalised data (raw counts of 1e30, say).
  for (let g = 0; g < d; g++)
    if (!(Number.isFinite(mean[g]) && Number.isFinite(variance[g])))
      throw invalid(
        'NON_FINITE',
        `The seurat flavour read gene ${g}'s mean of expm1(values) as ${mean[g]}: the data are not log1p-normalised (values above ~700 overflow). Pass normalizeTotal()'s log1p output, or use flavor 'seurat_v3' on raw counts.`,
      );
  const dispersions = new Float64Array(d);
  const logMean = new Float64Array(d);
  for (let g = 0; g < d; g++) {
    const m = mean[g] === 0 ? 1e-12 : mean[g];
    const disp = variance[g] / m;
    dispersions[g] = disp === 0 ? NaN : Math.log(disp);
    logMean[g] = Math.log1p(m);
  }
  const nBins = o.nBins ?? 20;
  const bins = equalWidthBins(logMean, nBins);
  const cnt = new Float64Array(nBins);
  const sum = new Float64Array(nBins);
  for (let g = 0; g < d; g++) {
    if (Number.isNaN(dispersions[g])) continue;
    cnt[bins[g]]++;
    sum[bins[g]] += dispersions[g];
  }
  const avg = Float64Array.from(sum, (s, b) => (cnt[b] > 0 ? s / cnt[b] : NaN));
  const ss = new Float64Array(nBins);
  for (let g = 0; g < d; g++) if (!Number.isNaN(dispersions[g])) ss[bins[g]] += (dispersions[g] - avg[bins[g]]) ** 2;
  const dev = Float64Array.from(ss, (s, b) => (cnt[b] > 1 ? Math.sqrt(s / (cnt[b] - 1)) : NaN));
  // scanpy: a bin whose std is undefined (one gene) gets dev = avg, avg = 0.
  for (let b = 0; b < nBins; b++) {
    if (Number.isNaN(dev[b])) {
      dev[b] = avg[b];
      avg[b] = 0;
    }
  }
  const dispersionsNorm = Float64Array.from(dispersions, (v, g) => (v - avg[bins[g]]) / dev[bins[g]]);
  const highlyVariable = new Uint8Array(d);
  if (o.nTopGenes !== undefined) {
    const finite = Array.from(dispersionsNorm)
      .filter((v) => !Number.isNaN(v))
      .sort((a, b) => b - a);
    const nTop = Math.min(o.nTopGenes, finite.length);
    const cut = nTop > 0 ? finite[nTop - 1] : Infinity;
    for (let g = 0; g < d; g++) highlyVariable[g] = !Number.isNaN(dispersionsNorm[g]) && dispersionsNorm[g] >= cut ? 1 : 0;
  } else {
    const minMean = o.minMean ?? 0.0125;
    const maxMean = o.maxMean ?? 3;
    const minDisp = o.minDisp ?? 0.5;
    const maxDisp = o.maxDisp ?? Infinity;
    for (let g = 0; g < d; g++) {
      const z = Number.isNaN(dispersionsNorm[g]) ? 0 : dispersionsNorm[g];
      highlyVariable[g] = logMean[g] > minMean && logMean[g] < maxMean && z > minDisp && z < maxDisp ? 1 : 0;
    }
  }
  return {
    flavor: 'seurat',
    n,
    d,
    highlyVariable,
    genes: selected(highlyVariable),
    means: mean,
    variances: variance,
    dispersions,
    dispersionsNorm,
    backend: ops.backend,
  };
}

const MAX_BINS = 1_000_000;

export function checkHvgOptions(o: HvgOptions): HvgFlavor {
  const flavor = o.flavor ?? 'seurat_v3';
  if (flavor !== 'seurat_v3' && flavor !== 'seurat')
    throw invalid(
      'BAD_OPTION',
      `flavor='${String(flavor)}' is not recognised. Use 'seurat_v3' (raw counts) or 'seurat' (log1p-normalised data).`,
    );
  if (o.nTopGenes !== undefined && !(Number.isInteger(o.nTopGenes) && o.nTopGenes >= 1)) {
    throw invalid('BAD_OPTION', `nTopGenes=${String(o.nTopGenes)} must be a positive integer.`);
  }
  // Every given option is checked whatever the flavour: a bad value is a mistake even where unused.
  if (o.span !== undefined && !(typeof o.span === 'number' && o.span > 0 && o.span <= 1))
    throw invalid('BAD_OPTION', `span=${String(o.span)} must be a number in (0, 1] (the loess fraction; default 0.3).`);
  if (o.loessSurface !== undefined && o.loessSurface !== 'interpolate' && o.loessSurface !== 'direct')
    throw invalid('BAD_OPTION', `loessSurface='${String(o.loessSurface)}' must be 'interpolate' or 'direct'.`);
  // Bins are arrays: a huge count would allocate (and loop over) that many.
  if (o.nBins !== undefined && !(Number.isInteger(o.nBins) && o.nBins >= 1 && o.nBins <= MAX_BINS))
    throw invalid('BAD_OPTION', `nBins=${String(o.nBins)} must be a whole number from 1 to ${MAX_BINS} (default 20).`);
  for (const key of ['minMean', 'maxMean', 'minDisp', 'maxDisp'] as const) {
    const v = o[key];
    if (v !== undefined && !(typeof v === 'number' && !Number.isNaN(v)))
      throw invalid('BAD_OPTION', `${key}=${String(v)} must be a number (±Infinity for no bound).`);
  }
  return flavor;
}

/**
 * Highly variable genes on the engine's backend. `data` is raw counts for 'seurat_v3', and
 * log1p-normalised values for 'seurat'.
 */
export const HVG_OPTIONS = optionNames<HvgOptions>({
  flavor: true,
  nTopGenes: true,
  span: true,
  loessSurface: true,
  nBins: true,
  minMean: true,
  maxMean: true,
  minDisp: true,
  maxDisp: true,
});

export async function highlyVariableGenes(data: CsrMatrix, options: HvgOptions & EngineSelection = {}): Promise<HvgResult> {
  checkOptionNames(options, [...HVG_OPTIONS, ...ENGINE_SELECTION], 'highlyVariableGenes');
  // Both flavours read counts: raw (seurat_v3) or log1p-normalised (seurat), never negative.
  checkCsr(data, 'data', { nonNegative: true });
  const flavor = checkHvgOptions(options);
  return onBackend(options, (s) => {
    const ops = s.csr(data);
    return flavor === 'seurat_v3' ? hvgSeuratV3(ops, options) : hvgSeurat(ops, 'raw', options);
  });
}
