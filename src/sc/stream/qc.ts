/**
 * The streamed QC passes: per-cell metrics (scanpy's calculate_qc_metrics, the numbers qcMetrics
 * gives) in one pass, then, once the cell filter is known, per-gene counts over the counted cells
 * (filterGenes' numbers) and stored entries per gene over the kept cells in a second. Host
 * float64 in row order: the reference backend's arithmetic, so the same bits as in memory.
 */
import { invalid } from '../../errors.js';
import type { CsrSource } from '../../stream/types.js';
import { checkCsr } from '../matrix.js';
import type { GeneFilterResult, QcMetrics } from '../qc.js';
import type { PassLog } from './passes.js';
import { rowQcInto } from '../row-ops.js';

/** Pass 'qc': totals, genes detected, mitochondrial counts per cell (each block validated as counts). */
export async function qcPass(source: CsrSource, mask: Uint8Array, log: PassLog): Promise<QcMetrics> {
  const n = source.n;
  const totalCounts = new Float64Array(n);
  const nGenes = new Float64Array(n);
  const mitoCounts = new Float64Array(n);
  await log.run(source, 'qc', (blk, range) => {
    if (blk.d !== source.d || blk.n !== range.end - range.start)
      throw invalid(
        'SHAPE_MISMATCH',
        `${source.name}: rows [${range.start}, ${range.end}) came back as ${blk.n} × ${blk.d}, not ${range.end - range.start} × ${source.d}. The source breaks the CsrSource contract; check its reader.`,
      );
    checkCsr(blk, `${source.name} rows [${range.start}, ${range.end})`, { nonNegative: true });
    rowQcInto(blk, mask, { total: totalCounts, detected: nGenes, masked: mitoCounts }, range.start);
  });
  const pctMito = new Float64Array(n);
  for (let i = 0; i < n; i++) pctMito[i] = totalCounts[i] > 0 ? (100 * mitoCounts[i]) / totalCounts[i] : 0;
  let mitoGenes = 0;
  for (let g = 0; g < mask.length; g++) mitoGenes += mask[g];
  return { n, d: source.d, totalCounts, nGenes, mitoCounts, pctMito, mitoGenes, backend: 'reference' };
}

/**
 * Pass 'genes': filterGenes' per-gene counts over the `counted` cells and its keep rule, and the
 * stored entries per gene over the `kept` cells (the filtered matrix's, before its columns are cut).
 */
export async function genePass(
  source: CsrSource,
  counted: Uint8Array,
  kept: Uint8Array,
  rule: { minCells: number; minCounts?: number },
  log: PassLog,
): Promise<{ filter: GeneFilterResult; entries: Float64Array }> {
  const d = source.d;
  const nCells = new Float64Array(d);
  const totalCounts = new Float64Array(d);
  const entries = new Float64Array(d);
  await log.run(source, 'genes', (blk, range) => {
    const { indptr, indices, values } = blk;
    for (let i = 0; i < blk.n; i++) {
      const r = range.start + i;
      if (kept[r]) for (let p = indptr[i]; p < indptr[i + 1]; p++) entries[indices[p]]++;
      if (!counted[r]) continue;
      for (let p = indptr[i]; p < indptr[i + 1]; p++) {
        const x = values[p];
        if (x > 0) nCells[indices[p]]++;
        totalCounts[indices[p]] += x;
      }
    }
  });
  const keep = new Uint8Array(d);
  let nKept = 0;
  for (let g = 0; g < d; g++) {
    keep[g] = nCells[g] >= rule.minCells && (rule.minCounts === undefined || totalCounts[g] >= rule.minCounts) ? 1 : 0;
    nKept += keep[g];
  }
  return { filter: { keep, nKept, nCells, totalCounts }, entries };
}
