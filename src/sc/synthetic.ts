/**
 * Synthetic single-cell counts at any scale, sampled from a negative-binomial mixture: the
 * model the NB mixture fits (x_ig ~ NB(mean s_i·μ_kg, dispersion φ_g), cell i in component k),
 * with log-normal library sizes. The demo's "1M cells" button and the pipeline benchmark use it
 * with parameters fitted to pbmc3k (data/pbmc3k/synthetic_nb.json, made by
 * scripts/fit-synthetic-params.mjs), so anyone can see the pipeline at a million cells.
 *
 * Sampling is exact and seeded. Cell i draws from its own Philox stream (seed, i), so the
 * result does not depend on how the cells are chunked. Small means (the great majority of entries
 * in scRNA-seq) are drawn by inversion of the NB distribution function, one uniform and a short
 * walk up the pmf; large means by the gamma–Poisson mixture (Marsaglia–Tsang gamma, Hörmann's
 * PTRS Poisson).
 */
import { Rng } from '../core/rng.js';
import { lgamma } from '../nbmm/special.js';
import { InvalidInputError, invalid } from '../errors.js';
import { DEFAULT_MAX_BYTES, formatBytes, MAX_DIMENSION } from '../io/memory.js';
import type { SingleCellData } from '../io/types.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';

/** Parameters of the mixture to sample from (the NB mixture's fitted parameters, plus library sizes). */
export interface NbMixtureParams {
  /** Mixture weights, k of them (normalised here). */
  weights: number[];
  /** k × d means at size factor 1 (μ_kg), rows per component. */
  means: number[][];
  /** Per-gene dispersion φ_g ≥ 0 (0 is Poisson). */
  dispersion: number[];
  /** Gene names, d of them (optional). */
  genes?: string[];
  /**
   * Library sizes: log(total counts) ~ Normal(logMean, logSd), and the size factor is
   * total / libraryMean (the NB mixture's 'library' convention). Without it, s = 1 for every cell.
   */
  library?: { logMean: number; logSd: number; libraryMean: number };
}

export interface SampleNbOptions {
  n: number;
  seed?: number;
  /** Use the first `genes` genes only (the parameter file lists them most variable first). */
  genes?: number;
  /** Called every `progressEvery` cells (default 50,000) with the cells done. */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
  /** Index of the first cell: cells first … first + n − 1 of the sample (a block of a larger one: the same draws and names). Default 0. */
  first?: number;
  /**
   * Largest sample in bytes (stored counts at 8 bytes each, plus 9–10 bytes per cell), default 2 GiB as the
   * loaders' cap: a larger sample is refused before it is drawn (its per-cell arrays) or as soon as its counts
   * pass the cap (BUFFER_LIMIT). Sample a larger matrix in blocks (`first`, as bench/stream/make-synthetic.mjs does).
   */
  maxBytes?: number;
}

export interface SyntheticCounts extends SingleCellData {
  /** The component each cell was drawn from. */
  component: Uint8Array | Uint16Array;
  /** The size factor of each cell. */
  sizeFactors: Float32Array;
}

/** Above this mean, inversion walks too far: gamma–Poisson instead. */
const INVERSION_MAX_MEAN = 40;

/** Uniform in (0, 1) from one 32-bit draw (enough resolution for count sampling). */
const u01 = (rng: Rng): number => (rng.nextU32() + 0.5) * 2.3283064365386963e-10;

function standardNormal(rng: Rng): number {
  // Box–Muller on two 32-bit uniforms; the cosine branch only (no cached spare, simpler streams).
  return Math.sqrt(-2 * Math.log(u01(rng))) * Math.cos(6.283185307179586 * u01(rng));
}

/** Every sampler draws from a caller's Rng: anything else fails on its first draw. */
function checkRng(rng: Rng, fn: string): void {
  if (typeof (rng as { uniform?: unknown } | null)?.uniform !== 'function' || typeof (rng as { nextU32?: unknown }).nextU32 !== 'function')
    throw invalid('BAD_OPTION', `${fn}: rng is ${rng === null ? 'null' : typeof rng}, not an Rng. Pass new Rng(seed).`);
}

