/**
 * The 10x Genomics Cell Ranger `.h5` reader (HDF5 through h5wasm, opened by ./h5.ts).
 *
 * 10x layout: the matrix is stored compressed-sparse by column with columns = cells (indptr over
 * barcodes, indices = feature rows), which is exactly the cell-major CSR layout this library uses;
 * no transpose is needed. Cell Ranger 2 has one group per genome (data, indices, indptr, shape,
 * genes = ids, gene_names = symbols, barcodes); Cell Ranger ≥ 3 has one `matrix` group with
 * `features/{id,name,feature_type,genome}`.
 */
import { replacementWarning } from './names.js';
import { checkLoaderOptions, LOADER_OPTIONS } from './options.js';
import type { Dataset, Group } from 'h5wasm';
import { FileFormatError } from '../errors.js';
import { formatCount } from './text.js';
import { beyondExactWarning, canonicalize, notCountsWarning, checkNnz, selectColumns, validateCsr, valueStats } from './csr.js';
import { inputName } from './input.js';
import { checkMaxBytes } from './memory.js';
import type { ByteInput, LoadedCsr, LoadOptions, SingleCellData } from './types.js';
import { hdf5Error, openH5, type OpenedH5 } from './h5.js';
import { checkH5Budget, checkpoint, getPath, isDataset, isGroup, readCompressed, readNumeric, readStrings, shapeOf } from './h5-read.js';

export interface Read10xH5Options extends LoadOptions {
  /**
   * Genome to read: the group name for Cell Ranger 2 files with several genomes (required then);
   * for Cell Ranger ≥ 3, keeps only features of this genome.
   */
  genome?: string;
  /** Keep only "Gene Expression" features (Cell Ranger ≥ 3), as scanpy's gex_only. Default true. */
  geneExpressionOnly?: boolean;
}

const MATRIX_PARTS = ['data', 'indices', 'indptr', 'shape'];

/**
 * Read a 10x Genomics Cell Ranger HDF5 matrix (`filtered_feature_bc_matrix.h5`, or Cell Ranger 2's
 * `filtered_gene_bc_matrices_h5.h5`) into a cell-major CSR matrix with gene and barcode names.
 */
