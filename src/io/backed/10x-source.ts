/**
 * `open10xH5Source`: a 10x Genomics Cell Ranger .h5 (v2 genome groups, v3 `matrix`) as a row
 * source. Cells are the compressed columns there (indptr over barcodes), so a block of cells is
 * one contiguous range of data/indices, read on demand like an .h5ad CSR matrix (./csr-rows.ts).
 * The genome and feature-type choices are read10xH5's (same option names, same rules); the
 * dropped features are removed from every block.
 */
import { FileFormatError, throwIfAborted } from '../../errors.js';
import { featureMask, locate10x, read10xFeatures } from '../10x-h5.js';
import { checkNnz } from '../csr.js';
import { checkTimeout, hdf5Error } from '../h5.js';
import { getPath, isDataset, readNumeric, readStrings } from '../h5-read.js';
import { inputName } from '../input.js';
import { checkDimensions, checkMaxBytes } from '../memory.js';
import { checkLoaderOptions } from '../options.js';
import { formatCount } from '../text.js';
import type { ByteInput } from '../types.js';
import { checkRows, openCsrRows } from './csr-rows.js';
import { type BackedCsrSource, lazyNames } from './h5ad-source.js';
import { openBackedH5 } from './open.js';

export interface Open10xH5SourceOptions {
  /** Cell Ranger 2: the genome group (required when there are several); ≥ 3: keep this genome's features. */
  genome?: string;
  /** Keep only "Gene Expression" features (Cell Ranger ≥ 3), as scanpy's gex_only. Default true. */
  geneExpressionOnly?: boolean;
  maxBytes?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  mount?: boolean;
}

export const TENX_SOURCE_OPTIONS = ['genome', 'geneExpressionOnly', 'maxBytes', 'timeoutMs', 'signal', 'mount'] as const;

/** Open a Cell Ranger .h5 as a CsrSource of cells × kept features (a path in Node, a File in a Web Worker, or bytes). */
export async function open10xH5Source(input: string | ByteInput, options: Open10xH5SourceOptions = {}): Promise<BackedCsrSource> {
  checkLoaderOptions(options, TENX_SOURCE_OPTIONS, 'open10xH5Source');
  const maxBytes = checkMaxBytes(options.maxBytes);
  const timeoutMs = checkTimeout(options.timeoutMs);
  const label = typeof input === 'string' ? input.split(/[\\/]/).pop() || input : (inputName(input) ?? 'matrix.h5');
  const { h, access, bytesRead } = await openBackedH5(input, label, {
    maxBytes,
    timeoutMs,
    signal: options.signal,
    mount: options.mount,
    expect: 'a 10x Genomics Cell Ranger .h5 matrix',
    fn: 'open10xH5Source',
  });
  try {
    throwIfAborted(options.signal);
    const { group, layout } = locate10x(h, options.genome);
    const gp = group.path;
    const shapeDs = getPath(h, `${gp}/shape`);
    const shape = shapeDs && isDataset(h, shapeDs) ? readNumeric(h, shapeDs) : [];
    if (shape.length !== 2) throw new FileFormatError(`${label}: ${gp}/shape has ${shape.length} values; expected 2 (features, barcodes).`);
    const dFile = Number(shape[0]);
    const n = Number(shape[1]);
    checkDimensions(label, n, dFile, 'the shape');
    const { genes: allGenes, featureTypes, featureGenomes } = read10xFeatures(h, gp, layout);
    if (allGenes.length !== dFile)
      throw new FileFormatError(
        `${label}: ${formatCount(allGenes.length)} feature names for ${formatCount(dFile)} features in ${gp}/shape. The file is corrupt.`,
      );
    const mask = featureMask(label, layout, options, featureTypes, featureGenomes);
    const keep = mask?.some((k) => !k) && mask.some(Boolean) ? mask : undefined;
    const genes = keep ? allGenes.filter((_, j) => keep[j]) : allGenes;
    const rows = openCsrRows(h, gp, n, dFile, maxBytes, keep);
    checkNnz(rows.nnz, label);
    let closed = false;
    const cells = lazyNames(
      () => {
        const bc = getPath(h, `${gp}/barcodes`);
        return bc && isDataset(h, bc) ? readStrings(h, bc) : undefined;
      },
      n,
      'barcodes',
      label,
      () => closed,
    );
    return {
      kind: 'csr',
      n,
      d: rows.d,
      nnz: rows.nnz,
      name: label,
      genes,
      get cells() {
        return cells();
      },
      info: { format: '10x-h5', matrixSource: gp, encoding: 'csr', fileBytes: h.size, access },
      bytesRead: () => (closed ? undefined : bytesRead?.()),
      // Entries stored in the file: with dropped features, an upper bound on the block's nnz (chunk plans stay within budget).
      nnzIn(start, end) {
        checkRows(label, n, start, end, closed);
        return rows.indptr[end] - rows.indptr[start];
      },
      async readRows(start, end, signal) {
        checkRows(label, n, start, end, closed);
        return rows.read(start, end, signal);
      },
      async close() {
        if (closed) return;
        closed = true;
        h.close();
      },
    };
  } catch (e) {
    h.close();
    throw hdf5Error(label, e, 'read the file');
  }
}
