/**
 * Marker genes per cluster: log-fold-change and the Wilcoxon rank-sum test of each cluster
 * against the rest (scanpy's rank_genes_groups with method 'wilcoxon'), computed gene by gene on
 * sparse data without densifying: the zeros of a gene share one tied rank, so only its non-zero
 * values are sorted. Also the confusion matrix used to compare clusters with a label column.
 */
import { describeValue, isArrayLike } from '../data.js';
import { BufferLimitError, invalid } from '../errors.js';
import { DEFAULT_MAX_BYTES as MAX_GENE_BYTES, formatBytes } from '../io/memory.js';
import { checkCsr } from './matrix.js';
import type { CsrMatrix } from '../sparse.js';
import { checkOptionNames, optionNames } from '../core/known-options.js';
import { erfc } from '../core/normal.js';

export interface MarkerGene {
  gene: number;
  name?: string;
  /** Wilcoxon z-score (positive: higher in the cluster). */
  score: number;
  /** log2 fold change of mean expm1(value) in the cluster vs the rest (scanpy's convention on log1p data). */
  logFoldChange: number;
  pValue: number;
  /** Benjamini–Hochberg adjusted over all tested genes, per cluster. */
  pValueAdjusted: number;
  /** Fraction of cluster cells with a non-zero value. */
  pctIn: number;
  pctOut: number;
}

export interface MarkerOptions {
  /** Genes returned per cluster (default 10). */
  nTop?: number;
  /** Restrict the test to these genes (default: all). */
  genes?: ArrayLike<number>;
  geneNames?: ArrayLike<string>;
  /** Values are log1p-normalised (default true): fold changes use expm1 of the means. */
  logData?: boolean;
}

/** Standard normal upper tail, via erfc with an absolute error below 1.2e-7 (Numerical Recipes erfcc). */
function normalSf(z: number): number {
  const sf = erfc(Math.abs(z) / Math.SQRT2) / 2;
  return z >= 0 ? sf : 1 - sf;
}

function benjaminiHochberg(p: Float64Array): Float64Array {
  const m = p.length;
  const order = Array.from(p.keys()).sort((a, b) => p[a] - p[b]);
  const adj = new Float64Array(m);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const i = order[r];
    running = Math.min(running, (p[i] * m) / (r + 1));
    adj[i] = running;
  }
  return adj;
}

const PACK_SHIFT = 2 ** 21;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The positions start..end−1 of a gene's column that are non-zero and in a group, sorted by value,
 * into order[0..m); returns m. For positive float32 values (log-normalised data, counts) one native
 * sort of packed keys (float32 bits · 2²¹ + offset: exact in a double, ordered as the values are)
 * replaces a sort with a comparator, several times faster. Equal values may come in another order
 * than the comparator sort's; the rank sums and means only see whole groups of equal values, so the
 * results are the same.
 */
function sortByValue(
  order: Uint32Array,
  keys: Float64Array,
  values: ArrayLike<number>,
  cells: Uint32Array,
  inGroup: Int32Array,
  start: number,
  end: number,
): number {
  let m = 0;
  let packable = end - start < PACK_SHIFT;
  for (let t = start; t < end; t++) {
    const v = values[t];
    if (v === 0 || inGroup[cells[t]] < 0) continue;
    order[m] = t;
    if (packable) {
      f32[0] = v;
      if (!(v > 0) || f32[0] !== v) packable = false;
      else keys[m] = u32[0] * PACK_SHIFT + (t - start);
    }
    m++;
  }
  if (!packable) {
    const sorted = Array.from(order.subarray(0, m)).sort((x, y) => values[x] - values[y]);
    order.set(sorted);
    return m;
  }
  const ks = keys.subarray(0, m).sort();
  // The offset is the key's low 21 bits: key − ⌊key / 2²¹⌋·2²¹ (exact; faster than %).
  for (let r = 0; r < m; r++) order[r] = start + ks[r] - Math.floor(ks[r] / PACK_SHIFT) * PACK_SHIFT;
  return m;
}