export async function read10xH5(input: ByteInput, options: Read10xH5Options = {}): Promise<SingleCellData> {
  checkLoaderOptions(options, LOADER_OPTIONS.tenxH5, 'read10xH5');
  const t0 = performance.now();
  const maxBytes = checkMaxBytes(options.maxBytes);
  const label = inputName(input) ?? 'matrix.h5';
  options.onProgress?.({ phase: 'open', bytesRead: 0, entries: 0 });
  const h = await openH5(input, label, {
    signal: options.signal,
    expect: 'a 10x Genomics Cell Ranger .h5 matrix',
    maxBytes,
    timeoutMs: options.timeoutMs,
  });
  try {
    await checkpoint(options.signal);
    const { group, layout, genomeName } = locate10x(h, options.genome);
    const gp = group.path;
    const ds = (name: string): Dataset | undefined => {
      const x = getPath(h, `${gp}/${name}`);
      return x && isDataset(h, x) ? x : undefined;
    };
    const shape = readNumeric(h, ds('shape')!);
    if (shape.length !== 2) throw new FileFormatError(`${label}: ${gp}/shape has ${shape.length} values; expected 2 (features, barcodes).`);
    const d = Number(shape[0]);
    const n = Number(shape[1]);
    const nnz = shapeOf(ds('data')!)[0] ?? 0;
    checkNnz(nnz, label);
    checkH5Budget(label, options, { n, d, nnz }, h.size, h.mounted);
    await checkpoint(options.signal);
    options.onProgress?.({ phase: 'matrix', bytesRead: h.size, totalBytes: h.size, entries: 0, totalEntries: nnz });
    // Columns are cells: indptr over barcodes, indices = features. That is cell-major CSR.
    const { ptr, idx, vals } = await readCompressed(h, group, n, d, options.signal);
    let matrix: LoadedCsr = { n, d, nnz: idx.length, indptr: ptr, indices: idx, values: vals };
    validateCsr(matrix, `${label} ${gp}`);
    const canon = canonicalize(matrix);
    matrix = canon.matrix;

    await checkpoint(options.signal);
    let { genes, geneIds, featureTypes, featureGenomes } = read10xFeatures(h, gp, layout);
    await checkpoint(options.signal);
    const bc = ds('barcodes');
    const cells = bc ? readStrings(h, bc) : [];
    if (genes.length !== d)
      throw new FileFormatError(
        `${label}: ${formatCount(genes.length)} feature names for ${formatCount(d)} features in ${gp}/shape. The file is corrupt.`,
      );
    if (cells.length !== n)
      throw new FileFormatError(
        `${label}: ${formatCount(cells.length)} barcodes for ${formatCount(n)} cells in ${gp}/shape. The file is corrupt.`,
      );

    const keep = featureMask(label, layout, options, featureTypes, featureGenomes);
    let dropped = 0;
    if (keep?.some((k) => !k) && keep.some(Boolean)) {
      dropped = keep.filter((k) => !k).length;
      matrix = selectColumns(matrix, keep);
      const k = keep;
      genes = genes.filter((_, j) => k[j]);
      geneIds = geneIds?.filter((_, j) => k[j]);
      featureTypes = featureTypes?.filter((_, j) => k[j]);
    }
    const stats = valueStats(matrix.values, matrix.nnz);
    const warnings: string[] = [];
    if (stats.beyondExact > 0) warnings.push(beyondExactWarning(stats.beyondExact));
    const notCounts = notCountsWarning('The matrix', stats, "Cell Ranger's .h5 files hold raw counts: check the file's origin");
    if (notCounts) warnings.push(notCounts);
    const badText = replacementWarning({
      'gene name(s)': genes,
      'gene id(s)': geneIds,
      'feature type(s)': featureTypes,
      'cell name(s)': cells,
    });
    if (badText) warnings.push(badText);
    const out: SingleCellData = {
      ...matrix,
      genes,
      cells,
      source: {
        format: '10x-h5',
        name: label,
        bytesRead: h.size,
        loadMs: 0,
        integerValued: stats.integerValued,
        looksLikeCounts: stats.integerValued && stats.nonNegative,
        maxValue: stats.maxValue,
        duplicatesSummed: canon.duplicates,
        droppedFeatures: dropped,
        warnings,
        h5Layout: layout,
        mounted: h.mounted,
      },
    };
    if (genomeName !== undefined) out.source.genome = genomeName;
    if (geneIds) out.geneIds = geneIds;
    if (featureTypes) out.featureTypes = featureTypes;
    out.source.loadMs = performance.now() - t0;
    options.onProgress?.({ phase: 'done', bytesRead: h.size, totalBytes: h.size, entries: nnz, totalEntries: nnz });
    return out;
  } catch (e) {
    throw hdf5Error(label, e, 'read the file');
  } finally {
    h.close();
  }
}