/** Gamma(shape, 1) by Marsaglia–Tsang, with the U^(1/a) boost for shape < 1. */
export function sampleGamma(rng: Rng, shape: number): number {
  checkRng(rng, 'sampleGamma');
  if (!(typeof shape === 'number' && shape > 0 && shape < Infinity))
    throw invalid('BAD_OPTION', `sampleGamma: shape=${shape} must be a finite number > 0.`);
  if (shape < 1) return sampleGamma(rng, shape + 1) * u01(rng) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = standardNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = u01(rng);
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Poisson(λ): inversion below 10, Hörmann's PTRS (transformed rejection with squeeze) above. */
export function samplePoisson(rng: Rng, lambda: number): number {
  checkRng(rng, 'samplePoisson');
  if (!(typeof lambda === 'number' && lambda >= 0 && lambda < Infinity))
    throw invalid('BAD_OPTION', `samplePoisson: lambda=${lambda} must be a finite number >= 0.`);
  if (lambda === 0) return 0;
  if (lambda < 10) {
    let x = 0;
    let p = Math.exp(-lambda);
    let s = p;
    const u = u01(rng);
    while (u > s && x < 1000) {
      x++;
      p *= lambda / x;
      s += p;
    }
    return x;
  }
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const U = u01(rng) - 0.5;
    const V = u01(rng);
    const us = 0.5 - Math.abs(U);
    const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - lgamma(k + 1)) return k;
  }
}

/**
 * One NB(mean m, dispersion φ) draw. Inversion: P(0) = (1 + mφ)^(−1/φ) and
 * P(x+1) = P(x)·(1 + xφ)·m / ((1 + mφ)(x + 1)), a form that stays exact as φ → 0 (Poisson).
 */
export function sampleNegativeBinomial(rng: Rng, m: number, phi: number): number {
  checkRng(rng, 'sampleNegativeBinomial');
  if (!(typeof m === 'number' && typeof phi === 'number' && m >= 0 && m < Infinity && phi >= 0 && phi < Infinity))
    throw invalid('BAD_OPTION', `sampleNegativeBinomial: mean ${m} and dispersion ${phi} must be finite numbers >= 0.`);
  if (m === 0) return 0;
  if (m <= INVERSION_MAX_MEAN) {
    const mp = m * phi;
    const logP0 = mp > 1e-12 ? -Math.log1p(mp) / phi : -m;
    if (logP0 > -700) {
      let p = Math.exp(logP0);
      let s = p;
      const u = u01(rng);
      const step = m / (1 + mp);
      let x = 0;
      // The cap only guards against a pathological u ≈ 1 with a long tail; P(x > 10⁴) is negligible here.
      while (u > s && x < 10_000) {
        p *= ((1 + x * phi) * step) / (x + 1);
        x++;
        s += p;
        if (p === 0) break;
      }
      return x;
    }
  }
  if (phi <= 1e-12) return samplePoisson(rng, m);
  return samplePoisson(rng, sampleGamma(rng, 1 / phi) * m * phi);
}