/** Gene-major copy (CSC) of a cell-major CSR matrix. */
export function transposeCsr(x: CsrMatrix): { indptr: Uint32Array; cells: Uint32Array; values: Float64Array } {
  checkCsr(x, 'transposeCsr matrix');
  return transposeTrusted(x);
}

function transposeTrusted(x: CsrMatrix): { indptr: Uint32Array; cells: Uint32Array; values: Float64Array } {
  const counts = new Uint32Array(x.d + 1);
  const nnz = x.indptr[x.n];
  for (let t = 0; t < nnz; t++) counts[x.indices[t] + 1]++;
  for (let g = 0; g < x.d; g++) counts[g + 1] += counts[g];
  const pos = counts.slice(0, x.d);
  const cells = new Uint32Array(nnz);
  const values = new Float64Array(nnz);
  for (let i = 0; i < x.n; i++) {
    for (let t = x.indptr[i]; t < x.indptr[i + 1]; t++) {
      const g = x.indices[t];
      cells[pos[g]] = i;
      values[pos[g]] = x.values[t];
      pos[g]++;
    }
  }
  return { indptr: counts, cells, values };
}

/**
 * Wilcoxon rank-sum markers of every cluster against all other cells. `labels` are 0..k−1
 * (negative labels are left out of every group). Returns, per cluster, the nTop genes by score.
 */
const MARKER_OPTIONS = optionNames<MarkerOptions>({ nTop: true, genes: true, geneNames: true, logData: true });