/** The group holding the matrix: Cell Ranger ≥ 3's `matrix`, or Cell Ranger 2's genome group (chosen by `genome`). */
export function locate10x(h: OpenedH5, genome: string | undefined): { group: Group; layout: 'v2' | 'v3'; genomeName?: string } {
  const label = h.label;
  const options = { genome };
  const rootKeys = h.file.keys();
  const hasParts = (g: Group): boolean => {
    const keys = g.keys();
    return MATRIX_PARTS.every((k) => keys.includes(k));
  };
  let group: Group;
  let layout: 'v2' | 'v3';
  let genomeName: string | undefined;
  const m = getPath(h, 'matrix');
  if (m && isGroup(h, m) && hasParts(m)) {
    group = m;
    layout = 'v3';
    genomeName = options.genome;
  } else {
    const genomes = rootKeys.filter((k) => {
      const g = getPath(h, k);
      return g !== undefined && isGroup(h, g) && hasParts(g);
    });
    if (genomes.length === 0) {
      const anndata = ['X', 'obs', 'var'].every((k) => rootKeys.includes(k));
      throw new FileFormatError(
        `${label}: an HDF5 file, but not a 10x Genomics matrix: no "matrix" group (Cell Ranger ≥ 3) and no genome group with data, indices, indptr and shape (Cell Ranger 2). ` +
          `Top-level entries: ${rootKeys.slice(0, 12).join(', ') || '(none)'}.` +
          (anndata
            ? ' It looks like an AnnData file: read it with readH5ad.'
            : ' Use the filtered_feature_bc_matrix.h5 that Cell Ranger writes.'),
      );
    }
    if (options.genome !== undefined) {
      if (!genomes.includes(options.genome)) {
        throw new FileFormatError(`${label}: no genome "${options.genome}"; this file has ${genomes.map((g) => `"${g}"`).join(', ')}.`);
      }
      genomeName = options.genome;
    } else if (genomes.length > 1) {
      throw new FileFormatError(
        `${label}: the file holds ${genomes.length} genomes (${genomes.map((g) => `"${g}"`).join(', ')}); pass { genome } to choose one.`,
      );
    } else genomeName = genomes[0];
    group = getPath(h, genomeName!) as Group;
    layout = 'v2';
  }
  return { group, layout, genomeName };
}

/** Feature names, ids, types and genomes of a 10x matrix group. */
export function read10xFeatures(
  h: OpenedH5,
  gp: string,
  layout: 'v2' | 'v3',
): { genes: string[]; geneIds?: string[]; featureTypes?: string[]; featureGenomes?: string[] } {
  const ds = (name: string): Dataset | undefined => {
    const x = getPath(h, `${gp}/${name}`);
    return x && isDataset(h, x) ? x : undefined;
  };
  let genes: string[];
  let geneIds: string[] | undefined;
  let featureTypes: string[] | undefined;
  let featureGenomes: string[] | undefined;
  if (layout === 'v3') {
    const f = (name: string): string[] | undefined => {
      const x = ds(`features/${name}`);
      return x ? readStrings(h, x) : undefined;
    };
    genes = f('name') ?? f('id') ?? [];
    geneIds = f('id');
    featureTypes = f('feature_type');
    featureGenomes = f('genome');
  } else {
    const names = ds('gene_names');
    const ids = ds('genes');
    genes = names ? readStrings(h, names) : ids ? readStrings(h, ids) : [];
    geneIds = ids ? readStrings(h, ids) : undefined;
  }
  return { genes, geneIds, featureTypes, featureGenomes };
}

/**
 * Which features to keep (undefined: all): "Gene Expression" only unless geneExpressionOnly is
 * false, and for Cell Ranger ≥ 3 only those of `genome` when given (as scanpy's read_10x_h5).
 */
export function featureMask(
  label: string,
  layout: 'v2' | 'v3',
  options: { genome?: string; geneExpressionOnly?: boolean },
  featureTypes: string[] | undefined,
  featureGenomes: string[] | undefined,
): boolean[] | undefined {
  let keep: boolean[] | undefined;
  if ((options.geneExpressionOnly ?? true) && featureTypes && featureTypes.some((t) => t !== 'Gene Expression')) {
    keep = featureTypes.map((t) => t === 'Gene Expression');
  }
  if (layout === 'v3' && options.genome !== undefined) {
    if (!featureGenomes) throw new FileFormatError(`${label}: { genome } was given but the file has no features/genome.`);
    if (!featureGenomes.includes(options.genome)) {
      throw new FileFormatError(
        `${label}: no features of genome "${options.genome}"; the file has ${[...new Set(featureGenomes)].map((g) => `"${g}"`).join(', ')}.`,
      );
    }
    keep = featureGenomes.map((g, j) => g === options.genome && (keep ? keep[j] : true));
  }
  return keep;
}