function checkParams(p: NbMixtureParams, genes: number | undefined): { k: number; d: number; cum: Float64Array } {
  if (p === null || typeof p !== 'object' || Array.isArray(p))
    throw invalid(
      'BAD_OPTION',
      `sampleNbMixture: params is ${p === null ? 'null' : Array.isArray(p) ? 'an array' : typeof p}. Pass { weights, means, dispersions } (e.g. a fitted NB mixture's result).`,
    );
  const k = p.weights?.length ?? 0;
  if (k < 1 || !Array.isArray(p.means) || p.means.length !== k) {
    throw new InvalidInputError(
      'DIMENSION_MISMATCH',
      `weights has ${k} entries but means has ${p.means?.length ?? 0} rows. Pass one row of means per mixture component.`,
    );
  }
  const dAll = p.dispersion.length;
  if (p.means.some((row) => row.length !== dAll)) {
    throw new InvalidInputError(
      'DIMENSION_MISMATCH',
      `every row of means should have ${dAll} entries (one per dispersion). Pass k × d means and d dispersions.`,
    );
  }
  const d = genes === undefined ? dAll : genes;
  if (!Number.isInteger(d) || d < 1 || d > dAll) {
    throw new InvalidInputError(
      'BAD_OPTION',
      `genes=${genes} should be an integer in [1, ${dAll}]. Pass at most as many genes as the parameters have.`,
    );
  }
  if (p.genes !== undefined && !(Array.isArray(p.genes) && p.genes.length === dAll && p.genes.every((g) => typeof g === 'string')))
    throw invalid(
      'DIMENSION_MISMATCH',
      `sampleNbMixture: params.genes must be ${dAll} names (one per dispersion); got ${Array.isArray(p.genes) ? `${p.genes.length} entries` : typeof p.genes}.`,
    );
  const bad = (x: number) => !Number.isFinite(x) || x < 0;
  if (p.weights.some(bad) || p.dispersion.some(bad) || p.means.some((row) => row.some(bad))) {
    throw new InvalidInputError(
      'NON_FINITE',
      'weights, means and dispersions should be finite and non-negative. Check the parameter file.',
    );
  }
  if (p.library !== undefined) {
    checkOptionNames(p.library, ['logMean', 'logSd', 'libraryMean'], 'sampleNbMixture library', 'logMean, logSd, libraryMean');
    const { logMean, logSd, libraryMean } = p.library;
    if (!(Number.isFinite(logMean) && logSd >= 0 && logSd < Infinity && libraryMean > 0 && libraryMean < Infinity))
      throw invalid(
        'BAD_OPTION',
        `sampleNbMixture: library needs finite logMean (${logMean}), logSd >= 0 (${logSd}) and libraryMean > 0 (${libraryMean}), the mean library size the size factors divide by.`,
      );
  }
  const cum = new Float64Array(k);
  let total = 0;
  for (let c = 0; c < k; c++) cum[c] = total += p.weights[c];
  if (!(total > 0)) throw new InvalidInputError('BAD_OPTION', 'the weights sum to 0. Pass positive mixture weights.');
  for (let c = 0; c < k; c++) cum[c] /= total;
  return { k, d, cum };
}

/**
 * Sample n cells × d genes of counts from a negative-binomial mixture, as cell-major CSR with
 * gene and cell names and the true component of each cell (obs.component).
 */
const SAMPLE_OPTIONS = optionNames<SampleNbOptions>({
  n: true,
  seed: true,
  genes: true,
  onProgress: true,
  progressEvery: true,
  first: true,
  maxBytes: true,
});

const FLOAT32_MAX = 3.4028234663852886e38;