export function rankGenes(x: CsrMatrix, labels: ArrayLike<number>, options: MarkerOptions = {}): MarkerGene[][] {
  checkOptionNames(options, MARKER_OPTIONS, 'rankGenes');
  const nTop = options.nTop ?? 10;
  const logData = options.logData ?? true;
  if (!(Number.isInteger(nTop) && nTop >= 1))
    throw invalid('BAD_OPTION', `rankGenes: nTop=${describeValue(nTop)} must be an integer >= 1.`);
  if (typeof logData !== 'boolean') throw invalid('BAD_OPTION', `rankGenes: logData=${describeValue(logData)} must be true or false.`);
  // Counts or log1p data: ranks put every zero below the non-zeros, so a negative value would be ranked wrongly.
  checkCsr(x, 'rankGenes matrix', { nonNegative: true });
  const names = options.geneNames;
  if (names !== undefined && (!isArrayLike(names) || names.length !== x.d))
    throw invalid(
      'SHAPE_MISMATCH',
      `rankGenes: geneNames has ${isArrayLike(names) ? names.length : describeValue(names)} entries for ${x.d} genes. Pass one name per column of the matrix.`,
    );
  if (!isArrayLike(labels))
    throw invalid('SHAPE_MISMATCH', `rankGenes: labels must be an array of integers; got ${describeValue(labels)}.`);
  if (labels.length !== x.n)
    throw invalid('SHAPE_MISMATCH', `labels has ${labels.length} entries but the matrix has ${x.n} cells. Pass one label per cell.`);
  let k = 0;
  for (let i = 0; i < x.n; i++) {
    const l: unknown = labels[i];
    if (!(typeof l === 'number' && Number.isInteger(l) && l >= -1))
      throw invalid(
        'BAD_OPTION',
        `rankGenes: labels[${i}] is ${typeof l === 'number' ? l : describeValue(l)}; labels are cluster numbers 0..k−1 (−1 leaves a cell out).`,
      );
    k = Math.max(k, l + 1);
  }
  const G0 = options.genes ? options.genes.length : x.d;
  // Four numbers per cluster and tested gene: refused (like the NB fitter's per-gene arrays) before allocating.
  if (32 * k * G0 > MAX_GENE_BYTES)
    throw new BufferLimitError(
      `rankGenes: the labels go up to ${k - 1}, so ${k.toLocaleString('en-US')} clusters × ${G0.toLocaleString('en-US')} genes would need ${formatBytes(32 * k * G0)}, ` +
        `above ${formatBytes(MAX_GENE_BYTES)}. Number the clusters 0..k−1 without gaps, or test fewer genes (genes option).`,
    );
  if (options.genes !== undefined) {
    if (!isArrayLike(options.genes))
      throw invalid('BAD_OPTION', `rankGenes: genes must be an array of gene indices; got ${describeValue(options.genes)}.`);
    for (let i = 0; i < options.genes.length; i++) {
      const g: unknown = options.genes[i];
      if (!(typeof g === 'number' && Number.isInteger(g) && g >= 0 && g < x.d))
        throw invalid(
          'BAD_OPTION',
          `rankGenes: genes[${i}] = ${typeof g === 'number' ? g : describeValue(g)} is not a gene index in [0, ${x.d}).`,
        );
    }
  }
  const inGroup = new Int32Array(x.n);
  const sizes = new Float64Array(k);
  let n = 0;
  for (let i = 0; i < x.n; i++) {
    inGroup[i] = labels[i];
    if (labels[i] >= 0) {
      sizes[labels[i]]++;
      n++;
    }
  }
  const genes = options.genes ? Array.from(options.genes) : Array.from({ length: x.d }, (_, g) => g);
  const csc = transposeTrusted(x);
  const G = genes.length;
  const scores = Array.from({ length: k }, () => new Float64Array(G));
  const lfc = Array.from({ length: k }, () => new Float64Array(G));
  const pIn = Array.from({ length: k }, () => new Float64Array(G));
  const pOut = Array.from({ length: k }, () => new Float64Array(G));
  const rankSum = new Float64Array(k);
  const sumExp = new Float64Array(k);
  const nzCount = new Float64Array(k);
  let widest = 0;
  for (const g of genes) widest = Math.max(widest, csc.indptr[g + 1] - csc.indptr[g]);
  const order = new Uint32Array(widest);
  const keys = new Float64Array(widest);
  for (let gi = 0; gi < G; gi++) {
    const g = genes[gi];
    const nz = sortByValue(order, keys, csc.values, csc.cells, inGroup, csc.indptr[g], csc.indptr[g + 1]);
    const zeros = n - nz;
    rankSum.fill(0);
    sumExp.fill(0);
    nzCount.fill(0);
    // Zeros (and any negative values would break this: counts and log1p data are ≥ 0) share rank (zeros + 1)/2.
    let tieTerm = zeros > 1 ? zeros ** 3 - zeros : 0;
    const zeroRank = (zeros + 1) / 2;
    const zerosPerGroup = sizes.slice();
    for (let a = 0; a < nz; ) {
      let b = a;
      while (b + 1 < nz && csc.values[order[b + 1]] === csc.values[order[a]]) b++;
      const avg = zeros + (a + b) / 2 + 1;
      const tlen = b - a + 1;
      if (tlen > 1) tieTerm += tlen ** 3 - tlen;
      const v = csc.values[order[a]];
      const e = logData ? Math.expm1(v) : v; // once per group of equal values
      if (!Number.isFinite(e))
        throw invalid(
          'OUT_OF_RANGE',
          `rankGenes: value ${v} of gene ${g} is not log1p data (expm1 overflows). Pass logData: false for counts, or log1p-normalised values.`,
        );
      for (let t = a; t <= b; t++) {
        const c = inGroup[csc.cells[order[t]]];
        rankSum[c] += avg;
        nzCount[c]++;
        sumExp[c] += e;
        zerosPerGroup[c]--;
      }
      a = b + 1;
    }
    let totalExp = 0;
    let totalNz = 0;
    for (let c = 0; c < k; c++) {
      totalExp += sumExp[c];
      totalNz += nzCount[c];
    }
    const tieCorrection = n > 1 ? 1 - tieTerm / (n * n * n - n) : 1;
    for (let c = 0; c < k; c++) {
      const n1 = sizes[c];
      const n2 = n - n1;
      const R = rankSum[c] + zerosPerGroup[c] * zeroRank;
      const mean = (n1 * (n + 1)) / 2;
      const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1) * tieCorrection);
      scores[c][gi] = sd > 0 ? (R - mean) / sd : 0;
      const meanIn = n1 > 0 ? sumExp[c] / n1 : 0;
      const meanOut = n2 > 0 ? (totalExp - sumExp[c]) / n2 : 0;
      lfc[c][gi] = Math.log2((meanIn + 1e-9) / (meanOut + 1e-9));
      pIn[c][gi] = n1 > 0 ? nzCount[c] / n1 : 0;
      pOut[c][gi] = n2 > 0 ? (totalNz - nzCount[c]) / n2 : 0;
    }
  }
  return scores.map((sc, c) => {
    const p = sc.map((z) => Math.min(1, 2 * normalSf(Math.abs(z))));
    const adj = benjaminiHochberg(p);
    const idx = Array.from(sc.keys())
      .sort((a, b) => sc[b] - sc[a] || a - b)
      .slice(0, nTop);
    return idx.map((gi) => {
      const m: MarkerGene = {
        gene: genes[gi],
        score: sc[gi],
        logFoldChange: lfc[c][gi],
        pValue: p[gi],
        pValueAdjusted: adj[gi],
        pctIn: pIn[c][gi],
        pctOut: pOut[c][gi],
      };
      if (options.geneNames) m.name = options.geneNames[genes[gi]];
      return m;
    });
  });
}

/** Counts of (predicted cluster, true label) pairs; rows are clusters, columns the label values in order of first appearance. */
export function confusionMatrix(
  predicted: ArrayLike<number>,
  truth: ArrayLike<string | number | null>,
): { clusters: number[]; labels: string[]; counts: number[][] } {
  if (!isArrayLike(predicted) || !isArrayLike(truth))
    throw invalid(
      'SHAPE_MISMATCH',
      `confusionMatrix: predicted and truth must be arrays of labels; got ${describeValue(isArrayLike(predicted) ? truth : predicted)}.`,
    );
  for (let i = 0; i < predicted.length; i++) {
    const c: unknown = predicted[i];
    if (!(typeof c === 'number' && Number.isInteger(c)))
      throw invalid(
        'BAD_OPTION',
        `confusionMatrix: predicted[${i}] is ${typeof c === 'number' ? c : describeValue(c)}; cluster labels are integers.`,
      );
  }
  if (predicted.length !== truth.length)
    throw invalid(
      'SHAPE_MISMATCH',
      `predicted has ${predicted.length} entries and truth ${truth.length}. Pass one label per cell in both.`,
    );
  const labelIndex = new Map<string, number>();
  const clusters = [...new Set(Array.from(predicted))].sort((a, b) => a - b);
  const clusterIndex = new Map(clusters.map((c, i) => [c, i]));
  const counts: number[][] = clusters.map(() => []);
  for (let i = 0; i < predicted.length; i++) {
    const t = truth[i];
    if (t === null || t === '') continue;
    // String(object) would name every object '[object Object]', one label for all.
    if (typeof t === 'object' || typeof t === 'function' || typeof t === 'symbol')
      throw invalid('BAD_OPTION', `confusionMatrix: truth[${i}] is ${describeValue(t)}; true labels are strings, numbers or null.`);
    const key = String(t);
    let j = labelIndex.get(key);
    if (j === undefined) {
      j = labelIndex.size;
      labelIndex.set(key, j);
    }
    const row = counts[clusterIndex.get(predicted[i])!];
    row[j] = (row[j] ?? 0) + 1;
  }
  const L = labelIndex.size;
  return { clusters, labels: [...labelIndex.keys()], counts: counts.map((r) => Array.from({ length: L }, (_, j) => r[j] ?? 0)) };
}