export function sampleNbMixture(params: NbMixtureParams, options: SampleNbOptions): SyntheticCounts {
  checkOptionNames(options, SAMPLE_OPTIONS, 'sampleNbMixture', 'n');
  const { n } = options;
  if (!Number.isInteger(n) || n < 1 || n > MAX_DIMENSION)
    throw new InvalidInputError(
      'BAD_OPTION',
      `n=${n} should be a positive integer up to ${MAX_DIMENSION}. Pass the number of cells to sample.`,
    );
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw invalid('BAD_OPTION', `sampleNbMixture: seed=${String(seed)} must be a non-negative integer.`);
  const first = options.first ?? 0;
  if (!Number.isSafeInteger(first) || first < 0)
    throw invalid('BAD_OPTION', `sampleNbMixture: first=${String(first)} must be a non-negative integer (the index of the first cell).`);
  const { k, d, cum } = checkParams(params, options.genes);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof maxBytes !== 'number' || !(maxBytes > 0))
    throw invalid('BAD_OPTION', `sampleNbMixture: maxBytes=${String(maxBytes)} must be a positive number of bytes.`);
  // Per cell: indptr (4), size factor (4), component (1 or 2). Checked before anything is drawn, so a huge n
  // is refused at once rather than sampled for minutes.
  const cellBytes = n * (k <= 255 ? 9 : 10) + 4;
  const limit = (done: number, nnz: number) =>
    invalid(
      'BUFFER_LIMIT',
      `sampleNbMixture: ${n.toLocaleString('en')} cells × ${d} genes need more than maxBytes=${formatBytes(maxBytes)} ` +
        (done === 0
          ? `for their per-cell arrays alone (${formatBytes(cellBytes)}). `
          : `(${nnz.toLocaleString('en')} stored counts after ${done.toLocaleString('en')} cells). `) +
        'Sample in blocks of cells (options.first and n; the same draws) or raise maxBytes.',
    );
  if (cellBytes > maxBytes) throw limit(0, 0);
  // The most stored counts the cap leaves room for (8 bytes each: a float32 value and a uint32 column).
  const maxEntries = Math.min(2 ** 32 - 1, Math.floor((maxBytes - cellBytes) / 8));
  const every = options.progressEvery ?? 50_000;
  if (!(Number.isSafeInteger(every) && every >= 1))
    throw invalid(
      'BAD_OPTION',
      `sampleNbMixture: progressEvery=${String(every)} must be a whole number >= 1 (cells between onProgress calls).`,
    );
  // Means as one flat table; dispersions as a typed array (hot loop).
  const mu = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let g = 0; g < d; g++) mu[c * d + g] = params.means[c][g];
  const phi = Float64Array.from(params.dispersion.slice(0, d));
  const lib = params.library;
  const indptr = new Uint32Array(n + 1);
  let cap = Math.min(maxEntries, Math.max(1024, Math.min(2 ** 31, Math.ceil(n * d * 0.25))));
  let indices = new Uint32Array(cap);
  let values = new Float32Array(cap);
  const component = k <= 255 ? new Uint8Array(n) : new Uint16Array(n);
  const sizeFactors = new Float32Array(n);
  let nnz = 0;
  let maxValue = 0;
  for (let i = 0; i < n; i++) {
    const rng = new Rng(seed, first + i);
    const u = u01(rng);
    let c = 0;
    while (c < k - 1 && cum[c] < u) c++;
    component[i] = c;
    const s = lib ? Math.exp(lib.logMean + lib.logSd * standardNormal(rng)) / lib.libraryMean : 1;
    sizeFactors[i] = s;
    if (nnz + d > cap) {
      // Room for the worst case of this cell (every gene non-zero) within the cap, or refuse.
      if (nnz + d > maxEntries) throw limit(i, nnz);
      cap = Math.min(maxEntries, Math.max(nnz + d, Math.ceil(cap * 1.5)));
      const ni = new Uint32Array(cap);
      ni.set(indices.subarray(0, nnz));
      indices = ni;
      const nv = new Float32Array(cap);
      nv.set(values.subarray(0, nnz));
      values = nv;
    }
    const row = c * d;
    for (let g = 0; g < d; g++) {
      const x = sampleNegativeBinomial(rng, s * mu[row + g], phi[g]);
      if (x > 0) {
        indices[nnz] = g;
        values[nnz] = x;
        nnz++;
        if (x > maxValue) maxValue = x;
      }
    }
    indptr[i + 1] = nnz;
    if (options.onProgress && (i + 1) % every === 0) options.onProgress(i + 1, n);
  }
  // Counts are stored as float32: a draw past its range (means of 1e300, say) would be stored as Infinity.
  if (maxValue > FLOAT32_MAX)
    throw invalid(
      'NON_FINITE',
      `sampleNbMixture: a draw of ${maxValue} is beyond float32 (the counts' storage, at most ~3.4e38). Pass means (times size factors) within that range.`,
    );
  options.onProgress?.(n, n);
  const genes = params.genes ? params.genes.slice(0, d) : Array.from({ length: d }, (_, g) => `gene-${g}`);
  const cells = new Array<string>(n);
  const labels = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    cells[i] = `synthetic-${first + i}`;
    labels[i] = `component ${component[i]}`;
  }
  return {
    n,
    d,
    nnz,
    indptr,
    // Trimmed copies: the slack of the growing buffers is not kept alive.
    indices: indices.slice(0, nnz),
    values: values.slice(0, nnz),
    genes,
    cells,
    obs: { component: labels },
    source: {
      format: 'synthetic',
      name: `synthetic NB mixture (${n} cells × ${d} genes, seed ${seed})`,
      bytesRead: 0,
      loadMs: 0,
      integerValued: true,
      looksLikeCounts: true,
      maxValue,
      duplicatesSummed: 0,
      droppedFeatures: 0,
      warnings: [],
    },
    component,
    sizeFactors,
  };
}
